import type { Labels } from './labels.js';

/** One sample of an instant vector: what a rule evaluation or an instant query yields per series. */
export interface InstantSample {
  labels: Labels;
  /** Evaluation timestamp, ms. */
  t: number;
  v: number;
}

/** Prometheus's stale marker: a NaN with this exact bit pattern ends a series (see tsdb/chunkenc FORMAT.md). */
export const STALE_NAN_BITS_HI = 0x7ff00000;
export const STALE_NAN_BITS_LO = 0x00000002;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The stale-marker NaN as a number (its payload survives storage; arithmetic may not preserve it). */
export const STALE_NAN: number = (() => {
  u32[0] = STALE_NAN_BITS_LO;
  u32[1] = STALE_NAN_BITS_HI;
  return f64[0]!;
})();

/** True if `v` carries the stale-marker payload (little-endian hosts, which Node runs on). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  f64[0] = v;
  return u32[0] === STALE_NAN_BITS_LO && u32[1] === STALE_NAN_BITS_HI;
}
