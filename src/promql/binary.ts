/**
 * Binary operators between instant vectors and scalars, with Prometheus's vector matching (on/ignoring,
 * group_left/group_right), filtering comparisons, `bool`, set operators and its error texts.
 */
import type { Labels } from '../model/labels.js';
import { METRIC_NAME } from '../model/labels.js';
import { ExecutionError } from '../model/errors.js';
import type { InstantSample } from '../model/sample.js';
import type { BinaryOp, VectorMatching } from './ast.js';
import { isComparisonOp } from './ast.js';
import { dropMetricName, keepLabels, keyOf, labelsString, setLabel } from './label-ops.js';

/** Go's math.Pow where it differs from `**` (1^NaN, 1^±Inf and (-1)^±Inf are 1 in Go). */
function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

/** Arithmetic and comparison on two numbers. Comparisons return [lhs, keep]. */
export function elemBinop(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+': return [l + r, true];
    case '-': return [l - r, true];
    case '*': return [l * r, true];
    case '/': return [l / r, true];
    case '%': return [l % r, true];
    case '^': return [goPow(l, r), true];
    case 'atan2': return [Math.atan2(l, r), true];
    case '==': return [l, l === r];
    case '!=': return [l, l !== r];
    case '>': return [l, l > r];
    case '<': return [l, l < r];
    case '>=': return [l, l >= r];
    case '<=': return [l, l <= r];
    default: throw new Error(`BUG: operator ${op} is not an arithmetic or comparison operator`);
  }
}

/** scalar op scalar; comparisons (which the parser only allows with `bool`) yield 1 or 0. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  const [v, keep] = elemBinop(op, l, r);
  return isComparisonOp(op) ? (keep ? 1 : 0) : v;
}

function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

/** The matching signature of a series: its `on` labels, or all but the `ignoring` labels and the name. */
export function signatureFn(m: VectorMatching | null): (ls: Labels) => string {
  const on = m !== null && m.on;
  const names = new Set(m ? m.labels : []);
  if (!on) names.add(METRIC_NAME);
  const cache = new WeakMap<Labels, string>();
  return (ls) => {
    let k = cache.get(ls);
    if (k === undefined) {
      k = '';
      for (const l of ls) if (names.has(l.name) === on) k += l.name + '\xff' + l.value + '\xfe';
      cache.set(ls, k);
    }
    return k;
  };
}

export function vectorAnd(lhs: InstantSample[], rhs: InstantSample[], m: VectorMatching | null): InstantSample[] {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const sig = signatureFn(m);
  const right = new Set(rhs.map((s) => sig(s.labels)));
  return lhs.filter((s) => right.has(sig(s.labels)));
}

export function vectorOr(lhs: InstantSample[], rhs: InstantSample[], m: VectorMatching | null): InstantSample[] {
  if (lhs.length === 0) return rhs.slice();
  if (rhs.length === 0) return lhs.slice();
  const sig = signatureFn(m);
  const left = new Set(lhs.map((s) => sig(s.labels)));
  const out = lhs.slice();
  for (const s of rhs) if (!left.has(sig(s.labels))) out.push(s);
  return out;
}

export function vectorUnless(lhs: InstantSample[], rhs: InstantSample[], m: VectorMatching | null): InstantSample[] {
  if (lhs.length === 0 || rhs.length === 0) return lhs.slice();
  const sig = signatureFn(m);
  const right = new Set(rhs.map((s) => sig(s.labels)));
  return lhs.filter((s) => !right.has(sig(s.labels)));
}

function resultMetric(ls: Labels, rs: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let out = dropsName(op) ? dropMetricName(ls) : ls;
  if (m.card === 'one-to-one') {
    if (m.on) out = keepLabels(out, new Set(m.labels));
    else if (m.labels.length > 0) {
      const drop = new Set(m.labels);
      out = out.filter((l) => !drop.has(l.name));
    }
  }
  for (const name of m.include) {
    let v = '';
    for (const l of rs) if (l.name === name) v = l.value;
    out = setLabel(out, name, v);
  }
  return out;
}

/** Arithmetic/comparison between two instant vectors (not set operators). */
export function vectorBinop(
  op: BinaryOp, lhsIn: InstantSample[], rhsIn: InstantSample[], m: VectorMatching, returnBool: boolean, ts: number,
): InstantSample[] {
  const sig = signatureFn(m);
  const swap = m.card === 'one-to-many';
  const lhs = swap ? rhsIn : lhsIn;
  const rhs = swap ? lhsIn : rhsIn;
  const right = new Map<string, InstantSample>();
  for (const rs of rhs) {
    const k = sig(rs.labels);
    const dup = right.get(k);
    if (dup) {
      const matched = m.on ? keepLabels(rs.labels, new Set(m.labels))
        : rs.labels.filter((l) => l.name !== METRIC_NAME && !m.labels.includes(l.name));
      throw new ExecutionError(
        `found duplicate series for the match group ${labelsString(matched)} on the ${swap ? 'left' : 'right'} hand-side of the operation: ` +
        `[${labelsString(rs.labels)}, ${labelsString(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(k, rs);
  }
  const matchedOne = new Set<string>();
  const matchedMany = new Map<string, Set<string>>();
  const out: InstantSample[] = [];
  for (const ls of lhs) {
    const k = sig(ls.labels);
    const rs = right.get(k);
    if (!rs) continue;
    let vl = ls.v, vr = rs.v;
    if (swap) { const tmp = vl; vl = vr; vr = tmp; }
    let [value, keep] = elemBinop(op, vl, vr);
    if (returnBool) { value = keep ? 1 : 0; keep = true; }
    if (!keep) continue;
    let metric = resultMetric(ls.labels, rs.labels, op, m);
    if (returnBool) metric = dropMetricName(metric);
    if (m.card === 'one-to-one') {
      if (matchedOne.has(k)) {
        throw new ExecutionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matchedOne.add(k);
    } else {
      let inserted = matchedMany.get(k);
      if (!inserted) { inserted = new Set(); matchedMany.set(k, inserted); }
      const mk = keyOf(metric);
      if (inserted.has(mk)) throw new ExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
      inserted.add(mk);
    }
    out.push({ labels: metric, v: value, t: ts });
  }
  return out;
}

/** vector op scalar (or scalar op vector when `swap`); comparisons keep the vector's value. */
export function vectorScalarBinop(
  op: BinaryOp, vec: InstantSample[], scalar: number, swap: boolean, returnBool: boolean, ts: number,
): InstantSample[] {
  const out: InstantSample[] = [];
  const cmp = isComparisonOp(op);
  const drop = dropsName(op) || returnBool;
  for (const s of vec) {
    let lv = s.v, rv = scalar;
    if (swap) { lv = scalar; rv = s.v; }
    let [value, keep] = elemBinop(op, lv, rv);
    if (cmp && swap) value = rv;
    if (returnBool) { value = keep ? 1 : 0; keep = true; }
    if (!keep) continue;
    out.push({ labels: drop ? dropMetricName(s.labels) : s.labels, v: value, t: ts });
  }
  return out;
}
