/**
 * PromQL side by side with the real Prometheus: the same OpenMetrics data is backfilled into Prometheus
 * (`promtool tsdb create-blocks-from openmetrics`, then `prometheus` on loopback) and into vigil (`vigil import
 * openmetrics`, then `vigil run`), every query of `promql-corpus.ts` is asked of both HTTP APIs as instant queries
 * at a few times and as range queries, and the answers must agree (see `test/support/compare.ts`). Each range
 * query is asked of vigil twice, as a dashboard refresh would: the second answer may come from its results cache
 * and must agree too. Label names, label values and series lists are compared as well.
 *
 * A failing query prints itself, the evaluation that differs, why, the first differing series and both answers.
 * Set PROMQL_VS_PROMETHEUS_REPORT=FILE to also get one line per failing query in FILE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProgram, type Started } from '../support/process.js';
import { answerText, compareAnswers, hasData, type ApiAnswer } from '../support/compare.js';
import { CORPUS, GENERATOR, STEPS, STEP_S, writeData, type CorpusQuery, type Frame } from './promql-corpus.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/src/cli/main.js');
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

/** How long one HTTP answer may take before it counts as a failure (an engine stuck in a loop must not hang the run). */
const ANSWER_TIMEOUT_MS = 15_000;

interface RangeParams { start: number; end: number; step: number }

/** The times a query is evaluated at (unix seconds), each chosen to exercise a different edge. */
function evaluations(f: Frame): { instants: number[]; ranges: RangeParams[] } {
  return {
    instants: [
      f.start + 100, // windows reaching back before the first sample
      f.start + 3607.5, // between samples, with a fractional second
      f.start + 5400, // exactly on a sample of the generated series
      f.end + 150, // after the last sample, within the 5 m lookback
      f.end + 300, // the last sample exactly 5 m old: still inside Prometheus 2's closed lookback window
    ],
    ranges: [
      // Unaligned start and an odd step, running past the lookback after the last sample.
      { start: f.start + 1203, end: f.end + 420, step: 47 },
      // Every step exactly on a sample of the generated series (closed window boundaries).
      { start: f.start + 4800, end: f.start + 5400, step: 15 },
    ],
  };
}

async function ask(base: string, p: string, params: Record<string, string> | Array<[string, string]>, method: 'GET' | 'POST' = 'GET'): Promise<ApiAnswer> {
  try {
    const signal = AbortSignal.timeout(ANSWER_TIMEOUT_MS);
    const form = new URLSearchParams(params);
    const res = method === 'GET'
      ? await fetch(`${base}${p}?${form}`, { signal })
      : await fetch(`${base}${p}`, { method, body: form, signal }); // form-encoded, as Grafana posts
    const text = await res.text();
    try {
      return { httpStatus: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { httpStatus: res.status, body: text };
    }
  } catch (e) {
    return { httpStatus: 0, body: `no answer: ${(e as Error).message}` };
  }
}

function substitute(expr: string, f: Frame): string {
  return expr
    .replaceAll('<start>', String(f.start))
    .replaceAll('<mid>', String(f.start + 3600))
    .replaceAll('<end>', String(f.end));
}

let dir = '';
let frame: Frame;
let prometheus: Started | undefined;
let vigil: Started | undefined;
let promBase = '';
let vigilBase = '';
const failures: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(GENERATOR)) {
    throw new Error(`${GENERATOR} is missing: this test needs the shared bench tools beside the repository (CI copies shared/ next to the clone)`);
  }
  for (const bin of [PROMETHEUS, PROMTOOL]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: install Debian's prometheus package (.ci/run does)`);
  }
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

  // Recent data, inside Prometheus's default 15 d retention; the last sample a minute or more in the past.
  const end = Math.floor(Date.now() / 60_000) * 60 - 60;
  frame = { start: end - (STEPS - 1) * STEP_S, end };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-promql-side-'));
  const data = path.join(dir, 'data.om');
  await writeData(data, frame);
  const config = path.join(dir, 'empty.yml');
  fs.writeFileSync(config, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');

  const promDir = path.join(dir, 'prometheus');
  const vigilDir = path.join(dir, 'vigil');
  await Promise.all([
    run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', data, promDir], { maxBuffer: 16 << 20 }),
    run(process.execPath, [CLI, 'import', 'openmetrics', data, '--data-dir', vigilDir, '--no-progress'], { maxBuffer: 16 << 20 }),
  ]);
  fs.rmSync(data);

  const [pp, vp] = await Promise.all([freePort(), freePort()]);
  promBase = `http://127.0.0.1:${pp}`;
  vigilBase = `http://127.0.0.1:${vp}`;
  [prometheus, vigil] = await Promise.all([
    startProgram(PROMETHEUS, [`--storage.tsdb.path=${promDir}`, `--config.file=${config}`, `--web.listen-address=127.0.0.1:${pp}`, '--log.level=warn'], `${promBase}/-/ready`),
    startProgram(process.execPath, [CLI, 'run', '--config', config, '--data-dir', vigilDir, '--listen', `127.0.0.1:${vp}`], `${vigilBase}/-/ready`),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), vigil?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const report = process.env.PROMQL_VS_PROMETHEUS_REPORT;
  if (report) fs.writeFileSync(report, failures.join('\n') + (failures.length ? '\n' : ''));
});

