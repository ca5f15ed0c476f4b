import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsFromObject, labelsKey } from '../model/labels.js';
import { STALE_NAN } from '../model/sample.js';
import { Engine } from './engine.js';
import { MemoryStorage } from './testing/memory-storage.js';

/**
 * A range query must give, at every step, exactly what an instant query at that time gives: the range evaluator
 * reuses one selection and moves windows with cursors, the instant one starts fresh, so this checks the cursors,
 * the per-query caches and subquery alignment against independent evaluations. (`@ start()`/`@ end()` are left out:
 * they depend on the query range by definition.)
 */
const EXPRS = [
  'm',
  'm offset 90s',
  'rate(m[2m])',
  'increase(m[5m] offset -1m)',
  'sum by (g) (m)',
  'max_over_time(m[3m])',
  'count_over_time(m[150s])',
  'm @ 300',
  'sum_over_time(m[2m] @ 600)',
  'avg_over_time(rate(m[2m])[5m:30s])',
  'max_over_time(m[4m:1m] offset 1m)',
  'topk(1, m)',
  'm > 5 or m * 2',
  'm - on(i) group_left m @ 300',
  'deriv(m[5m])',
  'absent_over_time(m{i="0"}[1m])',
  'timestamp(m)',
  'changes(m[10m])',
];

const sample = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant('stale' as const) },
);

function load(series: Array<Array<number | null | 'stale'>>): MemoryStorage {
  const st = new MemoryStorage();
  series.forEach((vals, i) => {
    const ls = labelsFromObject({ __name__: 'm', i: String(i), g: String(i % 2) });
    vals.forEach((v, j) => { if (v !== null) st.append(ls, j * 30_000, v === 'stale' ? STALE_NAN : v); });
  });
  return st;
}

function same(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

describe('range and instant queries agree', () => {
  it.each(EXPRS)('%s', (expr) => {
    const engine = new Engine();
    fc.assert(fc.property(
      fc.array(fc.array(sample, { minLength: 0, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }),
      (series, startStep, stepSteps, steps) => {
        const st = load(series);
        const step = stepSteps * 15_000;
        const start = startStep * 15_000;
        const end = start + (steps - 1) * step;
        const range = engine.rangeQuery(st, expr, start, end, step);
        if (range.type !== 'matrix') throw new Error('range query must return a matrix');
        const byKey = new Map(range.series.map((s) => [labelsKey(s.labels), s]));
        for (let ts = start, k = 0; ts <= end; ts += step, k++) {
          const inst = engine.instantQuery(st, expr, ts);
          if (inst.type !== 'vector') throw new Error('expected a vector');
          const fromRange = new Map<string, number>();
          for (const [key, s] of byKey) {
            const idx = s.t.indexOf(ts);
            if (idx >= 0) fromRange.set(key, s.v[idx]!);
          }
          expect(fromRange.size, `series count at ${ts}`).toBe(inst.samples.length);
          for (const smp of inst.samples) {
            const v = fromRange.get(labelsKey(smp.labels));
            expect(v !== undefined && same(v, smp.v), `${expr} at ${ts}: range ${v} instant ${smp.v}`).toBe(true);
          }
        }
      },
    ), { numRuns: 60 });
  });
});
