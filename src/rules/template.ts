/**
 * Prometheus-style templates for alert labels and annotations (and notification subjects/bodies): parse once with
 * `compileTemplate`, render with `expandTemplate`. Data follows Prometheus: `.Labels`, `.ExternalLabels`,
 * `.ExternalURL`, `.Value` and the variables `$labels`, `$externalLabels`, `$externalURL`, `$value`.
 */
import type { InstantSample } from '../model/sample.js';
import { labelsToObject } from '../model/labels.js';
import { formatFloatG, formatFloatV, formatValue, sprintf } from './gofmt.js';
import { parseTemplate, positionOf, TemplateError, type Cmd, type Operand, type ParsedTemplate, type Pipe, type TNode } from './template-parse.js';

export { TemplateError } from './template-parse.js';

/** Runs a PromQL instant query at the given time (ms); the rules stage gets one injected. */
export type QueryFunc = (expr: string, tMs: number) => Promise<InstantSample[]>;

/** A sample as templates see it (`{{ range query "up" }}{{ .Labels.job }} {{ .Value }}{{ end }}`). */
export interface TemplateSample {
  Labels: Record<string, string>;
  Value: number;
}

export interface TemplateContext {
  /** Used by the `query` function; absent means `query` fails with an error. */
  query?: QueryFunc;
  /** Evaluation time (ms) for `query`. */
  timeMs?: number;
  externalURL?: string;
}

type Fn = (ctx: TemplateContext, args: unknown[], pos: number, src: string) => unknown | Promise<unknown>;

function fail(src: string, pos: number, detail: string): never {
  const { line, column } = positionOf(src, pos);
  throw new TemplateError(detail, line, column);
}

function toFloat(src: string, pos: number, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    const n = t === '+Inf' || t === 'Inf' ? Infinity : t === '-Inf' ? -Infinity : t === 'NaN' ? NaN : Number(t);
    if (t !== '' && (!Number.isNaN(n) || t === 'NaN')) return n;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  fail(src, pos, `can't convert ${formatValue(v) || '<nil>'} to float`);
}

function toStr(v: unknown): string {
  return formatValue(v);
}

const SI_BIG = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Prometheus's `humanize`: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatFloatG(v, 4);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of SI_BIG) { if (Math.abs(v) < 1000) break; prefix = p; v /= 1000; }
  } else {
    for (const p of SI_SMALL) { if (Math.abs(v) >= 1) break; prefix = p; v *= 1000; }
  }
  return formatFloatG(v, 4) + prefix;
}

/** Prometheus's `humanize1024`: binary prefixes (ki, Mi, ...) above 1. */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return formatFloatG(v, 4);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) { if (Math.abs(v) < 1024) break; prefix = p; v /= 1024; }
  return formatFloatG(v, 4) + prefix;
}

/** Prometheus's `humanizeDuration` of a number of seconds: `1d 2h 3m 4s`, `1.5s`, `250ms`. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatFloatG(v, 4);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const a = Math.abs(v);
    if (a >= 2 ** 63) {
      // Go converts with int64(v), which yields MinInt64 for values beyond its range; mirror the resulting text.
      const d = -(2n ** 63n);
      return `${sign}${d / 86400n}d ${(d / 3600n) % 24n}h ${(d / 60n) % 60n}m ${d % 60n}s`;
    }
    const d = Math.trunc(a);
    const s = d % 60, m = Math.trunc(d / 60) % 60, h = Math.trunc(d / 3600) % 24, days = Math.trunc(d / 86400);
    if (days) return `${sign}${days}d ${h}h ${m}m ${s}s`;
    if (h) return `${sign}${h}h ${m}m ${s}s`;
    if (m) return `${sign}${m}m ${s}s`;
    return `${sign}${formatFloatG(a, 4)}s`;
  }
  let prefix = '';
  for (const p of SI_SMALL) { if (Math.abs(v) >= 1) break; prefix = p; v *= 1000; }
  return `${formatFloatG(v, 4)}${prefix}s`;
}

/** Go's `time.Time.String()` in UTC for a unix time in seconds: `2024-01-02 03:04:05.5 +0000 UTC`. */
export function humanizeTimestamp(v: number): string {
  if (!Number.isFinite(v)) return formatFloatG(v, 4);
  // Go's time.Time holds int64 nanoseconds; JavaScript's Date covers ±8.64e15 ms. Beyond either, Prometheus errors.
  if (Math.abs(v) * 1e9 > 9.223372036854775e18 || Math.abs(v) * 1000 > 8.64e15) {
    throw new RangeError(`${formatFloatV(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = Math.round(v * 1000);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC`;
}

function timestampOrFail(src: string, pos: number, v: number): string {
  try {
    return humanizeTimestamp(v);
  } catch (e) {
    fail(src, pos, `error calling humanizeTimestamp: ${(e as Error).message}`);
  }
}

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. A bare `$name` takes the longest run of letters,
 * digits and `_` (so `$1_x` names group "1_x", which is empty), unlike JavaScript's `$1`.
 */
function expandGoReplacement(tpl: string, match: unknown[]): string {
  const last = match[match.length - 1];
  const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : {};
  const groups = match.slice(0, typeof last === 'object' && last !== null ? -3 : -2) as Array<string | undefined>;
  return tpl.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _x: string, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return groups[Number(name)] ?? '';
    return named[name] ?? '';
  });
}

