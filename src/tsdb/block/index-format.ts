/**
 * The block index codec (see FORMAT.md): symbol table, frame table of the chunks file, series (label symbol refs and
 * chunk refs with their time ranges) and postings (per label pair, sorted series ids). The whole index is read into
 * typed arrays at open; pure functions, no I/O.
 */
import { brotliDecompressSync, constants as zc } from 'node:zlib';
import { ByteReader, ByteWriter, crc32 } from './bytes.js';
import { BlockFormatError } from './errors.js';
import { runToEnd } from './slicer.js';

export const INDEX_MAGIC = 0x56474958; // "VGIX"
export const CHUNKS_MAGIC = 0x5647434b; // "VGCK"
export const FORMAT_VERSION = 1;
/** How the index payload or each chunks-file frame is compressed. */
export const enum Compression { None = 0, Brotli = 1, Deflate = 2 }
/** Bytes before the first frame of the chunks file: magic, version, compression. */
export const CHUNKS_HEADER_BYTES = 6;

/** Postings of one label name: its values in byte order and, per value, the sorted ids of series carrying it. */
export interface NamePostings {
  values: string[];
  lists: Int32Array[];
}

/** The decoded index of one block. Series ids are positions in label order (compareLabels). */
export interface IndexData {
  symbols: string[];
  /** Frames of the chunks file: byte offset (from the file start), stored length, raw length, CRC-32 of stored bytes. */
  frameOffset: Float64Array;
  frameStoredLen: Int32Array;
  frameRawLen: Int32Array;
  frameCrc: Uint32Array;
  /** Series i's label pairs are labelSyms[2*labelStart[i] .. 2*labelStart[i+1]) as (name, value) symbol ids. */
  labelStart: Int32Array;
  labelSyms: Int32Array;
  /** Series i's chunks are [chunkStart[i], chunkStart[i+1]) of the chunk arrays. */
  chunkStart: Int32Array;
  chunkMinT: Float64Array;
  chunkMaxT: Float64Array;
  chunkFrame: Int32Array;
  /** Offset of the chunk inside its frame's raw (decompressed) bytes. */
  chunkOffset: Int32Array;
  chunkLength: Int32Array;
  postings: Map<string, NamePostings>;
}

/**
 * Brotli settings for an index payload of `size` bytes. Quality 9 is 0–17 % smaller than 6 (FORMAT.md) at about five
 * times the CPU; it runs on libuv's pool, once per block, so 9 is used up to 8 MiB of payload (about 150 k series)
 * and 6 beyond, to keep a million-series index from holding a pool thread for many seconds.
 */
export function indexBrotliOptions(size: number): { params: Record<number, number> } {
  return {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: size <= 8 * 1024 * 1024 ? 9 : 6,
      [zc.BROTLI_PARAM_SIZE_HINT]: size,
      [zc.BROTLI_PARAM_LGWIN]: 22,
    },
  };
}

/** The index payload: symbols, frames, series, postings (uncompressed). */
export function encodeIndexPayload(ix: IndexData, minTime: number): Uint8Array {
  return runToEnd(encodeIndexPayloadSteps(ix, minTime));
}

/**
 * encodeIndexPayload as a generator that pauses (yields) every few thousand entries, so a writer can spread the
 * encoding of a large index over several event-loop turns (slicer.ts's runSliced). Returns the same bytes.
 */
export function* encodeIndexPayloadSteps(ix: IndexData, minTime: number): Generator<void, Uint8Array> {
  const w = new ByteWriter(1 << 16);
  const symId = new Map<string, number>();
  w.uvarint(ix.symbols.length);
  for (let i = 0; i < ix.symbols.length; i++) {
    symId.set(ix.symbols[i]!, i);
    w.string(ix.symbols[i]!);
    if ((i & 4095) === 4095) yield;
  }
  const nFrames = ix.frameStoredLen.length;
  w.uvarint(nFrames);
  for (let f = 0; f < nFrames; f++) {
    w.uvarint(ix.frameStoredLen[f]!);
    w.uvarint(ix.frameRawLen[f]!);
    w.u32(ix.frameCrc[f]!);
  }
  const nSeries = ix.labelStart.length - 1;
  w.uvarint(nSeries);
  let prevFrame = 0;
  for (let s = 0; s < nSeries; s++) {
    if ((s & 1023) === 1023) yield;
    const l0 = ix.labelStart[s]!, l1 = ix.labelStart[s + 1]!;
    w.uvarint(l1 - l0);
    for (let j = 2 * l0; j < 2 * l1; j++) w.uvarint(ix.labelSyms[j]!);
    const c0 = ix.chunkStart[s]!, c1 = ix.chunkStart[s + 1]!;
    w.uvarint(c1 - c0);
    let prevT = minTime;
    for (let c = c0; c < c1; c++) {
      // Chunks are laid out back to back: a chunk's offset is implied by the previous one unless it opens a frame.
      const frameDelta = ix.chunkFrame[c]! - prevFrame;
      const expected = frameDelta === 0 && c > 0 ? ix.chunkOffset[c - 1]! + ix.chunkLength[c - 1]! : 0;
      if (frameDelta < 0 || ix.chunkOffset[c] !== expected) {
        throw new Error(`BUG: chunk ${c} at frame ${ix.chunkFrame[c]} offset ${ix.chunkOffset[c]} is not sequential`);
      }
      w.varint(ix.chunkMinT[c]! - prevT);
      w.uvarint(ix.chunkMaxT[c]! - ix.chunkMinT[c]!);
      w.uvarint(frameDelta);
      w.uvarint(ix.chunkLength[c]!);
      prevT = ix.chunkMaxT[c]!;
      prevFrame = ix.chunkFrame[c]!;
    }
  }
  const names = [...ix.postings.keys()].sort();
  w.uvarint(names.length);
  for (const name of names) {
    const np = ix.postings.get(name)!;
    w.uvarint(symId.get(name)!);
    w.uvarint(np.values.length);
    for (let i = 0; i < np.values.length; i++) {
      if ((i & 1023) === 1023) yield;
      w.uvarint(symId.get(np.values[i]!)!);
      const list = np.lists[i]!;
      w.uvarint(list.length);
      let prev = -1;
      for (let k = 0; k < list.length; k++) {
        w.uvarint(list[k]! - prev - 1);
        prev = list[k]!;
      }
    }
  }
  return w.finish();
}

