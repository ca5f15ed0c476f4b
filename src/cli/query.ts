/**
 * `vigil query EXPR`: runs an instant or range query against a vigil (or any Prometheus API v1 server) and prints
 * the result as a table, as the API's JSON, or as a terminal chart. Exit codes: 0 success, 1 when the server
 * rejects the query or cannot be reached, 2 for bad flags (UsageError).
 */
import type { Command } from 'commander';
import { request } from 'undici';
import { parseDuration } from '../model/duration.js';
import { UsageError } from './errors.js';
import { apiTime, parseTimeArg } from './time.js';
import { renderPlot, type PlotSeries } from './plot.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:9190';
const OUTPUTS = ['table', 'json', 'plot'] as const;
const RESOLUTIONS = ['raw', '5m', '1h', 'auto'];

export interface QueryFlags {
  server: string;
  time?: string;
  start?: string;
  end?: string;
  step?: string;
  output: string;
  maxSourceResolution?: string;
}

/** What to ask the server, all times in unix ms. */
export type QueryPlan =
  | { kind: 'instant'; time?: number }
  | { kind: 'range'; start: number; end: number; step: number };

/**
 * Checks the flags' combination and turns them into a plan; every problem is a UsageError. `--start` makes a range
 * query (`--end` defaults to now, `--step` to defaultStep); `--end`/`--step` without `--start`, `--time` with
 * `--start`, an end before the start, a step that is not positive, and `--output plot` on an instant query are
 * rejected.
 */
export function planQuery(f: QueryFlags, now: number): QueryPlan {
  const time = (flag: string, v: string) => {
    try {
      return parseTimeArg(v, now);
    } catch (e) {
      throw new UsageError(`${flag}: ${(e as Error).message}`);
    }
  };
  if (!(OUTPUTS as readonly string[]).includes(f.output)) throw new UsageError(`--output must be table, json or plot, not "${f.output}"`);
  if (f.start === undefined) {
    if (f.end !== undefined) throw new UsageError('--end needs --start (a range query)');
    if (f.step !== undefined) throw new UsageError('--step needs --start (a range query)');
    if (f.output === 'plot') throw new UsageError('--output plot draws a range query: give --start (and optionally --end, --step)');
    return { kind: 'instant', time: f.time === undefined ? undefined : time('--time', f.time) };
  }
  if (f.time !== undefined) throw new UsageError('--time is for instant queries; a range query takes --start, --end and --step');
  const start = time('--start', f.start);
  const end = f.end === undefined ? now : time('--end', f.end);
  if (end < start) throw new UsageError(`--end (${new Date(end).toISOString()}) is before --start (${new Date(start).toISOString()})`);
  let step = defaultStep(start, end);
  if (f.step !== undefined) {
    step = /^\d+(?:\.\d+)?$/.test(f.step) ? Math.round(Number(f.step) * 1000) : parseStep(f.step);
    if (!(step > 0)) throw new UsageError(`--step must be positive, got "${f.step}"`);
  }
  return { kind: 'range', start, end, step };
}

function parseStep(s: string): number {
  try {
    return parseDuration(s);
  } catch (e) {
    throw new UsageError(`--step: ${(e as Error).message}`);
  }
}

/** A range's default step: a hundredth of it, rounded to a whole second, at least one second. */
export function defaultStep(start: number, end: number): number {
  return Math.max(1000, Math.round((end - start) / 100 / 1000) * 1000);
}

/** The query parameters the API takes for a plan (times as unix seconds). */
export function queryParams(expr: string, plan: QueryPlan, maxSourceResolution?: string): URLSearchParams {
  const p = new URLSearchParams({ query: expr });
  if (plan.kind === 'instant') {
    if (plan.time !== undefined) p.set('time', apiTime(plan.time));
  } else {
    p.set('start', apiTime(plan.start));
    p.set('end', apiTime(plan.end));
    p.set('step', String(plan.step / 1000));
  }
  if (maxSourceResolution !== undefined) p.set('max_source_resolution', maxSourceResolution);
  return p;
}