function goRegexp(src: string, pos: number, pattern: string, flags = ''): RegExp {
  try {
    let f = flags;
    let p = pattern;
    if (p.startsWith('(?i)')) { p = p.slice(4); f += 'i'; }
    p = p.replace(/\(\?P</g, '(?<'); // RE2's named groups
    return new RegExp(p, f + 's');
  } catch (e) {
    fail(src, pos, `error parsing regexp: ${(e as Error).message}`);
  }
}

function truth(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function cmp(src: string, pos: number, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : NaN;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return 0;
  fail(src, pos, `incompatible types for comparison: ${typeof a} and ${typeof b}`);
}

function argc(src: string, pos: number, name: string, args: unknown[], n: number): void {
  if (args.length !== n) fail(src, pos, `wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function sampleOf(src: string, pos: number, v: unknown): TemplateSample {
  if (v && typeof v === 'object' && 'Labels' in v && 'Value' in v) return v as TemplateSample;
  fail(src, pos, `expected a query result sample, got ${formatValue(v) || '<nil>'}`);
}

const FUNCS: Record<string, Fn> = {
  // Go text/template built-ins.
  and: (_c, a) => { for (const x of a) if (!truth(x)) return x; return a[a.length - 1]; },
  or: (_c, a) => { for (const x of a) if (truth(x)) return x; return a[a.length - 1]; },
  not: (_c, a, p, s) => { argc(s, p, 'not', a, 1); return !truth(a[0]); },
  len: (_c, a, p, s) => {
    argc(s, p, 'len', a, 1);
    const x = a[0];
    if (typeof x === 'string') return Buffer.byteLength(x);
    if (Array.isArray(x)) return x.length;
    if (x && typeof x === 'object') return Object.keys(x).length;
    fail(s, p, `len of type ${typeof x}`);
  },
  index: (_c, a, p, s) => {
    let x = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(x) && typeof k === 'number') { if (k < 0 || k >= x.length) fail(s, p, `index out of range: ${k}`); x = x[k]; }
      else if (x && typeof x === 'object' && typeof k === 'string') x = (x as Record<string, unknown>)[k];
      else fail(s, p, `can't index item of type ${typeof x}`);
    }
    return x;
  },
  eq: (_c, a, p, s) => { if (a.length < 2) fail(s, p, 'missing argument for comparison'); return a.slice(1).some((b) => cmp(s, p, a[0], b) === 0); },
  ne: (_c, a, p, s) => { argc(s, p, 'ne', a, 2); return cmp(s, p, a[0], a[1]) !== 0; },
  lt: (_c, a, p, s) => { argc(s, p, 'lt', a, 2); return cmp(s, p, a[0], a[1]) < 0; },
  le: (_c, a, p, s) => { argc(s, p, 'le', a, 2); return cmp(s, p, a[0], a[1]) <= 0; },
  gt: (_c, a, p, s) => { argc(s, p, 'gt', a, 2); return cmp(s, p, a[0], a[1]) > 0; },
  ge: (_c, a, p, s) => { argc(s, p, 'ge', a, 2); return cmp(s, p, a[0], a[1]) >= 0; },
  print: (_c, a) => a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + toStr(x)).join(''),
  println: (_c, a) => a.map(toStr).join(' ') + '\n',
  printf: (_c, a, p, s) => { if (typeof a[0] !== 'string') fail(s, p, 'printf needs a format string'); return sprintf(a[0], a.slice(1)); },
  urlquery: (_c, a) => encodeURIComponent(a.map(toStr).join('')).replace(/%20/g, '+'),
  html: (_c, a) => a.map(toStr).join('').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[ch]!),
  // Prometheus's template functions.
  query: async (c, a, p, s) => {
    argc(s, p, 'query', a, 1);
    if (!c.query) fail(s, p, 'query is not available in this template');
    let res: InstantSample[];
    try {
      res = await c.query(toStr(a[0]), c.timeMs ?? Date.now());
    } catch (e) {
      fail(s, p, `error executing query: ${(e as Error).message}`);
    }
    return res.map((r): TemplateSample => ({ Labels: labelsToObject(r.labels), Value: r.v }));
  },
  first: (_c, a, p, s) => {
    argc(s, p, 'first', a, 1);
    const v = a[0];
    if (Array.isArray(v) && v.length > 0) return v[0];
    fail(s, p, 'first() called on vector with no elements');
  },
  label: (_c, a, p, s) => { argc(s, p, 'label', a, 2); return sampleOf(s, p, a[1]).Labels[toStr(a[0])] ?? ''; },
  value: (_c, a, p, s) => { argc(s, p, 'value', a, 1); return sampleOf(s, p, a[0]).Value; },
  strvalue: (_c, a, p, s) => { argc(s, p, 'strvalue', a, 1); return sampleOf(s, p, a[0]).Labels['__value__'] ?? ''; },
  sortByLabel: (_c, a, p, s) => {
    argc(s, p, 'sortByLabel', a, 2);
    const name = toStr(a[0]);
    if (!Array.isArray(a[1])) fail(s, p, 'sortByLabel needs a query result');
    return [...(a[1] as TemplateSample[])].sort((x, y) => ((x.Labels[name] ?? '') < (y.Labels[name] ?? '') ? -1 : (x.Labels[name] ?? '') > (y.Labels[name] ?? '') ? 1 : 0));
  },
  args: (_c, a) => { const o: Record<string, unknown> = {}; a.forEach((x, i) => { o[`arg${i}`] = x; }); return o; },
  reReplaceAll: (_c, a, p, s) => {
    argc(s, p, 'reReplaceAll', a, 3);
    const re = goRegexp(s, p, toStr(a[0]), 'g');
    const tpl = toStr(a[1]);
    return toStr(a[2]).replace(re, (...m: unknown[]) => expandGoReplacement(tpl, m));
  },
  match: (_c, a, p, s) => { argc(s, p, 'match', a, 2); return goRegexp(s, p, toStr(a[0])).test(toStr(a[1])); },
  title: (_c, a, p, s) => { argc(s, p, 'title', a, 1); return toStr(a[0]).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, b: string, l: string) => b + l.toUpperCase()); },
  toUpper: (_c, a, p, s) => { argc(s, p, 'toUpper', a, 1); return toStr(a[0]).toUpperCase(); },
  toLower: (_c, a, p, s) => { argc(s, p, 'toLower', a, 1); return toStr(a[0]).toLowerCase(); },
  safeHtml: (_c, a, p, s) => { argc(s, p, 'safeHtml', a, 1); return toStr(a[0]); },
  stripPort: (_c, a, p, s) => { argc(s, p, 'stripPort', a, 1); const h = toStr(a[0]); const m = /^\[(.*)\](?::\d+)?$/.exec(h) ?? /^([^:]*)(?::\d+)?$/.exec(h); return m ? m[1]! : h; },
  stripDomain: (_c, a, p, s) => { argc(s, p, 'stripDomain', a, 1); const h = toStr(a[0]); const m = /^([^.:[\]]+)(?:\.[^:]*)?((?::\d+)?)$/.exec(h); return m ? m[1]! + m[2]! : h; },
  externalURL: (c) => c.externalURL ?? '',
  pathPrefix: (c) => { try { return new URL(c.externalURL ?? '').pathname.replace(/\/$/, ''); } catch { return ''; } },
  humanize: (_c, a, p, s) => { argc(s, p, 'humanize', a, 1); return humanize(toFloat(s, p, a[0])); },
  humanize1024: (_c, a, p, s) => { argc(s, p, 'humanize1024', a, 1); return humanize1024(toFloat(s, p, a[0])); },
  humanizeDuration: (_c, a, p, s) => { argc(s, p, 'humanizeDuration', a, 1); return humanizeDuration(toFloat(s, p, a[0])); },
  humanizePercentage: (_c, a, p, s) => { argc(s, p, 'humanizePercentage', a, 1); return formatFloatG(toFloat(s, p, a[0]) * 100, 4) + '%'; },
  humanizeTimestamp: (_c, a, p, s) => { argc(s, p, 'humanizeTimestamp', a, 1); return timestampOrFail(s, p, toFloat(s, p, a[0])); },
  join: (_c, a, p, s) => { argc(s, p, 'join', a, 2); if (!Array.isArray(a[1])) fail(s, p, 'join needs a list'); return (a[1] as unknown[]).map(toStr).join(toStr(a[0])); },
  toTime: (_c, a, p, s) => { argc(s, p, 'toTime', a, 1); return timestampOrFail(s, p, toFloat(s, p, a[0])); },
};