interface Evaluation { what: string; path: string; params: Record<string, string>; method: 'GET' | 'POST' }

function evaluationsOf(expr: string): Evaluation[] {
  const e = evaluations(frame);
  return [
    // Times as unix seconds, except one as RFC 3339; one instant and one range query POSTed as a form (clients
    // such as Grafana do either).
    ...e.instants.map((t, i): Evaluation => ({
      what: `instant at ${t}${i === 2 ? ' (POST)' : ''}`,
      path: '/api/v1/query',
      params: { query: expr, time: i === 1 ? new Date(t * 1000).toISOString() : String(t) },
      method: i === 2 ? 'POST' : 'GET',
    })),
    ...e.ranges.map((r, i): Evaluation => ({
      what: `range ${r.start}..${r.end} step ${r.step}s${i === 1 ? ' (POST)' : ''}`,
      path: '/api/v1/query_range',
      params: { query: expr, start: String(r.start), end: String(r.end), step: r.step === 15 ? '15s' : String(r.step) },
      method: i === 1 ? 'POST' : 'GET',
    })),
  ];
}

/**
 * Asks both systems every evaluation of one query. Returns the failure text ('' when all agree) and its first
 * line for the report.
 */
async function sideBySide(cq: CorpusQuery): Promise<{ text: string; oneLine: string }> {
  const expr = substitute(cq.expr, frame);
  const evals = evaluationsOf(expr);
  const answers = (await Promise.all(evals.map(async (ev) => {
    const [p, v] = await Promise.all([ask(promBase, ev.path, ev.params, ev.method), ask(vigilBase, ev.path, ev.params, ev.method)]);
    if (ev.path !== '/api/v1/query_range') return [{ ev, p, v }];
    // The same range again, as a dashboard refresh does: now vigil may answer from its results cache (the steps
    // of the last 5 minutes are not cached, so the long range mixes cached and fresh steps).
    const again = await ask(vigilBase, ev.path, ev.params, ev.method);
    return [{ ev, p, v }, { ev: { ...ev, what: `${ev.what}, asked again` }, p, v: again }];
  }))).flat();

  const problems: string[] = [];
  let oneLine = '';
  // First the corpus's own claims about Prometheus, so that a query cannot silently stop testing what it is for.
  const instantsP = answers.filter((a) => a.ev.path === '/api/v1/query').map((a) => a.p);
  if (cq.error) {
    // Every instant answer is that error, except where the operands have all gone stale (an empty vector).
    const errorType = (p: ApiAnswer): string | undefined => (p.body as { errorType?: string } | null)?.errorType;
    const bad = instantsP.find((p) => errorType(p) !== cq.error && (errorType(p) !== undefined || hasData(p)))
      ?? (instantsP.some((p) => errorType(p) === cq.error) ? undefined : instantsP[0]);
    if (bad) problems.push(`corpus check: Prometheus was expected to answer ${cq.error} but answered ${answerText(bad, 300)}`);
  } else if (cq.empty) {
    // Instant queries only: once every series has gone stale, the end of the range query may hold data (absent()).
    const full = answers.find((a) => a.ev.path === '/api/v1/query' && hasData(a.p));
    if (full) problems.push(`corpus check: Prometheus was expected to answer no data but answered ${answerText(full.p, 300)} (${full.ev.what})`);
  } else if (!answers.some((a) => hasData(a.p))) {
    problems.push('corpus check: Prometheus answered no data at any evaluation: the query tests nothing');
  }
  if (problems.length) oneLine = problems[0]!;

  let shown = 0;
  for (const { ev, p, v } of answers) {
    const m = compareAnswers(p, v, { ordered: cq.ordered && ev.path === '/api/v1/query' });
    if (!m) continue;
    if (!oneLine) oneLine = `${ev.what}: ${m.reason}`;
    if (shown++ >= 2) {
      problems.push(`${ev.what}: ${m.reason}`);
      continue;
    }
    let s = `${ev.what}: ${m.reason}`;
    if (m.firstDiff) s += `\n  first differing series:\n    Prometheus: ${m.firstDiff.prometheus}\n    vigil:      ${m.firstDiff.vigil}`;
    s += `\n  Prometheus answered: ${answerText(p)}\n  vigil answered:      ${answerText(v)}`;
    problems.push(s);
  }
  if (!problems.length) return { text: '', oneLine: '' };
  return { text: `query: ${expr}\n${problems.join('\n')}`, oneLine };
}

