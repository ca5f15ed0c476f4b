import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActiveSeries } from './active-series.js';

const series = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 0, maxLength: 8 }).map((ts) => {
  const t = Float64Array.from([...new Set(ts)].sort((a, b) => a - b));
  return { t, n: t.length };
});

describe('ActiveSeries', () => {
  it('lists exactly the series with t[0] <= maxt and t[n-1] >= mint, in input order, as windows move', () => {
    fc.assert(fc.property(
      fc.array(series, { minLength: 0, maxLength: 12 }),
      fc.integer({ min: 0, max: 30 }),
      // Mostly forward steps, sometimes a jump back (which must start over).
      fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: -1 }) }),
        { minLength: 1, maxLength: 40 }),
      (all, width, moves) => {
        const active = new ActiveSeries(all);
        let end = -10;
        for (const dt of moves) {
          end += dt;
          const mint = end - width;
          const want = all.filter((s) => s.n > 0 && s.t[0]! <= end && s.t[s.n - 1]! >= mint);
          expect(active.within(mint, end)).toEqual(want);
        }
      },
    ), { numRuns: 300 });
  });
});
