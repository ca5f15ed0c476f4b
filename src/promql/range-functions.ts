/**
 * Functions over range vectors (`rate`, `*_over_time`, …), evaluated on one series' window `[lo, hi)` of shared
 * timestamp/value arrays, without copying. Each returns the result value, or NaN-free `null` when Prometheus would
 * emit no sample for the series at this step. Semantics follow Prometheus 2.42's functions.go.
 */
import { ExecutionError } from '../model/errors.js';

/** One series' samples in a window: t[lo..hi), v[lo..hi), stale markers already removed. */
export interface Window {
  t: Float64Array;
  v: Float64Array;
  lo: number;
  hi: number;
  /**
   * Optional counter-reset prefix counts over the whole of `v` (see counterResets), for callers that slide many
   * windows over one series: rate and increase then skip scanning windows without a reset.
   */
  resets?: Int32Array | null;
}

/**
 * Fills out[0..n) with prefix counts of counter resets in v[0..n): out[i] = how many j in [1, i] have
 * v[j] < v[j - 1] (the comparison the counter correction makes, so NaNs never count).
 */
export function counterResets(v: Float64Array, n: number, out: Int32Array): void {
  let c = 0;
  if (n > 0) out[0] = 0;
  for (let i = 1; i < n; i++) {
    if (v[i]! < v[i - 1]!) c++;
    out[i] = c;
  }
}

/** What a range function sees besides the window: the step, the selector's range and its effective end. */
export interface RangeCallContext {
  /** Evaluation timestamp of the step, ms. */
  ts: number;
  /** End of the selection window (step time, moved by `@` and offset), ms. */
  rangeEnd: number;
  rangeMs: number;
  /** Scalar arguments, in order, excluding the range vector. */
  scalars: number[];
}

export type RangeFunction = (w: Window, ctx: RangeCallContext) => number | null;

