/**
 * The head's streaming chunk (encoding 1): Gorilla delta-of-delta timestamps and XOR values, as Prometheus's XOR
 * chunk, with a 4-byte sample count and a widest timestamp bucket that carries the absolute timestamp (see
 * FORMAT.md). Appending does not allocate except when the byte buffer doubles.
 */
import type { SampleBuffer } from '../types.js';
import { BitWriter } from './bitstream.js';
import { ChunkDecodeError } from './errors.js';
import { F64, HI, I32, LO, TWO_32 } from './float-bits.js';
import { ensureSampleCapacity } from './samples.js';
import {
  newXorValueState,
  writeFirstValue,
  writeNextValue,
  type XorValueState,
} from './xor-values.js';

export const ENCODING_XOR = 1;

/** One-sample columns for `append(t, v)`. */
const ONE_T = new Float64Array(1);
const ONE_V = new Float64Array(1);
/** Encoding byte + uint32 sample count. */
export const XOR_HEADER_BYTES = 5;

/** Writes a safe integer as int64 two's complement, high half first. */
function writeInt64(w: BitWriter, t: number): void {
  const hi = Math.floor(t / TWO_32);
  w.writeBits(hi >>> 0, 32);
  w.writeBits((t - hi * TWO_32) >>> 0, 32);
}


function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t)) throw new RangeError(`chunk timestamps must be safe integers (ms), got ${t}`);
}

/** Timestamp half of a streaming XOR chunk's encoder state (the value half is an XorValueState). */
export interface XorTimeState {
  /** Samples written. */
  n: number;
  firstT: number;
  /** Last timestamp written. */
  t: number;
  /** Delta as the decoder will reconstruct it (equal to the true delta unless it is ≥ 2^53). */
  tDelta: number;
}

export function newXorTimeState(): XorTimeState {
  return { n: 0, firstT: 0, t: 0, tDelta: 0 };
}

/** Writes an XOR chunk's header (encoding byte, sample count 0: `patchXorCount` fills it in when read). */
export function writeXorHeader(w: BitWriter): void {
  w.writeByte(ENCODING_XOR);
  w.writeU32(0);
}

/**
 * Most new bytes one sample can add to an XOR chunk: a timestamp in the widest bucket (4 + 64 bits) and a value in a
 * new window of 64 meaningful bits (2 + 5 + 6 + 64) are 145 bits, which start at most 19 new bytes.
 */
export const XOR_MAX_SAMPLE_BYTES = 19;

/**
 * Appends sample `i` of the columns `ts`/`vs` to the XOR chunk `w` writes, whose state is `st`/`vst`. The caller
 * guarantees a timestamp above the previous one. Columns and an index rather than two float64 arguments: a call
 * V8 does not inline boxes float64 arguments, one heap number each per sample, which at 20 k samples/s was most of
 * the head's garbage.
 */
export function writeXorSample(
  w: BitWriter, st: XorTimeState, vst: XorValueState, ts: Float64Array, vs: Float64Array, i: number,
): void {
  const t = ts[i]!;
  if (st.n === 0) {
    checkTimestamp(t);
    writeInt64(w, t);
    writeFirstValue(w, vst, vs, i);
    st.firstT = t;
    st.t = t;
    st.tDelta = 0;
  } else {
    const dod = t - st.t - st.tDelta;
    // The decoder rebuilds t as prevT + (prevDelta + dod); accept a small bucket only if that is exact.
    const delta = st.tDelta + dod;
    if ((dod | 0) === dod && dod >= -524288 && dod < 524288 && st.t + delta === t) {
      if (dod === 0) {
        w.writeBit(0);
      } else if (dod >= -8192 && dod < 8192) {
        w.writeBits(0b10, 2);
        w.writeBits(dod, 14);
      } else if (dod >= -65536 && dod < 65536) {
        w.writeBits(0b110, 3);
        w.writeBits(dod, 17);
      } else {
        w.writeBits(0b1110, 4);
        w.writeBits(dod, 20);
      }
      st.tDelta = delta;
    } else {
      checkTimestamp(t);
      w.writeBits(0b1111, 4);
      writeInt64(w, t);
      st.tDelta = t - st.t;
    }
    st.t = t;
    writeNextValue(w, vst, vs, i);
  }
  st.n++;
}

/** Stores the sample count `n` in the header of the XOR chunk that starts at `buf[off]`. */
export function patchXorCount(buf: Uint8Array, off: number, n: number): void {
  buf[off + 1] = n >>> 24;
  buf[off + 2] = (n >>> 16) & 0xff;
  buf[off + 3] = (n >>> 8) & 0xff;
  buf[off + 4] = n & 0xff;
}

