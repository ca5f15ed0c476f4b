/**
 * Rice codes for the block chunk's residuals: a zigzagged residual z is written as q = floor(z / 2^k) one-bits, a
 * zero, then the low k bits of z. Quotients of ESCAPE_Q or more (counter resets, bursts, gaps) are written as
 * ESCAPE_Q one-bits, a 6-bit length L and z in L bits, so one outlier costs at most ESCAPE_Q + 6 + 53 bits.
 * Residuals are integers with |r| ≤ 2^52, so z ≤ 2^53 stays exact in a float64.
 */
import type { BitReader, BitWriter } from './bitstream.js';
import { bitLength, POW2, TWO_32 } from './float-bits.js';

export const ESCAPE_Q = 16;
/** Rice parameter value meaning "every residual is zero": no bits follow. */
export const ALL_ZERO = 0xff;
/** Largest parameter the decoder accepts. */
export const MAX_RICE_K = 53;

export function zigzag(r: number): number {
  return r >= 0 ? 2 * r : -2 * r - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

const hist = new Float64Array(56);

/**
 * Chooses k for zigzagged residuals z[0..n) by estimating each k's size from a histogram of bit lengths.
 * Returns ALL_ZERO if every z is 0.
 */
export function chooseRiceParam(z: Float64Array, n: number): number {
  hist.fill(0);
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const b = bitLength(z[i]!);
    hist[b]!++;
    if (b > maxLen) maxLen = b;
  }
  if (maxLen === 0) return ALL_ZERO;
  let bestK = 0;
  let bestCost = Infinity;
  for (let k = 0; k <= maxLen; k++) {
    let cost = 0;
    for (let b = 0; b <= maxLen; b++) {
      const c = hist[b]!;
      if (c === 0) continue;
      if (b <= k) {
        cost += c * (k + 1);
        continue;
      }
      // z in [2^(b-1), 2^b): q averages about 1.5 * 2^(b-1-k).
      const q = 1.5 * POW2[b - 1 - k]!;
      cost += c * (q < ESCAPE_Q ? k + 1 + q : ESCAPE_Q + 6 + b);
    }
    if (cost < bestCost) {
      bestCost = cost;
      bestK = k;
    }
  }
  // The histogram only estimates quotients; settle between the neighbours by exact size.
  let exactK = bestK;
  let exactCost = riceBits(z, n, bestK);
  for (let k = Math.max(0, bestK - 1); k <= bestK + 1 && k <= MAX_RICE_K; k++) {
    if (k === bestK) continue;
    const c = riceBits(z, n, k);
    if (c < exactCost) {
      exactCost = c;
      exactK = k;
    }
  }
  return exactK;
}

/** Exact size in bits of z[0..n) Rice-coded with parameter k. */
function riceBits(z: Float64Array, n: number, k: number): number {
  const p = POW2[k]!;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.floor(z[i]! / p);
    bits += q < ESCAPE_Q ? q + 1 + k : ESCAPE_Q + 6 + bitLength(z[i]!);
  }
  return bits;
}

/** Writes the low `n` (≤ 53) bits of a non-negative integer z < 2^53. */
function writeWide(w: BitWriter, z: number, n: number): void {
  if (n > 32) {
    w.writeBits(Math.floor(z / TWO_32) >>> 0, n - 32);
    w.writeBits(z >>> 0, 32);
  } else {
    w.writeBits(z >>> 0, n);
  }
}

function readWide(r: BitReader, n: number): number {
  if (n > 32) {
    const hi = r.readBits(n - 32);
    return hi * TWO_32 + (r.readBits(32) >>> 0);
  }
  return n === 32 ? r.readBits(32) >>> 0 : r.readBits(n);
}

/** Writes one zigzagged residual with parameter k (not ALL_ZERO). */
export function writeRice(w: BitWriter, z: number, k: number): void {
  const q = Math.floor(z / POW2[k]!);
  if (q >= ESCAPE_Q) {
    w.writeBits(0xffff, ESCAPE_Q);
    const len = bitLength(z);
    w.writeBits(len, 6);
    writeWide(w, z, len);
    return;
  }
  if (q > 0) w.writeBits(0xffff, q);
  w.writeBit(0);
  writeWide(w, z - q * POW2[k]!, k);
}

/** Reads one zigzagged residual written by writeRice with parameter k. */
export function readRice(r: BitReader, k: number): number {
  const q = r.readUnary(ESCAPE_Q);
  if (q === ESCAPE_Q) {
    const len = r.readBits(6);
    if (len > 54) r.fail(`escaped residual of ${len} bits exceeds 54`);
    return readWide(r, len);
  }
  return q * POW2[k]! + readWide(r, k);
}

/**
 * Reads Rice codes with parameter k (not ALL_ZERO) into dst[from..end) as (unzigzag(z) + m) * g — exactly what
 * `(unzigzag(readRice(r, k)) + m) * g` per element gives. Codes that fit in a 32-bit window read with one look at
 * four or five bytes (the unary quotient by counting leading ones); escapes, wide parameters and the chunk's last
 * bytes go through readRice, which checks bounds.
 */
export function readRiceRun(r: BitReader, dst: Float64Array, from: number, end: number, k: number, m: number, g: number): void {
  const buf = r.bytes;
  // Bytes [p >>> 3, p >>> 3 + 5) must exist for the 32-bit window.
  const fastEnd = (buf.length - 5) * 8;
  let pos = r.bitPosition;
  let i = from;
  while (i < end) {
    if (pos <= fastEnd) {
      const b = pos >>> 3, sh = pos & 7;
      let w = (buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!;
      if (sh !== 0) w = (w << sh) | (buf[b + 4]! >>> (8 - sh));
      const q = Math.clz32(~w);
      const used = q + 1 + k;
      if (q < ESCAPE_Q && used <= 32) {
        // q + 1 + k <= 32 keeps z = q·2^k + low below 2^31: int32 arithmetic is exact here.
        const z = k === 0 ? q : (q << k) | ((w << (q + 1)) >>> (32 - k));
        dst[i++] = (((z >>> 1) ^ -(z & 1)) + m) * g;
        pos += used;
        continue;
      }
    }
    r.seekBit(pos);
    dst[i++] = (unzigzag(readRice(r, k)) + m) * g;
    pos = r.bitPosition;
  }
  r.seekBit(pos);
}
