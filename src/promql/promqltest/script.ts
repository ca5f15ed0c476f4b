/**
 * Parser for PromQL test scripts in Prometheus's style:
 *
 *   load 5m
 *     http_requests{job="api"} 0+10x10 _ stale 1 2
 *   clear
 *   eval instant at 50m sum(http_requests)
 *     {} 100
 *   eval_ordered instant at 50m sort(http_requests)
 *   eval range from 0 to 10m step 5m http_requests
 *     http_requests{job="api"} 0 10 20
 *   eval_fail instant at 0 foo(
 *     expected_fail_message 1:4: parse error: …
 *     expected_fail_type bad_data
 *
 * Value expansions: `a+bxn` / `a-bxn` (n+1 values), `axn` (n+1 copies), `_` (missing), `_xn` (n missing), `stale`.
 */
import type { Label, Labels } from '../../model/labels.js';
import { METRIC_NAME, normalizeLabels } from '../../model/labels.js';
import { parseDuration } from '../../model/duration.js';
import { tokenize } from '../lexer.js';

/**
 * One value of a series description: a number, null for "no sample", or 'stale' for a stale marker (kept apart
 * from numbers because V8 may canonicalize NaN payloads in plain arrays).
 */
export type SeriesValue = number | null | 'stale';

export interface SeriesDesc {
  labels: Labels;
  values: SeriesValue[];
}

export type Expectation =
  | { kind: 'series'; labels: Labels; values: SeriesValue[]; line: number }
  | { kind: 'scalar'; value: number; line: number }
  | { kind: 'string'; value: string; line: number };

export type Command =
  | { kind: 'load'; line: number; intervalMs: number; series: SeriesDesc[] }
  | { kind: 'clear'; line: number }
  | {
    kind: 'eval'; line: number; expr: string; ordered: boolean; fail: boolean;
    range: { start: number; end: number; step: number } | null; at: number;
    expected: Expectation[]; failMessage: string | null; failRegexp: RegExp | null; failType: string | null;
  };

export class ScriptError extends Error {
  constructor(readonly file: string, readonly line: number, msg: string) {
    super(`${file}:${line}: ${msg}`);
    this.name = 'ScriptError';
  }
}

/** A time in a script: a duration from the epoch (`50m`, `1h30m`, `0`) or plain seconds. Returns ms. */
export function parseScriptTime(s: string): number {
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (s.startsWith('-')) return -parseDuration(s.slice(1));
  return parseDuration(s);
}

const NUM = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|inf|NaN)';
const EXPANSION = new RegExp(`^(${NUM})([-+])([0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)x([0-9]+)$`);
const REPEAT = new RegExp(`^(${NUM})x([0-9]+)$`);
const PLAIN = new RegExp(`^${NUM}$`);

function num(s: string): number {
  const u = s.replace(/^\+/, '');
  if (/^-?inf$/i.test(u)) return u.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(u)) return NaN;
  return Number(u);
}

/** Expands value tokens (`0+10x3 _ stale 5`) into one value per step. */
export function expandValues(tokens: string[]): SeriesValue[] {
  const out: SeriesValue[] = [];
  for (const tok of tokens) {
    if (tok === '_') { out.push(null); continue; }
    if (tok === 'stale') { out.push('stale'); continue; }
    let m = /^_x([0-9]+)$/.exec(tok);
    if (m) { for (let i = 0; i < Number(m[1]); i++) out.push(null); continue; }
    m = EXPANSION.exec(tok);
    if (m) {
      const start = num(m[1]!), step = (m[2] === '-' ? -1 : 1) * Number(m[3]), times = Number(m[4]);
      for (let i = 0; i <= times; i++) out.push(start + i * step);
      continue;
    }
    m = REPEAT.exec(tok);
    if (m) {
      for (let i = 0; i <= Number(m[2]); i++) out.push(num(m[1]!));
      continue;
    }
    if (PLAIN.test(tok)) { out.push(num(tok)); continue; }
    throw new Error(`bad value ${JSON.stringify(tok)}`);
  }
  return out;
}

