/**
 * Backfilling: imports an OpenMetrics text file with timestamps (what `promtool tsdb create-blocks-from openmetrics`
 * reads) into blocks of a data dir. Streaming: the input is parsed in line-aligned pieces; samples are buffered per
 * series and written as blocks at the end, or earlier whenever the buffer exceeds the memory limit (the blocks of
 * successive flushes may then overlap in time; queries merge overlapping blocks).
 *
 * All blocks are first written under a staging directory inside the data dir and moved into place only after the
 * whole input was read without error; on failure the staging directory (and anything already moved) is removed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Entry, ExpositionParser, ParseError } from '../../scrape/parse/index.js';
import type { SampleBuffer } from '../types.js';
import type { Labels } from '../../model/labels.js';
import { writeBlock, type BlockMeta, type WriteBlockOptions } from '../block/index.js';
import { newBlockId } from '../block/ulid.js';
import { ConflictingSampleError, SampleCollector } from './collector.js';
import { DEFAULT_PIECE_BYTES, countLines, endsWithEofMarker, linePieces } from './pieces.js';
import { alignedWindows, chooseBlockRange } from './ranges.js';
import { syncPath } from '../fsync.js';

/** Staging directories are `.import-<pid>-<ulid>.tmp`: invisible to listBlocks, and removable once their pid is gone. */
const STAGING_PREFIX = '.import-';

/** Default bound on the buffers of sample data before blocks are flushed: 512 MiB (16 to 32 M samples). */
export const DEFAULT_IMPORT_MEMORY_BYTES = 512 * 1024 * 1024;

export interface ImportOptions {
  /** How the input is named in errors (`FILE:LINE: message`): the path, or `-` for stdin. */
  sourceName: string;
  /** Largest block range, ms (default 162 h, the top of the ladder in ranges.ts). */
  maxBlockDuration?: number;
  /** Bytes of sample buffers that trigger writing blocks before the end of the input (default 512 MiB). */
  memoryLimitBytes?: number;
  /** Bytes per parsed piece (default 8 MiB). */
  pieceBytes?: number;
  /** Called after each piece with the bytes consumed so far and the samples read so far. */
  onProgress?: (bytesRead: number, samplesRead: number) => void;
  /** Passed on to writeBlock (chunk size, compression, clock). */
  block?: Pick<WriteBlockOptions, 'chunkSamples' | 'frameBytes' | 'compress' | 'now'>;
}

export interface ImportSummary {
  series: number;
  samples: number;
  blocks: BlockMeta[];
  /** Bytes of the written blocks (chunks and index files). */
  bytes: number;
  seconds: number;
  /** Samples dropped as exact repeats of a timestamp. */
  duplicatesDropped: number;
  /** Samples that arrived older than their series' previous one (accepted and sorted). */
  outOfOrder: number;
}

/** Bad input: reads `FILE:LINE: message`. */
export class ImportError extends Error {
  constructor(readonly file: string, readonly line: number, readonly detail: string, options?: { cause?: unknown }) {
    super(`${file}:${line}: ${detail}`, options);
    this.name = 'ImportError';
  }
}

/**
 * Imports `source` (a byte stream of OpenMetrics text) into `dataDir`. Every sample needs a timestamp. Samples of a
 * series may come in any order: they are sorted; an exact repeat of a timestamp is dropped, and a repeat with another
 * value is an error when adjacent (otherwise the last one read wins). Rejects with ImportError for bad input and
 * leaves the data dir as it was on any error.
 */
