/**
 * A persisted block opened for queries: the index lives in typed arrays, chunk frames are read from the chunks file
 * on demand (positioned reads) and kept decompressed in a small per-block cache.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliDecompressSync, inflateRawSync } from 'node:zlib';
import type { Label, Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type { SampleBuffer, SelectHints, Series } from '../types.js';
import { chunkNumSamples, decodeChunkInto, ensureSampleCapacity, newSampleBuffer } from '../chunkenc/index.js';
import { crc32 } from './bytes.js';
import { BlockFormatError } from './errors.js';
import { CHUNKS_HEADER_BYTES, CHUNKS_MAGIC, Compression, FORMAT_VERSION, decodeIndexFile, type IndexData } from './index-format.js';
import { CHUNKS_FILE, INDEX_FILE, readMeta, type BlockMeta } from './meta.js';
import { postingsForMatchers } from './postings.js';
import { frameCache, type FrameEntry } from './frame-cache.js';


export class Block {
  private closed = false;
  /** This block's decompressed frames held in the thread's shared cache (frame-cache.ts). */
  private readonly frames = new Map<number, FrameEntry>();

  private constructor(
    readonly meta: BlockMeta,
    private readonly ix: IndexData,
    private readonly fd: number,
    private readonly chunksFile: string,
    private readonly compression: Compression,
  ) {}

  /**
   * Opens the block in `dir`: validates meta.json (version, fields), decodes and checks the index (checksum, refs in
   * range) and the chunks file's header and size. Throws BlockFormatError naming the offending file.
   */
  static open(dir: string): Block {
    const abs = resolve(dir);
    const meta = readMeta(abs);
    const indexFile = join(abs, INDEX_FILE);
    let indexBytes: Uint8Array;
    try {
      indexBytes = readFileSync(indexFile);
    } catch (e) {
      throw new BlockFormatError(indexFile, `cannot read: ${(e as Error).message}`, { cause: e });
    }
    const ix = decodeIndexFile(indexBytes, indexFile, meta.minTime);
    const chunksFile = join(abs, CHUNKS_FILE);
    let fd: number;
    try {
      fd = openSync(chunksFile, 'r');
    } catch (e) {
      throw new BlockFormatError(chunksFile, `cannot open: ${(e as Error).message}`, { cause: e });
    }
    try {
      const head = Buffer.alloc(CHUNKS_HEADER_BYTES);
      const n = readSync(fd, head, 0, CHUNKS_HEADER_BYTES, 0);
      if (n < CHUNKS_HEADER_BYTES) throw new BlockFormatError(chunksFile, `truncated: ${n} bytes, header needs ${CHUNKS_HEADER_BYTES}`);
      if (head.readUInt32BE(0) !== CHUNKS_MAGIC) throw new BlockFormatError(chunksFile, 'bad magic, not a vigil chunks file');
      if (head[4] !== FORMAT_VERSION) throw new BlockFormatError(chunksFile, `unsupported version ${head[4]}`);
      const compression = head[5]! as Compression;
      if (compression !== Compression.None && compression !== Compression.Brotli && compression !== Compression.Deflate) {
        throw new BlockFormatError(chunksFile, `unknown compression ${compression}`);
      }
      const nFrames = ix.frameOffset.length;
      const expected = nFrames ? ix.frameOffset[nFrames - 1]! + ix.frameStoredLen[nFrames - 1]! : CHUNKS_HEADER_BYTES;
      const size = fstatSync(fd).size;
      if (size !== expected) {
        throw new BlockFormatError(chunksFile, `size ${size} bytes, index expects ${expected} (${nFrames} frames): truncated or corrupt`);
      }
      return new Block({ ...meta, dir: abs }, ix, fd, chunksFile, compression);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get numSeries(): number {
    return this.ix.labelStart.length - 1;
  }

  /**
   * Series matching all `matchers` with at least one chunk overlapping [mint, maxt] (inclusive), sorted by labels.
   * Samples are decoded when `samples()` is called, restricted to [mint, maxt]; with `hints.labelsOnly` they are empty.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[] {
    this.checkOpen();
    if (!this.overlaps(mint, maxt)) return [];
    const ids = postingsForMatchers(this.ix.postings, this.numSeries, matchers);
    const out: Series[] = [];
    const labelsOnly = hints?.labelsOnly === true;
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i]!;
      if (!this.seriesOverlaps(s, mint, maxt)) continue;
      out.push(new BlockSeries(this, this.labelsOf(s), s, mint, maxt, labelsOnly));
    }
    return out;
  }

  /** Label names of the matching series (all names in the block when no matchers), sorted. */
  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    this.checkOpen();
    if (!this.overlaps(mint, maxt)) return [];
    if (matchers.length === 0) return [...this.ix.postings.keys()].sort();
    const names = new Set<string>();
    const { labelStart, labelSyms, symbols } = this.ix;
    for (const s of this.matching(matchers, mint, maxt)) {
      for (let j = labelStart[s]!; j < labelStart[s + 1]!; j++) names.add(symbols[labelSyms[2 * j]!]!);
    }
    return [...names].sort();
  }

  /** Values of label `name` among the matching series (all its values when no matchers), sorted. */
  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    this.checkOpen();
    if (!this.overlaps(mint, maxt)) return [];
    if (matchers.length === 0) return [...(this.ix.postings.get(name)?.values ?? [])];
    const values = new Set<string>();
    const { labelStart, labelSyms, symbols } = this.ix;
    for (const s of this.matching(matchers, mint, maxt)) {
      for (let j = labelStart[s]!; j < labelStart[s + 1]!; j++) {
        if (symbols[labelSyms[2 * j]!] === name) values.add(symbols[labelSyms[2 * j + 1]!]!);
      }
    }
    return [...values].sort();
  }

  /** Releases the chunks file. Series obtained earlier cannot decode samples afterwards. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    frameCache.drop(this.frames);
    closeSync(this.fd);
  }

  /**
   * Samples in the chunks of series `s` overlapping [mint, maxt] (whole chunks, from their headers): a buffer size
   * readSamples never has to grow.
   */
  sampleBound(s: number, mint: number, maxt: number): number {
    this.checkOpen();
    const { chunkStart, chunkMinT, chunkMaxT, chunkFrame, chunkOffset, chunkLength } = this.ix;
    let n = 0;
    for (let c = chunkStart[s]!; c < chunkStart[s + 1]!; c++) {
      if (chunkMaxT[c]! < mint || chunkMinT[c]! > maxt) continue;
      const frame = this.frame(chunkFrame[c]!);
      try {
        n += chunkNumSamples(frame.subarray(chunkOffset[c]!, chunkOffset[c]! + chunkLength[c]!));
      } catch (e) {
        throw new BlockFormatError(this.chunksFile, `chunk ${c} (frame ${chunkFrame[c]}, offset ${chunkOffset[c]}, ${chunkLength[c]} bytes): ${(e as Error).message}`, { cause: e });
      }
    }
    return n;
  }

  /** Appends the samples of series `s` within [mint, maxt] to `out`. Internal to BlockSeries. */
  readSamples(s: number, mint: number, maxt: number, out: SampleBuffer): void {
    this.checkOpen();
    const { chunkStart, chunkMinT, chunkMaxT, chunkFrame, chunkOffset, chunkLength } = this.ix;
    for (let c = chunkStart[s]!; c < chunkStart[s + 1]!; c++) {
      if (chunkMaxT[c]! < mint || chunkMinT[c]! > maxt) continue;
      const frame = this.frame(chunkFrame[c]!);
      try {
        decodeChunkInto(frame.subarray(chunkOffset[c]!, chunkOffset[c]! + chunkLength[c]!), mint, maxt, out);
      } catch (e) {
        throw new BlockFormatError(this.chunksFile, `chunk ${c} (frame ${chunkFrame[c]}, offset ${chunkOffset[c]}, ${chunkLength[c]} bytes): ${(e as Error).message}`, { cause: e });
      }
    }
  }

  private *matching(matchers: readonly Matcher[], mint: number, maxt: number): Generator<number> {
    const ids = postingsForMatchers(this.ix.postings, this.numSeries, matchers);
    for (let i = 0; i < ids.length; i++) if (this.seriesOverlaps(ids[i]!, mint, maxt)) yield ids[i]!;
  }

  private overlaps(mint: number, maxt: number): boolean {
    return mint < this.meta.maxTime && maxt >= this.meta.minTime;
  }

  private seriesOverlaps(s: number, mint: number, maxt: number): boolean {
    const { chunkStart, chunkMinT, chunkMaxT } = this.ix;
    for (let c = chunkStart[s]!; c < chunkStart[s + 1]!; c++) {
      if (chunkMaxT[c]! >= mint && chunkMinT[c]! <= maxt) return true;
    }
    return false;
  }

  private labelsOf(s: number): Labels {
    const { labelStart, labelSyms, symbols } = this.ix;
    const out: Label[] = [];
    for (let j = labelStart[s]!; j < labelStart[s + 1]!; j++) {
      out.push({ name: symbols[labelSyms[2 * j]!]!, value: symbols[labelSyms[2 * j + 1]!]! });
    }
    return out;
  }

  private frame(f: number): Uint8Array {
    const cached = frameCache.get(this.frames, f);
    if (cached) return cached;
    const ix = this.ix;
    const len = ix.frameStoredLen[f]!;
    const stored = Buffer.allocUnsafe(len);
    const n = readSync(this.fd, stored, 0, len, ix.frameOffset[f]!);
    if (n !== len) throw new BlockFormatError(this.chunksFile, `frame ${f}: read ${n} of ${len} bytes at offset ${ix.frameOffset[f]}`);
    const crc = crc32(stored);
    if (crc !== ix.frameCrc[f]) {
      throw new BlockFormatError(this.chunksFile, `frame ${f} at offset ${ix.frameOffset[f]}: checksum 0x${crc.toString(16)}, index says 0x${ix.frameCrc[f]!.toString(16)}`);
    }
    let raw: Uint8Array = stored;
    if (this.compression !== Compression.None) {
      try {
        raw = this.compression === Compression.Deflate ? inflateRawSync(stored) : brotliDecompressSync(stored);
      } catch (e) {
        throw new BlockFormatError(this.chunksFile, `frame ${f}: cannot decompress ${len} bytes: ${(e as Error).message}`, { cause: e });
      }
    }
    if (raw.length !== ix.frameRawLen[f]) {
      throw new BlockFormatError(this.chunksFile, `frame ${f}: ${raw.length} bytes decompressed, index says ${ix.frameRawLen[f]}`);
    }
    frameCache.put(this.frames, f, raw);
    return raw;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`block ${this.meta.id} is closed`);
  }
}

