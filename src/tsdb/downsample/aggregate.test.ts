import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { downsampleRaw, downsampleAggr, mergeAggr, stitchCounter, type AggrSeries } from './aggregate.js';

/** Raw series as arrays, strictly increasing times. */
const rawSeries = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: -50, max: 1000 })), { minLength: 1, maxLength: 300 })
  .map((steps) => {
    const t: number[] = [], v: number[] = [];
    let at = 1_700_000_000_000;
    for (const [dt, x] of steps) { at += dt; t.push(at); v.push(x); }
    return { t: Float64Array.from(t), v: Float64Array.from(v) };
  });

/** Counter-like series: increments of 0..1000, a reset to a small value every 100th sample at most. */
const counterSeries = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 300 })
  .map((steps) => {
    const t: number[] = [], v: number[] = [];
    let at = 1_700_000_000_000, x = 0;
    steps.forEach(([dt, inc, r], k) => {
      at += dt;
      x = k > 0 && k % 100 === 0 ? r : x + inc;
      t.push(at); v.push(x);
    });
    return { t: Float64Array.from(t), v: Float64Array.from(v) };
  });

/** Brute force: per window [k·R, (k+1)·R), the expected aggregates. */
function expectWindows(t: Float64Array, v: Float64Array, R: number) {
  const byW = new Map<number, { t: number[]; v: number[] }>();
  for (let i = 0; i < t.length; i++) {
    const w = Math.floor(t[i]! / R);
    const e = byW.get(w) ?? { t: [], v: [] };
    e.t.push(t[i]!); e.v.push(v[i]!);
    byW.set(w, e);
  }
  return [...byW.values()];
}

function points(b: { t: Float64Array; v: Float64Array; length: number }): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < b.length; i++) out.push([b.t[i]!, b.v[i]!]);
  return out;
}

/** The true increase of a counter between samples i and j (resets: the value after a reset is all increase). */
function trueIncrease(v: Float64Array, i: number, j: number): number {
  let inc = 0;
  for (let k = i + 1; k <= j; k++) inc += v[k]! >= v[k - 1]! ? v[k]! - v[k - 1]! : v[k]!;
  return inc;
}

describe('downsampleRaw', () => {
  it('gives per-window count, sum, min and max at the window\'s last sample time', () => {
    fc.assert(fc.property(rawSeries, fc.constantFrom(300_000, 3_600_000), ({ t, v }, R) => {
      const a = downsampleRaw(t, v, t.length, R);
      const wins = expectWindows(t, v, R);
      expect(points(a.count)).toEqual(wins.map((w) => [w.t.at(-1), w.t.length]));
      expect(points(a.sum)).toEqual(wins.map((w) => [w.t.at(-1), w.v.reduce((x, y) => x + y, 0)]));
      expect(points(a.min)).toEqual(wins.map((w) => [w.t.at(-1), Math.min(...w.v)]));
      expect(points(a.max)).toEqual(wins.map((w) => [w.t.at(-1), Math.max(...w.v)]));
    }));
  });

  it('keeps a monotonic counter chain whose differences are the raw increases, resets included', () => {
    fc.assert(fc.property(counterSeries, ({ t, v }) => {
      const R = 300_000;
      const a = downsampleRaw(t, v, t.length, R);
      const c = a.counter;
      expect(c.v[0]).toBe(v[0]);
      expect(a.counterLast).toBe(v[v.length - 1]);
      // Points are the first and last sample of each window.
      const expectedT = expectWindows(t, v, R).flatMap((w) => (w.t.length > 1 ? [w.t[0]!, w.t.at(-1)!] : [w.t[0]!]));
      expect(Array.from(c.t.subarray(0, c.length))).toEqual(expectedT);
      const idx = (x: number) => t.indexOf(x);
      for (let k = 1; k < c.length; k++) {
        expect(c.v[k]! - c.v[k - 1]!).toBeCloseTo(trueIncrease(v, idx(c.t[k - 1]!), idx(c.t[k]!)), 6);
      }
    }));
  });

  it('keeps no counter chain for a series that drops more than once per 100 samples', () => {
    const t = Float64Array.from([1, 2, 3, 4, 5].map((k) => k * 1000));
    const a = downsampleRaw(t, Float64Array.from([5, 3, 6, 2, 7]), 5, 300_000);
    expect(a.counter.length).toBe(0);
    expect(a.counterLast).toBeNaN();
    expect(downsampleRaw(t, Float64Array.from([5, 3, 6, 8, 9]), 5, 300_000).counter.length).toBe(2);
  });

  it('leaves NaN and stale markers out', () => {
    const t = Float64Array.from([1000, 2000, 3000]);
    const v = Float64Array.from([1, NaN, 5]);
    const a = downsampleRaw(t, v, 3, 300_000);
    expect(points(a.count)).toEqual([[3000, 2]]);
    expect(points(a.sum)).toEqual([[3000, 6]]);
  });
});

