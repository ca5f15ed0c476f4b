/**
 * Comparing two answers of the Prometheus HTTP query API (`/api/v1/query`, `/api/v1/query_range`) for the
 * side-by-side tests: one from the real Prometheus (the reference), one from vigil.
 *
 * Two answers agree when both are errors of the same `errorType` (the message text may differ), or both succeed
 * with the same `resultType`, the same set of label sets, identical timestamps, and values equal within a relative
 * tolerance (NaN equals NaN, ±Inf only equal themselves). Where Prometheus defines an order (an instant vector
 * out of `sort`, `sort_desc`, `topk`, `bottomk`), the values must also come in the same order; the label sets of
 * tied values may come in any order, as Prometheus's own sort is not stable.
 */

/** One HTTP answer: the status code and the parsed JSON body (or the raw text when it was not JSON). */
export interface ApiAnswer {
  httpStatus: number;
  body: unknown;
}

export interface CompareOptions {
  /** Compare the order of an instant vector's values too. */
  ordered?: boolean;
  /** Largest accepted |a - b| / max(|a|, |b|); default 1e-9. */
  relTolerance?: number;
}

/** Why two answers differ, in words a reader can act on. */
export interface Mismatch {
  reason: string;
  /** The first differing series (or point) of each side, when the difference is in the data. */
  firstDiff?: { prometheus: string; vigil: string };
}

type Labels = Record<string, string>;
type Point = [number, string];
interface VectorSample { metric: Labels; value: Point }
interface MatrixSeries { metric: Labels; values: Point[] }

interface Success { kind: 'success'; resultType: string; result: unknown }
interface Failure { kind: 'error'; errorType: string; error: string }
interface Malformed { kind: 'malformed'; why: string }

/** Reads the envelope of an answer without trusting its shape. */
function envelope(a: ApiAnswer): Success | Failure | Malformed {
  const b = a.body;
  if (typeof b !== 'object' || b === null) return { kind: 'malformed', why: `HTTP ${a.httpStatus}, body is not JSON: ${truncate(String(b), 200)}` };
  const o = b as Record<string, unknown>;
  if (o.status === 'error') return { kind: 'error', errorType: String(o.errorType), error: String(o.error) };
  if (o.status !== 'success') return { kind: 'malformed', why: `HTTP ${a.httpStatus}, status is ${JSON.stringify(o.status)}` };
  const d = o.data as Record<string, unknown> | undefined;
  if (typeof d !== 'object' || d === null || typeof d.resultType !== 'string') return { kind: 'malformed', why: 'success without data.resultType' };
  return { kind: 'success', resultType: d.resultType, result: d.result };
}

/**
 * Parses a sample value as the API writes it (Go's float formatting plus `NaN`, `+Inf`, `-Inf`). Returns undefined
 * for text that is not such a number, so malformed values are reported rather than silently compared as NaN.
 */
export function parseSampleValue(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** True when two API value strings denote the same float within `rel` (relative to the larger magnitude). */
export function valuesAgree(a: unknown, b: unknown, rel = 1e-9): boolean {
  const x = parseSampleValue(a);
  const y = parseSampleValue(b);
  if (x === undefined || y === undefined) return false;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true; // also ±Inf, and 0 against -0
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  return Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y));
}

/** A canonical text of a label set: `{a="1", b="2"}` with names sorted, as Prometheus prints them. */
export function labelsText(m: Labels): string {
  const names = Object.keys(m).sort();
  return '{' + names.map((n) => `${n}=${JSON.stringify(m[n])}`).join(', ') + '}';
}

function isPoint(p: unknown): p is Point {
  return Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'string';
}

function isLabels(m: unknown): m is Labels {
  return typeof m === 'object' && m !== null && !Array.isArray(m) && Object.values(m).every((v) => typeof v === 'string');
}

function asVector(r: unknown): VectorSample[] | string {
  if (!Array.isArray(r)) return 'vector result is not an array';
  for (const s of r) {
    const o = s as Record<string, unknown>;
    if (!isLabels(o?.metric) || !isPoint(o.value)) return `malformed vector sample ${truncate(JSON.stringify(s), 200)}`;
  }
  return r as VectorSample[];
}

