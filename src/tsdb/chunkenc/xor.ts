/**
 * The head's streaming chunk (encoding 1): Gorilla delta-of-delta timestamps and XOR values, as Prometheus's XOR
 * chunk, with a 4-byte sample count and a widest timestamp bucket that carries the absolute timestamp (see
 * FORMAT.md). Appending does not allocate except when the byte buffer doubles.
 */
import type { SampleBuffer } from '../types.js';
import { BitReader, BitWriter } from './bitstream.js';
import { ChunkDecodeError } from './errors.js';
import { F64, TWO_32 } from './float-bits.js';
import { ensureSampleCapacity } from './samples.js';
import {
  newXorValueState,
  readFirstValue,
  readNextValue,
  writeFirstValue,
  writeNextValue,
  type XorValueState,
} from './xor-values.js';

export const ENCODING_XOR = 1;
/** Encoding byte + uint32 sample count. */
const XOR_HEADER_BYTES = 5;

/** Writes a safe integer as int64 two's complement, high half first. */
function writeInt64(w: BitWriter, t: number): void {
  const hi = Math.floor(t / TWO_32);
  w.writeBits(hi >>> 0, 32);
  w.writeBits((t - hi * TWO_32) >>> 0, 32);
}


function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t)) throw new RangeError(`chunk timestamps must be safe integers (ms), got ${t}`);
}

/**
 * Streaming Gorilla (XOR) chunk for the head: delta-of-delta timestamps in the Gorilla paper's buckets (as
 * Prometheus's XOR chunk), XOR floats with leading/trailing-zero window reuse. Caller guarantees strictly
 * increasing integer timestamps within ±(2^53 − 1); every float64 bit pattern round-trips.
 *
 * @example
 * const a = new XorAppender();
 * a.append(1000, 1); a.append(16000, 2);
 * decodeChunkInto(a.bytes(), -Infinity, Infinity, out);
 */
export class XorAppender {
  private readonly w: BitWriter;
  private n = 0;
  private firstT = 0;
  private t = 0;
  /** Delta as the decoder will reconstruct it (equal to the true delta unless it is ≥ 2^53). */
  private tDelta = 0;
  private readonly vs: XorValueState = newXorValueState();

  constructor(initialBytes = 64) {
    this.w = new BitWriter(initialBytes);
    this.writeHeader();
  }

  private writeHeader(): void {
    this.w.writeByte(ENCODING_XOR);
    this.w.writeU32(0);
  }

  get numSamples(): number {
    return this.n;
  }

  /** First timestamp; NaN while empty. */
  get minT(): number {
    return this.n === 0 ? NaN : this.firstT;
  }

  /** Last timestamp; NaN while empty. */
  get maxT(): number {
    return this.n === 0 ? NaN : this.t;
  }

  get byteLength(): number {
    return this.w.byteLength;
  }

  /** The encoded chunk as a view of the appender's buffer: valid until the next append or reset. */
  bytes(): Uint8Array {
    // The header's sample count is written here rather than on every append: appends far outnumber reads.
    this.w.patchU32(1, this.n);
    return this.w.bytes();
  }

  /** Starts a new, empty chunk in the same buffer. */
  reset(): void {
    this.w.reset();
    this.writeHeader();
    this.n = 0;
    this.tDelta = 0;
  }

  /** Appends one sample. `t` must exceed the previous timestamp (not checked beyond what the encoding needs). */
  append(t: number, v: number): void {
    const w = this.w;
    if (this.n === 0) {
      checkTimestamp(t);
      writeInt64(w, t);
      writeFirstValue(w, this.vs, v);
      this.firstT = t;
      this.t = t;
      this.tDelta = 0;
    } else {
      const dod = t - this.t - this.tDelta;
      // The decoder rebuilds t as prevT + (prevDelta + dod); accept a small bucket only if that is exact.
      const delta = this.tDelta + dod;
      if ((dod | 0) === dod && dod >= -524288 && dod < 524288 && this.t + delta === t) {
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
        this.tDelta = delta;
      } else {
        checkTimestamp(t);
        w.writeBits(0b1111, 4);
        writeInt64(w, t);
        this.tDelta = t - this.t;
      }
      this.t = t;
      writeNextValue(w, this.vs, v);
    }
    this.n++;
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

/** Decodes an XOR chunk, appending samples with mint <= t <= maxt to `out`. */
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
  const r = new BitReader(chunk, XOR_HEADER_BYTES, ENCODING_XOR);
  const vs = newXorValueState();
  // Timestamps are rebuilt from int32 halves inline: a float64 returned from a call would be boxed per sample.
  let t = r.readBits(32) * TWO_32 + (r.readBits(32) >>> 0);
  readFirstValue(r, vs);
  let v = F64[0]!;
  let delta = 0;
  let len = out.length;
  for (let i = 0; ; ) {
    if (t > maxt) break;
    if (t >= mint) {
      if (len === out.t.length || len === out.v.length) {
        out.length = len;
        ensureSampleCapacity(out, len + 1);
      }
      out.t[len] = t;
      out.v[len] = v;
      len++;
    }
    if (++i === n) break;
    if (r.readBit() === 0) {
      t += delta;
    } else {
      let dod: number;
      if (r.readBit() === 0) dod = signExtend(r.readBits(14), 14);
      else if (r.readBit() === 0) dod = signExtend(r.readBits(17), 17);
      else if (r.readBit() === 0) dod = signExtend(r.readBits(20), 20);
      else dod = 0x7fffffff; // marks the widest bucket: no delta-of-delta is that large
      if (dod !== 0x7fffffff) {
        delta += dod;
        t += delta;
      } else {
        const abs = r.readBits(32) * TWO_32 + (r.readBits(32) >>> 0);
        delta = abs - t;
        t = abs;
      }
    }
    readNextValue(r, vs);
    v = F64[0]!;
  }
  out.length = len;
}
