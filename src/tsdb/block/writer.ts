/**
 * Writes an immutable block: series sorted by labels, samples cut into dense chunks (chunkenc's block encoding)
 * packed back to back into deflate-compressed frames of the `chunks` file, an `index`, and `meta.json`. Everything is
 * written into `<dataDir>/<id>.tmp/`, fsynced, then renamed to `<dataDir>/<id>/`, so a crash or an error never
 * leaves a directory that listBlocks() would take for a block.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { brotliCompress, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { compareLabels, type Labels } from '../../model/labels.js';
import type { SampleBuffer } from '../types.js';
import { encodeBlockChunk } from '../chunkenc/index.js';
import { ByteWriter, crc32 } from './bytes.js';
import {
  CHUNKS_HEADER_BYTES, CHUNKS_MAGIC, Compression, FORMAT_VERSION, encodeIndexPayloadSteps, indexBrotliOptions, wrapIndexFile,
  type IndexData, type NamePostings,
} from './index-format.js';
import { Slicer, runSliced, sortSliced } from './slicer.js';
import { CHUNKS_FILE, INDEX_FILE, META_FILE, metaToJson, type BlockMeta } from './meta.js';
import { newBlockId } from './ulid.js';
import { syncPath } from '../fsync.js';

const brotli = promisify(brotliCompress);
const deflate = promisify(deflateRaw);

/** Samples per chunk. Dense chunks amortize their header over more samples; see FORMAT.md for the measurement. */
export const DEFAULT_CHUNK_SAMPLES = 480;
/** Raw bytes per compressed frame of the chunks file: what a query decompresses at least to read one chunk. */
export const DEFAULT_FRAME_BYTES = 64 * 1024;
/** Frames compressed concurrently on libuv's thread pool while the writer keeps encoding: 2, so on a 2-core machine the
 * pool does not crowd the event loop off the CPUs. */
const FRAMES_IN_FLIGHT = 2;
/** Longest stretch of work on the event loop before the writer yields to it (scrapes must not wait on a flush). */
const SLICE_MS = 10;

export interface WriteBlockOptions {
  /** Inclusive lower bound of the block's time range, ms. */
  minTime: number;
  /** Exclusive upper bound, ms (Prometheus's convention): samples at t >= maxTime are not written. */
  maxTime: number;
  /** Sample spacing of downsampled data, ms; 0 (default) = raw. */
  resolution?: number;
  /** Compaction level: 1 (default) for blocks cut from the head or imported. */
  level?: number;
  /** Ids of the blocks this one was compacted from (default: just its own id). */
  sources?: string[];
  /** Samples per chunk (default DEFAULT_CHUNK_SAMPLES). */
  chunkSamples?: number;
  /** Raw bytes per frame (default DEFAULT_FRAME_BYTES). */
  frameBytes?: number;
  /** Compress frames (deflate) and index (brotli); default true. */
  compress?: boolean;
  /** Clock for the block id (default Date.now). */
  now?: () => number;
  /** Time slicing of the CPU work (default: slices of 10 ms); tests pass their own to count the yields. */
  slicer?: Slicer;
}

export type SeriesInput = { labels: Labels; samples: SampleBuffer };

/** Raised when the input breaks writeBlock's contract (duplicate label sets, samples out of time order). */
export class BlockWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockWriteError';
  }
}

interface Picked { labels: Labels; t: Float64Array; v: Float64Array; from: number; to: number }

/**
 * Persists `series` as a new block under `dataDir` and returns its meta (with `dir` set).
 *
 * Series may come in any order; each label set must appear once (normalized Labels) and each series' samples must
 * be strictly increasing in time. Samples outside [minTime, maxTime) are left out, and so are series with no sample
 * left. The block is complete on disk (fsynced and renamed) when the promise resolves; on any error the temporary
 * directory is removed and the error rethrown. The sample buffers are read until the promise settles (encoding
 * yields to the event loop every few milliseconds): callers must not modify them meanwhile.
 *
 * @example
 *   const meta = await writeBlock('/data', [{ labels, samples }], { minTime: 0, maxTime: 7_200_000 });
 *   const block = Block.open(meta.dir);
 */