/** Splits `metric{a="b"} 1 2 3` into its label set and the remaining text. */
export function parseSeriesHead(line: string): { labels: Labels; rest: string } {
  let end = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0].length ?? 0;
  if (line[end] === '{') {
    let quote = '';
    for (end++; end < line.length; end++) {
      const c = line[end]!;
      if (quote) {
        if (c === '\\') end++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '}') break;
    }
    end++;
  }
  if (end === 0) throw new Error(`expected a series in ${JSON.stringify(line)}`);
  const toks = tokenize(line.slice(0, end));
  const pairs: Label[] = [];
  let i = 0;
  if (toks[i]!.kind === 'ident') {
    pairs.push({ name: METRIC_NAME, value: toks[i]!.text });
    i++;
  }
  if (toks[i]!.kind === '{') {
    i++;
    while (toks[i]!.kind !== '}') {
      const name = toks[i]!, op = toks[i + 1]!, val = toks[i + 2]!;
      if (name.kind !== 'ident' || op.text !== '=' || val.kind !== 'string') throw new Error(`bad label set in ${line}`);
      pairs.push({ name: name.text, value: val.text });
      i += 3;
      if (toks[i]!.kind === ',') i++;
    }
  }
  return { labels: normalizeLabels(pairs), rest: line.slice(end).trim() };
}

function parseExpectation(text: string, line: number): Expectation {
  if (/^("|'|`)/.test(text)) {
    const toks = tokenize(text);
    return { kind: 'string', value: toks[0]!.text, line };
  }
  if (PLAIN.test(text)) return { kind: 'scalar', value: num(text), line };
  const { labels, rest } = parseSeriesHead(text);
  return { kind: 'series', labels, values: expandValues(rest.split(/\s+/).filter((s) => s !== '')), line };
}

const EVAL_RE = /^eval(_ordered|_fail)?\s+(instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.+)$/;

/** Parses a whole script. Throws ScriptError with file:line on malformed input. */
export function parseScript(text: string, file: string): Command[] {
  const lines = text.split('\n');
  const cmds: Command[] = [];
  let i = 0;
  const block = (): Array<{ text: string; line: number }> => {
    const out: Array<{ text: string; line: number }> = [];
    while (i < lines.length && /^\s+\S/.test(lines[i]!)) {
      const t = lines[i]!.trim();
      if (!t.startsWith('#')) out.push({ text: t, line: i + 1 });
      i++;
    }
    return out;
  };
  while (i < lines.length) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    const t = raw.trim();
    i++;
    if (t === '' || t.startsWith('#')) continue;
    try {
      if (/^\s/.test(raw)) throw new Error('indented line outside a block');
      if (t === 'clear') { cmds.push({ kind: 'clear', line: lineNo }); continue; }
      const load = /^load\s+(\S+)$/.exec(t);
      if (load) {
        const intervalMs = parseDuration(load[1]!);
        const series = block().map((b) => {
          const { labels, rest } = parseSeriesHead(b.text);
          return { labels, values: expandValues(rest.split(/\s+/).filter((s) => s !== '')) };
        });
        cmds.push({ kind: 'load', line: lineNo, intervalMs, series });
        continue;
      }
      const ev = EVAL_RE.exec(t);
      if (ev) {
        const body = block();
        const cmd: Command = {
          kind: 'eval', line: lineNo, expr: ev[7]!, ordered: ev[1] === '_ordered', fail: ev[1] === '_fail',
          range: ev[4] !== undefined
            ? { start: parseScriptTime(ev[4]), end: parseScriptTime(ev[5]!), step: parseDuration(ev[6]!) }
            : null,
          at: ev[3] !== undefined ? parseScriptTime(ev[3]) : 0,
          expected: [], failMessage: null, failRegexp: null, failType: null,
        };
        for (const b of body) {
          const fm = /^expected_fail_(message|regexp|type)\s+(.*)$/.exec(b.text);
          if (fm) {
            if (fm[1] === 'message') cmd.failMessage = fm[2]!;
            else if (fm[1] === 'regexp') cmd.failRegexp = new RegExp(fm[2]!);
            else cmd.failType = fm[2]!;
            continue;
          }
          cmd.expected.push(parseExpectation(b.text, b.line));
        }
        cmds.push(cmd);
        continue;
      }
      throw new Error(`unknown command ${JSON.stringify(t)}`);
    } catch (e) {
      if (e instanceof ScriptError) throw e;
      throw new ScriptError(file, lineNo, e instanceof Error ? e.message : String(e));
    }
  }
  return cmds;
}