/** Prometheus's extrapolatedRate, shared by rate, increase and delta. */
function extrapolatedRate(w: Window, ctx: RangeCallContext, isCounter: boolean, isRate: boolean): number | null {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return null;
  const rangeStart = ctx.rangeEnd - ctx.rangeMs;
  const first = v[lo]!, last = v[hi - 1]!;
  let result = last - first;
  if (isCounter) {
    const resets = w.resets;
    if (resets != null && resets[hi - 1] === resets[lo]) {
      // No reset inside the window: the scan below would only add 0 for a negative first value.
      if (first < 0) result += 0;
    } else {
      let prev = 0;
      for (let i = lo; i < hi; i++) {
        const x = v[i]!;
        if (x < prev) result += prev;
        prev = x;
      }
    }
  }
  let durationToStart = (t[lo]! - rangeStart) / 1000;
  const durationToEnd = (ctx.rangeEnd - t[hi - 1]!) / 1000;
  const sampledInterval = (t[hi - 1]! - t[lo]!) / 1000;
  const avgBetween = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = avgBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : avgBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : avgBetween / 2;
  // One factor, applied once: the rounding then matches Prometheus 2.42 bit for bit.
  let factor = extrapolateTo / sampledInterval;
  if (isRate) factor /= ctx.rangeMs / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | null {
  const { t, v, hi } = w;
  if (hi - w.lo < 2) return null;
  const last = v[hi - 1]!, prev = v[hi - 2]!;
  let result = isRate && last < prev ? last : last - prev;
  const interval = t[hi - 1]! - t[hi - 2]!;
  if (interval === 0) return null;
  if (isRate) result /= interval / 1000;
  return result;
}

/**
 * Kahan–Neumaier compensated sums, kept in a reusable accumulator so hot loops allocate nothing:
 * `sum[i]` holds the running sum and `c[i]` its compensation, for a few independent sums at once.
 */
class KahanSums {
  readonly sum = new Float64Array(4);
  readonly c = new Float64Array(4);
  reset(): void {
    this.sum.fill(0);
    this.c.fill(0);
  }
  add(i: number, inc: number): void {
    const sum = this.sum[i]!;
    const t = sum + inc;
    if (Math.abs(sum) >= Math.abs(inc)) this.c[i]! += (sum - t) + inc;
    else this.c[i]! += (inc - t) + sum;
    this.sum[i] = t;
  }
  total(i: number): number {
    return this.sum[i]! + this.c[i]!;
  }
}
const kahan = new KahanSums();

/** Least-squares fit of v over (t - interceptTime) seconds; returns [slope, intercept]. */
export function linearRegression(w: Window, interceptTime: number): [number, number] {
  const { t, v, lo, hi } = w;
  kahan.reset();
  let n = 0;
  const initY = v[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (t[i]! - interceptTime) / 1000;
    kahan.add(0, x);
    kahan.add(1, y);
    kahan.add(2, x * y);
    kahan.add(3, x * x);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  const sumX = kahan.total(0), sumY = kahan.total(1), sumXY = kahan.total(2), sumX2 = kahan.total(3);
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/** Quantile with linear interpolation between the closest ranks, NaN sorting first (Prometheus's `quantile`). */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (Number.isNaN(q)) return NaN;
  values.sort(compareNaNFirst);
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

/** Ascending order with NaN before every number, as Prometheus's vectorByValueHeap orders. */
export function compareNaNFirst(a: number, b: number): number {
  const an = Number.isNaN(a), bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Incremental mean with compensated summation (Prometheus 2.42's avg_over_time), Inf-safe. */
function avgOverTime(w: Window): number {
  let mean = 0, c = 0, count = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    if (mean === Infinity || mean === -Infinity) {
      if ((x === Infinity || x === -Infinity) && (mean > 0) === (x > 0)) continue;
      if (Number.isFinite(x)) continue;
    }
    const inc = x / count - mean / count;
    const t = mean + inc;
    if (Math.abs(mean) >= Math.abs(inc)) c += (mean - t) + inc;
    else c += (inc - t) + mean;
    mean = t;
  }
  return mean === Infinity || mean === -Infinity ? mean : mean + c;
}

/** Compensated sum (Prometheus 2.42's sum_over_time). */
function sumOverTime(w: Window): number {
  let sum = 0, c = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) c += (sum - t) + x;
    else c += (x - t) + sum;
    sum = t;
  }
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
}

function varianceOverTime(w: Window): number {
  // Welford's method with compensated sums for the mean (slot 0) and the squared deviations (slot 1).
  kahan.reset();
  let count = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    const delta = x - kahan.total(0);
    kahan.add(0, delta / count);
    kahan.add(1, delta * (x - kahan.total(0)));
  }
  return kahan.total(1) / count;
}

function holtWinters(w: Window, ctx: RangeCallContext): number | null {
  const sf = ctx.scalars[0]!, tf = ctx.scalars[1]!;
  if (!(sf > 0 && sf < 1)) throw new ExecutionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goF(sf)}`);
  if (!(tf > 0 && tf < 1)) throw new ExecutionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goF(tf)}`);
  const { v, lo, hi } = w;
  if (hi - lo < 2) return null;
  let s0 = 0, s1 = v[lo]!, b = v[lo + 1]! - v[lo]!;
  for (let i = 1; i < hi - lo; i++) {
    const x = sf * v[lo + i]!;
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

function goF(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  return x.toFixed(6);
}

/** Range-vector functions by name; `absent_over_time` is handled by the engine, since it looks at all series. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', (w, c) => extrapolatedRate(w, c, true, true)],
  ['increase', (w, c) => extrapolatedRate(w, c, true, false)],
  ['delta', (w, c) => extrapolatedRate(w, c, false, false)],
  ['irate', (w) => instantValue(w, true)],
  ['idelta', (w) => instantValue(w, false)],
  ['avg_over_time', avgOverTime],
  ['count_over_time', (w) => w.hi - w.lo],
  ['sum_over_time', sumOverTime],
  ['min_over_time', (w) => {
    let m = w.v[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) { const x = w.v[i]!; if (x < m || Number.isNaN(m)) m = x; }
    return m;
  }],
  ['max_over_time', (w) => {
    let m = w.v[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) { const x = w.v[i]!; if (x > m || Number.isNaN(m)) m = x; }
    return m;
  }],
  ['last_over_time', (w) => w.v[w.hi - 1]!],
  ['present_over_time', () => 1],
  ['quantile_over_time', (w, c) => {
    const vals: number[] = [];
    for (let i = w.lo; i < w.hi; i++) vals.push(w.v[i]!);
    return quantileOf(c.scalars[0]!, vals);
  }],
  ['stddev_over_time', (w) => Math.sqrt(varianceOverTime(w))],
  ['stdvar_over_time', varianceOverTime],
  ['changes', (w) => {
    let changes = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const a = w.v[i - 1]!, b = w.v[i]!;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) changes++;
    }
    return changes;
  }],
  ['resets', (w) => {
    let resets = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i]! < w.v[i - 1]!) resets++;
    return resets;
  }],
  ['deriv', (w) => (w.hi - w.lo < 2 ? null : linearRegression(w, w.t[w.lo]!)[0])],
  ['predict_linear', (w, c) => {
    if (w.hi - w.lo < 2) return null;
    const [slope, intercept] = linearRegression(w, c.ts);
    return slope * c.scalars[0]! + intercept;
  }],
  ['holt_winters', holtWinters],
]);
