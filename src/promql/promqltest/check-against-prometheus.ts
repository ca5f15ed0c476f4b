/**
 * Checks the expectations of PromQL test scripts against a real Prometheus, so that the scripts test vigil
 * against Prometheus's behaviour rather than against vigil's own output. Not part of `npm test` (it needs the
 * `prometheus` and `promtool` binaries); run it by hand after changing a script:
 *
 *   npm run build && node dist/src/promql/promqltest/check-against-prometheus.js src/promql/testdata/*.test
 *
 * For each `load`…`clear` segment it backfills the loaded series into a fresh TSDB with
 * `promtool tsdb create-blocks-from openmetrics`, starts Prometheus on 127.0.0.1 with that TSDB, runs every eval of
 * the segment through the HTTP API and compares the answers with the script's expected lines (same comparison as
 * the runner). Segments that load stale markers are skipped: OpenMetrics cannot express them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFromObject, METRIC_NAME } from '../../model/labels.js';
import type { Value } from '../engine.js';
import { checkInstant, checkRange } from './runner.js';
import { type Command, parseScript } from './script.js';

type EvalCommand = Extract<Command, { kind: 'eval' }>;
type LoadCommand = Extract<Command, { kind: 'load' }>;

interface PromResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

function goFloat(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

function parseFloatProm(s: string): number {
  return s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s);
}

/** OpenMetrics text for the loads of one segment; null if a stale marker makes that impossible. */
function openMetrics(loads: LoadCommand[]): string | null {
  const byName = new Map<string, string[]>();
  for (const l of loads) {
    for (const s of l.series) {
      if (s.values.includes('stale')) return null;
      const name = s.labels.find((x) => x.name === METRIC_NAME)?.value ?? '';
      const rest = s.labels.filter((x) => x.name !== METRIC_NAME).map((x) => `${x.name}=${JSON.stringify(x.value)}`).join(',');
      const lines = byName.get(name) ?? [];
      s.values.forEach((v, i) => {
        if (typeof v === 'number') lines.push(`${name}{${rest}} ${goFloat(v)} ${(i * l.intervalMs) / 1000}`);
      });
      byName.set(name, lines);
    }
  }
  const out: string[] = [];
  for (const [name, lines] of byName) out.push(`# TYPE ${name} gauge`, ...lines);
  out.push('# EOF', '');
  return out.join('\n');
}

function toValue(r: PromResponse): Value {
  const { resultType, result } = r.data!;
  type Series = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };
  switch (resultType) {
    case 'scalar': { const [t, v] = result as [number, string]; return { type: 'scalar', t: t * 1000, v: parseFloatProm(v) }; }
    case 'string': { const [t, v] = result as [number, string]; return { type: 'string', t: t * 1000, v }; }
    case 'vector':
      return { type: 'vector', samples: (result as Series[]).map((s) => ({ labels: labelsFromObject(s.metric), t: s.value![0] * 1000, v: parseFloatProm(s.value![1]) })) };
    default:
      return {
        type: 'matrix',
        series: (result as Series[]).map((s) => ({
          labels: labelsFromObject(s.metric),
          t: Float64Array.from(s.values!.map((p) => p[0] * 1000)),
          v: Float64Array.from(s.values!.map((p) => parseFloatProm(p[1]))),
        })),
      };
  }
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/-/ready`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('prometheus did not become ready');
}

async function checkSegment(file: string, loads: LoadCommand[], evals: EvalCommand[], port: number, failures: string[]): Promise<void> {
  const om = openMetrics(loads);
  if (om === null) { console.log(`${file}:${evals[0]!.line}: segment skipped (stale markers)`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'promql-check-'));
  let prom: ChildProcess | undefined;
  try {
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'om.txt'), om);
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    if (loads.length > 0) {
      const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'om.txt'), join(dir, 'data')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`promtool failed: ${r.stderr}`);
    }
    prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100000d'], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base);
    for (const ev of evals) {
      const fail = (msg: string, line = ev.line) => failures.push(`${file}:${line}: ${msg}`);
      const params = ev.range
        ? new URLSearchParams({ query: ev.expr, start: String(ev.range.start / 1000), end: String(ev.range.end / 1000), step: String(ev.range.step / 1000) })
        : new URLSearchParams({ query: ev.expr, time: String(ev.at / 1000) });
      const r = await (await fetch(`${base}/api/v1/${ev.range ? 'query_range' : 'query'}?${params}`)).json() as PromResponse;
      if (ev.fail) {
        if (r.status !== 'error') { fail('Prometheus succeeded where the script expects an error'); continue; }
        const msg = (r.error ?? '').replace(/^invalid parameter "query": /, '');
        if (ev.failMessage !== null && msg !== ev.failMessage) fail(`Prometheus says ${JSON.stringify(msg)}`);
        continue;
      }
      if (r.status !== 'success') { fail(`Prometheus error: ${r.error}`); continue; }
      if (ev.range) checkRange(toValue(r), ev.expected, ev.range, fail);
      else checkInstant(toValue(r), ev.expected, ev.ordered, fail);
    }
  } finally {
    if (prom) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(files: string[]): Promise<number> {
  const port = Number(process.env.PROMQL_CHECK_PORT ?? 19190 + 7);
  const failures: string[] = [];
  let evals = 0;
  for (const file of files) {
    const cmds = parseScript(readFileSync(file, 'utf8'), file);
    let loads: LoadCommand[] = [];
    let pending: EvalCommand[] = [];
    const flush = async () => {
      if (pending.length > 0) await checkSegment(file, loads, pending, port, failures);
      evals += pending.length;
      pending = [];
    };
    for (const c of cmds) {
      if (c.kind === 'clear') { await flush(); loads = []; }
      else if (c.kind === 'load') { if (pending.length > 0) { await flush(); } loads.push(c); }
      else pending.push(c);
    }
    await flush();
  }
  console.log(`${evals} evals checked against Prometheus, ${failures.length} disagreements`);
  for (const f of failures) console.log(f);
  return failures.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(e);
  process.exitCode = 2;
});