/** Wraps a (possibly compressed) payload of `raw.length` bytes in the envelope: magic, version, compression,
 * lengths, and a CRC-32 of everything before it. */
export function wrapIndexFile(raw: Uint8Array, payload: Uint8Array, compress: boolean): Uint8Array {
  const out = new ByteWriter(payload.length + 20);
  out.u32(INDEX_MAGIC);
  out.byte(FORMAT_VERSION);
  out.byte(compress ? Compression.Brotli : Compression.None);
  out.u32(raw.length);
  out.u32(payload.length);
  out.bytes(payload);
  out.u32(crc32(out.finish()));
  return out.finish();
}

/** Decodes an index file; every inconsistency throws BlockFormatError naming `file` with sizes and positions. */
export function decodeIndexFile(data: Uint8Array, file: string, minTime: number): IndexData {
  if (data.length < 18) throw new BlockFormatError(file, `truncated: ${data.length} bytes, header needs 18`);
  const env = new ByteReader(data, file);
  const magic = env.u32();
  if (magic !== INDEX_MAGIC) throw new BlockFormatError(file, `bad magic 0x${magic.toString(16)}, not a vigil index`);
  const version = env.byte();
  if (version !== FORMAT_VERSION) throw new BlockFormatError(file, `unsupported index version ${version}`);
  const compression = env.byte();
  const rawLen = env.u32();
  const storedLen = env.u32();
  if (env.remaining !== storedLen + 4) {
    throw new BlockFormatError(file, `size mismatch: payload of ${storedLen} bytes announced, ${env.remaining - 4} present (truncated?)`);
  }
  const stored = env.bytes(storedLen);
  const wantCrc = env.u32();
  const gotCrc = crc32(data.subarray(0, data.length - 4));
  if (wantCrc !== gotCrc) {
    throw new BlockFormatError(file, `checksum mismatch: stored 0x${wantCrc.toString(16)}, computed 0x${gotCrc.toString(16)}`);
  }
  let raw: Uint8Array;
  if (compression === Compression.Brotli) {
    try {
      raw = brotliDecompressSync(stored);
    } catch (e) {
      throw new BlockFormatError(file, `cannot decompress ${storedLen} bytes: ${(e as Error).message}`, { cause: e });
    }
  } else if (compression === Compression.None) raw = stored;
  else throw new BlockFormatError(file, `unknown compression ${compression}`);
  if (raw.length !== rawLen) throw new BlockFormatError(file, `payload is ${raw.length} bytes, header says ${rawLen}`);

  const r = new ByteReader(raw, file);
  const nSyms = r.uvarint();
  if (nSyms > raw.length) throw new BlockFormatError(file, `symbol count ${nSyms} exceeds payload size ${raw.length}`);
  const symbols = new Array<string>(nSyms);
  for (let i = 0; i < nSyms; i++) symbols[i] = r.string();
  const sym = (id: number): string => {
    if (id >= nSyms) throw new BlockFormatError(file, `symbol ref ${id} out of range (${nSyms} symbols) at byte ${r.pos}`);
    return symbols[id]!;
  };

  const nFrames = r.uvarint();
  if (nFrames > raw.length) throw new BlockFormatError(file, `frame count ${nFrames} exceeds payload size`);
  const frameOffset = new Float64Array(nFrames);
  const frameStoredLen = new Int32Array(nFrames);
  const frameRawLen = new Int32Array(nFrames);
  const frameCrc = new Uint32Array(nFrames);
  let off = CHUNKS_HEADER_BYTES;
  for (let f = 0; f < nFrames; f++) {
    frameOffset[f] = off;
    frameStoredLen[f] = r.uvarint();
    frameRawLen[f] = r.uvarint();
    frameCrc[f] = r.u32();
    off += frameStoredLen[f]!;
  }

  const nSeries = r.uvarint();
  if (nSeries > raw.length) throw new BlockFormatError(file, `series count ${nSeries} exceeds payload size`);
  const labelStart = new Int32Array(nSeries + 1);
  const chunkStart = new Int32Array(nSeries + 1);
  let labelSyms = new Int32Array(Math.max(16, nSeries * 8));
  let cap = Math.max(16, nSeries * 2);
  let chunkMinT = new Float64Array(cap), chunkMaxT = new Float64Array(cap);
  let chunkFrame = new Int32Array(cap), chunkOffset = new Int32Array(cap), chunkLength = new Int32Array(cap);
  let nl = 0, nc = 0, frame = 0, prevEnd = 0;
  for (let s = 0; s < nSeries; s++) {
    labelStart[s] = nl;
    const k = r.uvarint();
    // Every count is bounded by the bytes left (each entry takes at least one): corrupt counts fail here, not in an
    // allocation.
    if (k > r.remaining) throw new BlockFormatError(file, `series ${s}: label count ${k} exceeds the ${r.remaining} bytes left`);
    if (2 * (nl + k) > labelSyms.length) {
      const next = new Int32Array(Math.max(labelSyms.length * 2, 2 * (nl + k)));
      next.set(labelSyms);
      labelSyms = next;
    }
    for (let j = 0; j < 2 * k; j++) {
      const id = r.uvarint();
      sym(id);
      labelSyms[2 * nl + j] = id;
    }
    nl += k;
    chunkStart[s] = nc;
    const m = r.uvarint();
    if (m > r.remaining) throw new BlockFormatError(file, `series ${s}: chunk count ${m} exceeds the ${r.remaining} bytes left`);
    if (nc + m > cap) {
      cap = Math.max(cap * 2, nc + m);
      const g64 = (a: Float64Array) => { const n = new Float64Array(cap); n.set(a); return n; };
      const g32 = (a: Int32Array) => { const n = new Int32Array(cap); n.set(a); return n; };
      chunkMinT = g64(chunkMinT); chunkMaxT = g64(chunkMaxT);
      chunkFrame = g32(chunkFrame); chunkOffset = g32(chunkOffset); chunkLength = g32(chunkLength);
    }
    let prevT = minTime;
    for (let c = 0; c < m; c++, nc++) {
      const mint = prevT + r.varint();
      const maxt = mint + r.uvarint();
      const fd = r.uvarint();
      const len = r.uvarint();
      if (fd > 0 || nc === 0) {
        frame += fd;
        prevEnd = 0;
      }
      if (frame >= nFrames || prevEnd + len > frameRawLen[frame]!) {
        throw new BlockFormatError(file, `chunk ${nc} of series ${s} (frame ${frame}, bytes ${prevEnd}+${len}) lies outside the ${nFrames} frames of the chunks file`);
      }
      chunkMinT[nc] = mint; chunkMaxT[nc] = maxt;
      chunkFrame[nc] = frame; chunkOffset[nc] = prevEnd; chunkLength[nc] = len;
      prevEnd += len;
      prevT = maxt;
    }
  }
  labelStart[nSeries] = nl;
  chunkStart[nSeries] = nc;

  const postings = new Map<string, NamePostings>();
  const nNames = r.uvarint();
  for (let i = 0; i < nNames; i++) {
    const name = sym(r.uvarint());
    const nv = r.uvarint();
    if (nv > raw.length) throw new BlockFormatError(file, `value count ${nv} of label ${name} exceeds payload size`);
    const values = new Array<string>(nv);
    const lists = new Array<Int32Array>(nv);
    for (let v = 0; v < nv; v++) {
      values[v] = sym(r.uvarint());
      const n = r.uvarint();
      if (n > nSeries || n > r.remaining) throw new BlockFormatError(file, `postings of ${name}=${values[v]} list ${n} series, block has ${nSeries}`);
      const list = new Int32Array(n);
      let prev = -1;
      for (let k = 0; k < n; k++) {
        prev += r.uvarint() + 1;
        if (prev >= nSeries) throw new BlockFormatError(file, `postings of ${name}=${values[v]} reference series ${prev} of ${nSeries}`);
        list[k] = prev;
      }
      lists[v] = list;
    }
    postings.set(name, { values, lists });
  }
  if (r.remaining !== 0) throw new BlockFormatError(file, `${r.remaining} trailing bytes after the postings`);
  return {
    symbols, frameOffset, frameStoredLen, frameRawLen, frameCrc,
    labelStart, labelSyms: labelSyms.subarray(0, 2 * nl), chunkStart,
    chunkMinT: chunkMinT.subarray(0, nc), chunkMaxT: chunkMaxT.subarray(0, nc), chunkFrame: chunkFrame.subarray(0, nc),
    chunkOffset: chunkOffset.subarray(0, nc), chunkLength: chunkLength.subarray(0, nc), postings,
  };
}
