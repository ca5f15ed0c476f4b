import { describe, expect, it } from 'vitest';
import { parseExpr } from '../promql/index.js';
import { dependsOnQueryRange, selectorRanges } from './plan.js';

const OPTS = { lookbackMs: 300_000, defaultSubqueryStepMs: 60_000 };
const S = 10_000_000, E = 20_000_000;

function ranges(q: string, start = S, end = E) {
  return selectorRanges(parseExpr(q), start, end, OPTS).map((r) => ({
    m: r.matchers.map((x) => x.toString()).sort().join(','),
    mint: r.mint,
    maxt: r.maxt,
  }));
}

describe('selectorRanges', () => {
  it('widens instant selectors by the lookback and range selectors by their range', () => {
    expect(ranges('x')).toEqual([{ m: '__name__="x"', mint: S - 300_000, maxt: E }]);
    expect(ranges('rate(x[10m])')).toEqual([{ m: '__name__="x"', mint: S - 600_000, maxt: E }]);
  });

  it('moves ranges by offset and pins them with @', () => {
    expect(ranges('x offset 1h')).toEqual([{ m: '__name__="x"', mint: S - 3_600_000 - 300_000, maxt: E - 3_600_000 }]);
    expect(ranges('rate(x[5m] @ 1000)')).toEqual([{ m: '__name__="x"', mint: 1_000_000 - 300_000, maxt: 1_000_000 }]);
    expect(ranges('x @ end() offset 1m')).toEqual([{ m: '__name__="x"', mint: E - 60_000 - 300_000, maxt: E - 60_000 }]);
    expect(ranges('x @ start()')).toEqual([{ m: '__name__="x"', mint: S - 300_000, maxt: S }]);
  });

  it('reads a subquery from its first aligned step minus its inner ranges', () => {
    // Inner steps start at ceil((S − 1h) / 1m) · 1m; the inner rate reads 5m before that.
    const first = Math.ceil((S - 3_600_000) / 60_000) * 60_000;
    expect(ranges('max_over_time(rate(x[5m])[1h:1m])')).toEqual([{ m: '__name__="x"', mint: first - 300_000, maxt: E }]);
    const first30 = Math.ceil((S - 3_600_000 - 600_000) / 30_000) * 30_000;
    expect(ranges('max_over_time(x[1h:30s] offset 10m)')).toEqual([
      { m: '__name__="x"', mint: first30 - 300_000, maxt: E - 600_000 },
    ]);
  });

  it('merges selectors with the same matchers and keeps different ones apart', () => {
    expect(ranges('rate(x[1h]) / x offset 5m + y{a="b"}')).toEqual([
      { m: '__name__="x"', mint: S - 3_600_000, maxt: E },
      { m: '__name__="y",a="b"', mint: S - 300_000, maxt: E },
    ]);
    expect(ranges('1 + time()')).toEqual([]);
  });
});

describe('dependsOnQueryRange', () => {
  it('is true only for @ start() / @ end() anywhere in the tree', () => {
    expect(dependsOnQueryRange(parseExpr('sum(rate(x[5m]))'))).toBe(false);
    expect(dependsOnQueryRange(parseExpr('x @ 100'))).toBe(false);
    expect(dependsOnQueryRange(parseExpr('sum(rate(x[5m] @ end()))'))).toBe(true);
    expect(dependsOnQueryRange(parseExpr('max_over_time(x[1h:] @ start())'))).toBe(true);
    expect(dependsOnQueryRange(parseExpr('1 + -(x @ start())'))).toBe(true);
  });
});