/** Names of every function templates may call. */
export const TEMPLATE_FUNCS: ReadonlySet<string> = new Set(Object.keys(FUNCS));

/** Parses a template, rejecting unknown functions; throws TemplateError with the line and column inside `src`. */
export function compileTemplate(src: string): ParsedTemplate {
  return parseTemplate(src, TEMPLATE_FUNCS);
}

interface Scope {
  vars: Array<[string, unknown]>;
}

/**
 * Renders a parsed template against `dot`, with `vars` predefined (names with the `$`). Async because `query`
 * runs PromQL. Throws TemplateError (with position) on execution errors, as Go's template engine does.
 */
export async function executeTemplate(
  tpl: ParsedTemplate,
  dot: unknown,
  vars: Record<string, unknown>,
  ctx: TemplateContext = {},
): Promise<string> {
  const scope: Scope = { vars: [['$', dot], ...Object.entries(vars)] };
  const out: string[] = [];
  await new Exec(tpl.source, ctx, scope, out).list(tpl.nodes, dot);
  return out.join('');
}

/** The data Prometheus gives alert templates. */
export interface AlertTemplateData {
  labels: Record<string, string>;
  externalLabels: Record<string, string>;
  externalURL: string;
  value: number;
}

/** Renders an alert label/annotation template with Prometheus's data and variables. */
export async function expandAlertTemplate(tpl: ParsedTemplate, data: AlertTemplateData, ctx: TemplateContext = {}): Promise<string> {
  const dot = { Labels: data.labels, ExternalLabels: data.externalLabels, ExternalURL: data.externalURL, Value: data.value };
  return executeTemplate(tpl, dot, {
    $labels: data.labels,
    $externalLabels: data.externalLabels,
    $externalURL: data.externalURL,
    $value: data.value,
  }, { externalURL: data.externalURL, ...ctx });
}

