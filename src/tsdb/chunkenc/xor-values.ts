/**
 * Gorilla XOR coding of a float64 stream, shared by the head (XOR) chunk and the block chunk's fallback.
 * Works on the value's bits as two int32 halves (kept as int32 so V8 never boxes them); no BigInt, no
 * allocation per value.
 *
 * Per value after the first (which is written raw, 64 bits):
 *   '0'                              same bits as the previous value
 *   '10' + bits                      XOR fits the previous window of leading/trailing zeros: its meaningful bits
 *   '11' + 5b lead + 6b sig + bits   new window (sig = 64 → written as 0)
 */
import type { BitReader, BitWriter } from './bitstream.js';
import { F64, HI, I32, LO } from './float-bits.js';

/** Encoder or decoder state: previous value's bits (int32 halves) and the current window. */
export interface XorValueState {
  hi: number;
  lo: number;
  /** Leading zeros of the window, or 0xff before the first window exists. */
  leading: number;
  trailing: number;
}

export function newXorValueState(): XorValueState {
  return { hi: 0, lo: 0, leading: 0xff, trailing: 0 };
}

/**
 * Writes the first value of a stream, `vs[i]`, raw and primes the state. Values come as column and index: a float64
 * argument to a call V8 does not inline is boxed, a heap number per value.
 */
export function writeFirstValue(w: BitWriter, st: XorValueState, vs: Float64Array, i: number): void {
  F64[0] = vs[i]!;
  const hi = I32[HI]!;
  const lo = I32[LO]!;
  w.writeBits(hi, 32);
  w.writeBits(lo, 32);
  st.hi = hi;
  st.lo = lo;
  st.leading = 0xff;
  st.trailing = 0;
}

/** Writes the meaningful bits of (xh:xl) >>> trail, `sig` bits wide. */
function writeWindow(w: BitWriter, xh: number, xl: number, trail: number, sig: number): void {
  let sh: number;
  let sl: number;
  if (trail === 0) {
    sh = xh;
    sl = xl;
  } else if (trail < 32) {
    sl = (xl >>> trail) | (xh << (32 - trail));
    sh = xh >>> trail;
  } else {
    sl = xh >>> (trail - 32);
    sh = 0;
  }
  if (sig > 32) {
    w.writeBits(sh, sig - 32);
    w.writeBits(sl | 0, 32);
  } else {
    w.writeBits(sl | 0, sig);
  }
}

/** Writes a value after the first, `vs[i]` (column and index, as writeFirstValue). */
export function writeNextValue(w: BitWriter, st: XorValueState, vs: Float64Array, i: number): void {
  F64[0] = vs[i]!;
  const hi = I32[HI]!;
  const lo = I32[LO]!;
  const xh = hi ^ st.hi;
  const xl = lo ^ st.lo;
  st.hi = hi;
  st.lo = lo;
  if (xh === 0 && xl === 0) {
    w.writeBit(0);
    return;
  }
  let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  // Trailing zeros via the lowest set bit: 31 - clz32(x & -x).
  const trail = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 63 - Math.clz32(xh & -xh);
  if (lead > 31) lead = 31; // 5-bit field
  const sig = 64 - lead - trail;
  // Reuse the previous window when it holds this XOR and costs no more than a new window's 11 header bits.
  if (st.leading !== 0xff && lead >= st.leading && trail >= st.trailing && 64 - st.leading - st.trailing <= sig + 11) {
    w.writeBits(0b10, 2);
    writeWindow(w, xh, xl, st.trailing, 64 - st.leading - st.trailing);
    return;
  }
  w.writeBits(0b11, 2);
  w.writeBits(lead, 5);
  w.writeBits(sig & 63, 6);
  writeWindow(w, xh, xl, trail, sig);
  st.leading = lead;
  st.trailing = trail;
}

/**
 * Reads the first value of a stream and primes the state. The value is left in the shared view: read `F64[0]`
 * right after the call (returning a float64 from a call that V8 does not inline would box it).
 */
export function readFirstValue(r: BitReader, st: XorValueState): void {
  const hi = r.readBits(32);
  const lo = r.readBits(32);
  st.hi = hi;
  st.lo = lo;
  st.leading = 0xff;
  st.trailing = 0;
  I32[HI] = hi;
  I32[LO] = lo;
}

/** Reads a value after the first; like readFirstValue, the value is left in `F64[0]`. */
export function readNextValue(r: BitReader, st: XorValueState): void {
  if (r.readBit() !== 0) {
    let lead: number;
    let trail: number;
    if (r.readBit() === 0) {
      if (st.leading === 0xff) r.fail('XOR value reuses a window before any was set');
      lead = st.leading;
      trail = st.trailing;
    } else {
      lead = r.readBits(5);
      let sig = r.readBits(6);
      if (sig === 0) sig = 64;
      trail = 64 - lead - sig;
      if (trail < 0) r.fail(`XOR window of ${lead} leading and ${sig} meaningful bits exceeds 64`);
      st.leading = lead;
      st.trailing = trail;
    }
    const sig = 64 - lead - trail;
    let h: number;
    let l: number;
    if (sig > 32) {
      h = r.readBits(sig - 32);
      l = r.readBits(32);
    } else {
      h = 0;
      l = r.readBits(sig);
    }
    if (trail >= 32) {
      h = l << (trail - 32);
      l = 0;
    } else if (trail > 0) {
      h = (h << trail) | (l >>> (32 - trail));
      l = l << trail;
    }
    st.hi ^= h;
    st.lo ^= l;
  }
  I32[HI] = st.hi;
  I32[LO] = st.lo;
}
