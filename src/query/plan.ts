/**
 * What a query will read, worked out from its syntax tree before it runs (Prometheus's FindMinMaxTime, per
 * selector): every selector with the time range the engine will select for it, given the query's evaluation range,
 * offsets, `@` modifiers, range widths, subquery ranges and steps, and the lookback delta. The runner prefetches
 * exactly these ranges from the head and estimates the query's size from them.
 */
import type { Matcher } from '../model/matcher.js';
import { someNode, type AtModifier, type Expr } from '../promql/ast.js';

/** One selector's read: series matching all `matchers` with samples in [mint, maxt] (inclusive, ms). */
export interface SelectorRange {
  readonly matchers: readonly Matcher[];
  mint: number;
  maxt: number;
  /**
   * Every selector of this range is an instant selector read at the single time `maxt`: only each series' newest
   * sample in the range is needed (the engine then selects with the `latestOnly` hint). Absent means false.
   */
  latestOnly?: boolean;
}

export interface PlanOptions {
  /** Lookback delta of instant selectors, ms (the engine's; default 5m). */
  lookbackMs: number;
  /** Step of subqueries written without one (`x[5m:]`), ms (the engine's; default 1m). */
  defaultSubqueryStepMs: number;
}

/**
 * The ranges the engine selects for each selector of `expr` evaluated at start, start + step, …, end (an instant
 * query has start = end). Selectors with the same matchers are merged into one range covering both; the result has
 * one entry per distinct matcher set. A range may be empty of data but is never narrower than what the engine reads.
 */
export function selectorRanges(expr: Expr, start: number, end: number, opts: PlanOptions): SelectorRange[] {
  const byKey = new Map<string, SelectorRange>();
  const add = (matchers: readonly Matcher[], mint: number, maxt: number, latestOnly: boolean) => {
    const key = matchers.map((m) => m.toString()).sort().join('\u0000');
    const r = byKey.get(key);
    if (r === undefined) byKey.set(key, { matchers, mint, maxt, latestOnly });
    else {
      r.latestOnly = r.latestOnly === true && latestOnly && r.maxt === maxt;
      if (mint < r.mint) r.mint = mint;
      if (maxt > r.maxt) r.maxt = maxt;
    }
  };
  // `@ start()` / `@ end()` name the top-level query's range even inside subqueries, as in the engine.
  const atTime = (at: AtModifier) => (at.kind === 'time' ? at.t : at.kind === 'start' ? start : end);
  const refRange = (at: AtModifier | null, offset: number, from: number, to: number): [number, number] => {
    if (at) {
      const t = atTime(at) - offset;
      return [t, t];
    }
    return [from - offset, to - offset];
  };
  const walk = (e: Expr, from: number, to: number): void => {
    switch (e.type) {
      case 'NumberLiteral':
      case 'StringLiteral':
        return;
      case 'VectorSelector': {
        const [first, last] = refRange(e.at, e.offset, from, to);
        add(e.matchers, first - opts.lookbackMs, last, first === last);
        return;
      }
      case 'MatrixSelector': {
        const [first, last] = refRange(e.vs.at, e.vs.offset, from, to);
        add(e.vs.matchers, first - e.rangeMs, last, false);
        return;
      }
      case 'SubqueryExpr': {
        const step = e.stepMs > 0 ? e.stepMs : opts.defaultSubqueryStepMs;
        const [first, last] = refRange(e.at, e.offset, from, to);
        walk(e.expr, Math.ceil((first - e.rangeMs) / step) * step, last);
        return;
      }
      case 'Call':
        for (const a of e.args) walk(a, from, to);
        return;
      case 'AggregateExpr':
        walk(e.expr, from, to);
        if (e.param) walk(e.param, from, to);
        return;
      case 'BinaryExpr':
        walk(e.lhs, from, to);
        walk(e.rhs, from, to);
        return;
      case 'UnaryExpr':
      case 'ParenExpr':
        walk(e.expr, from, to);
        return;
    }
  };
  walk(expr, start, end);
  return [...byKey.values()];
}

/**
 * True if the value of `expr` at a step depends on the query's start or end (`@ start()` / `@ end()`), so a step's
 * result computed in one range query cannot be reused for another range.
 */
export function dependsOnQueryRange(expr: Expr): boolean {
  return someNode(expr, (n) =>
    (n.type === 'VectorSelector' || n.type === 'SubqueryExpr') && n.at !== null && n.at.kind !== 'time');
}
