import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsFromObject, labelsKey } from '../model/labels.js';
import { STALE_NAN } from '../model/sample.js';
import { Engine } from './engine.js';
import { MemoryStorage } from './testing/memory-storage.js';

/**
 * Range queries evaluate a range-function call over a selector series by series (the call's columns), straight into
 * the result matrix when the call, or sum/min/max/count of it, is the whole expression. Instant queries evaluate
 * the same call from one window, so at every step both must give bit-identical values, the same series and the
 * same errors.
 */
const EXPRS = [
  'rate(m[2m])', 'increase(m[90s] offset 30s)', 'delta(m[3m])', 'irate(m[2m])', 'idelta(m[1m])',
  'max_over_time(m[3m])', 'min_over_time(m[150s] offset -1m)', 'avg_over_time(m[2m])', 'sum_over_time(m[4m])',
  'count_over_time(m[2m])', 'last_over_time(m[1m])', 'present_over_time(m[1m])', 'quantile_over_time(0.3, m[3m])',
  'stddev_over_time(m[2m])', 'stdvar_over_time(m[2m])', 'changes(m[5m])', 'resets(m[5m])', 'deriv(m[3m])',
  'predict_linear(m[3m], 60)', 'max_over_time(m[2m] @ 300)',
  'sum(rate(m[2m]))', 'max(max_over_time(m[3m]))', 'min(deriv(m[3m]))', 'count(changes(m[2m]))',
  'sum by (g) (rate(m[2m]))', 'rate(m[2m]) * 2', 'sum(rate(m[2m])) / count(rate(m[2m]))',
];

const value = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5, max: 40 }).map((x) => x / 4) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) },
);
const sample = fc.oneof(
  { weight: 6, arbitrary: value },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant('stale' as const) },
);

function load(series: Array<Array<number | null | 'stale'>>, name: (i: number) => string = () => 'm'): MemoryStorage {
  const st = new MemoryStorage();
  series.forEach((vals, i) => {
    const ls = labelsFromObject({ __name__: name(i), i: String(i), g: String(i % 2) });
    vals.forEach((v, j) => { if (v !== null) st.append(ls, j * 20_000, v === 'stale' ? STALE_NAN : v); });
  });
  return st;
}

describe('range-function calls evaluated series by series', () => {
  it.each(EXPRS)('%s: a range query equals instant queries at its steps, bit for bit', (expr) => {
    const engine = new Engine();
    fc.assert(fc.property(
      fc.array(fc.array(sample, { maxLength: 40 }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: -4, max: 30 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 25 }),
      (series, startStep, stepSteps, steps) => {
        const st = load(series);
        const step = stepSteps * 10_000;
        const start = startStep * 10_000;
        const end = start + (steps - 1) * step;
        const range = engine.rangeQuery(st, expr, start, end, step);
        if (range.type !== 'matrix') throw new Error('range query must return a matrix');
        const got = new Map<string, number>(), want = new Map<string, number>();
        for (const s of range.series) s.t.forEach((t, i) => got.set(`${labelsKey(s.labels)}@${t}`, s.v[i]!));
        for (let ts = start; ts <= end; ts += step) {
          const inst = engine.instantQuery(st, expr, ts);
          if (inst.type !== 'vector') throw new Error('expected a vector');
          for (const smp of inst.samples) want.set(`${labelsKey(smp.labels)}@${ts}`, smp.v);
        }
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [k, v] of want) expect(Object.is(got.get(k), v), `${k}: range ${got.get(k)} instant ${v}`).toBe(true);
      },
    ), { numRuns: 80 });
  });

  it('rejects series that collide once __name__ is dropped, as step-by-step evaluation does', () => {
    const st = load([[1, 2, 3, 4], [5, 6, 7, 8]], (i) => (i === 0 ? 'a' : 'b'));
    // Same i label: the two series differ only by name.
    const st2 = new MemoryStorage();
    for (const name of ['a', 'b']) for (let j = 0; j < 4; j++) st2.append(labelsFromObject({ __name__: name, i: '0' }), j * 20_000, j);
    const engine = new Engine();
    for (const expr of ['rate({i="0"}[1m])', 'sum(rate({i="0"}[1m]))']) {
      expect(() => engine.rangeQuery(st2, expr, 0, 60_000, 20_000)).toThrow('vector cannot contain metrics with the same labelset');
    }
    expect(engine.rangeQuery(st2, 'last_over_time({i="0"}[1m])', 0, 60_000, 20_000)).toMatchObject({ type: 'matrix' });
    const ok = engine.rangeQuery(st, 'rate({g=~".+"}[1m])', 0, 60_000, 20_000);
    expect(ok.type === 'matrix' && ok.series.length).toBe(2);
  });

  it('enforces the sample limit on the windows held at the fullest step', () => {
    // Three series with a sample every 20 s: a 1m window holds up to 4 samples each, 12 in all.
    const st = load([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]);
    for (const expr of ['max_over_time(m[1m])', 'sum(max_over_time(m[1m]))', 'max_over_time(m[1m]) + 1']) {
      expect(() => new Engine({ maxSamples: 11 }).rangeQuery(st, expr, 0, 100_000, 20_000)).toThrow(/too many samples/);
      expect(new Engine({ maxSamples: 12 }).rangeQuery(st, expr, 0, 100_000, 20_000)).toMatchObject({ type: 'matrix' });
    }
  });
});