export async function importOpenMetrics(
  source: AsyncIterable<Uint8Array>,
  dataDir: string,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const root = resolve(dataDir);
  const name = opts.sourceName;
  const memoryLimit = opts.memoryLimitBytes ?? DEFAULT_IMPORT_MEMORY_BYTES;
  const collector = new SampleCollector();
  const createdRoot = !existsSync(root);
  const staging = join(root, `${STAGING_PREFIX}${process.pid}-${newBlockId()}.tmp`);
  const staged: BlockMeta[] = [];
  let samples = 0;

  const flush = async () => {
    const all = collector.drain();
    if (all.length === 0) return;
    const range = chooseBlockRange(collector.minT, collector.maxT, opts.maxBlockDuration);
    for (const [ws, we] of alignedWindows(collector.minT, collector.maxT, range)) {
      const inWindow: Array<{ labels: Labels; samples: SampleBuffer }> = [];
      let lo = Infinity, hi = -Infinity;
      for (const s of all) {
        const { t, v, length } = s.samples;
        const a = lowerBound(t, length, ws), b = lowerBound(t, length, we);
        if (b <= a) continue;
        inWindow.push({ labels: s.labels, samples: { t: t.subarray(a, b), v: v.subarray(a, b), length: b - a } });
        if (t[a]! < lo) lo = t[a]!;
        if (t[b - 1]! > hi) hi = t[b - 1]!;
      }
      if (inWindow.length === 0) continue;
      staged.push(await writeBlock(staging, inWindow, { ...opts.block, minTime: lo, maxTime: hi + 1 }));
    }
    collector.clear();
  };

  const moved: string[] = [];
  try {
    await mkdir(staging, { recursive: true });
    await removeAbandonedStaging(root);
    for await (const piece of linePieces(source, opts.pieceBytes ?? DEFAULT_PIECE_BYTES)) {
      samples += parsePiece(piece.bytes, piece.lineOffset, piece.final, name, collector);
      if (!piece.final && endsWithEofMarker(piece.bytes)) {
        throw new ImportError(name, piece.lineOffset + countLines(piece.bytes) + 1, 'unexpected data after "# EOF"');
      }
      opts.onProgress?.(piece.endOffset, samples);
      if (collector.allocatedBytes > memoryLimit) await flush();
    }
    await flush();
    // Only now does anything appear in the data dir: one rename per block, then the directory is synced.
    const blocks: BlockMeta[] = [];
    for (const m of staged) {
      const dest = join(root, m.id);
      await rename(m.dir, dest);
      moved.push(dest);
      blocks.push({ ...m, dir: dest });
    }
    await syncPath(root);
    await rm(staging, { recursive: true, force: true });
    return {
      series: collector.labels.length,
      samples: blocks.reduce((n, b) => n + b.stats.numSamples, 0),
      blocks,
      bytes: blocks.reduce((n, b) => n + (b.stats.bytes ?? 0), 0),
      seconds: (performance.now() - started) / 1000,
      duplicatesDropped: collector.duplicatesDropped,
      outOfOrder: collector.outOfOrder,
    };
  } catch (e) {
    for (const d of moved) await rm(d, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
    if (createdRoot) await rm(root, { recursive: true, force: true });
    throw e;
  }
}

/** Parses one piece into the collector; returns the number of samples read. */
function parsePiece(bytes: Uint8Array, lineOffset: number, final: boolean, name: string, c: SampleCollector): number {
  let n = 0;
  let p: ExpositionParser | undefined;
  try {
    p = new ExpositionParser(bytes, 'openmetrics', { lineOffset, requireEof: final });
    for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
      if (e !== Entry.Series) continue;
      let ts = p.timestamp();
      if (ts === undefined) {
        throw new ImportError(name, p.line(), `sample of ${p.seriesKey()} has no timestamp (backfilling needs one on every sample)`);
      }
      // Prometheus truncates fractional milliseconds of OpenMetrics' float seconds.
      if (ts !== Math.floor(ts)) ts = Math.trunc(ts);
      const key = p.seriesKey();
      let id = c.lookup(key);
      if (id < 0) id = c.addSeries(key, p.labels());
      c.add(id, ts, p.value());
      n++;
    }
  } catch (e) {
    if (e instanceof ParseError) throw new ImportError(name, e.line, parseDetail(e), { cause: e });
    if (e instanceof ConflictingSampleError) throw new ImportError(name, p?.line() ?? lineOffset, `${p?.seriesKey() ?? ''}: ${e.message}`, { cause: e });
    throw e;
  }
  return n;
}

/** The parser's detail (what was expected and found) with the column; the line goes in front. */
function parseDetail(e: ParseError): string {
  return `${e.detail} (column ${e.column})`;
}

function lowerBound(t: Float64Array, length: number, x: number): number {
  let lo = 0, hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}


/** Removes staging directories of imports whose process no longer exists (killed mid-import). */
async function removeAbandonedStaging(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    const m = /^\.import-(\d+)-[0-9A-Z]+\.tmp$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await rm(join(root, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
