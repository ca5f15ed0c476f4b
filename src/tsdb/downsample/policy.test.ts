import { describe, it, expect } from 'vitest';
import { aggregateFor, autoResolution, parseMaxSourceResolution } from './policy.js';
import { planStretches, preferenceOrder } from './tiered-querier.js';

const M5 = 300_000, H = 3_600_000, D = 86_400_000;

describe('autoResolution', () => {
  const base = { stepMs: H, start: 100 * D, offsetMs: 0, pinned: false };
  it('takes 1h for whole-window ranges on an aligned 1h step, 5m when only 5 windows of 5m fit', () => {
    expect(autoResolution({ ...base, rangeMs: H })).toBe(H);
    expect(autoResolution({ ...base, rangeMs: H, start: 100 * D + 17 * 60_000 })).toBe(M5);
    expect(autoResolution({ ...base, rangeMs: D, start: 100 * D + 17 * 60_000 })).toBe(H);
  });
  it('never reads coarser than the step, and raw for short ranges', () => {
    expect(autoResolution({ ...base, rangeMs: D, stepMs: 60_000 })).toBe(0);
    expect(autoResolution({ ...base, rangeMs: 5 * 60_000, stepMs: 10 * 60_000, start: 100 * D + 60_000 })).toBe(0);
  });
  it('plain selectors: downsampled only in range queries with a step of at least the resolution', () => {
    expect(autoResolution({ ...base, rangeMs: 0 })).toBe(H);
    expect(autoResolution({ ...base, rangeMs: 0, stepMs: 0 })).toBe(0);
  });
  it('@ pins windows off the step grid: only the 5-window rule applies', () => {
    expect(autoResolution({ ...base, rangeMs: H, pinned: true })).toBe(M5);
  });
  it('maps functions to aggregates and parses max_source_resolution', () => {
    expect(aggregateFor('rate')).toBe('counter');
    expect(aggregateFor('max_over_time')).toBe('max');
    expect(aggregateFor('quantile_over_time')).toBe('avg');
    expect(parseMaxSourceResolution('auto')).toBeUndefined();
    expect(parseMaxSourceResolution('1h')).toBe(H);
    expect(() => parseMaxSourceResolution('2h')).toThrow(/must be raw, 5m, 1h or auto/);
  });
});

describe('tier choice', () => {
  it('prefers the chosen tier, then finer, then coarser', () => {
    expect(preferenceOrder([M5, H], H)).toEqual([H, M5, 0]);
    expect(preferenceOrder([M5, H], 0)).toEqual([0, M5, H]);
    expect(preferenceOrder([H], 10 * 60_000)).toEqual([0, H]);
  });
  it('splits a range by coverage, falling back where the preferred tier has no data', () => {
    const cov = new Map([[0, [[100, 1000]] as const], [M5, [[0, 500]] as const], [H, [[0, 300]] as const]]);
    // Raw preferred: 5m before raw starts (finer than 1h), raw after.
    expect(planStretches(0, 999, [0, M5, H], cov)).toEqual([{ resolution: M5, from: 0, to: 99 }, { resolution: 0, from: 100, to: 999 }]);
    // 1h preferred: 1h while it lasts, then 5m, then raw.
    expect(planStretches(0, 999, [H, M5, 0], cov)).toEqual([
      { resolution: H, from: 0, to: 299 }, { resolution: M5, from: 300, to: 499 }, { resolution: 0, from: 500, to: 999 },
    ]);
    // Nothing covers [1000, 1200].
    expect(planStretches(900, 1200, [0], cov)).toEqual([{ resolution: 0, from: 900, to: 999 }]);
  });
});
