import { describe, expect, it } from 'vitest';
import { BadDataError, ExecutionError, TimeoutError } from '../model/errors.js';
import { labelsFromObject } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Querier, Queryable, SelectHints } from '../tsdb/types.js';
import { Engine, parseExpr } from './index.js';
import { MemoryStorage } from './testing/memory-storage.js';

/** Ten series x{i="0".."9"}, one sample per minute for an hour, value = minute. */
function storage(): MemoryStorage {
  const s = new MemoryStorage();
  for (let i = 0; i < 10; i++) {
    const ls = labelsFromObject({ __name__: 'x', i: String(i) });
    for (let m = 0; m <= 60; m++) s.append(ls, m * 60_000, m);
  }
  return s;
}

/** Wraps a Queryable and records every select() call. */
type SelectCall = { matchers: readonly Matcher[]; mint: number; maxt: number; hints?: SelectHints };
function counting(inner: Queryable): Queryable & { selects: SelectCall[] } {
  const selects: SelectCall[] = [];
  return {
    selects,
    querier(): Querier {
      const q = inner.querier();
      return { ...q, select: (m, mint, maxt, h) => { selects.push({ matchers: m, mint, maxt, hints: h }); return q.select(m, mint, maxt, h); } };
    },
  };
}

describe('Engine', () => {
  it('returns typed results for each value type', () => {
    const e = new Engine();
    const s = storage();
    expect(e.instantQuery(s, '1 + 1', 5000)).toEqual({ type: 'scalar', t: 5000, v: 2 });
    expect(e.instantQuery(s, '"hi"', 5000)).toEqual({ type: 'string', t: 5000, v: 'hi' });
    const v = e.instantQuery(s, 'x{i="3"}', 90_000);
    expect(v).toEqual({ type: 'vector', samples: [{ labels: labelsFromObject({ __name__: 'x', i: '3' }), t: 90_000, v: 1 }] });
    const m = e.instantQuery(s, 'x{i="3"}[2m]', 120_000);
    if (m.type !== 'matrix') throw new Error('expected a matrix');
    expect(Array.from(m.series[0]!.t)).toEqual([0, 60_000, 120_000]);
    expect(Array.from(m.series[0]!.v)).toEqual([0, 1, 2]);
  });

  it('accepts a parsed expression and evaluates it repeatedly', () => {
    const e = new Engine();
    const expr = parseExpr('sum(x)');
    const s = storage();
    expect(e.instantQuery(s, expr, 60_000)).toEqual(e.instantQuery(s, 'sum(x)', 60_000));
    const r = e.rangeQuery(s, expr, 0, 120_000, 60_000);
    if (r.type !== 'matrix') throw new Error('expected a matrix');
    expect(Array.from(r.series[0]!.v)).toEqual([0, 10, 20]);
  });

  it('selects each selector once per range query, over the whole range it needs', () => {
    const s = counting(storage());
    const r = new Engine().rangeQuery(s, 'rate(x[5m]) + on(i) x offset 1m', 10 * 60_000, 40 * 60_000, 15_000);
    if (r.type !== 'matrix') throw new Error('expected a matrix');
    expect(r.series).toHaveLength(10);
    expect(r.series[0]!.t.length).toBe(121);
    expect(s.selects.map((c) => [c.mint, c.maxt])).toEqual([
      [5 * 60_000, 40 * 60_000],
      [(10 - 1 - 5) * 60_000, (40 - 1) * 60_000],
    ]);
  });

  it('enforces maxSamples', () => {
    const e = new Engine({ maxSamples: 5 });
    expect(() => e.instantQuery(storage(), 'x', 60_000)).toThrow(ExecutionError);
    expect(() => e.instantQuery(storage(), 'x', 60_000)).toThrow('query processing would load too many samples into memory in query execution');
    expect(e.instantQuery(storage(), 'x{i="1"}', 60_000).type).toBe('vector');
  });

  it('counts range-selector windows against maxSamples', () => {
    // One series, 11 samples in the 10m window.
    expect(() => new Engine({ maxSamples: 10 }).instantQuery(storage(), 'sum_over_time(x{i="1"}[10m])', 30 * 60_000)).toThrow(ExecutionError);
    expect(new Engine({ maxSamples: 30 }).instantQuery(storage(), 'sum_over_time(x{i="1"}[10m])', 30 * 60_000).type).toBe('vector');
  });

  it('times out on an injected clock and still closes the querier', () => {
    let now = 0;
    const e = new Engine({ timeoutMs: 10_000, now: () => (now += 1_000) });
    const s = storage();
    expect(() => e.rangeQuery(s, 'x', 0, 3_600_000, 1_000)).toThrow(TimeoutError);
    expect(s.openQueriers).toBe(0);
    now = 0;
    expect(e.instantQuery(s, 'x', 0).type).toBe('vector');
  });

  it('rejects bad range query parameters', () => {
    const e = new Engine();
    const s = storage();
    expect(() => e.rangeQuery(s, 'x', 0, 60_000, 0)).toThrow(BadDataError);
    expect(() => e.rangeQuery(s, 'x', 60_000, 0, 1000)).toThrow(BadDataError);
    expect(() => e.rangeQuery(s, 'x[5m]', 0, 60_000, 1000)).toThrow('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    expect(() => e.rangeQuery(s, '"a"', 0, 60_000, 1000)).toThrow(BadDataError);
  });

  it('closes the querier after a runtime error', () => {
    const s = storage();
    expect(() => new Engine().instantQuery(s, 'x + on() x', 60_000)).toThrow(ExecutionError);
    expect(s.openQueriers).toBe(0);
  });

  it('uses the configured lookback delta', () => {
    const e = new Engine({ lookbackDeltaMs: 30_000 });
    const s = storage();
    // The last sample is at 60m; 30s later it is still visible, 31s later it is not.
    expect(e.instantQuery(s, 'count(x)', 3_630_000)).toMatchObject({ type: 'vector', samples: [{ v: 10 }] });
    expect(e.instantQuery(s, 'count(x)', 3_631_000)).toEqual({ type: 'vector', samples: [] });
  });

  it('uses the configured default subquery step', () => {
    const r = new Engine({ defaultSubqueryStepMs: 120_000 }).instantQuery(storage(), 'count_over_time(x{i="0"}[10m:])', 30 * 60_000);
    expect(r).toMatchObject({ type: 'vector', samples: [{ v: 6 }] });
  });

  it('passes select hints through to every select', () => {
    const s = counting(storage());
    new Engine().rangeQuery(s, 'x + rate(x[5m])', 0, 60_000, 30_000, { resolution: 300_000 });
    new Engine().instantQuery(s, 'max_over_time(x[1h:5m])', 3_600_000, { resolution: 300_000 });
    expect(s.selects).toHaveLength(3);
    // A caller's resolution is kept; each selector adds the aggregate its function needs from downsampled data.
    expect(s.selects.map((c) => c.hints)).toEqual([
      { resolution: 300_000, aggregate: 'avg' },
      { resolution: 300_000, aggregate: 'counter' },
      { resolution: 300_000, aggregate: 'avg' },
    ]);
  });
});
