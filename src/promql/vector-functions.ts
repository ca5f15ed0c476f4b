/**
 * Instant-vector functions that work on the whole vector or on labels rather than element-wise:
 * absent's label derivation, sort, label_replace, label_join.
 */
import type { Labels } from '../model/labels.js';
import { METRIC_NAME } from '../model/labels.js';
import { compileAnchored } from '../model/matcher.js';
import { ExecutionError } from '../model/errors.js';
import type { InstantSample } from '../model/sample.js';
import type { Expr } from './ast.js';
import { LABEL_NAME_RE, setLabel } from './label-ops.js';
import { compareNaNFirst } from './range-functions.js';

/** Labels absent()/absent_over_time() give their result: the selector's `=` matchers, minus ambiguous names. */
export function absentLabels(arg: Expr): Labels {
  let e = arg;
  while (e.type === 'ParenExpr') e = e.expr;
  const vs = e.type === 'VectorSelector' ? e : e.type === 'MatrixSelector' ? e.vs : null;
  if (!vs) return [];
  let out: Labels = [];
  const ambiguous: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !out.some((l) => l.name === m.name)) out = setLabel(out, m.name, m.value);
    else ambiguous.push(m.name);
  }
  for (const name of ambiguous) out = out.filter((l) => l.name !== name);
  return out;
}

/** sort (ascending) or sort_desc (descending); NaN sorts last in both, as in Prometheus 2.42. */
export function sortVector(vec: InstantSample[], desc: boolean): InstantSample[] {
  return vec.slice().sort((a, b) => {
    const an = Number.isNaN(a.v), bn = Number.isNaN(b.v);
    if (an || bn) return an && bn ? 0 : an ? 1 : -1;
    return desc ? compareNaNFirst(b.v, a.v) : compareNaNFirst(a.v, b.v);
  });
}

/** Translates RE2-only syntax JavaScript spells differently: named groups `(?P<name>…)`. */
function toJsPattern(re: string): string {
  return re.replace(/\(\?P</g, '(?<');
}

/** Go's regexp.Expand for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
export function expandTemplate(tpl: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c !== '$') { out += c; continue; }
    if (tpl[i + 1] === '$') { out += '$'; i++; continue; }
    let name: string;
    let end: number;
    if (tpl[i + 1] === '{') {
      const close = tpl.indexOf('}', i + 2);
      name = close < 0 ? '' : tpl.slice(i + 2, close);
      if (close < 0 || !/^[a-zA-Z0-9_]+$/.test(name)) { out += '$'; continue; }
      end = close;
    } else {
      const r = /^[a-zA-Z0-9_]+/.exec(tpl.slice(i + 1));
      if (!r) { out += '$'; continue; }
      name = r[0];
      end = i + name.length;
    }
    if (/^[0-9]+$/.test(name)) {
      const n = Number(name);
      if (n < m.length) out += m[n] ?? '';
    } else {
      out += m.groups?.[name] ?? '';
    }
    i = end;
  }
  return out;
}

/** label_replace(v, dst, replacement, src, regex). Keeps `__name__`. */
export function labelReplace(
  vec: InstantSample[], dst: string, replacement: string, src: string, regex: string,
): InstantSample[] {
  let re: RegExp;
  try {
    re = compileAnchored(toJsPattern(regex));
  } catch (e) {
    throw new ExecutionError(`invalid regular expression in label_replace(): ${regex}`, { cause: e });
  }
  if (!LABEL_NAME_RE.test(dst)) throw new ExecutionError(`invalid destination label name in label_replace(): ${dst}`);
  return vec.map((s) => {
    let srcVal = '';
    for (const l of s.labels) if (l.name === src) srcVal = l.value;
    const m = re.exec(srcVal);
    if (!m) return s;
    const res = expandTemplate(replacement, m);
    return { labels: setLabel(s.labels, dst, res), v: s.v, t: s.t };
  });
}

/** label_join(v, dst, sep, src...). Keeps `__name__`. */
export function labelJoin(vec: InstantSample[], dst: string, sep: string, srcs: string[]): InstantSample[] {
  if (!LABEL_NAME_RE.test(dst)) throw new ExecutionError(`invalid destination label name in label_join(): ${dst}`);
  for (const s of srcs) {
    if (!LABEL_NAME_RE.test(s)) throw new ExecutionError(`invalid source label name in label_join(): ${s}`);
  }
  return vec.map((s) => {
    const vals = srcs.map((name) => {
      for (const l of s.labels) if (l.name === name) return l.value;
      return '';
    });
    return { labels: setLabel(s.labels, dst, vals.join(sep)), v: s.v, t: s.t };
  });
}