function asMatrix(r: unknown): MatrixSeries[] | string {
  if (!Array.isArray(r)) return 'matrix result is not an array';
  for (const s of r) {
    const o = s as Record<string, unknown>;
    if (!isLabels(o?.metric) || !Array.isArray(o.values) || !o.values.every(isPoint)) {
      return `malformed matrix series ${truncate(JSON.stringify(s), 200)}`;
    }
  }
  return r as MatrixSeries[];
}

function pointText(p: Point): string {
  return `${p[1]} @${p[0]}`;
}

/** A series as text; a long matrix series shows the points around index `at` (where it differs). */
function seriesText(s: VectorSample | MatrixSeries, at = 0): string {
  if ('value' in s) return `${labelsText(s.metric)} => ${pointText(s.value)}`;
  const pts = s.values.map(pointText);
  if (pts.length <= 8) return `${labelsText(s.metric)} => [${pts.join(', ')}]`;
  const from = Math.max(0, Math.min(at - 3, pts.length - 8));
  const shown = [...(from > 0 ? [`… ${from} points`] : []), ...pts.slice(from, from + 8), ...(from + 8 < pts.length ? [`… (${pts.length} points)`] : [])];
  return `${labelsText(s.metric)} => [${shown.join(', ')}]`;
}

/** Indexes series by label set; a label set seen twice is itself a mismatch (the API never answers that). */
function byLabels<T extends { metric: Labels }>(xs: T[], side: string): Map<string, T> | Mismatch {
  const m = new Map<string, T>();
  for (const s of xs) {
    const k = labelsText(s.metric);
    if (m.has(k)) return { reason: `${side} answered the label set ${k} twice` };
    m.set(k, s);
  }
  return m;
}

/** The label-set difference of two indexed results, or undefined when both hold the same label sets. */
function setDifference<T extends VectorSample | MatrixSeries>(p: Map<string, T>, v: Map<string, T>): Mismatch | undefined {
  const missing = [...p.keys()].filter((k) => !v.has(k)).sort();
  const extra = [...v.keys()].filter((k) => !p.has(k)).sort();
  if (missing.length === 0 && extra.length === 0) return undefined;
  const parts: string[] = [];
  if (missing.length) parts.push(`${missing.length} series only in Prometheus (first ${missing[0]})`);
  if (extra.length) parts.push(`${extra.length} series only in vigil (first ${extra[0]})`);
  return {
    reason: `different label sets (Prometheus ${p.size}, vigil ${v.size}): ${parts.join('; ')}`,
    firstDiff: {
      prometheus: missing.length ? seriesText(p.get(missing[0]!)!) : '(none missing)',
      vigil: extra.length ? seriesText(v.get(extra[0]!)!) : '(none extra)',
    },
  };
}

/** The two answers' series matched by label set, sorted; a Mismatch if a side repeats or lacks a label set. */
function pairByLabels<T extends VectorSample | MatrixSeries>(p: T[], v: T[]): [string, T, T][] | Mismatch {
  const pm = byLabels(p, 'Prometheus');
  if (!(pm instanceof Map)) return pm;
  const vm = byLabels(v, 'vigil');
  if (!(vm instanceof Map)) return vm;
  const diff = setDifference(pm, vm);
  if (diff) return diff;
  return [...pm].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, ps]) => [k, ps, vm.get(k)!]);
}

function compareVector(p: VectorSample[], v: VectorSample[], opts: CompareOptions): Mismatch | null {
  const rel = opts.relTolerance ?? 1e-9;
  const paired = pairByLabels(p, v);
  if (!Array.isArray(paired)) return paired;
  for (const [k, ps, vs] of paired) {
    if (ps.value[0] !== vs.value[0] || !valuesAgree(ps.value[1], vs.value[1], rel)) {
      return { reason: `different sample for ${k}`, firstDiff: { prometheus: seriesText(ps), vigil: seriesText(vs) } };
    }
  }
  if (opts.ordered) {
    for (let i = 0; i < p.length; i++) {
      if (!valuesAgree(p[i]!.value[1], v[i]!.value[1], rel)) {
        return {
          reason: `different order at position ${i}: Prometheus has value ${p[i]!.value[1]} there, vigil ${v[i]!.value[1]}`,
          firstDiff: { prometheus: seriesText(p[i]!), vigil: seriesText(v[i]!) },
        };
      }
    }
  }
  return null;
}

