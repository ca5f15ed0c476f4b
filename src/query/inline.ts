/**
 * The small-query fast path: a query that reads only the head and little of it is evaluated on the main thread,
 * straight from the head's chunks, instead of copying them, posting them to a worker and posting the result back.
 * For a query that touches a few hundred series that hand-off costs more than the evaluation (several ms of
 * serialization, two thread wake-ups, and a worker that runs at a lower priority), which for such queries is the
 * larger part of their latency.
 *
 * What keeps it from stalling ingestion: (1) the cost bound — the estimate below counts the samples the head would
 * decode, a fixed weight per series selected (labels, buffers, sorting: the larger part for short ranges) and one
 * unit per series per step, and only queries under `DEFAULT_INLINE_MAX_COST` run here, which on the reference
 * 2-vCPU VM is a few ms of main-thread time (bench/RESULTS.md), against the 100 ms a scrape may be late;
 * (2) at most one inline query per event-loop turn (InlineGate): a burst of dashboard queries arriving together
 * would otherwise run back to back before the loop reaches its timers, so the others go to workers.
 */
import type { SelectHints } from '../tsdb/types.js';
import type { Head } from '../tsdb/head/head.js';
import { TieredQuerier, tierSet } from '../tsdb/downsample/index.js';
import { Engine, type Expr, type Value } from '../promql/index.js';
import { someNode } from '../promql/ast.js';
import type { SelectorRange } from './plan.js';

/**
 * Default bound of a query's inline cost. Measured in process on the reference 2-vCPU VM over the bench's 20 k
 * series (bench/RESULTS.md): the engine reads and evaluates 12–30 units per µs, so 50 k units hold the main thread
 * for ~2–4 ms — about what the hand-off to a worker costs by itself. That covers a dashboard refresh (the cache
 * re-evaluates only its 5-minute tail) and selectors of a few hundred series; bigger queries go to a worker, where
 * they overlap with scrapes instead of waiting for them on the main thread.
 */
export const DEFAULT_INLINE_MAX_COST = 50_000;

/**
 * Cost units per series selected, whatever its samples: building its labels and buffers, sorting and visiting it
 * (~1.3 µs against ~70 ns per decoded sample).
 */
export const SERIES_COST = 20;

/** A time range of stored data, ms, maxTime exclusive (a block's meta). */
export interface TimeSpan {
  minTime: number;
  maxTime: number;
}

/** What a query would read from the head and cost to evaluate there (see headCost). */
export interface HeadCost {
  /** Samples decoded + SERIES_COST per series + series × steps; Infinity once over the limit. */
  cost: number;
  /** Samples the head would decode (whole overlapping chunks), counted up to where the limit was passed. */
  samples: number;
}

/**
 * The inline cost of reading `ranges` from `head` and evaluating over `steps` steps, counting stops as soon as the
 * cost passes `limit` (so a huge query costs only the postings lookup of its first selector to be refused).
 */
export function headCost(head: Head, ranges: readonly SelectorRange[], steps: number, limit: number): HeadCost {
  let cost = steps, samples = 0;
  for (const r of ranges) {
    const refs = head.matchingRefs(r.matchers, r.mint, r.maxt);
    cost += refs.length * (steps + SERIES_COST);
    if (cost > limit) return { cost: Infinity, samples };
    for (let i = 0; i < refs.length; i++) {
      const s = head.slotOf(refs[i]!);
      if (s < 0) continue;
      const n = head.sampleBound(s, r.mint, r.maxt, r.latestOnly === true);
      samples += n;
      cost += n;
      if (cost > limit) return { cost: Infinity, samples };
    }
  }
  return { cost, samples };
}

/** True if no block in `blocks` holds data in any of the `ranges` (inclusive bounds). */
export function blocksUntouched(ranges: readonly SelectorRange[], blocks: readonly TimeSpan[]): boolean {
  for (const r of ranges) {
    for (const b of blocks) if (b.minTime <= r.maxt && r.mint < b.maxTime) return false;
  }
  return true;
}

/** True if `expr` holds a subquery, whose inner steps the outer step count does not bound. */
export function hasSubquery(expr: Expr): boolean {
  return someNode(expr, (n) => n.type === 'SubqueryExpr');
}

/**
 * Lets one inline query through per event-loop turn: `tryEnter()` is true at most once until the loop has passed
 * its check phase (setImmediate), which comes after the I/O callbacks of the turn and before the next turn's
 * timers, so scrape timers wait for at most one inline query.
 */
export class InlineGate {
  private held = false;
  private readonly open = (): void => {
    this.held = false;
  };

  tryEnter(): boolean {
    if (this.held) return false;
    this.held = true;
    setImmediate(this.open);
    return true;
  }
}

export interface InlineQuery {
  kind: 'instant' | 'range';
  expr: Expr;
  start: number;
  end: number;
  stepMs: number;
  hints: SelectHints | undefined;
  maxSamples: number;
  timeoutMs: number;
  lookbackMs: number;
  defaultSubqueryStepMs: number;
}

/**
 * Evaluates `q` over the head alone, synchronously, through the same tier logic and engine as a worker does over
 * its snapshot, so the answer is the same. The caller has checked that no block holds data the query reads.
 */
export function evaluateHead(head: Head, q: InlineQuery): { value: Value; servedResolutions: number[] } {
  const tiers = tierSet([head], [], head.minTime(), []);
  const engine = new Engine({
    maxSamples: q.maxSamples,
    timeoutMs: q.timeoutMs,
    lookbackDeltaMs: q.lookbackMs,
    defaultSubqueryStepMs: q.defaultSubqueryStepMs,
  });
  const storage = { querier: () => new TieredQuerier(tiers) };
  const value =
    q.kind === 'instant'
      ? engine.instantQuery(storage, q.expr, q.start, q.hints)
      : engine.rangeQuery(storage, q.expr, q.start, q.end, q.stepMs, q.hints);
  return { value, servedResolutions: engine.servedResolutions };
}
