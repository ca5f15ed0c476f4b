/**
 * Aggregation operators (`sum by (job) (…)` and friends) over one step's instant vector, with Prometheus 2.42's
 * arithmetic (incremental mean, Welford variance), group order (first seen) and topk/bottomk ordering.
 */
import type { Labels } from '../model/labels.js';
import { METRIC_NAME } from '../model/labels.js';
import { ExecutionError } from '../model/errors.js';
import type { InstantSample } from '../model/sample.js';
import type { AggregateOp } from './ast.js';
import { LABEL_NAME_RE, setLabel } from './label-ops.js';
import { quantileOf } from './range-functions.js';

/** A series' group under one aggregation's grouping: memoized per label set across steps. */
export interface GroupOf {
  key: string;
  labels: Labels | null;
}

/** Where aggregate() memoizes each input label set's group across steps (a Map or WeakMap keyed by identity). */
export interface GroupCache {
  get(labels: Labels): GroupOf | undefined;
  set(labels: Labels, of: GroupOf): unknown;
}

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  samples: InstantSample[];
  values: number[];
}

/** Formats a float as Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatPlain(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const mant = s.slice(0, e), exp = Number(s.slice(e + 1));
  const neg = mant.startsWith('-');
  const digits = (neg ? mant.slice(1) : mant).replace('.', '');
  const pointAt = (neg ? mant.slice(1) : mant).indexOf('.');
  const intLen = (pointAt < 0 ? digits.length : pointAt) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return (neg ? '-' : '') + out;
}

/** The label names a `by`/`without` clause compares (`without` always drops `__name__` too). */
export function groupNamesOf(grouping: readonly string[], without: boolean): Set<string> {
  const names = new Set(grouping);
  if (without) names.add(METRIC_NAME);
  return names;
}

/** The key of the group a series with these labels falls in: equal keys, same group. */
export function groupKey(metric: Labels, groupNames: ReadonlySet<string>, without: boolean): string {
  let key = '';
  for (const l of metric) if (groupNames.has(l.name) !== without) key += l.name + '\xff' + l.value + '\xfe';
  return key;
}

/** The labels of the group a series with these labels falls in. */
export function groupLabels(metric: Labels, groupNames: ReadonlySet<string>, without: boolean): Labels {
  return metric.filter((l) => groupNames.has(l.name) !== without);
}

/**
 * Aggregates one step's vector. `param` is the scalar (topk, bottomk, quantile) or string (count_values) argument.
 * Throws ExecutionError for an invalid count_values label or a topk/bottomk k that overflows int64.
 */
export function aggregate(
  op: AggregateOp, vec: InstantSample[], param: number | string | null, grouping: string[], without: boolean,
  ts: number, groupCache?: GroupCache,
): InstantSample[] {
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    const f = param as number;
    if (!(f >= -9.223372036854776e18 && f <= 9.223372036854776e18)) {
      throw new ExecutionError(`Scalar value ${goFloatV(f)} overflows int64`);
    }
    k = Math.trunc(f);
    if (k < 1) return [];
  }
  let valueLabel = '';
  const groupNames = groupNamesOf(grouping, without);
  if (op === 'count_values') {
    valueLabel = param as string;
    if (!LABEL_NAME_RE.test(valueLabel)) throw new ExecutionError(`invalid label name ${JSON.stringify(valueLabel)}`);
    if (!without) groupNames.add(valueLabel);
  }

  const groups = new Map<string, Group>();
  const order: Group[] = [];
  for (const s of vec) {
    let metric = s.labels;
    if (op === 'count_values') metric = setLabel(metric, valueLabel, formatFloatPlain(s.v));
    let of = op === 'count_values' ? undefined : groupCache?.get(metric);
    if (!of) {
      of = { key: groupKey(metric, groupNames, without), labels: null };
      if (op !== 'count_values') groupCache?.set(metric, of);
    }
    const key = of.key;
    let g = groups.get(key);
    if (!g) {
      const labels = of.labels ?? (of.labels = groupLabels(metric, groupNames, without));
      g = { labels, value: s.v, mean: s.v, count: 1, samples: [], values: [] };
      if (op === 'stddev' || op === 'stdvar') g.value = 0;
      else if (op === 'count' || op === 'group' || op === 'count_values') g.value = 1;
      if (op === 'topk' || op === 'bottomk') g.samples.push(s);
      if (op === 'quantile') g.values.push(s.v);
      groups.set(key, g);
      order.push(g);
      continue;
    }
    accumulate(op, g, s);
  }

  const out: InstantSample[] = [];
  for (const g of order) {
    switch (op) {
      case 'avg': out.push({ labels: g.labels, v: g.mean, t: ts }); break;
      case 'count': case 'count_values': out.push({ labels: g.labels, v: g.count, t: ts }); break;
      case 'stdvar': out.push({ labels: g.labels, v: g.value / g.count, t: ts }); break;
      case 'stddev': out.push({ labels: g.labels, v: Math.sqrt(g.value / g.count), t: ts }); break;
      case 'quantile': out.push({ labels: g.labels, v: quantileOf(param as number, g.values), t: ts }); break;
      case 'topk': case 'bottomk':
        for (const s of selectK(g.samples, k, op === 'topk')) out.push({ labels: s.labels, v: s.v, t: ts });
        break;
      default: out.push({ labels: g.labels, v: g.value, t: ts });
    }
  }
  return out;
}