/** The server refused the query or answered with something that is not the API. Exit code 1. */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface Series {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}
/** The `data` of a successful query answer. */
export type QueryData =
  | { resultType: 'vector'; result: Sample[] }
  | { resultType: 'matrix'; result: Series[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

interface ApiBody {
  status?: string;
  data?: QueryData;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/**
 * POSTs the query (form-encoded, so long expressions fit) and returns the body's text and its parsed form.
 * Throws QueryError for an API error (`errorType: error`), an unreachable server, or a body that is not the API's.
 */
export async function runQuery(server: string, params: URLSearchParams, path: string): Promise<{ text: string; body: ApiBody }> {
  const url = server.replace(/\/+$/, '') + path;
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: params.toString(),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new QueryError(`cannot reach ${server}: ${err.code ?? err.message}${err.code && err.message && !err.message.includes(err.code) ? ` (${err.message})` : ''}; is vigil running there? (--server URL)`);
  }
  let body: ApiBody;
  try {
    body = JSON.parse(text) as ApiBody;
  } catch {
    throw new QueryError(`${url} answered ${status} with a body that is not JSON: ${text.slice(0, 200).trim()}`);
  }
  if (body.status === 'error') throw new QueryError(`${body.errorType ?? 'error'}: ${body.error ?? '(no message)'}`);
  if (status !== 200 || body.status !== 'success' || body.data === undefined) {
    throw new QueryError(`${url} answered ${status} without a query result: ${text.slice(0, 200).trim()}`);
  }
  return { text, body };
}

/** `name{a="x", b="y"}`, the way Prometheus prints a series; `{}` for no labels. */
export function formatMetric(metric: Record<string, string>): string {
  const name = metric['__name__'] ?? '';
  const pairs = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  return pairs.length === 0 && name ? name : `${name}{${pairs.join(', ')}}`;
}

/** Unix seconds (as the API writes them) as RFC 3339 UTC, with milliseconds only when there are some. */
export function formatTime(seconds: number): string {
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}

function alignRows(rows: string[][], indent = ''): string {
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/**
 * The table view of a result: a vector as one aligned row per series (`series  value  time`); a matrix as a header
 * line per series followed by its aligned `value  @ time` rows, series separated by a blank line; a scalar or string
 * as its value. An empty vector or matrix gives ''.
 */
export function formatTable(data: QueryData): string {
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      return data.result[1];
    case 'vector':
      return alignRows(data.result.map((s) => [formatMetric(s.metric), s.value[1], formatTime(s.value[0])]));
    case 'matrix':
      return data.result
        .map((s) => formatMetric(s.metric) + '\n' + alignRows(s.values.map(([t, v]) => [v, `@ ${formatTime(t)}`]), '  '))
        .join('\n\n');
  }
}

/** A matrix as the plot renderer's series (values parsed from the API's strings, times to ms). */
export function matrixToPlotSeries(result: Series[]): PlotSeries[] {
  return result.map((s) => {
    const t = new Float64Array(s.values.length);
    const v = new Float64Array(s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      t[i] = Math.round(s.values[i]![0] * 1000);
      v[i] = parseApiFloat(s.values[i]![1]);
    }
    return { label: formatMetric(s.metric), t, v };
  });
}

function parseApiFloat(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run a PromQL query against a vigil server (instant, or range with --start)')
    .argument('<expr>', 'PromQL expression')
    .option('--server <url>', 'server to ask', DEFAULT_SERVER)
    .option('--time <t>', 'evaluation time of an instant query (default now)')
    .option('--start <t>', 'start of a range query: RFC 3339, unix seconds, now, or relative like -1h')
    .option('--end <t>', 'end of a range query (default now)')
    .option('--step <d>', 'resolution of a range query, a duration or seconds (default: range / 100, at least 1s)')
    .option('-o, --output <format>', 'table, json or plot', 'table')
    .option('--max-source-resolution <r>', 'raw, 5m, 1h or auto (which downsampled data may answer)')
    .action(async (expr: string, flags: QueryFlags) => {
      if (flags.maxSourceResolution !== undefined && !RESOLUTIONS.includes(flags.maxSourceResolution)) {
        throw new UsageError(`--max-source-resolution must be raw, 5m, 1h or auto, not "${flags.maxSourceResolution}"`);
      }
      if (!/^https?:\/\/[^/]/.test(flags.server)) throw new UsageError(`--server must be an http:// or https:// URL, got "${flags.server}"`);
      const plan = planQuery(flags, Date.now());
      const path = plan.kind === 'instant' ? '/api/v1/query' : '/api/v1/query_range';
      const { text, body } = await runQuery(flags.server, queryParams(expr, plan, flags.maxSourceResolution), path);
      for (const w of body.warnings ?? []) process.stderr.write(`vigil: warning: ${w}\n`);
      const data = body.data!;
      let out: string;
      if (flags.output === 'json') {
        out = text.endsWith('\n') ? text.slice(0, -1) : text;
      } else if (flags.output === 'plot' && plan.kind === 'range') {
        if (data.resultType !== 'matrix') throw new QueryError(`expected a matrix from a range query, got ${data.resultType}`);
        const tty = process.stdout.isTTY === true;
        out = renderPlot(matrixToPlotSeries(data.result), {
          start: plan.start, end: plan.end, step: plan.step,
          width: tty ? process.stdout.columns || 80 : 80,
          color: tty && !process.env['NO_COLOR'],
        });
      } else {
        out = formatTable(data);
        if (out === '') process.stderr.write('vigil: empty result\n');
      }
      if (out !== '') process.stdout.write(out + '\n');
    });
}
