/**
 * The PromQL evaluator. A query is evaluated step by step (an instant query is one step); every selector and
 * subquery is selected or evaluated once per query over the whole range it needs, and each step then finds its
 * window by advancing cursors through the decoded samples, so range functions read the shared buffers in place.
 *
 * Semantics follow Prometheus 2.42: instant selectors take the newest sample in [t - lookback, t] unless it is a
 * stale marker; range selectors take samples in [t - range, t] without stale markers; `@` pins a selector's time
 * and `offset` moves it; subqueries evaluate their inner expression at multiples of their step.
 */
import type { Labels } from '../model/labels.js';
import { compareLabels, METRIC_NAME } from '../model/labels.js';
import { BadDataError, ExecutionError, TimeoutError } from '../model/errors.js';
import { isStaleNaN, type InstantSample } from '../model/sample.js';
import type { Querier, Queryable, SampleAggregate, SelectHints } from '../tsdb/types.js';
import {
  type AggregateExpr, type AtModifier, type BinaryExpr, type Call, type Expr, exprType, type MatrixSelector,
  type SubqueryExpr, type VectorSelector,
} from './ast.js';
import { ActiveSeries, type TimedSeries } from './active-series.js';
import { aggregate, type GroupOf } from './aggregation.js';
import { GroupColumns, isColumnOp } from './aggregate-columns.js';
import { scalarBinop, vectorAnd, vectorBinop, vectorOr, vectorScalarBinop, vectorUnless } from './binary.js';
import { histogramQuantile } from './histogram.js';
import { ELEMENT_FUNCTIONS } from './instant-functions.js';
import { dropMetricName, keyOf } from './label-ops.js';
import { parseExpr } from './parser.js';
import { counterResets, RANGE_FUNCTIONS, type RangeFunction, type Window } from './range-functions.js';
import { aggregateFor, autoResolution } from '../tsdb/downsample/policy.js';

const SUM_OVER_TIME = RANGE_FUNCTIONS.get('sum_over_time')!;
import { absentLabels, labelJoin, labelReplace, sortVector } from './vector-functions.js';

/** A query result, shaped like Prometheus's API `data` (before JSON formatting). */
export type Value =
  | { type: 'scalar'; t: number; v: number }
  | { type: 'string'; t: number; v: string }
  | { type: 'vector'; samples: InstantSample[] }
  | { type: 'matrix'; series: MatrixSeries[] };

export interface MatrixSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
}

export interface EngineOptions {
  /** How far back an instant selector looks for a sample. Default 5m. */
  lookbackDeltaMs?: number;
  /** Most samples a query may hold in memory at once. Default 50e6. */
  maxSamples?: number;
  /** Query deadline. Default 2m. */
  timeoutMs?: number;
  /** Step of subqueries written without one (`x[5m:]`): Prometheus's global evaluation interval. Default 1m. */
  defaultSubqueryStepMs?: number;
  /** Clock for the deadline, ms (tests inject one). Default Date.now. */
  now?: () => number;
}

type StepValue =
  | { kind: 'scalar'; v: number }
  | { kind: 'string'; s: string }
  | { kind: 'vector'; samples: InstantSample[] };

/** One series of a range selection or subquery result, with its current window [lo, hi) and instant cursor. */
interface SeriesData extends Window {
  labels: Labels;
  /** `labels` without `__name__`, once a function result first needs it (memoized here: read at every step). */
  noName: Labels | null;
  n: number;
  /** Set when the samples are downsampled window aggregates (Series.aggregate). */
  aggregate?: SampleAggregate;
  /** Lookback of an instant selector over downsampled data: the engine's plus the resolution. */
  lookback?: number;
}

/**
 * One series' results of a range-function call at the steps [first, first + vals.length) of a range evaluation;
 * `has[j]` is 0 where the function gave no sample. `t` holds the first and last of those step times, so the
 * columns can be walked with ActiveSeries like samples.
 */
interface CallColumn extends TimedSeries {
  labels: Labels;
  noName: Labels | null;
  first: number;
  vals: Float64Array;
  has: Uint8Array;
}

/** A range-function call evaluated series by series ahead of the steps (see Evaluator.callColumns). */
interface CallColumns {
  /** Every series with at least one step to evaluate, in selection order. */
  all: CallColumn[];
  columns: ActiveSeries<CallColumn>;
  /** Samples in the call's windows at each step: what the step-by-step evaluation holds in memory at that step. */
  held: Float64Array;
  distinct: boolean;
}

/** An instant selector's selection: the series in selection order, tracked for windows, and the widest lookback. */
interface InstantData {
  all: SeriesData[];
  series: ActiveSeries<SeriesData>;
  lookback: number;
}

/** A parameterless aggregation evaluated for every step at once (see Evaluator.aggregateColumns). */
interface AggregateColumns {
  groups: GroupColumns;
  /** Samples in the input call's windows at each step: held while the step is evaluated, then released. */
  held: Float64Array;
  /** Samples the input selector selects at each step: counted and kept, as vectorSelect does. */
  selected: Float64Array;
}

/** Most cells (groups × steps) an aggregation evaluated for all steps at once may take; larger ones go step by step. */
const MAX_GROUP_CELLS = 1 << 21;

class QueryContext {
  samples = 0;
  readonly deadline: number;
  /** The range function each range selector is an argument of: decides the downsampled aggregate it reads. */
  readonly rangeFns = new Map<MatrixSelector, string>();
  constructor(
    readonly querier: Querier,
    readonly lookback: number,
    readonly maxSamples: number,
    timeoutMs: number,
    readonly now: () => number,
    readonly queryStart: number,
    readonly queryEnd: number,
    readonly defaultSubqueryStep: number,
    readonly hints: SelectHints | undefined,
  ) {
    this.deadline = now() + timeoutMs;
  }

  checkTimeout(): void {
    if (this.now() > this.deadline) throw new TimeoutError('query timed out in expression evaluation');
  }

  /** Counts samples brought into memory; throws once the query holds more than maxSamples. */
  addSamples(n: number): void {
    this.samples += n;
    if (this.samples > this.maxSamples) {
      throw new ExecutionError('query processing would load too many samples into memory in query execution');
    }
  }

  releaseSamples(n: number): void {
    this.samples -= n;
  }

  atTime(at: AtModifier): number {
    return at.kind === 'time' ? at.t : at.kind === 'start' ? this.queryStart : this.queryEnd;
  }
}

