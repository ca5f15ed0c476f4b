import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsFromObject, labelsKey } from '../model/labels.js';
import { STALE_NAN } from '../model/sample.js';
import { Engine, type Value } from './engine.js';
import { MemoryStorage } from './testing/memory-storage.js';

/**
 * Parameterless aggregations of a selector or of a range-function call are evaluated for all steps at once
 * (GroupColumns). Wrapping the input in `and on() vector(1)` keeps every sample, its labels and its order but is
 * not such an input, so the same aggregation is then evaluated step by step by aggregate(): both must agree bit
 * for bit, in instant queries (including the order of the groups) and in range queries.
 */
const OPS = ['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar'];
const GROUPINGS = ['', 'by (g)', 'without (i)', 'by (__name__)', 'by (g, __name__)', 'without (g)'];
const INPUTS = ['{__name__=~"m|n"}', 'rate({__name__=~"m|n"}[2m])', 'max_over_time(m[3m])', 'last_over_time({__name__=~"m|n"}[1m])', 'm offset 30s', 'm @ 200'];

const value = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5, max: 40 }).map((x) => x / 4) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e300) },
);
const sample = fc.oneof(
  { weight: 6, arbitrary: value },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant('stale' as const) },
);

function load(series: Array<Array<number | null | 'stale'>>): MemoryStorage {
  const st = new MemoryStorage();
  series.forEach((vals, i) => {
    const ls = labelsFromObject({ __name__: i % 3 === 2 ? 'n' : 'm', i: String(i), g: String(i % 2) });
    vals.forEach((v, j) => { if (v !== null) st.append(ls, j * 20_000, v === 'stale' ? STALE_NAN : v); });
  });
  return st;
}

/** Every sample as `labels@t` → value, and (for vectors) the order of the label sets. */
function flatten(v: Value): { values: Map<string, number>; order: string[] } {
  const values = new Map<string, number>(), order: string[] = [];
  if (v.type === 'vector') {
    for (const s of v.samples) { values.set(`${labelsKey(s.labels)}@${s.t}`, s.v); order.push(labelsKey(s.labels)); }
  } else if (v.type === 'matrix') {
    for (const s of v.series) s.t.forEach((t, i) => values.set(`${labelsKey(s.labels)}@${t}`, s.v[i]!));
  } else {
    throw new Error(`unexpected ${v.type}`);
  }
  return { values, order };
}

function expectSame(got: Value, want: Value, what: string): void {
  const g = flatten(got), w = flatten(want);
  expect(g.order, `${what}: order`).toEqual(w.order);
  expect([...g.values.keys()].sort(), `${what}: samples`).toEqual([...w.values.keys()].sort());
  for (const [k, v] of w.values) expect(Object.is(g.values.get(k), v), `${what} ${k}: got ${g.values.get(k)} want ${v}`).toBe(true);
}

/**
 * Property: `expr` and `reference` (the same aggregation forced onto the step-by-step path) give the same range and
 * instant results on random series and grids; with `nested`, also under another aggregation.
 */
function checkAgainstReference(expr: string, reference: string, numRuns: number, nested: boolean): void {
  const engine = new Engine();
  fc.assert(fc.property(
    fc.array(fc.array(sample, { maxLength: 30 }), { minLength: 1, maxLength: 6 }),
    fc.integer({ min: -4, max: 30 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 20 }),
    (series, startStep, stepSteps, steps) => {
      const st = load(series);
      const step = stepSteps * 10_000, start = startStep * 10_000, end = start + (steps - 1) * step;
      expectSame(engine.rangeQuery(st, expr, start, end, step), engine.rangeQuery(st, reference, start, end, step), `range ${expr}`);
      expectSame(engine.instantQuery(st, expr, end), engine.instantQuery(st, reference, end), `instant ${expr} at ${end}`);
      if (nested) {
        // The per-step vectors of the columns feed another operator.
        const outer = `sum(${expr}) * 1`, outerRef = `sum(${reference}) * 1`;
        expectSame(engine.rangeQuery(st, outer, start, end, step), engine.rangeQuery(st, outerRef, start, end, step), `range ${outer}`);
      }
    },
  ), { numRuns });
}

describe('aggregations evaluated for all steps at once', () => {
  const cases = OPS.flatMap((op) => GROUPINGS.flatMap((grouping) => INPUTS.map((input) => [op, grouping, input] as const)));
  it.each(cases)('%s %s (%s) equals the step-by-step aggregation', (op, grouping, input) => {
    checkAgainstReference(`${op} ${grouping} (${input})`, `${op} ${grouping} (${input} and on() vector(1))`, 15, true);
  });

  it.each([
    ['max_over_time(sum by (g) (m)[2m:20s])', 'max_over_time(sum by (g) (m and on() vector(1))[2m:20s])'],
    ['avg without (i) (rate(m[1m] @ end()))', 'avg without (i) (rate(m[1m] @ end()) and on() vector(1))'],
    ['count(m @ start()) + sum by (g) (m offset -20s)', 'count(m @ start() and on() vector(1)) + sum by (g) (m offset -20s and on() vector(1))'],
  ])('%s: inside subqueries and with @ and offset too', (expr, reference) => {
    checkAgainstReference(expr, reference, 40, false);
  });

  it('counts the samples the step-by-step evaluation counts', () => {
    // Three series with a sample every 20 s over 100 s: an instant selector selects 3 samples at each of 6 steps
    // (and keeps them), a 1m window holds up to 4 samples per series at one step (and releases them).
    const st = new MemoryStorage();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 6; j++) st.append(labelsFromObject({ __name__: 'm', i: String(i), g: String(i % 2) }), j * 20_000, j);
    const limits: Array<[string, number]> = [['count(m)', 18], ['sum by (g) (m)', 18], ['avg by (g) (max_over_time(m[1m]))', 12]];
    for (const [expr, most] of limits) {
      expect(() => new Engine({ maxSamples: most - 1 }).rangeQuery(st, expr, 0, 100_000, 20_000), expr).toThrow(/too many samples/);
      expect(new Engine({ maxSamples: most }).rangeQuery(st, expr, 0, 100_000, 20_000)).toMatchObject({ type: 'matrix' });
    }
  });

  it('gives the mean, count and spread of a known series set', () => {
    const st = new MemoryStorage();
    const vals = [[1, 2], [3, 6], [8, 10]];
    vals.forEach((v, i) => v.forEach((x, j) => st.append(labelsFromObject({ __name__: 'x', i: String(i) }), j * 60_000, x)));
    const r = new Engine().rangeQuery(st, 'avg(x)', 0, 60_000, 60_000);
    expect(r.type === 'matrix' && Array.from(r.series[0]!.v)).toEqual([4, 6]);
    const c = new Engine().rangeQuery(st, 'stdvar(x)', 0, 60_000, 60_000);
    // Population variances: of 1, 3, 8 → 26/3; of 2, 6, 10 → 32/3.
    const got = c.type === 'matrix' ? Array.from(c.series[0]!.v) : [];
    expect(got[0]).toBeCloseTo(26 / 3, 12);
    expect(got[1]).toBeCloseTo(32 / 3, 12);
  });
});