describe('downsampleAggr and mergeAggr', () => {
  it('5m aggregates folded to 1h equal 1h aggregates of the raw data', () => {
    fc.assert(fc.property(fc.oneof(rawSeries, counterSeries), ({ t, v }) => {
      const direct = downsampleRaw(t, v, t.length, 3_600_000);
      const twoStep = downsampleAggr(downsampleRaw(t, v, t.length, 300_000), 3_600_000);
      for (const k of ['count', 'sum', 'min', 'max', 'counter'] as const) {
        expect(points(twoStep[k])).toEqual(points(direct[k]));
      }
      expect(twoStep.counterLast).toBe(direct.counterLast);
    }));
  });

  it('merging the downsampled pieces of a split series equals downsampling it whole', () => {
    fc.assert(fc.property(counterSeries, fc.integer({ min: 0, max: 1000 }), ({ t, v }, cutAt) => {
      const R = 300_000;
      // Split at a window boundary, as blocks are.
      const cutT = Math.floor((t[0]! + cutAt * 1000 * 60) / R) * R;
      let k = 0;
      while (k < t.length && t[k]! < cutT) k++;
      const parts: AggrSeries[] = [];
      if (k > 0) parts.push(downsampleRaw(t.subarray(0, k), v.subarray(0, k), k, R));
      if (k < t.length) parts.push(downsampleRaw(t.subarray(k), v.subarray(k), t.length - k, R));
      const merged = mergeAggr(parts, R);
      const whole = downsampleRaw(t, v, t.length, R);
      for (const key of ['count', 'sum', 'min', 'max'] as const) expect(points(merged[key])).toEqual(points(whole[key]));
      expect(merged.counter.length).toBe(whole.counter.length);
      for (let i = 0; i < whole.counter.length; i++) {
        expect(merged.counter.t[i]).toBe(whole.counter.t[i]);
        expect(merged.counter.v[i]).toBeCloseTo(whole.counter.v[i]!, 6);
      }
      expect(merged.counterLast).toBe(whole.counterLast);
    }));
  });
});

describe('stitchCounter', () => {
  it('treats a drop at a piece boundary as a reset, and a rise as an increase', () => {
    const piece = (ts: number[], vs: number[], rawLast: number) => ({
      t: Float64Array.from(ts), v: Float64Array.from(vs), length: ts.length, adjusted: true, rawLast,
    });
    // First block: raw 10, 20, reset to 5, 7 → chain 10, 20, 25, 27, raw last 7.
    const a = piece([1, 2, 3, 4], [10, 20, 25, 27], 7);
    // Second block starts at raw 9 (> 7: no reset, +2), then 12.
    const b = piece([5, 6], [9, 12], 12);
    // Third starts at 3 (< 12: reset, +3).
    const c = piece([7], [3], 3);
    const { chain, rawLast } = stitchCounter([a, b, c]);
    expect(points(chain)).toEqual([[1, 10], [2, 20], [3, 25], [4, 27], [5, 29], [6, 32], [7, 35]]);
    expect(rawLast).toBe(3);
  });

  it('adjusts resets inside raw pieces and continues from a downsampled piece', () => {
    const raw = { t: Float64Array.from([5, 6, 7]), v: Float64Array.from([8, 2, 4]), length: 3, adjusted: false, rawLast: NaN };
    const a = { t: Float64Array.from([1, 4]), v: Float64Array.from([1, 10]), length: 2, adjusted: true, rawLast: 6 };
    const { chain } = stitchCounter([a, raw]);
    // 6 → 8: +2; 8 → 2: reset, +2; 2 → 4: +2.
    expect(points(chain)).toEqual([[1, 1], [4, 10], [5, 12], [6, 14], [7, 16]]);
  });
});