class Exec {
  constructor(
    private readonly src: string,
    private readonly ctx: TemplateContext,
    private readonly scope: Scope,
    private readonly out: string[],
  ) {}

  async list(nodes: TNode[], dot: unknown): Promise<void> {
    for (const n of nodes) await this.node(n, dot);
  }

  private async node(n: TNode, dot: unknown): Promise<void> {
    switch (n.k) {
      case 'text':
        this.out.push(n.s);
        return;
      case 'action': {
        const v = await this.pipe(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out.push(formatValue(v));
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.scope.vars.length;
        const v = await this.pipe(n.pipe, dot);
        if (truth(v)) await this.list(n.list, n.k === 'with' ? v : dot);
        else if (n.elseList) await this.list(n.elseList, dot);
        this.scope.vars.length = mark;
        return;
      }
      case 'range': {
        const mark = this.scope.vars.length;
        const decl = n.pipe.decl;
        const v = await this.pipe({ ...n.pipe, decl: [] }, dot);
        let entries: Array<[unknown, unknown]>;
        if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
        else if (v && typeof v === 'object') entries = Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
        else if (v === null || v === undefined) entries = [];
        else if (typeof v === 'number' && Number.isInteger(v)) entries = Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i]);
        else fail(this.src, n.pos, `range can't iterate over ${formatValue(v)}`);
        if (entries.length === 0) {
          if (n.elseList) await this.list(n.elseList, dot);
        } else {
          for (const [k, x] of entries) {
            const inner = this.scope.vars.length;
            if (decl.length === 1) this.scope.vars.push([decl[0]!, x]);
            else if (decl.length === 2) this.scope.vars.push([decl[0]!, k], [decl[1]!, x]);
            await this.list(n.list, x);
            this.scope.vars.length = inner;
          }
        }
        this.scope.vars.length = mark;
        return;
      }
    }
  }

  private lookupVar(name: string, pos: number): unknown {
    for (let i = this.scope.vars.length - 1; i >= 0; i--) if (this.scope.vars[i]![0] === name) return this.scope.vars[i]![1];
    fail(this.src, pos, `undefined variable "${name}"`);
  }

  private async pipe(p: Pipe, dot: unknown): Promise<unknown> {
    let v: unknown = undefined;
    for (let i = 0; i < p.cmds.length; i++) v = await this.cmd(p.cmds[i]!, dot, i > 0, v);
    if (p.decl.length === 1) {
      const name = p.decl[0]!;
      if (p.assign) {
        let found = false;
        for (let i = this.scope.vars.length - 1; i >= 0; i--) if (this.scope.vars[i]![0] === name) { this.scope.vars[i]![1] = v; found = true; break; }
        if (!found) fail(this.src, p.pos, `undefined variable "${name}"`);
      } else this.scope.vars.push([name, v]);
    } else if (p.decl.length > 1) fail(this.src, p.pos, 'too many declarations in command');
    return v;
  }

  private async cmd(c: Cmd, dot: unknown, hasFinal: boolean, final: unknown): Promise<unknown> {
    const first = c.args[0]!;
    if (first.k === 'func') {
      const args: unknown[] = [];
      for (const a of c.args.slice(1)) args.push(await this.operand(a, dot));
      if (hasFinal) args.push(final);
      const fn = FUNCS[first.name];
      if (!fn) fail(this.src, first.pos, `function "${first.name}" not defined`);
      // Go's and/or short-circuit; evaluating all arguments first is equivalent for side-effect-free templates.
      return fn(this.ctx, args, first.pos, this.src);
    }
    if (c.args.length > 1 || hasFinal) fail(this.src, c.pos, `can't give argument to non-function ${this.describe(first)}`);
    return this.operand(first, dot);
  }

  private describe(o: Operand): string {
    switch (o.k) {
      case 'field': return '.' + o.fields.join('.');
      case 'var': return o.name + o.fields.map((f) => '.' + f).join('');
      case 'lit': return formatValue(o.v);
      default: return o.k;
    }
  }

  private async operand(o: Operand, dot: unknown): Promise<unknown> {
    switch (o.k) {
      case 'dot': return dot;
      case 'lit': return o.v;
      case 'field': return this.fields(dot, o.fields, o.pos);
      case 'var': return this.fields(this.lookupVar(o.name, o.pos), o.fields, o.pos);
      case 'sub': return this.fields(await this.pipe(o.pipe, dot), o.fields, o.pos);
      case 'func': {
        const fn = FUNCS[o.name];
        if (!fn) fail(this.src, o.pos, `function "${o.name}" not defined`);
        return fn(this.ctx, [], o.pos, this.src);
      }
    }
  }

  private fields(v: unknown, fields: string[], pos: number): unknown {
    for (const f of fields) {
      if (v === null || v === undefined) return undefined;
      if (Array.isArray(v) && Object.hasOwn(v, f) && !/^\d+$/.test(f)) { v = (v as unknown as Record<string, unknown>)[f]; continue; }
      if (typeof v !== 'object' || Array.isArray(v)) fail(this.src, pos, `can't evaluate field ${f} in type ${Array.isArray(v) ? 'slice' : typeof v}`);
      v = (v as Record<string, unknown>)[f];
    }
    return v;
  }
}