export async function writeBlock(
  dataDir: string,
  series: Iterable<SeriesInput> | AsyncIterable<SeriesInput>,
  opts: WriteBlockOptions,
): Promise<BlockMeta> {
  const { minTime, maxTime } = opts;
  if (!(Number.isSafeInteger(minTime) && Number.isSafeInteger(maxTime) && minTime <= maxTime)) {
    throw new BlockWriteError(`invalid block range [${minTime}, ${maxTime})`);
  }
  const chunkSamples = opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES;
  const frameBytes = opts.frameBytes ?? DEFAULT_FRAME_BYTES;
  const compress = opts.compress ?? true;
  // Every phase below (gathering, sorting, symbols, postings, chunk encoding, index encoding) polls the slicer:
  // a million-series block must not hold the event loop for more than a slice at a time.
  const slicer = opts.slicer ?? new Slicer(SLICE_MS);

  const picked: Picked[] = [];
  let seen = 0;
  for await (const s of series) {
    if ((++seen & 63) === 0 && slicer.due()) await slicer.pause();
    const { t, v, length } = s.samples;
    // Binary search: callers may pass whole buffers and cut several blocks out of them.
    let from = 0, hi = length;
    while (from < hi) {
      const mid = (from + hi) >>> 1;
      if (t[mid]! < minTime) from = mid + 1; else hi = mid;
    }
    let to = from;
    for (; to < length && t[to]! < maxTime; to++) {
      if (to > from && !(t[to]! > t[to - 1]!)) {
        throw new BlockWriteError(`series ${labelsText(s.labels)}: sample ${to} at t=${t[to]} is not after t=${t[to - 1]}`);
      }
    }
    if (to > from) picked.push({ labels: s.labels, t, v, from, to });
  }
  await sortSliced(picked, (a, b) => compareLabels(a.labels, b.labels), slicer);
  for (let i = 1; i < picked.length; i++) {
    if ((i & 1023) === 0 && slicer.due()) await slicer.pause();
    if (compareLabels(picked[i - 1]!.labels, picked[i]!.labels) === 0) {
      throw new BlockWriteError(`series ${labelsText(picked[i]!.labels)} given twice`);
    }
  }

  const id = newBlockId((opts.now ?? Date.now)());
  const root = resolve(dataDir);
  const tmp = join(root, `${id}.tmp`);
  const final = join(root, id);
  await mkdir(root, { recursive: true });
  await mkdir(tmp);
  try {
    const { index, numChunks, numSamples, chunksBytes } = await writeChunks(join(tmp, CHUNKS_FILE), picked, {
      chunkSamples, frameBytes, compress, slicer,
    });
    const rawIndex = await runSliced(encodeIndexPayloadSteps(index, minTime), slicer);
    const indexBytes = wrapIndexFile(rawIndex, compress ? await brotli(rawIndex, indexBrotliOptions(rawIndex.length)) : rawIndex, compress);
    await writeSynced(join(tmp, INDEX_FILE), indexBytes);
    const meta: BlockMeta = {
      version: 1,
      id,
      dir: final,
      minTime,
      maxTime,
      resolution: opts.resolution ?? 0,
      stats: { numSeries: picked.length, numSamples, numChunks, bytes: chunksBytes + indexBytes.length },
      compaction: { level: opts.level ?? 1, sources: opts.sources ?? [id] },
    };
    await writeSynced(join(tmp, META_FILE), Buffer.from(metaToJson(meta)));
    await syncPath(tmp);
    await rename(tmp, final);
    await syncPath(root);
    return meta;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

function labelsText(ls: Labels): string {
  return '{' + ls.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

async function writeSynced(file: string, data: Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

interface ChunksResult { index: IndexData; numChunks: number; numSamples: number; chunksBytes: number }

async function writeChunks(
  file: string,
  picked: readonly Picked[],
  o: { chunkSamples: number; frameBytes: number; compress: boolean; slicer: Slicer },
): Promise<ChunksResult> {
  const { slicer } = o;
  const nSeries = picked.length;
  // Symbols and label refs.
  const symSet = new Set<string>();
  let nLabels = 0;
  for (let s = 0; s < nSeries; s++) {
    if ((s & 1023) === 0 && slicer.due()) await slicer.pause();
    for (const l of picked[s]!.labels) { symSet.add(l.name); symSet.add(l.value); nLabels++; }
  }
  const symbols = [...symSet];
  await sortSliced(symbols, compareStrings, slicer);
  const symId = new Map<string, number>();
  for (let i = 0; i < symbols.length; i++) {
    if ((i & 4095) === 0 && slicer.due()) await slicer.pause();
    symId.set(symbols[i]!, i);
  }
  const labelStart = new Int32Array(nSeries + 1);
  const labelSyms = new Int32Array(2 * nLabels);
  const byName = new Map<string, Map<string, number[]>>();
  let nl = 0;
  for (let s = 0; s < nSeries; s++) {
    if ((s & 1023) === 0 && slicer.due()) await slicer.pause();
    labelStart[s] = nl;
    for (const l of picked[s]!.labels) {
      labelSyms[2 * nl] = symId.get(l.name)!;
      labelSyms[2 * nl + 1] = symId.get(l.value)!;
      nl++;
      let vals = byName.get(l.name);
      if (!vals) byName.set(l.name, (vals = new Map()));
      let list = vals.get(l.value);
      if (!list) vals.set(l.value, (list = []));
      list.push(s);
    }
  }
  labelStart[nSeries] = nl;
  const postings = new Map<string, NamePostings>();
  for (const [name, vals] of byName) {
    const values = [...vals.keys()];
    await sortSliced(values, compareStrings, slicer);
    const lists = new Array<Int32Array>(values.length);
    for (let i = 0; i < values.length; i++) {
      if ((i & 1023) === 0 && slicer.due()) await slicer.pause();
      lists[i] = Int32Array.from(vals.get(values[i]!)!);
    }
    postings.set(name, { values, lists });
  }

  // Chunk refs: sized up front from the chunk count.
  let numChunks = 0, numSamples = 0;
  const chunkStart = new Int32Array(nSeries + 1);
  for (let s = 0; s < nSeries; s++) {
    chunkStart[s] = numChunks;
    const n = picked[s]!.to - picked[s]!.from;
    numSamples += n;
    numChunks += Math.ceil(n / o.chunkSamples);
  }
  chunkStart[nSeries] = numChunks;
  const chunkMinT = new Float64Array(numChunks), chunkMaxT = new Float64Array(numChunks);
  const chunkFrame = new Int32Array(numChunks), chunkOffset = new Int32Array(numChunks);
  const chunkLength = new Int32Array(numChunks);

  const frameStored: number[] = [], frameRaw: number[] = [], frameCrcs: number[] = [];
  const fh = await open(file, 'w');
  let written = 0;
  try {
    const header = new ByteWriter(CHUNKS_HEADER_BYTES);
    header.u32(CHUNKS_MAGIC);
    header.byte(FORMAT_VERSION);
    header.byte(o.compress ? Compression.Deflate : Compression.None);
    written += await writeAll(fh, header.finish());

    const inFlight: Promise<Uint8Array>[] = [];
    const drainOne = async () => {
      const stored = await inFlight.shift()!;
      frameStored.push(stored.length);
      frameCrcs.push(crc32(stored));
      written += await writeAll(fh, stored);
    };
    let frame = new ByteWriter(o.frameBytes + 4096);
    let frameIdx = 0;
    const closeFrame = async () => {
      const raw = frame.finish();
      frameRaw.push(raw.length);
      inFlight.push(o.compress ? compressFrame(raw) : Promise.resolve(raw));
      frame = new ByteWriter(o.frameBytes + 4096);
      frameIdx++;
      if (inFlight.length >= FRAMES_IN_FLIGHT) await drainOne();
    };

    let c = 0;
    for (let s = 0; s < nSeries; s++) {
      if ((s & 63) === 0 && slicer.due()) await slicer.pause();
      const p = picked[s]!;
      const n = p.to - p.from;
      const k = Math.ceil(n / o.chunkSamples);
      // Equal-sized chunks rather than a short tail: no chunk pays its header for a handful of samples.
      for (let j = 0; j < k; j++, c++) {
        const a = p.from + Math.floor((j * n) / k), b = p.from + Math.floor(((j + 1) * n) / k);
        const enc = encodeBlockChunk(p.t, p.v, a, b);
        if (frame.length > 0 && frame.length + enc.length > o.frameBytes) await closeFrame();
        chunkMinT[c] = p.t[a]!;
        chunkMaxT[c] = p.t[b - 1]!;
        chunkFrame[c] = frameIdx;
        chunkOffset[c] = frame.length;
        chunkLength[c] = enc.length;
        frame.bytes(enc);
      }
    }
    if (frame.length > 0) await closeFrame();
    while (inFlight.length) await drainOne();
    await fh.sync();
  } finally {
    await fh.close();
  }
  const nFrames = frameRaw.length;
  const frameOffset = new Float64Array(nFrames);
  for (let f = 0, off = CHUNKS_HEADER_BYTES; f < nFrames; f++) { frameOffset[f] = off; off += frameStored[f]!; }
  return {
    index: {
      symbols, frameOffset,
      frameStoredLen: Int32Array.from(frameStored), frameRawLen: Int32Array.from(frameRaw),
      frameCrc: Uint32Array.from(frameCrcs),
      labelStart, labelSyms, chunkStart, chunkMinT, chunkMaxT, chunkFrame, chunkOffset, chunkLength, postings,
    },
    numChunks, numSamples, chunksBytes: written,
  };
}

/** Code-unit order, as Array.prototype.sort's default (the order the index has always used for symbols). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function writeAll(fh: FileHandle, data: Uint8Array): Promise<number> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
  return data.length;
}

/** Raw deflate, level 6: on the bench data as small as brotli at quality 9 (0.672 vs 0.671 bytes/sample) for a
 * seventeenth of the CPU, and faster to decompress (FORMAT.md). */
function compressFrame(raw: Uint8Array): Promise<Uint8Array> {
  return deflate(raw, { level: 6 });
}

