/**
 * One shared scratch view pair for moving a float64's bits in and out of two uint32 halves without allocation.
 * Node runs on little-endian hosts only, so index 0 is the low half and index 1 the high half.
 * Single-threaded use only: callers copy the halves out before calling anything else that uses the views.
 */
export const F64 = new Float64Array(1);
export const U32 = new Uint32Array(F64.buffer);
/** The same halves as int32: V8 keeps int32 values unboxed (Smi), uint32 values ≥ 2^31 may be boxed. */
export const I32 = new Int32Array(F64.buffer);
export const LO = 0;
export const HI = 1;

/** 2^32 as a number, for splitting safe integers into int64 halves. */
export const TWO_32 = 4294967296;

/** Powers of two 2^0..2^64, exact as float64: dividing by them is exact, unlike shifts, beyond 32 bits. */
export const POW2: Float64Array = (() => {
  const p = new Float64Array(65);
  for (let i = 0; i <= 64; i++) p[i] = 2 ** i;
  return p;
})();

/** Number of significant bits of a non-negative integer < 2^64 held in a float64 (0 for 0). */
export function bitLength(z: number): number {
  if (z < TWO_32) return 32 - Math.clz32(z);
  return 64 - Math.clz32(Math.floor(z / TWO_32));
}