/**
 * Upper bound on the samples a block series' `samples()` returns (whole chunks overlapping its range), or -1 for
 * a series that does not come from a block.
 */
export function blockSeriesBound(series: Series): number {
  if (!(series instanceof BlockSeries)) return -1;
  return series.bound();
}

/**
 * Appends a block series' samples to `out` (growing it by doubling) rather than into a buffer of their own, so a
 * reader combining many pieces can reuse one; false, with `out` untouched, for a series not from a block.
 */
export function appendBlockSeries(series: Series, out: SampleBuffer): boolean {
  if (!(series instanceof BlockSeries)) return false;
  series.appendTo(out);
  return true;
}

class BlockSeries implements Series {
  constructor(
    private readonly block: Block,
    readonly labels: Labels,
    private readonly id: number,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly labelsOnly: boolean,
  ) {}

  samples(): SampleBuffer {
    const out = newSampleBuffer(this.labelsOnly ? 0 : this.block.sampleBound(this.id, this.mint, this.maxt));
    if (!this.labelsOnly) this.block.readSamples(this.id, this.mint, this.maxt, out);
    return out;
  }

  bound(): number {
    return this.labelsOnly ? 0 : this.block.sampleBound(this.id, this.mint, this.maxt);
  }

  appendTo(out: SampleBuffer): void {
    if (this.labelsOnly) return;
    ensureSampleCapacity(out, out.length + this.bound());
    this.block.readSamples(this.id, this.mint, this.maxt, out);
  }
}