function compareMatrix(p: MatrixSeries[], v: MatrixSeries[], opts: CompareOptions): Mismatch | null {
  const rel = opts.relTolerance ?? 1e-9;
  const paired = pairByLabels(p, v);
  if (!Array.isArray(paired)) return paired;
  for (const [k, ps, vs] of paired) {
    const n = Math.max(ps.values.length, vs.values.length);
    for (let i = 0; i < n; i++) {
      const a = ps.values[i];
      const b = vs.values[i];
      if (a && b && a[0] === b[0] && valuesAgree(a[1], b[1], rel)) continue;
      const where = a && b ? (a[0] !== b[0] ? 'timestamp' : 'value') : 'point count';
      return {
        reason: `different ${where} for ${k} at point ${i} (Prometheus ${ps.values.length} points, vigil ${vs.values.length}): ` +
          `Prometheus ${a ? pointText(a) : '(none)'}, vigil ${b ? pointText(b) : '(none)'}`,
        firstDiff: { prometheus: seriesText(ps, i), vigil: seriesText(vs, i) },
      };
    }
  }
  return null;
}

/** Compares vigil's answer with Prometheus's; null when they agree. */
export function compareAnswers(prometheus: ApiAnswer, vigil: ApiAnswer, opts: CompareOptions = {}): Mismatch | null {
  const p = envelope(prometheus);
  const v = envelope(vigil);
  if (p.kind === 'malformed') return { reason: `Prometheus answered unexpectedly: ${p.why}` };
  if (v.kind === 'malformed') return { reason: `vigil answered malformed: ${v.why}` };
  if (p.kind === 'error' || v.kind === 'error') {
    if (p.kind === 'error' && v.kind === 'error') {
      if (p.errorType !== v.errorType) return { reason: `errorType: Prometheus ${p.errorType} (${p.error}), vigil ${v.errorType} (${v.error})` };
      if (prometheus.httpStatus !== vigil.httpStatus) return { reason: `HTTP status of the ${p.errorType} error: Prometheus ${prometheus.httpStatus}, vigil ${vigil.httpStatus}` };
      return null;
    }
    if (p.kind === 'error') return { reason: `Prometheus answered ${p.errorType} (${p.error}), vigil succeeded` };
    return { reason: `vigil answered ${(v as Failure).errorType} (${(v as Failure).error}), Prometheus succeeded` };
  }
  if (p.resultType !== v.resultType) return { reason: `resultType: Prometheus ${p.resultType}, vigil ${v.resultType}` };
  const rel = opts.relTolerance ?? 1e-9;
  switch (p.resultType) {
    case 'scalar':
    case 'string': {
      if (!isPoint(p.result)) return { reason: `Prometheus answered a malformed ${p.resultType}` };
      if (!isPoint(v.result)) return { reason: `vigil answered a malformed ${p.resultType}: ${truncate(JSON.stringify(v.result), 200)}` };
      const same = p.result[0] === v.result[0] &&
        (p.resultType === 'string' ? p.result[1] === v.result[1] : valuesAgree(p.result[1], v.result[1], rel));
      return same ? null : { reason: `different ${p.resultType}: Prometheus ${pointText(p.result)}, vigil ${pointText(v.result)}` };
    }
    case 'vector': {
      const pv = asVector(p.result);
      if (typeof pv === 'string') return { reason: `Prometheus: ${pv}` };
      const vv = asVector(v.result);
      if (typeof vv === 'string') return { reason: `vigil: ${vv}` };
      return compareVector(pv, vv, opts);
    }
    case 'matrix': {
      const pm = asMatrix(p.result);
      if (typeof pm === 'string') return { reason: `Prometheus: ${pm}` };
      const vm = asMatrix(v.result);
      if (typeof vm === 'string') return { reason: `vigil: ${vm}` };
      return compareMatrix(pm, vm, opts);
    }
    default:
      return { reason: `unknown resultType ${p.resultType}` };
  }
}

/** Whether a successful answer holds any data (a scalar or string always does; a vector or matrix when non-empty). */
export function hasData(a: ApiAnswer): boolean {
  const e = envelope(a);
  if (e.kind !== 'success') return false;
  return Array.isArray(e.result) && (e.resultType === 'vector' || e.resultType === 'matrix') ? e.result.length > 0 : true;
}

/** An answer as compact text for failure messages, cut to `max` characters. */
export function answerText(a: ApiAnswer, max = 600): string {
  return truncate(`HTTP ${a.httpStatus} ${typeof a.body === 'string' ? a.body : JSON.stringify(a.body)}`, max);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}
