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
import { compareNaNFirst, quantileOf } from './range-functions.js';

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

/**
 * Aggregates one step's vector. `param` is the scalar (topk, bottomk, quantile) or string (count_values) argument.
 * Throws ExecutionError for an invalid count_values label or a topk/bottomk k that overflows int64.
 */
export function aggregate(
  op: AggregateOp, vec: InstantSample[], param: number | string | null, grouping: string[], without: boolean,
  ts: number,
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
  const groupNames = new Set(grouping);
  if (op === 'count_values') {
    valueLabel = param as string;
    if (!LABEL_NAME_RE.test(valueLabel)) throw new ExecutionError(`invalid label name ${JSON.stringify(valueLabel)}`);
    if (!without) groupNames.add(valueLabel);
  }
  if (without) groupNames.add(METRIC_NAME);

  const groups = new Map<string, Group>();
  const order: Group[] = [];
  for (const s of vec) {
    let metric = s.labels;
    if (op === 'count_values') metric = setLabel(metric, valueLabel, formatFloatPlain(s.v));
    let key = '';
    for (const l of metric) if (groupNames.has(l.name) !== without) key += l.name + '\xff' + l.value + '\xfe';
    let g = groups.get(key);
    if (!g) {
      const labels = metric.filter((l) => groupNames.has(l.name) !== without);
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
      case 'topk': case 'bottomk': {
        const sorted = g.samples.slice().sort((a, b) => (op === 'topk' ? compareNaNFirst(b.v, a.v) : compareNaNLast(a.v, b.v)));
        for (let i = 0; i < sorted.length && i < k; i++) out.push({ labels: sorted[i]!.labels, v: sorted[i]!.v, t: ts });
        break;
      }
      default: out.push({ labels: g.labels, v: g.value, t: ts });
    }
  }
  return out;
}

/** Ascending with NaN after every number: bottomk keeps the smallest real values first. */
function compareNaNLast(a: number, b: number): number {
  const an = Number.isNaN(a), bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
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