/**
 * Streaming Gorilla (XOR) chunk in a buffer of its own: delta-of-delta timestamps in the Gorilla paper's buckets (as
 * Prometheus's XOR chunk), XOR floats with leading/trailing-zero window reuse. Caller guarantees strictly
 * increasing integer timestamps within ±(2^53 − 1); every float64 bit pattern round-trips. (The head keeps the open
 * chunks of all its series in one XorChunkArena instead.)
 *
 * @example
 * const a = new XorAppender();
 * a.append(1000, 1); a.append(16000, 2);
 * decodeChunkInto(a.bytes(), -Infinity, Infinity, out);
 */
export class XorAppender {
  private readonly w: BitWriter;
  private readonly st = newXorTimeState();
  private readonly vs: XorValueState = newXorValueState();

  constructor(initialBytes = 64) {
    this.w = new BitWriter(initialBytes);
    writeXorHeader(this.w);
  }

  get numSamples(): number {
    return this.st.n;
  }

  /** First timestamp; NaN while empty. */
  get minT(): number {
    return this.st.n === 0 ? NaN : this.st.firstT;
  }

  /** Last timestamp; NaN while empty. */
  get maxT(): number {
    return this.st.n === 0 ? NaN : this.st.t;
  }

  get byteLength(): number {
    return this.w.byteLength;
  }

  /** The encoded chunk as a view of the appender's buffer: valid until the next append or reset. */
  bytes(): Uint8Array {
    // The header's sample count is written here rather than on every append: appends far outnumber reads.
    patchXorCount(this.w.buffer, 0, this.st.n);
    return this.w.bytes();
  }

  /** Starts a new, empty chunk in the same buffer. */
  reset(): void {
    this.w.reset();
    writeXorHeader(this.w);
    this.st.n = 0;
  }

  /** Appends one sample. `t` must exceed the previous timestamp (not checked beyond what the encoding needs). */
  append(t: number, v: number): void {
    ONE_T[0] = t;
    ONE_V[0] = v;
    writeXorSample(this.w, this.st, this.vs, ONE_T, ONE_V, 0);
  }

  /** Appends sample `i` of the columns `ts`/`vs` (as `append(ts[i], vs[i])`; see writeXorSample). */
  appendAt(ts: Float64Array, vs: Float64Array, i: number): void {
    writeXorSample(this.w, this.st, this.vs, ts, vs, i);
  }
}

/** Sample count of an XOR chunk (header only). */
export function xorNumSamples(chunk: Uint8Array): number {
  if (chunk.length < XOR_HEADER_BYTES) {
    throw new ChunkDecodeError(`header needs ${XOR_HEADER_BYTES} bytes`, {
      encoding: ENCODING_XOR,
      size: chunk.length,
    });
  }
  return ((chunk[1]! << 24) | (chunk[2]! << 16) | (chunk[3]! << 8) | chunk[4]!) >>> 0;
}

/** Sign-extends the low `n` bits of a uint32. */
function signExtend(x: number, n: number): number {
  return (x << (32 - n)) >> (32 - n);
}

/**
 * The `n` bits (1..32) of `buf` from bit position `pos` on, as an int32 (for n = 32, `>>> 0` makes it unsigned).
 * Callers check that pos + n is within the buffer.
 */