/**
 * The k largest (topk) or smallest (bottomk) samples, in Prometheus's output order. Prometheus keeps a binary heap
 * of k samples and sorts it at the end; ties come out in an order that depends on that heap, so it is replayed here
 * step for step (Go's container/heap, then Go's sort, which is an insertion sort up to 12 elements).
 */
function selectK(samples: InstantSample[], k: number, top: boolean): InstantSample[] {
  // The heap's order: the root is the sample to evict first. NaN is always "less", so it is evicted first.
  const less = (a: InstantSample, b: InstantSample): boolean =>
    Number.isNaN(a.v) ? true : top ? a.v < b.v : a.v > b.v;
  const h: InstantSample[] = [];
  const up = (j: number) => {
    for (;;) {
      const i = Math.floor((j - 1) / 2);
      if (j <= 0 || i === j || !less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      j = i;
    }
  };
  const down = (i0: number): boolean => {
    let i = i0;
    const n = h.length;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      if (j1 + 1 < n && less(h[j1 + 1]!, h[j1]!)) j = j1 + 1;
      if (!less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      i = j;
    }
    return i > i0;
  };
  for (const s of samples) {
    if (h.length === 0) { h.push(s); continue; }
    if (h.length < k) { h.push(s); up(h.length - 1); continue; }
    const root = h[0]!;
    if ((top ? root.v < s.v : root.v > s.v) || (Number.isNaN(root.v) && !Number.isNaN(s.v))) {
      h[0] = s;
      if (k > 1 && !down(0)) up(0);
    }
  }
  // sort.Sort(sort.Reverse(heap)): "a before b" when the heap would call b less than a.
  if (h.length <= 12) {
    for (let i = 1; i < h.length; i++) {
      for (let j = i; j > 0 && less(h[j - 1]!, h[j]!); j--) [h[j], h[j - 1]] = [h[j - 1]!, h[j]!];
    }
    return h;
  }
  return h.sort((a, b) => (less(b, a) ? -1 : less(a, b) ? 1 : 0));
}

function accumulate(op: AggregateOp, g: Group, s: InstantSample): void {
  const v = s.v;
  switch (op) {
    case 'sum': g.value += v; break;
    case 'avg': {
      g.count++;
      const mean = g.mean;
      if (mean === Infinity || mean === -Infinity) {
        if ((v === Infinity || v === -Infinity) && (mean > 0) === (v > 0)) break;
        if (Number.isFinite(v)) break;
      }
      g.mean += v / g.count - mean / g.count;
      break;
    }
    case 'max': if (g.value < v || Number.isNaN(g.value)) g.value = v; break;
    case 'min': if (g.value > v || Number.isNaN(g.value)) g.value = v; break;
    case 'count': case 'count_values': g.count++; break;
    case 'group': break;
    case 'stddev': case 'stdvar': {
      g.count++;
      const delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      break;
    }
    case 'topk': case 'bottomk': g.samples.push(s); break;
    case 'quantile': g.values.push(v); break;
  }
}

/** Go's `%v` for a float64 in the overflow message. */
function goFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}