describe('PromQL: vigil answers as the real Prometheus does', () => {
  it('has a corpus of at least 150 distinct queries', () => {
    expect(new Set(CORPUS.map((c) => c.expr)).size).toBe(CORPUS.length);
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it('serves the same data from both systems', async () => {
    // The plainest question first: if the data differ, every other failure is noise.
    for (const [query, at] of [['count({__name__=~".+"})', frame.start + 3600], ['{__name__=~".+"}[3h]', frame.end + 1]] as const) {
      const t = String(at);
      const [p, v] = await Promise.all([ask(promBase, '/api/v1/query', { query, time: t }), ask(vigilBase, '/api/v1/query', { query, time: t })]);
      expect(hasData(p), answerText(p)).toBe(true);
      const m = compareAnswers(p, v);
      expect(m, `${query}: ${m?.reason}\n${answerText(p)}\n${answerText(v)}`).toBeNull();
    }
  });

  it('lists the same label names, label values and series', async () => {
    // Without time ranges: with them, Prometheus answers at block or chunk granularity, which differs by layout.
    const asks: Array<[string, ...string[]]> = [
      ['/api/v1/labels'],
      ['/api/v1/labels', 'vs_labels'],
      ['/api/v1/label/__name__/values'],
      ['/api/v1/label/kind/values'],
      ['/api/v1/label/queue/values', 'app_queue_messages{instance="host-2:9100"}'],
      ['/api/v1/series', 'vs_gauge', 'node_load1{instance="host-0:9100"}'],
      ['/api/v1/series', '{__name__=~"node_network_.*",device="eth0"}'],
    ];
    for (const [p, ...matches] of asks) {
      const params = matches.map((m): [string, string] => ['match[]', m]);
      const [pa, va] = await Promise.all([ask(promBase, p, params), ask(vigilBase, p, params)]);
      const data = (a: ApiAnswer): unknown[] => {
        const d = (a.body as { data?: unknown } | null)?.data;
        if (!Array.isArray(d)) throw new Error(`${p} ${matches.join(' ')}: no data array in ${answerText(a)}`);
        // Series come in no documented order; label names and values sorted, as Prometheus sends them.
        return p === '/api/v1/series' ? d.map((m) => JSON.stringify(Object.entries(m as object).sort())).sort() : d;
      };
      expect(data(pa).length, `${p} ${matches.join(' ')}`).toBeGreaterThan(0);
      expect(data(va), `${p} ${matches.join(' ')}`).toEqual(data(pa));
    }
  });

  for (const cq of CORPUS) {
    it(cq.expr, async () => {
      const { text, oneLine } = await sideBySide(cq);
      if (!text) return;
      if (cq.quirk && !oneLine.startsWith('corpus check')) {
        failures.push(`${cq.expr}\t(known quirk, not failing: ${cq.quirk}) ${oneLine.split('\n')[0]}`);
        console.warn(`known Prometheus quirk (${cq.quirk}), not counted as a failure:\n${text}`);
        return;
      }
      failures.push(`${cq.expr}\t${oneLine.split('\n')[0]}`);
      expect.fail(text);
    });
  }
});
