/**
 * The block chunk (encoding 2): a dense, immutable encoding for persisted data. Timestamps and decimal-scaled
 * values are coded as integer sequences (intseq.ts); values that are not short decimals fall back to Gorilla XOR,
 * timestamps beyond ±2^50 to raw int64. Layout in FORMAT.md.
 */
import type { SampleBuffer } from '../types.js';
import { BitReader, BitWriter } from './bitstream.js';
import { ChunkDecodeError } from './errors.js';
import { F64, TWO_32 } from './float-bits.js';
import { DECIMAL_LIMIT, findDecimalScale, MAX_DECIMAL_SCALE, POW10 } from './decimal.js';
import { readIntSeq, writeIntSeq } from './intseq.js';
import { ensureSampleCapacity } from './samples.js';
import { newXorValueState, readFirstValue, readNextValue, writeFirstValue, writeNextValue } from './xor-values.js';

export const ENCODING_BLOCK = 2;
/** Most samples one block chunk may hold; a larger header count is treated as corruption. */
export const MAX_BLOCK_CHUNK_SAMPLES = 1 << 22;

const T_INTSEQ = 0;
const T_RAW = 1;
const V_DECIMAL = 0;
const V_XOR = 1;

const writer = new BitWriter(4096);
let ints = new Float64Array(1024);
const xorState = newXorValueState();

/**
 * Encodes samples [from, to) of (t, v) as a block chunk and returns a new, exactly sized byte array.
 * Timestamps must be strictly increasing safe integers (ms); any float64 value round-trips bit-exactly.
 * Throws RangeError on a bad range or timestamps that break that contract.
 *
 * @example
 * const chunk = encodeBlockChunk(buf.t, buf.v, 0, buf.length);
 */
export function encodeBlockChunk(t: Float64Array, v: Float64Array, from: number, to: number): Uint8Array {
  const ok = Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to;
  if (!(ok && to <= t.length && to <= v.length)) {
    throw new RangeError(`bad sample range [${from}, ${to}) of arrays of ${t.length} and ${v.length}`);
  }
  const n = to - from;
  if (n > MAX_BLOCK_CHUNK_SAMPLES) throw new RangeError(`${n} samples exceed ${MAX_BLOCK_CHUNK_SAMPLES} per chunk`);
  const w = writer;
  w.reset();
  w.writeByte(ENCODING_BLOCK);
  w.writeUvarint(n);
  if (n === 0) return w.copy();

  let tmode = T_INTSEQ;
  for (let i = from; i < to; i++) {
    const x = t[i]!;
    if (!Number.isSafeInteger(x)) throw new RangeError(`timestamp ${x} at index ${i} is not a safe integer`);
    if (i > from && !(x > t[i - 1]!)) {
      throw new RangeError(`timestamps not strictly increasing at index ${i}: ${t[i - 1]} then ${x}`);
    }
    if (x > DECIMAL_LIMIT || x < -DECIMAL_LIMIT) tmode = T_RAW;
  }
  if (ints.length < n) {
    let c = ints.length;
    while (c < n) c *= 2;
    ints = new Float64Array(c);
  }
  const scale = findDecimalScale(v, from, to, ints);
  const vmode = scale >= 0 ? V_DECIMAL : V_XOR;
  w.writeByte(tmode | (vmode << 2));

  if (tmode === T_INTSEQ) {
    writeIntSeq(w, t, from, n);
  } else {
    for (let i = from; i < to; i++) {
      const x = t[i]!;
      const hi = Math.floor(x / TWO_32);
      w.writeU32(hi >>> 0);
      w.writeU32((x - hi * TWO_32) >>> 0);
    }
  }

  if (vmode === V_DECIMAL) {
    w.writeByte(scale);
    writeIntSeq(w, ints, 0, n);
  } else {
    writeFirstValue(w, xorState, v, from);
    for (let i = from + 1; i < to; i++) writeNextValue(w, xorState, v, i);
    w.align();
  }
  return w.copy();
}

function fail(chunk: Uint8Array, message: string, offset: number): never {
  throw new ChunkDecodeError(message, { encoding: ENCODING_BLOCK, size: chunk.length, offset });
}

/** Reads the sample count from a block chunk's header; `r` is left after it. */
function readCount(chunk: Uint8Array, r: BitReader): number {
  const n = r.readUvarint();
  if (n > MAX_BLOCK_CHUNK_SAMPLES) fail(chunk, `header claims ${n} samples, limit ${MAX_BLOCK_CHUNK_SAMPLES}`, 1);
  return n;
}

export function blockNumSamples(chunk: Uint8Array): number {
  return readCount(chunk, new BitReader(chunk, 1, ENCODING_BLOCK));
}

/** Decodes a block chunk, appending samples with mint <= t <= maxt to `out`. */
export function decodeBlockInto(chunk: Uint8Array, mint: number, maxt: number, out: SampleBuffer): void {
  const r = new BitReader(chunk, 1, ENCODING_BLOCK);
  const n = readCount(chunk, r);
  if (n === 0) {
    if (!r.atEnd) fail(chunk, 'bytes after an empty chunk', r.byteOffset);
    return;
  }
  const modes = r.readByte();
  const tmode = modes & 3;
  const vmode = (modes >>> 2) & 3;
  if (modes > 0b0111 || tmode > T_RAW || vmode > V_XOR) {
    fail(chunk, `unknown mode byte 0x${modes.toString(16)}`, r.byteOffset - 1);
  }

  const start = out.length;
  const end = start + n;
  ensureSampleCapacity(out, end);
  const ts = out.t;
  const vs = out.v;
  if (tmode === T_INTSEQ) {
    readIntSeq(r, ts, start, n);
  } else {
    for (let i = start; i < end; i++) ts[i] = (r.readU32() | 0) * TWO_32 + r.readU32();
  }
  // Nothing in range: skip the values.
  if (ts[start]! > maxt || ts[end - 1]! < mint) return;

  if (vmode === V_DECIMAL) {
    const scale = r.readByte();
    if (scale > MAX_DECIMAL_SCALE) fail(chunk, `decimal scale ${scale} exceeds ${MAX_DECIMAL_SCALE}`, r.byteOffset - 1);
    readIntSeq(r, vs, start, n);
    if (scale !== 0) {
      const p = POW10[scale]!;
      for (let i = start; i < end; i++) vs[i] = vs[i]! / p;
    }
  } else {
    const st = newXorValueState();
    readFirstValue(r, st);
    vs[start] = F64[0]!;
    for (let i = start + 1; i < end; i++) {
      readNextValue(r, st);
      vs[i] = F64[0]!;
    }
  }
  if (!r.atEnd) fail(chunk, `${chunk.length - r.byteOffset} unexpected trailing bytes`, r.byteOffset);

  let j = start;
  for (let i = start; i < end; i++) {
    const x = ts[i]!;
    if (x >= mint && x <= maxt) {
      ts[j] = x;
      vs[j] = vs[i]!;
      j++;
    }
  }
  out.length = j;
}