/** Index of the first element of t[0..n) that is >= x. */
function lowerBound(t: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of t[0..n) that is > x. */
function upperBound(t: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Moves a series' window to [mint, maxt]; forward moves walk the cursors, backward moves binary-search. */
function seekWindow(s: SeriesData, mint: number, maxt: number): void {
  const t = s.t;
  if (s.lo > 0 && t[s.lo - 1]! >= mint) s.lo = lowerBound(t, s.n, mint);
  // Long forward jumps (the first step, or steps far apart) search instead of walking every sample.
  if (s.lo + WALK_LIMIT < s.n && t[s.lo + WALK_LIMIT]! < mint) s.lo = lowerBound(t, s.n, mint);
  while (s.lo < s.n && t[s.lo]! < mint) s.lo++;
  if (s.hi > 0 && t[s.hi - 1]! > maxt) s.hi = upperBound(t, s.n, maxt);
  if (s.hi < s.lo) s.hi = s.lo;
  if (s.hi + WALK_LIMIT < s.n && t[s.hi + WALK_LIMIT]! <= maxt) s.hi = upperBound(t, s.n, maxt);
  while (s.hi < s.n && t[s.hi]! <= maxt) s.hi++;
}

const EMPTY = new Float64Array(0);

/** Cursor moves longer than this many samples binary-search rather than walk. */
const WALK_LIMIT = 16;

/**
 * True if the series' label sets (distinct, as selections and subquery results are) stay distinct without
 * `__name__`. When all share one name (or none has one) that holds without building a key per series.
 */
function distinctOnceNameDropped(d: readonly SeriesData[]): boolean {
  let sameName = true;
  const first = d.length > 0 ? metricNameOf(d[0]!.labels) : undefined;
  for (let i = 1; i < d.length && sameName; i++) sameName = metricNameOf(d[i]!.labels) === first;
  if (sameName) return true;
  const keys = new Set(d.map((s) => keyOf(dropMetricName(s.labels))));
  return keys.size === d.length;
}

/**
 * Records `owner` (a series of a range-function call) as the producer of `labels` in the call's output: two series
 * that give one label set once `__name__` is dropped is Prometheus's duplicate-labelset error.
 */
function claimLabelset(owners: Map<string, SeriesData | CallColumn>, labels: Labels, owner: SeriesData | CallColumn): void {
  const k = keyOf(labels);
  const prev = owners.get(k);
  if (prev && prev !== owner) throw new ExecutionError('vector cannot contain metrics with the same labelset');
  owners.set(k, owner);
}

function metricNameOf(ls: Labels): string | undefined {
  for (const l of ls) if (l.name === METRIC_NAME) return l.value;
  return undefined;
}

/**
 * True if a range-function call can be evaluated series by series over all steps at once (callSeries): its scalar
 * arguments are literals, and it is not holt_winters, whose argument errors must surface at the step where
 * Prometheus raises them.
 */
function seriesBySeriesEligible(e: Call, name: string, matrixIdx: number): boolean {
  if (name === 'holt_winters') return false;
  return e.args.every((a, i) => i === matrixIdx || unwrapParens(a).type === 'NumberLiteral');
}

function unwrapParens(e: Expr): Expr {
  while (e.type === 'ParenExpr') e = e.expr;
  return e;
}

function assertUniqueLabelsets(vec: InstantSample[]): void {
  if (vec.length < 2) return;
  const seen = new Set<string>();
  for (const s of vec) {
    const k = keyOf(s.labels);
    if (seen.has(k)) throw new ExecutionError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

/** Evaluates expressions at the steps start, start + interval, …, end (one evaluator per query or subquery). */
class Evaluator {
  /** Each instant selector's series, and the widest lookback among them. */
  private readonly instantData = new Map<VectorSelector, InstantData>();
  private readonly rangeData = new Map<MatrixSelector | SubqueryExpr, ActiveSeries<SeriesData>>();
  /** Per aggregation, each input label set's group. A Map, not a WeakMap: it dies with the query, and weak maps
   * with many keys are slow to read and to collect. */
  private readonly groupCaches = new Map<AggregateExpr, Map<Labels, GroupOf>>();
  /** Range selectors and subqueries whose series stay distinct once `__name__` is dropped: no check needed. */
  private readonly distinctWithoutName = new Set<MatrixSelector | SubqueryExpr>();
  /**
   * For range-function calls over series that collide once `__name__` is dropped: which series produced each
   * output label set so far. Prometheus rejects the call's whole result matrix if two series share a label set at
   * any steps, not only at the same step.
   */
  private readonly outputOwners = new Map<Call, Map<string, SeriesData | CallColumn>>();
  /** Range-function calls evaluated series by series (null: the call is evaluated step by step). */
  private readonly callData = new Map<Call, CallColumns | null>();
  /** Aggregations evaluated for all steps at once (null: the aggregation is evaluated step by step). */
  private readonly aggData = new Map<AggregateExpr, AggregateColumns | null>();

  constructor(
    private readonly ctx: QueryContext,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {}

  /** The reference times [first, last] at which a selector with this @/offset is read during this evaluation. */
  private refRange(at: AtModifier | null, offset: number): [number, number] {
    if (at) {
      const t = this.ctx.atTime(at) - offset;
      return [t, t];
    }
    return [this.start - offset, this.end - offset];
  }

  private refTime(at: AtModifier | null, offset: number, ts: number): number {
    return (at ? this.ctx.atTime(at) : ts) - offset;
  }

  /**
   * Select hints for a selector: the caller's, with the downsampled resolution (the caller's `resolution` forces it;
   * else the policy of tsdb/downsample/policy.ts) and the aggregate the enclosing function needs.
   */
  private hintsFor(vs: VectorSelector, rangeMs: number, fn: string | undefined): SelectHints {
    const forced = this.ctx.hints?.resolution;
    const resolution = forced ?? autoResolution({
      rangeMs, stepMs: this.start === this.end ? 0 : this.interval, start: this.start, offsetMs: vs.offset, pinned: vs.at !== null,
    });
    return { ...this.ctx.hints, resolution, aggregate: aggregateFor(fn) };
  }

  private select(vs: VectorSelector, mint: number, maxt: number, dropStale: boolean, hints?: SelectHints): SeriesData[] {
    this.ctx.checkTimeout();
    const out: SeriesData[] = [];
    for (const series of this.ctx.querier.select(vs.matchers, mint, maxt, hints ?? this.ctx.hints)) {
      const buf = series.samples();
      let t = buf.t, v = buf.v, n = buf.length;
      if (dropStale) {
        let stale = 0;
        for (let i = 0; i < n; i++) if (isStaleNaN(v[i]!)) stale++;
        if (stale > 0) {
          const t2 = new Float64Array(n - stale), v2 = new Float64Array(n - stale);
          let j = 0;
          for (let i = 0; i < n; i++) {
            if (isStaleNaN(v[i]!)) continue;
            t2[j] = t[i]!; v2[j] = v[i]!; j++;
          }
          t = t2; v = v2; n = j;
        }
      }
      if (n === 0) continue;
      const d: SeriesData = { labels: series.labels, noName: null, t, v, n, lo: 0, hi: 0 };
      if (series.aggregate !== undefined) {
        d.aggregate = series.aggregate;
        d.lookback = this.ctx.lookback + (hints?.resolution ?? 0);
      }
      out.push(d);
    }
    return out;
  }

  /** An instant selector's selection for this evaluation, made on first use. */
  private instantLoad(vs: VectorSelector): InstantData {
    let d = this.instantData.get(vs);
    if (!d) {
      const [first, last] = this.refRange(vs.at, vs.offset);
      const hints = this.hintsFor(vs, 0, undefined);
      // Read at a single time, a selector needs only each series' newest sample: sources may skip older chunks.
      if (first === last) hints.latestOnly = true;
      const all = this.select(vs, first - this.ctx.lookback - (hints.resolution ?? 0), last, false, hints);
      let lookback = this.ctx.lookback;
      for (const s of all) if (s.lookback !== undefined && s.lookback > lookback) lookback = s.lookback;
      d = { all, series: new ActiveSeries(all), lookback };
      this.instantData.set(vs, d);
    }
    return d;
  }

  /** The series of an instant selector that may have a sample within lookback of refT. */
  private instantSeries(vs: VectorSelector, refT: number): readonly SeriesData[] {
    const d = this.instantLoad(vs);
    return d.series.within(refT - d.lookback, refT);
  }

  /**
   * What vectorSelect gives at every step of this evaluation, series by series: `visit` gets each series' values
   * at steps [0, steps) in `vals`/`has` (scratch, valid during the call; has[k] = 0 where the series has no
   * sample), and `selected[k]` counts the samples step k selects.
   */
  private selectorColumns(
    vs: VectorSelector, selected: Float64Array, visit: (s: SeriesData, index: number, vals: Float64Array, has: Uint8Array) => void,
  ): void {
    const steps = selected.length;
    const { all } = this.instantLoad(vs);
    const vals = new Float64Array(steps), has = new Uint8Array(steps), refTs = new Float64Array(steps);
    for (let k = 0; k < steps; k++) refTs[k] = this.refTime(vs.at, vs.offset, this.start + k * this.interval);
    const lookback = this.ctx.lookback;
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      // Every 64 series: a clock read per series costs more than the rest of a short series' work.
      if ((i & 63) === 0) this.ctx.checkTimeout();
      const t = s.t, v = s.v, n = s.n;
      const lb = s.lookback === undefined ? lookback : s.lookback;
      let hi = upperBound(t, n, refTs[0]!);
      for (let k = 0; k < steps; k++) {
        const refT = refTs[k]!;
        while (hi < n && t[hi]! <= refT) hi++;
        has[k] = 0;
        if (hi === 0) continue;
        const x = v[hi - 1]!;
        if (t[hi - 1]! < refT - lb || isStaleNaN(x)) continue;
        vals[k] = x;
        has[k] = 1;
        selected[k]!++;
      }
      visit(s, i, vals, has);
    }
  }

  /** The series of a range selector or subquery, each with its window moved to the one for step `ts`. */
  windowsAt(node: MatrixSelector | SubqueryExpr, ts: number): readonly SeriesData[] {
    let d = this.rangeData.get(node);
    if (!d) {
      const series = node.type === 'MatrixSelector' ? this.loadRange(node) : this.evalSubquery(node);
      d = new ActiveSeries(series);
      this.rangeData.set(node, d);
      if (distinctOnceNameDropped(series)) this.distinctWithoutName.add(node);
    }
    const { at, offset } = node.type === 'MatrixSelector' ? node.vs : node;
    const maxt = this.refTime(at, offset, ts);
    const mint = maxt - node.rangeMs;
    // Only series with samples around the window: the others' windows are empty and no function reads them.
    const active = d.within(mint, maxt);
    for (const s of active) seekWindow(s, mint, maxt);
    return active;
  }

  private loadRange(ms: MatrixSelector): SeriesData[] {
    const [first, last] = this.refRange(ms.vs.at, ms.vs.offset);
    return this.select(ms.vs, first - ms.rangeMs, last, true, this.hintsFor(ms.vs, ms.rangeMs, this.ctx.rangeFns.get(ms)));
  }

  /** Evaluates a subquery's inner expression at its aligned steps over the whole range this evaluator needs. */
  private evalSubquery(sq: SubqueryExpr): SeriesData[] {
    const step = sq.stepMs > 0 ? sq.stepMs : this.ctx.defaultSubqueryStep;
    const [first, last] = this.refRange(sq.at, sq.offset);
    const childStart = Math.ceil((first - sq.rangeMs) / step) * step;
    const child = new Evaluator(this.ctx, childStart, last, step);
    const bySeries = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    for (let ts = childStart; ts <= last; ts += step) {
      this.ctx.checkTimeout();
      const val = child.evalAt(sq.expr, ts);
      if (val.kind !== 'vector') throw new Error('BUG: subquery over a non-vector expression');
      this.ctx.addSamples(val.samples.length);
      for (const s of val.samples) {
        const k = keyOf(s.labels);
        let acc = bySeries.get(k);
        if (!acc) { acc = { labels: s.labels, t: [], v: [] }; bySeries.set(k, acc); }
        acc.t.push(ts);
        acc.v.push(s.v);
      }
    }
    const out: SeriesData[] = [];
    for (const acc of bySeries.values()) {
      out.push({ labels: acc.labels, noName: null, t: Float64Array.from(acc.t), v: Float64Array.from(acc.v), n: acc.t.length, lo: 0, hi: 0 });
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }

  /** Evaluates a scalar-, string- or vector-typed expression at step `ts`. */
  evalAt(e: Expr, ts: number): StepValue {
    switch (e.type) {
      case 'NumberLiteral': return { kind: 'scalar', v: e.value };
      case 'StringLiteral': return { kind: 'string', s: e.value };
      case 'ParenExpr': return this.evalAt(e.expr, ts);
      case 'VectorSelector': return { kind: 'vector', samples: this.vectorSelect(e, ts) };
      case 'UnaryExpr': {
        const inner = this.evalAt(e.expr, ts);
        if (e.op === '+') return inner;
        if (inner.kind === 'scalar') return { kind: 'scalar', v: -inner.v };
        if (inner.kind !== 'vector') throw new Error('BUG: unary minus on a string');
        const out = inner.samples.map((s) => ({ labels: dropMetricName(s.labels), v: -s.v, t: ts }));
        assertUniqueLabelsets(out);
        return { kind: 'vector', samples: out };
      }
      case 'BinaryExpr': return this.evalBinary(e, ts);
      case 'AggregateExpr': return this.evalAggregate(e, ts);
      case 'Call': return this.evalCall(e, ts);
      case 'MatrixSelector':
      case 'SubqueryExpr':
        throw new Error(`BUG: ${e.type} evaluated as an instant value`);
    }
  }

  private vectorSelect(vs: VectorSelector, ts: number): InstantSample[] {
    const refT = this.refTime(vs.at, vs.offset, ts);
    const data = this.instantSeries(vs, refT);
    const minT = refT - this.ctx.lookback;
    const out: InstantSample[] = [];
    for (const s of data) {
      // `hi` doubles as the instant cursor: the index after the newest sample at or before refT.
      if ((s.hi > 0 && s.t[s.hi - 1]! > refT) || (s.hi + WALK_LIMIT < s.n && s.t[s.hi + WALK_LIMIT]! <= refT)) {
        s.hi = upperBound(s.t, s.n, refT);
      }
      while (s.hi < s.n && s.t[s.hi]! <= refT) s.hi++;
      if (s.hi === 0) continue;
      const i = s.hi - 1;
      const t = s.t[i]!;
      const v = s.v[i]!;
      if (t < (s.lookback === undefined ? minT : refT - s.lookback) || isStaleNaN(v)) continue;
      out.push({ labels: s.labels, v, t });
    }
    this.ctx.addSamples(out.length);
    return out;
  }

  private vectorOf(e: Expr, ts: number): InstantSample[] {
    const v = this.evalAt(e, ts);
    if (v.kind !== 'vector') throw new Error(`BUG: expected a vector from ${e.type}`);
    return v.samples;
  }

  private scalarOf(e: Expr, ts: number): number {
    const v = this.evalAt(e, ts);
    if (v.kind !== 'scalar') throw new Error(`BUG: expected a scalar from ${e.type}`);
    return v.v;
  }

  private stringOf(e: Expr, ts: number): string {
    const v = this.evalAt(e, ts);
    if (v.kind !== 'string') throw new Error(`BUG: expected a string from ${e.type}`);
    return v.s;
  }

  private evalBinary(e: BinaryExpr, ts: number): StepValue {
    const l = this.evalAt(e.lhs, ts);
    const r = this.evalAt(e.rhs, ts);
    if (l.kind === 'scalar' && r.kind === 'scalar') return { kind: 'scalar', v: scalarBinop(e.op, l.v, r.v) };
    let out: InstantSample[];
    if (l.kind === 'vector' && r.kind === 'vector') {
      // Vector matching already guarantees distinct result label sets (they are, or contain, the match signature).
      switch (e.op) {
        case 'and': return { kind: 'vector', samples: vectorAnd(l.samples, r.samples, e.matching) };
        case 'or': return { kind: 'vector', samples: vectorOr(l.samples, r.samples, e.matching) };
        case 'unless': return { kind: 'vector', samples: vectorUnless(l.samples, r.samples, e.matching) };
        default: return { kind: 'vector', samples: vectorBinop(e.op, l.samples, r.samples, e.matching!, e.returnBool, ts) };
      }
    } else if (l.kind === 'vector' && r.kind === 'scalar') {
      out = vectorScalarBinop(e.op, l.samples, r.v, false, e.returnBool, ts);
    } else if (l.kind === 'scalar' && r.kind === 'vector') {
      out = vectorScalarBinop(e.op, r.samples, l.v, true, e.returnBool, ts);
    } else {
      throw new Error('BUG: binary expression on strings');
    }
    assertUniqueLabelsets(out);
    return { kind: 'vector', samples: out };
  }

  private evalAggregate(e: AggregateExpr, ts: number): StepValue {
    const cols = this.aggregateColumns(e);
    if (cols !== null) {
      const k = Math.round((ts - this.start) / this.interval);
      if (this.start + k * this.interval === ts && k >= 0 && k < cols.held.length) {
        // The accounting the input's own step evaluation (columnsAt or vectorSelect) makes.
        this.ctx.addSamples(cols.held[k]!);
        this.ctx.releaseSamples(cols.held[k]!);
        this.ctx.addSamples(cols.selected[k]!);
        return { kind: 'vector', samples: cols.groups.vectorAt(k, ts) };
      }
    }
    let param: number | string | null = null;
    if (e.param) param = e.op === 'count_values' ? this.stringOf(e.param, ts) : this.scalarOf(e.param, ts);
    const vec = this.vectorOf(e.expr, ts);
    let cache = this.groupCaches.get(e);
    if (!cache) { cache = new Map(); this.groupCaches.set(e, cache); }
    return { kind: 'vector', samples: aggregate(e.op, vec, param, e.grouping, e.without, ts, cache) };
  }

  /** The aggregation `e` evaluated for every step at once, or null (see buildAggregateColumns); made on first use. */
  private aggregateColumns(e: AggregateExpr): AggregateColumns | null {
    let d = this.aggData.get(e);
    if (d === undefined) {
      d = this.buildAggregateColumns(e);
      this.aggData.set(e, d);
    }
    return d;
  }

  /**
   * A parameterless aggregation of an instant selector, or of a range-function call that can be evaluated series
   * by series (seriesBySeriesEligible), over every step of this evaluation (one, for an instant query): each input
   * series is visited once and its value at each step added to its group's cell, in the order the step vectors list
   * the series, without building those vectors. Null where that does not apply: another operator or input, more
   * than MAX_GROUP_CELLS cells, or a call whose output label sets may collide once `__name__` is dropped (the
   * step-by-step path raises that error at the step Prometheus does).
   */
  private buildAggregateColumns(e: AggregateExpr): AggregateColumns | null {
    if (e.param !== null || !isColumnOp(e.op)) return null;
    const inner = unwrapParens(e.expr);
    const steps = this.steps;
    const groups = new GroupColumns(e.op, steps, e.grouping, e.without);
    const held = new Float64Array(steps), selected = new Float64Array(steps);
    if (inner.type === 'VectorSelector') {
      const { all } = this.instantLoad(inner);
      const groupOf = new Int32Array(all.length);
      for (let i = 0; i < all.length; i++) groupOf[i] = groups.groupOf(all[i]!.labels);
      if (groups.groupCount * steps > MAX_GROUP_CELLS) return null;
      groups.allocate();
      this.selectorColumns(inner, selected, (_s, i, vals, has) => {
        const g = groupOf[i]!;
        for (let k = 0; k < steps; k++) if (has[k] !== 0) groups.add(g, k, vals[k]!, i);
      });
      return { groups, held, selected };
    }
    if (inner.type !== 'Call') return null;
    const name = inner.func.name;
    const fn = RANGE_FUNCTIONS.get(name);
    const matrixIdx = inner.func.argTypes.indexOf('matrix');
    const arg = matrixIdx < 0 ? undefined : unwrapParens(inner.args[matrixIdx]!);
    if (!fn || arg?.type !== 'MatrixSelector' || !seriesBySeriesEligible(inner, name, matrixIdx)) return null;
    const scalars: number[] = [];
    inner.args.forEach((a, i) => { if (i !== matrixIdx) scalars.push(this.scalarOf(a, this.start)); });
    if (!this.ctx.rangeFns.has(arg)) this.ctx.rangeFns.set(arg, name);
    const data = this.loadRange(arg);
    const keepName = name === 'last_over_time';
    if (!keepName && !distinctOnceNameDropped(data)) return null;
    // The call's results lose `__name__`, which changes their group only where the grouping is by it.
    const byName = !keepName && !e.without && e.grouping.includes(METRIC_NAME);
    const groupOf = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const s = data[i]!;
      groupOf[i] = groups.groupOf(byName ? (s.noName ??= dropMetricName(s.labels)) : s.labels);
    }
    if (groups.groupCount * steps > MAX_GROUP_CELLS) return null;
    groups.allocate();
    this.callSeries(arg, data, name, fn, scalars, held, (_s, i, k0, len, vals, has) => {
      const g = groupOf[i]!;
      for (let j = 0; j < len; j++) if (has[j] !== 0) groups.add(g, k0 + j, vals[j]!, i);
    });
    return { groups, held, selected };
  }

  /**
   * The whole result of a range query whose expression is the aggregation `e`, from its columns (no per-step
   * vectors), with the sample accounting of the step-by-step evaluation. Null if `e` has no columns.
   */
  aggregateMatrix(e: AggregateExpr): MatrixSeries[] | null {
    const cols = this.aggregateColumns(e);
    if (cols === null) return null;
    const { groups, held, selected } = cols;
    let most = 0, kept = 0;
    for (let k = 0; k < held.length; k++) {
      if (held[k]! > most) most = held[k]!;
      kept += selected[k]!;
    }
    this.ctx.addSamples(most);
    this.ctx.releaseSamples(most);
    this.ctx.addSamples(kept);
    const out: MatrixSeries[] = [];
    for (let g = 0; g < groups.groupCount; g++) {
      let n = 0;
      for (let k = 0; k < groups.steps; k++) if (groups.has(g, k)) n++;
      if (n === 0) continue;
      const t = new Float64Array(n), v = new Float64Array(n);
      for (let k = 0, i = 0; k < groups.steps; k++) {
        if (!groups.has(g, k)) continue;
        t[i] = this.start + k * this.interval;
        v[i++] = groups.valueAt(g, k);
      }
      out.push({ labels: groups.labels[g]!, t, v });
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }

  /**
   * A range-function call over a selector is computed series by series for all steps at once when this evaluation
   * has several steps and its scalar arguments are literals: each series' window then slides forward once, and no
   * per-step bookkeeping repeats per series. holt_winters is left step by step: its argument errors must surface at
   * the step where Prometheus raises them.
   */
  private columnsEligible(e: Call, name: string, matrixIdx: number): boolean {
    return this.start !== this.end && seriesBySeriesEligible(e, name, matrixIdx);
  }

  /** Steps of this evaluation: start, start + interval, …, end. */
  private get steps(): number {
    return Math.floor((this.end - this.start) / this.interval) + 1;
  }

  /** Evaluates `fn` on every series of `ms` at every step of this evaluation; same values as windowsAt + fn per step. */
  private callColumns(ms: MatrixSelector, name: string, fn: RangeFunction, scalars: number[]): CallColumns {
    const data = this.loadRange(ms);
    const held = new Float64Array(this.steps);
    const out: CallColumn[] = [];
    this.callSeries(ms, data, name, fn, scalars, held, (s, _index, k0, len, vals, has) => {
      out.push({
        labels: s.labels, noName: null, first: k0, vals: vals.slice(0, len), has: has.slice(0, len), n: 2,
        t: Float64Array.of(this.start + k0 * this.interval, this.start + (k0 + len - 1) * this.interval),
      });
    });
    return { all: out, columns: new ActiveSeries(out), held, distinct: distinctOnceNameDropped(data) };
  }

  /**
   * Evaluates `fn` on every series of `data` (the selection of `ms`) at every step of this evaluation, series by
   * series, with the values windowsAt + fn give per step. `visit` gets each series that has steps to evaluate, with
   * its results at steps [k0, k0 + len) in vals/has[0..len) (scratch, valid during the call; has[j] = 0 where the
   * function gave no sample); `held[k]` adds up the samples in step k's windows.
   */
  private callSeries(
    ms: MatrixSelector, data: readonly SeriesData[], name: string, fn: RangeFunction, scalars: number[], held: Float64Array,
    visit: (s: SeriesData, index: number, k0: number, len: number, vals: Float64Array, has: Uint8Array) => void,
  ): void {
    const steps = held.length;
    const vals = new Float64Array(steps), has = new Uint8Array(steps);
    const { at, offset } = ms.vs;
    const range = ms.rangeMs;
    const call = { ts: 0, rangeEnd: 0, rangeMs: range, scalars };
    const maxtAt = (k: number) => this.refTime(at, offset, this.start + k * this.interval);
    const extreme = name === 'max_over_time' ? 1 : name === 'min_over_time' ? -1 : 0;
    let deque = new Int32Array(0);
    // rate and increase scan each window for counter resets; over many steps, prefix counts let them skip the scan.
    const counter = steps > 1 && (name === 'rate' || name === 'increase');
    let resets = new Int32Array(0);
    const win: Window = { t: EMPTY, v: EMPTY, lo: 0, hi: 0, resets: null };
    for (let index = 0; index < data.length; index++) {
      const s = data[index]!;
      if ((index & 63) === 0) this.ctx.checkTimeout();
      const f = s.aggregate === 'count' && name === 'count_over_time' ? SUM_OVER_TIME : fn;
      if (counter) {
        if (resets.length < s.n) resets = new Int32Array(Math.max(s.n, 2 * resets.length));
        counterResets(s.v, s.n, resets);
        win.t = s.t;
        win.v = s.v;
        win.resets = resets;
      }
      const t0 = s.t[0]!, tn = s.t[s.n - 1]!;
      // Steps whose window [maxt - range, maxt] can hold a sample: maxt >= t0 and maxt - range <= tn.
      let k0 = 0, k1 = steps - 1;
      if (at === null) {
        k0 = Math.max(0, Math.ceil((t0 + offset - this.start) / this.interval));
        k1 = Math.min(steps - 1, Math.floor((tn + range + offset - this.start) / this.interval));
        while (k0 > 0 && maxtAt(k0 - 1) >= t0) k0--;
        while (k0 < steps && maxtAt(k0) < t0) k0++;
        while (k1 < steps - 1 && maxtAt(k1 + 1) - range <= tn) k1++;
        while (k1 >= 0 && maxtAt(k1) - range > tn) k1--;
      } else if (maxtAt(0) < t0 || maxtAt(0) - range > tn) {
        continue;
      }
      if (k1 < k0) continue;
      const len = k1 - k0 + 1;
      has.fill(0, 0, len);
      s.lo = 0; s.hi = 0;
      if (extreme !== 0 && deque.length < s.n) deque = new Int32Array(Math.max(s.n, 2 * deque.length));
      // Sliding max/min: indexes of the window's non-NaN values that can still be its extreme, best first.
      let head = 0, tail = 0, pushed = 0, lastLo = 0;
      const sv = s.v;
      for (let k = k0; k <= k1; k++) {
        const maxt = maxtAt(k);
        seekWindow(s, maxt - range, maxt);
        if (s.hi === s.lo) continue;
        held[k]! += s.hi - s.lo;
        call.ts = this.start + k * this.interval;
        call.rangeEnd = maxt;
        let v: number | null;
        if (extreme !== 0) {
          // Windows only move forward here; a window past everything seen starts the deque afresh.
          if (s.lo < lastLo || s.hi < pushed || pushed < s.lo) { head = 0; tail = 0; pushed = s.lo; }
          lastLo = s.lo;
          for (; pushed < s.hi; pushed++) {
            const x = sv[pushed]!;
            if (x !== x) continue;
            // Strict comparisons keep the earliest of equal values first, as the scan in range-functions.ts does.
            if (extreme > 0) while (tail > head && sv[deque[tail - 1]!]! < x) tail--;
            else while (tail > head && sv[deque[tail - 1]!]! > x) tail--;
            deque[tail++] = pushed;
          }
          while (head < tail && deque[head]! < s.lo) head++;
          // A window of NaNs only: the scan ends on its last value.
          v = head < tail ? sv[deque[head]!]! : sv[s.hi - 1]!;
        } else if (counter) {
          win.lo = s.lo;
          win.hi = s.hi;
          v = f(win, call);
        } else {
          v = f(s, call);
        }
        if (v === null) continue;
        vals[k - k0] = v;
        has[k - k0] = 1;
      }
      visit(s, index, k0, len, vals, has);
    }
  }

  /**
   * The whole result of a range query whose expression is the range-function call `e`, straight from its columns
   * (no per-step vectors): what evaluating it step by step and collecting the steps gives, errors included. Null if
   * the call is not evaluated series by series.
   */
  callMatrix(e: Call): MatrixSeries[] | null {
    const cols = this.wholeCallColumns(e);
    if (cols === null) return null;
    const keepName = e.func.name === 'last_over_time';
    const out: MatrixSeries[] = [];
    for (const c of cols.all) {
      let n = 0;
      for (let j = 0; j < c.has.length; j++) n += c.has[j]!;
      if (n === 0) continue;
      const labels = keepName ? c.labels : (c.noName ??= dropMetricName(c.labels));
      const t = new Float64Array(n), v = new Float64Array(n);
      for (let j = 0, i = 0; j < c.has.length; j++) {
        if (c.has[j] === 0) continue;
        t[i] = this.start + (c.first + j) * this.interval;
        v[i++] = c.vals[j]!;
      }
      out.push({ labels, t, v });
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }

  /**
   * Columns of a range-function call evaluated as a whole range query (or under an aggregation that is), after the
   * checks the step-by-step evaluation makes: the most samples held at any step, and distinct output label sets.
   * Null if the call is not evaluated series by series.
   */
  private wholeCallColumns(e: Call): CallColumns | null {
    const fn = RANGE_FUNCTIONS.get(e.func.name);
    const matrixIdx = e.func.argTypes.indexOf('matrix');
    const arg = matrixIdx < 0 ? undefined : unwrapParens(e.args[matrixIdx]!);
    if (!fn || arg?.type !== 'MatrixSelector' || !this.columnsEligible(e, e.func.name, matrixIdx)) return null;
    const scalars: number[] = [];
    e.args.forEach((a, i) => { if (i !== matrixIdx) scalars.push(this.scalarOf(a, this.start)); });
    if (!this.ctx.rangeFns.has(arg)) this.ctx.rangeFns.set(arg, e.func.name);
    const cols = this.callColumns(arg, e.func.name, fn, scalars);
    let most = 0;
    for (let k = 0; k < cols.held.length; k++) if (cols.held[k]! > most) most = cols.held[k]!;
    this.ctx.addSamples(most);
    this.ctx.releaseSamples(most);
    const keepName = e.func.name === 'last_over_time';
    if (!keepName && !cols.distinct) {
      const seen = new Set<string>();
      for (const c of cols.all) {
        if (!c.has.includes(1)) continue;
        const key = keyOf(c.noName ??= dropMetricName(c.labels));
        if (seen.has(key)) throw new ExecutionError('vector cannot contain metrics with the same labelset');
        seen.add(key);
      }
    }
    return cols;
  }

  /**
   * The whole result of a range query whose expression is `sum`, `min`, `max` or `count` without grouping over a
   * range-function call evaluated series by series: per step, the series' values combined in the order (and with
   * the arithmetic) aggregation.ts applies to the step's vector. Null for any other expression.
   */
  aggregateCallMatrix(e: AggregateExpr): MatrixSeries[] | null {
    if (e.grouping.length > 0 || e.without || e.param !== null) return null;
    if (e.op !== 'sum' && e.op !== 'min' && e.op !== 'max' && e.op !== 'count') return null;
    const inner = unwrapParens(e.expr);
    if (inner.type !== 'Call') return null;
    const cols = this.wholeCallColumns(inner);
    if (cols === null) return null;
    const steps = cols.held.length;
    const acc = new Float64Array(steps), seen = new Uint8Array(steps);
    const op = e.op;
    for (const c of cols.all) {
      const { first, vals, has } = c;
      for (let j = 0; j < has.length; j++) {
        if (has[j] === 0) continue;
        const k = first + j, v = vals[j]!;
        if (seen[k] === 0) {
          seen[k] = 1;
          acc[k] = op === 'count' ? 1 : v;
          continue;
        }
        const a = acc[k]!;
        if (op === 'sum') acc[k] = a + v;
        else if (op === 'count') acc[k] = a + 1;
        else if (op === 'max') { if (a < v || Number.isNaN(a)) acc[k] = v; }
        else if (a > v || Number.isNaN(a)) acc[k] = v;
      }
    }
    let n = 0;
    for (let k = 0; k < steps; k++) n += seen[k]!;
    if (n === 0) return [];
    const t = new Float64Array(n), v = new Float64Array(n);
    for (let k = 0, i = 0; k < steps; k++) {
      if (seen[k] === 0) continue;
      t[i] = this.start + k * this.interval;
      v[i++] = acc[k]!;
    }
    return [{ labels: [], t, v }];
  }

  /** The vector of a call evaluated by callColumns, at step k (time ts). */
  private columnsAt(e: Call, cols: CallColumns, k: number, ts: number, name: string): StepValue {
    const keepName = name === 'last_over_time';
    let owners: Map<string, SeriesData | CallColumn> | undefined;
    if (!keepName && !cols.distinct) {
      owners = this.outputOwners.get(e);
      if (!owners) { owners = new Map(); this.outputOwners.set(e, owners); }
    }
    const out: InstantSample[] = [];
    for (const c of cols.columns.within(ts, ts)) {
      const j = k - c.first;
      if (j < 0 || j >= c.vals.length || c.has[j] === 0) continue;
      const labels = keepName ? c.labels : (c.noName ??= dropMetricName(c.labels));
      if (owners) claimLabelset(owners, labels, c);
      out.push({ labels, v: c.vals[j]!, t: ts });
    }
    this.ctx.addSamples(cols.held[k]!);
    this.ctx.releaseSamples(cols.held[k]!);
    return { kind: 'vector', samples: out };
  }

  private evalCall(e: Call, ts: number): StepValue {
    const name = e.func.name;
    const rangeFn = RANGE_FUNCTIONS.get(name);
    if (rangeFn || name === 'absent_over_time') {
      const matrixIdx = e.func.argTypes.indexOf('matrix');
      const arg = unwrapParens(e.args[matrixIdx]!);
      if (arg.type !== 'MatrixSelector' && arg.type !== 'SubqueryExpr') {
        throw new Error(`BUG: range argument of ${name} is a ${arg.type}`);
      }
      const scalars: number[] = [];
      e.args.forEach((a, i) => { if (i !== matrixIdx) scalars.push(this.scalarOf(a, ts)); });
      if (arg.type === 'MatrixSelector' && !this.ctx.rangeFns.has(arg)) this.ctx.rangeFns.set(arg, name);
      if (rangeFn && arg.type === 'MatrixSelector') {
        let cols = this.callData.get(e);
        if (cols === undefined) {
          cols = this.columnsEligible(e, name, matrixIdx) ? this.callColumns(arg, name, rangeFn, scalars) : null;
          this.callData.set(e, cols);
        }
        if (cols !== null) {
          const k = Math.round((ts - this.start) / this.interval);
          if (this.start + k * this.interval === ts && k >= 0 && k < cols.held.length) return this.columnsAt(e, cols, k, ts, name);
        }
      }
      const windows = this.windowsAt(arg, ts);
      if (!rangeFn) {
        for (const w of windows) if (w.hi > w.lo) return { kind: 'vector', samples: [] };
        return { kind: 'vector', samples: [{ labels: absentLabels(arg), v: 1, t: ts }] };
      }
      const { at, offset } = arg.type === 'MatrixSelector' ? arg.vs : arg;
      const call = { ts, rangeEnd: this.refTime(at, offset, ts), rangeMs: arg.rangeMs, scalars };
      const keepName = name === 'last_over_time';
      let owners: Map<string, SeriesData | CallColumn> | undefined;
      if (!keepName && !this.distinctWithoutName.has(arg)) {
        owners = this.outputOwners.get(e);
        if (!owners) { owners = new Map(); this.outputOwners.set(e, owners); }
      }
      const out: InstantSample[] = [];
      let held = 0;
      for (const w of windows) {
        if (w.hi === w.lo) continue;
        held += w.hi - w.lo;
        // Downsampled counts: each point counts raw samples, so counting them is adding them up.
        const v = (w.aggregate === 'count' && name === 'count_over_time' ? SUM_OVER_TIME : rangeFn)(w, call);
        if (v === null) continue;
        const labels = keepName ? w.labels : (w.noName ??= dropMetricName(w.labels));
        if (owners) claimLabelset(owners, labels, w);
        out.push({ labels, v, t: ts });
      }
      this.ctx.addSamples(held);
      this.ctx.releaseSamples(held);
      return { kind: 'vector', samples: out };
    }

    switch (name) {
      case 'time': return { kind: 'scalar', v: ts / 1000 };
      case 'pi': return { kind: 'scalar', v: Math.PI };
      case 'vector': return { kind: 'vector', samples: [{ labels: [], v: this.scalarOf(e.args[0]!, ts), t: ts }] };
      case 'scalar': {
        const vec = this.vectorOf(e.args[0]!, ts);
        return { kind: 'scalar', v: vec.length === 1 ? vec[0]!.v : NaN };
      }
    }

    if (name === 'histogram_quantile') {
      const q = this.scalarOf(e.args[0]!, ts);
      const out = histogramQuantile(q, this.vectorOf(e.args[1]!, ts), ts);
      assertUniqueLabelsets(out);
      return { kind: 'vector', samples: out };
    }
    const elem = ELEMENT_FUNCTIONS.get(name);
    let vec: InstantSample[];
    if (e.args.length === 0) vec = [{ labels: [], v: ts / 1000, t: ts }];
    else vec = this.vectorOf(e.args[0]!, ts);
    let out: InstantSample[];
    if (elem) {
      const scalars = e.args.slice(1).map((a) => this.scalarOf(a, ts));
      if (name === 'clamp' && scalars[1]! < scalars[0]!) return { kind: 'vector', samples: [] };
      out = vec.map((s) => ({ labels: dropMetricName(s.labels), v: elem(s.v, scalars), t: ts }));
    } else {
      switch (name) {
        case 'absent':
          out = vec.length > 0 ? [] : [{ labels: absentLabels(e.args[0]!), v: 1, t: ts }];
          break;
        case 'timestamp': {
          const fromSample = unwrapParens(e.args[0]!).type === 'VectorSelector';
          out = vec.map((s) => ({ labels: dropMetricName(s.labels), v: (fromSample ? s.t : ts) / 1000, t: ts }));
          break;
        }
        case 'sort': case 'sort_desc':
          out = sortVector(vec, name === 'sort_desc');
          break;
        case 'label_replace':
          out = labelReplace(vec, this.stringOf(e.args[1]!, ts), this.stringOf(e.args[2]!, ts),
            this.stringOf(e.args[3]!, ts), this.stringOf(e.args[4]!, ts));
          break;
        case 'label_join':
          out = labelJoin(vec, this.stringOf(e.args[1]!, ts), this.stringOf(e.args[2]!, ts),
            e.args.slice(3).map((a) => this.stringOf(a, ts)));
          break;
        default:
          throw new Error(`BUG: no implementation for function ${name}`);
      }
    }
    assertUniqueLabelsets(out);
    return { kind: 'vector', samples: out };
  }
}

/**
 * Evaluates PromQL queries against any Queryable. Queries run synchronously; one querier is opened per query and
 * closed before returning.
 * @example new Engine().instantQuery(storage, 'sum(rate(http_requests_total[5m]))', Date.now())
 */
export class Engine {
  private readonly lookback: number;
  private readonly maxSamples: number;
  private readonly timeoutMs: number;
  private readonly subqueryStep: number;
  private readonly now: () => number;
  /**
   * Resolutions (ms, 0 = raw) that served the last query this engine ran, as the storage reports them (empty if it
   * does not). Queries run synchronously, so read it right after the call.
   */
  servedResolutions: number[] = [];

  constructor(opts: EngineOptions = {}) {
    this.lookback = opts.lookbackDeltaMs ?? 5 * 60_000;
    this.maxSamples = opts.maxSamples ?? 50e6;
    this.timeoutMs = opts.timeoutMs ?? 2 * 60_000;
    this.subqueryStep = opts.defaultSubqueryStepMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Evaluates `expr` at time `t` (ms). `hints` are passed to every select (e.g. the resolution a caller accepts).
   * Throws BadDataError, ExecutionError or TimeoutError.
   */
  instantQuery(q: Queryable, expr: string | Expr, t: number, hints?: SelectHints): Value {
    const e = typeof expr === 'string' ? parseExpr(expr) : expr;
    return this.run(q, t, t, hints, (ctx) => {
      const ev = new Evaluator(ctx, t, t, 1);
      const root = unwrapParens(e);
      if (root.type === 'MatrixSelector' || root.type === 'SubqueryExpr') {
        const series: MatrixSeries[] = [];
        for (const w of ev.windowsAt(root, t)) {
          if (w.hi === w.lo) continue;
          series.push({ labels: w.labels, t: w.t.slice(w.lo, w.hi), v: w.v.slice(w.lo, w.hi) });
        }
        return { type: 'matrix', series };
      }
      const v = ev.evalAt(e, t);
      switch (v.kind) {
        case 'scalar': return { type: 'scalar', t, v: v.v };
        case 'string': return { type: 'string', t, v: v.s };
        case 'vector': return { type: 'vector', samples: v.samples.map((s) => ({ labels: s.labels, t, v: s.v })) };
      }
    });
  }

  /** Evaluates `expr` at start, start + step, …, end (ms); the result is a matrix sorted by labels. */
  rangeQuery(q: Queryable, expr: string | Expr, start: number, end: number, stepMs: number, hints?: SelectHints): Value {
    const e = typeof expr === 'string' ? parseExpr(expr) : expr;
    const ty = exprType(e);
    if (ty !== 'vector' && ty !== 'scalar') {
      throw new BadDataError(`invalid expression type ${JSON.stringify(ty === 'matrix' ? 'range vector' : ty)} for range query, must be Scalar or instant Vector`);
    }
    if (!(stepMs > 0)) throw new BadDataError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (end < start) throw new BadDataError('end timestamp must not be before start time');
    return this.run(q, start, end, hints, (ctx) => {
      const ev = new Evaluator(ctx, start, end, stepMs);
      const root = unwrapParens(e);
      const direct = root.type === 'Call' ? ev.callMatrix(root) : root.type === 'AggregateExpr' ? (ev.aggregateMatrix(root) ?? ev.aggregateCallMatrix(root)) : null;
      if (direct !== null) return { type: 'matrix', series: direct };
      const bySeries = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
      for (let ts = start; ts <= end; ts += stepMs) {
        ctx.checkTimeout();
        const v = ev.evalAt(e, ts);
        const samples = v.kind === 'scalar' ? [{ labels: [] as Labels, v: v.v, t: ts }] : v.kind === 'vector' ? v.samples : [];
        for (const s of samples) {
          // Keyed by content, not by object: a label set object may be reused for another series at a later step
          // (topk by (…) over a range query showed it).
          const k = keyOf(s.labels);
          let acc = bySeries.get(k);
          if (!acc) { acc = { labels: s.labels, t: [], v: [] }; bySeries.set(k, acc); }
          acc.t.push(ts);
          acc.v.push(s.v);
        }
      }
      const series: MatrixSeries[] = [...bySeries.values()].map((a) => ({
        labels: a.labels, t: Float64Array.from(a.t), v: Float64Array.from(a.v),
      }));
      series.sort((a, b) => compareLabels(a.labels, b.labels));
      return { type: 'matrix', series };
    });
  }

  private run(
    q: Queryable, start: number, end: number, hints: SelectHints | undefined, body: (ctx: QueryContext) => Value,
  ): Value {
    const querier = q.querier();
    this.servedResolutions = [];
    try {
      const ctx = new QueryContext(
        querier, this.lookback, this.maxSamples, this.timeoutMs, this.now, start, end, this.subqueryStep, hints,
      );
      const value = body(ctx);
      this.servedResolutions = querier.servedResolutions?.() ?? [];
      return value;
    } finally {
      querier.close();
    }
  }
}

