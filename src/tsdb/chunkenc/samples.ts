import type { SampleBuffer } from '../types.js';

/** A growable SampleBuffer with room for `capacity` samples (at least 1) and length 0. */
export function newSampleBuffer(capacity = 64): SampleBuffer {
  const c = Math.max(1, capacity | 0);
  return { t: new Float64Array(c), v: new Float64Array(c), length: 0 };
}

/**
 * Makes room for at least `n` samples, doubling the arrays (never shrinking). The buffer's `t`/`v` arrays may be
 * replaced, so callers must re-read them after this call.
 */
export function ensureSampleCapacity(buf: SampleBuffer, n: number): void {
  const cap = buf.t.length;
  if (n <= cap && n <= buf.v.length) return;
  let c = Math.max(cap, 1);
  while (c < n) c *= 2;
  const t = new Float64Array(c);
  const v = new Float64Array(c);
  t.set(buf.t.subarray(0, buf.length));
  v.set(buf.v.subarray(0, buf.length));
  buf.t = t;
  buf.v = v;
}

/** Appends one sample, growing the buffer by doubling when full. */
export function pushSample(buf: SampleBuffer, t: number, v: number): void {
  const i = buf.length;
  if (i === buf.t.length || i === buf.v.length) ensureSampleCapacity(buf, i + 1);
  buf.t[i] = t;
  buf.v[i] = v;
  buf.length = i + 1;
}