function bitsAt(buf: Uint8Array, pos: number, n: number): number {
  let i = pos >>> 3;
  const o = pos & 7;
  if (i + 4 < buf.length) {
    // One big-endian word holds the first 32 - o bits; a fifth byte the rest when o + n > 32.
    const top = (((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) << o) >>> (32 - n);
    return (o + n <= 32 ? top : top | (buf[i + 4]! >>> (40 - o - n))) | 0;
  }
  const have = 8 - o;
  let r = buf[i]! & (0xff >> (8 - have));
  if (have >= n) return r >>> (have - n);
  let need = n - have;
  while (need >= 8) {
    r = (r << 8) | buf[++i]!;
    need -= 8;
  }
  if (need > 0) r = (r << need) | (buf[++i]! >>> (8 - need));
  return r | 0;
}

function truncated(chunk: Uint8Array, pos: number, n: number): never {
  throw new ChunkDecodeError(`truncated: need ${n} more bits at bit ${pos}, chunk ends at bit ${chunk.length * 8}`, {
    encoding: ENCODING_XOR,
    size: chunk.length,
    offset: pos >>> 3,
  });
}

function corrupt(chunk: Uint8Array, pos: number, message: string): never {
  throw new ChunkDecodeError(message, { encoding: ENCODING_XOR, size: chunk.length, offset: pos >>> 3 });
}

/**
 * Decodes an XOR chunk, appending samples with mint <= t <= maxt to `out`. The bit position and the value state
 * live in locals (this is the query path's innermost loop): every read is bounds-checked against the chunk, and a
 * corrupt or truncated chunk throws ChunkDecodeError with its offset.
 */
export function decodeXorInto(chunk: Uint8Array, mint: number, maxt: number, out: SampleBuffer): void {
  const n = xorNumSamples(chunk);
  if (n === 0) return;
  // Every sample after the first takes at least 2 bits; a larger count is corrupt (and would be a huge buffer).
  if (n - 1 > (chunk.length - XOR_HEADER_BYTES) * 4) {
    throw new ChunkDecodeError(`header claims ${n} samples, more than fit`, {
      encoding: ENCODING_XOR,
      size: chunk.length,
      offset: 1,
    });
  }
  const end = chunk.length * 8;
  let pos = XOR_HEADER_BYTES * 8;
  if (pos + 128 > end) truncated(chunk, pos, 128);
  // Timestamps are rebuilt from int32 halves inline: a float64 returned from a call would be boxed per sample.
  let t = bitsAt(chunk, pos, 32) * TWO_32 + (bitsAt(chunk, pos + 32, 32) >>> 0);
  let hi = bitsAt(chunk, pos + 64, 32), lo = bitsAt(chunk, pos + 96, 32);
  pos += 128;
  I32[HI] = hi;
  I32[LO] = lo;
  let v = F64[0]!;
  let leading = 0xff, trailing = 0;
  let delta = 0;
  // Room for every sample of the chunk up front, so the loop stores without checks.
  let len = out.length;
  ensureSampleCapacity(out, len + n);
  const ot = out.t, ov = out.v;
  for (let i = 0; ; ) {
    if (t > maxt) break;
    if (t >= mint) {
      ot[len] = t;
      ov[len] = v;
      len++;
    }
    if (++i === n) break;
    // Timestamp: '0' same delta, '10' + 14 bits, '110' + 17, '1110' + 20, '1111' + absolute int64.
    if (pos >= end) truncated(chunk, pos, 1);
    if (((chunk[pos >>> 3]! >>> (7 - (pos & 7))) & 1) === 0) {
      pos += 1;
      t += delta;
    } else {
      if (pos + 4 > end) truncated(chunk, pos, 4);
      const ctl = bitsAt(chunk, pos, 4);
      let dod: number;
      if (ctl < 12) {
        if (pos + 16 > end) truncated(chunk, pos + 2, 14);
        dod = signExtend(bitsAt(chunk, pos + 2, 14), 14);
        pos += 16;
      } else if (ctl < 14) {
        if (pos + 20 > end) truncated(chunk, pos + 3, 17);
        dod = signExtend(bitsAt(chunk, pos + 3, 17), 17);
        pos += 20;
      } else if (ctl < 15) {
        if (pos + 24 > end) truncated(chunk, pos + 4, 20);
        dod = signExtend(bitsAt(chunk, pos + 4, 20), 20);
        pos += 24;
      } else {
        if (pos + 68 > end) truncated(chunk, pos + 4, 64);
        const abs = bitsAt(chunk, pos + 4, 32) * TWO_32 + (bitsAt(chunk, pos + 36, 32) >>> 0);
        pos += 68;
        delta = abs - t;
        t = abs;
        dod = 0x7fffffff;
      }
      if (dod !== 0x7fffffff) {
        delta += dod;
        t += delta;
      }
    }
    // Value: '0' same bits, '10' + bits in the previous window, '11' + 5b lead + 6b sig + bits (see xor-values.ts).
    if (pos >= end) truncated(chunk, pos, 1);
    if (((chunk[pos >>> 3]! >>> (7 - (pos & 7))) & 1) === 0) {
      pos += 1;
      continue;
    }
    if (pos + 2 > end) truncated(chunk, pos + 1, 1);
    if (((chunk[(pos + 1) >>> 3]! >>> (7 - ((pos + 1) & 7))) & 1) === 0) {
      pos += 2;
      if (leading === 0xff) corrupt(chunk, pos, 'XOR value reuses a window before any was set');
    } else {
      if (pos + 13 > end) truncated(chunk, pos + 2, 11);
      const window = bitsAt(chunk, pos + 2, 11);
      const lead = window >>> 6;
      let sig = window & 63;
      pos += 13;
      if (sig === 0) sig = 64;
      const trail = 64 - lead - sig;
      if (trail < 0) corrupt(chunk, pos, `XOR window of ${lead} leading and ${sig} meaningful bits exceeds 64`);
      leading = lead;
      trailing = trail;
    }
    const sig = 64 - leading - trailing;
    if (pos + sig > end) truncated(chunk, pos, sig);
    let h: number, l: number;
    if (sig > 32) {
      h = bitsAt(chunk, pos, sig - 32);
      l = bitsAt(chunk, pos + sig - 32, 32);
    } else {
      h = 0;
      l = bitsAt(chunk, pos, sig);
    }
    pos += sig;
    if (trailing >= 32) {
      h = l << (trailing - 32);
      l = 0;
    } else if (trailing > 0) {
      h = (h << trailing) | (l >>> (32 - trailing));
      l = l << trailing;
    }
    hi ^= h;
    lo ^= l;
    I32[HI] = hi;
    I32[LO] = lo;
    v = F64[0]!;
  }
  out.length = len;
}
