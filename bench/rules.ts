/**
 * Rule evaluation cost and alert latency, measured (issue 5, must-show 5); results in bench/RESULTS.md.
 *
 * 1. `eval`: a Db in a temp dir holding S series (M metrics × S/M series, half gauges, half counters; 10 minutes of
 *    15 s samples appended through the appender) and alerting rules of the kinds users write (thresholds over
 *    narrow, medium and wide selectors, `rate(...[5m]) > x`, aggregations; `for`, labels, templated annotations),
 *    loaded from real rule files through RuleSet as the daemon does, in G groups of R rules. Each group is evaluated
 *    N times through `RuleGroup.evaluate` (the scheduler's own call: queries, state transitions, ALERTS samples
 *    appended, state saved to rules.db) with the daemon's query runner (worker threads, `createQueryRunner`) and,
 *    for comparison, the in-process Engine. Reports median and p90 wall ms per group evaluation (the first, cold
 *    one apart), the process CPU ms (all threads) and main-thread busy ms it cost, each rule kind's median, and the
 *    alerts produced. CPU ms are the figure to compare across runs on a shared machine; wall ms depend on load.
 * 2. `latency`: a real `vigil run` (the built CLI) scrapes a loopback target every I, evaluates one alerting rule
 *    (`for: F`) every E (the global `evaluation_interval`), routes with `group_wait: W` to a webhook receiver on
 *    loopback. Each trial exposes a fresh series below the threshold, then flips it above at a known instant; the
 *    delay until the firing webhook request arrives is compared with the budget I + E + F + W.
 *
 *   npm run build && node dist/bench/rules.js eval [--series 100000] [--metrics 100]
 *     [--layouts 10x100,1x1000 (groups x rules per group)] [--iterations 10] [--runner worker|engine|both]
 *   npm run build && node dist/bench/rules.js latency [--interval 1s] [--eval 1s] [--for 2s] [--group-wait 1s]
 *     [--trials 5]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { labelsFromObject } from '../src/model/labels.js';
import { parseDuration } from '../src/model/duration.js';
import type { InstantSample } from '../src/model/sample.js';
import { systemClock } from '../src/model/clock.js';
import { parseExpr } from '../src/promql/index.js';
import { createQueryRunner } from '../src/query/index.js';
import { AlertStateStore, AlertingRule, RuleSet, engineQueryFunc, type OutgoingAlert, type QueryFunc } from '../src/rules/index.js';
import { Db } from '../src/tsdb/db.js';

const SCRAPE_MS = 15_000;
const HISTORY_MS = 10 * 60_000;
const INSTANCES = 100;

// ---------------------------------------------------------------------------------------------------------------
// 1. Evaluation cost

export interface EvalOptions {
  series: number;
  metrics: number;
  /** Groups × rules per group, e.g. [[10, 100], [1, 1000]]. */
  layouts: [number, number][];
  iterations: number;
  runners: ('worker' | 'engine')[];
}

/** A deterministic value in [0, 1) for series `i` of metric `m` (a hash, so thresholds hit a known share). */
function unit(m: number, i: number): number {
  let h = Math.imul(m * 7919 + i, 0x9e3779b1) ^ 0x5bd1e995;
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/** Labels of series `i` of metric `m`: 100 instances × (series per metric / 100) shards, 10 jobs. */
function seriesLabels(m: number, i: number, perMetric: number) {
  const inst = i % INSTANCES;
  const shard = Math.floor(i / INSTANCES) % Math.max(1, perMetric / INSTANCES);
  const name = m % 2 === 0 ? `app_gauge_${m}` : `app_requests_${m}_total`;
  return labelsFromObject({ __name__: name, job: `job-${inst % 10}`, instance: `host-${inst}`, shard: `s${shard}` });
}

/** Fills `db` with gauges (value 100·unit, a little jitter) and counters (rate 10·unit per second). */
function fill(db: Db, o: EvalOptions, end: number): number {
  const perMetric = Math.floor(o.series / o.metrics);
  const app = db.appender();
  const refs = new Float64Array(perMetric * o.metrics);
  const base = new Float64Array(refs.length);
  for (let m = 0; m < o.metrics; m++) {
    for (let i = 0; i < perMetric; i++) {
      refs[m * perMetric + i] = app.ref(seriesLabels(m, i, perMetric));
      base[m * perMetric + i] = unit(m, i);
    }
  }
  app.commit();
  let samples = 0;
  for (let t = end - HISTORY_MS, k = 0; t <= end; t += SCRAPE_MS, k++) {
    const a = db.appender();
    for (let j = 0; j < refs.length; j++) {
      const gauge = Math.floor(j / perMetric) % 2 === 0;
      const v = gauge ? 100 * base[j]! + (k % 3) * 0.01 : 10 * base[j]! * (k * SCRAPE_MS / 1000);
      a.append(refs[j]!, t, v);
    }
    a.commit();
    samples += refs.length;
  }
  return samples;
}

const RULE_KINDS = ['job threshold', 'instance threshold', 'metric-wide threshold', 'rate over job', 'sum by job of rate', 'avg by instance'] as const;

/** Which of RULE_KINDS rule `k` is: 6 in 20 by job, 4 by instance, 2 metric-wide, 5 rates, 2 sums, 1 avg. */
function ruleKind(k: number): number {
  const m = k % 20;
  return m < 6 ? 0 : m < 10 ? 1 : m < 12 ? 2 : m < 17 ? 3 : m < 19 ? 4 : 5;
}

/**
 * The k-th rule. The mix, by share: 30 % medium thresholds (one job: 1 % of a metric's series), 20 % narrow
 * (one instance), 10 % wide (a whole metric), 25 % `rate(...[5m]) > x` over one job, 15 % aggregations. Thresholds
 * are set so that a few percent of the selected series cross them, as in a healthy fleet.
 */
function ruleYaml(k: number, metrics: number): string {
  const gauge = (k * 2) % metrics;
  const counter = (k * 2 + 1) % metrics;
  const g = `app_gauge_${gauge}`;
  const c = `app_requests_${counter}_total`;
  const job = `job-${k % 10}`;
  const inst = `host-${(k * 37) % INSTANCES}`;
  const kind = ruleKind(k);
  let expr: string;
  let summary: string;
  if (kind === 0) {
    expr = `${g}{job="${job}"} > 98`;
    summary = '{{ $labels.instance }} shard {{ $labels.shard }} at {{ $value | humanize }}';
  } else if (kind === 1) {
    expr = `${g}{instance="${inst}"} > 95`;
    summary = '{{ $labels.instance }} at {{ printf "%.1f" $value }}';
  } else if (kind === 2) {
    expr = `${g} > 99.9`;
    summary = '{{ $labels.job }}/{{ $labels.instance }} at {{ $value }}';
  } else if (kind === 3) {
    expr = `rate(${c}{job="${job}"}[5m]) > 9.8`;
    summary = '{{ $labels.instance }} serves {{ $value | humanize }} req/s';
  } else if (kind === 4) {
    expr = `sum by (job) (rate(${c}[5m])) > 530`;
    summary = 'job {{ $labels.job }} serves {{ $value | humanize }} req/s';
  } else {
    expr = `avg by (instance) (${g}) > 70`;
    summary = '{{ $labels.instance }} averages {{ $value | humanize }}';
  }
  const forS = [0, 60, 300][k % 3]!;
  return `      - alert: Bench${k}
        expr: ${expr}
        for: ${forS}s
        labels: { severity: ${k % 4 === 0 ? 'page' : 'ticket'}, team: team-${k % 7} }
        annotations:
          summary: '${summary}'
          description: 'rule ${k} ({{ $labels.job }}) crossed its threshold; value {{ $value }}'
`;
}

function writeRuleFiles(dir: string, groups: number, perGroup: number, metrics: number): string[] {
  const files: string[] = [];
  for (let gi = 0; gi < groups; gi++) {
    let y = `groups:\n  - name: bench-${gi}\n    interval: 15s\n    rules:\n`;
    for (let r = 0; r < perGroup; r++) y += ruleYaml(gi * perGroup + r, metrics);
    const f = path.join(dir, `rules-${groups}x${perGroup}-${gi}.yaml`);
    fs.writeFileSync(f, y);
    files.push(f);
  }
  return files;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

/** The daemon's bridge from the query runner to rules (src/daemon/alerting.ts `instantVector`). */
function runnerQueryFunc(queries: ReturnType<typeof createQueryRunner>): QueryFunc {
  return async (expr, t): Promise<InstantSample[]> => {
    const { value } = await queries.instant(expr, t);
    if (value.type === 'vector') return value.samples;
    if (value.type === 'scalar') return [{ labels: [], t: value.t, v: value.v }];
    throw new Error(`rule query must return a vector or scalar, got ${value.type}`);
  };
}

export async function benchEval(o: EvalOptions): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rules-'));
  const db = await Db.open(path.join(dir, 'data'));
  const queries = createQueryRunner(db);
  try {
    const end = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS;
    const f0 = performance.now();
    const samples = fill(db, o, end);
    console.log(JSON.stringify({ setup: 'db', series: db.head.stats().numSeries, samples, fillS: +((performance.now() - f0) / 1000).toFixed(1) }));
    for (const runner of o.runners) {
      for (const [groups, perGroup] of o.layouts) {
        const files = writeRuleFiles(dir, groups, perGroup, o.metrics);
        const store = new AlertStateStore(path.join(dir, `rules-${runner}-${groups}x${perGroup}.db`));
        let sent = 0;
        const rs = new RuleSet({
          query: runner === 'worker' ? runnerQueryFunc(queries) : engineQueryFunc(db),
          validate: (e) => void parseExpr(e),
          appender: () => db.appender(),
          clock: systemClock,
          store,
          externalLabels: {},
          externalURL: 'http://127.0.0.1:9190',
          sendAlerts: (alerts: OutgoingAlert[]) => (sent += alerts.length),
        });
        await rs.load(files);
        const ms: number[] = [];
        const cpu: number[] = [];
        const mainBusy: number[] = [];
        const byKind = new Map<string, number[]>();
        let firstMs = 0;
        // Evaluations 15 s apart after the data's end (the lookback keeps the last samples visible), so `for: 60s`
        // alerts fire on the 5th iteration, as they would on a live schedule.
        for (let it = 0; it < o.iterations; it++) {
          const ts = end + (it + 1) * 15_000;
          for (const g of rs.list()) {
            const c0 = process.cpuUsage();
            const e0 = performance.eventLoopUtilization();
            const t0 = performance.now();
            await g.evaluate(ts);
            const d = performance.now() - t0;
            const c = process.cpuUsage(c0);
            const busy = performance.eventLoopUtilization(e0).active;
            if (it === 0) {
              firstMs = Math.max(firstMs, d);
              continue;
            }
            ms.push(d);
            cpu.push((c.user + c.system) / 1000);
            mainBusy.push(busy);
            for (const r of g.rules) {
              const kind = RULE_KINDS[ruleKind(Number(r.name.slice('Bench'.length)))]!;
              let xs = byKind.get(kind);
              if (!xs) byKind.set(kind, (xs = []));
              xs.push(r.health.evaluationTime * 1000);
            }
          }
        }
        let pending = 0, firing = 0, rulesWithAlerts = 0, errors = 0;
        for (const g of rs.list()) {
          for (const r of g.rules) {
            if (r.health.health === 'err') errors++;
            if (!(r instanceof AlertingRule)) continue;
            if (r.active.size) rulesWithAlerts++;
            for (const a of r.active.values()) a.state === 'firing' ? firing++ : a.state === 'pending' ? pending++ : 0;
          }
        }
        console.log(JSON.stringify({
          runner: runner === 'worker' ? 'createQueryRunner (worker threads)' : 'in-process Engine',
          groups, rulesPerGroup: perGroup,
          evaluations: ms.length,
          medianMsPerGroup: +percentile(ms, 0.5).toFixed(1),
          p90MsPerGroup: +percentile(ms, 0.9).toFixed(1),
          firstEvalMaxMs: +firstMs.toFixed(1),
          cpuMedianMsPerGroup: +percentile(cpu, 0.5).toFixed(1),
          mainThreadBusyMedianMsPerGroup: +percentile(mainBusy, 0.5).toFixed(1),
          perRuleMedianMs: +(percentile(ms, 0.5) / perGroup).toFixed(3),
          ruleMedianMsByKind: Object.fromEntries([...byKind].map(([k, xs]) => [k, +percentile(xs, 0.5).toFixed(2)])),
          rulesWithAlerts, pending, firing, alertsSent: sent, ruleErrors: errors,
        }));
        await rs.stop();
        store.close();
      }
    }
  } finally {
    await queries.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Threshold crossing → webhook

export interface LatencyOptions {
  intervalMs: number;
  evalMs: number;
  forMs: number;
  groupWaitMs: number;
  trials: number;
}

function fmt(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Hook {
  status: string;
  alerts: { labels: Record<string, string> }[];
}

export async function benchLatency(o: LatencyOptions): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-latency-'));
  let body = '';
  const target = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(body));
  // Firing webhooks per trial label, with their arrival time (same clock as the flip).
  const arrivals = new Map<string, number>();
  const receiver = http.createServer((req, res) => {
    const at = Date.now();
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      const p = JSON.parse(b) as Hook;
      if (p.status === 'firing') for (const a of p.alerts) if (a.labels['trial'] && !arrivals.has(a.labels['trial'])) arrivals.set(a.labels['trial'], at);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const tport = (target.address() as AddressInfo).port;
  const rport = (receiver.address() as AddressInfo).port;
  fs.writeFileSync(path.join(dir, 'rules.yaml'), `groups:
  - name: latency
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 100
        for: ${fmt(o.forMs)}
        annotations: { summary: 'queue {{ $labels.queue }} holds {{ $value }} messages' }
`);
  fs.writeFileSync(path.join(dir, 'scrape.yaml'), `global:
  scrape_interval: ${fmt(o.intervalMs)}
  scrape_timeout: ${fmt(Math.min(o.intervalMs, 10_000))}
  evaluation_interval: ${fmt(o.evalMs)}
rule_files: [rules.yaml]
scrape_configs:
  - job_name: app
    static_configs: [{ targets: ['127.0.0.1:${tport}'] }]
notifiers:
  hook: { type: webhook, url: 'http://127.0.0.1:${rport}/hook' }
route:
  receiver: hook
  group_by: [alertname, trial]
  group_wait: ${fmt(o.groupWaitMs)}
  group_interval: ${fmt(Math.max(o.groupWaitMs, 1000))}
  repeat_interval: 1h
`);
  const port = await freePort();
  const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
  const proc: ChildProcess = spawn(process.execPath, [cli, 'run', '--config', path.join(dir, 'scrape.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const budget = o.intervalMs + o.evalMs + o.forMs + o.groupWaitMs;
  const delays: number[] = [];
  try {
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) throw new Error(`vigil exited with ${proc.exitCode}: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 200) throw new Error(`vigil not ready: ${stderr}`);
      await sleep(100);
    }
    for (let trial = 1; trial <= o.trials; trial++) {
      const id = String(trial);
      // A fresh series below the threshold for two scrapes, then the crossing at a random phase of the scrape.
      body = `queue_depth{queue="orders",trial="${id}"} 3\n`;
      await sleep(2 * o.intervalMs + Math.random() * o.intervalMs);
      const flip = Date.now();
      body = `queue_depth{queue="orders",trial="${id}"} 150\n`;
      const deadline = flip + 3 * budget + 10_000;
      while (!arrivals.has(id) && Date.now() < deadline) await sleep(5);
      const at = arrivals.get(id);
      if (at === undefined) throw new Error(`trial ${id}: no webhook within ${deadline - flip} ms; vigil log tail:\n${stderr}`);
      delays.push(at - flip);
      console.log(JSON.stringify({ trial, delayMs: at - flip, budgetMs: budget }));
    }
    const s = [...delays].sort((a, b) => a - b);
    console.log(JSON.stringify({
      settings: `I=${fmt(o.intervalMs)} E=${fmt(o.evalMs)} F=${fmt(o.forMs)} W=${fmt(o.groupWaitMs)}`,
      trials: s.length,
      medianMs: percentile(s, 0.5), minMs: s[0], maxMs: s[s.length - 1],
      budgetMs: budget, withinBudget: s.filter((d) => d <= budget).length,
      issueBudgetMs: o.evalMs + o.forMs + o.groupWaitMs,
    }));
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    target.closeAllConnections();
    receiver.closeAllConnections();
    await new Promise((r) => target.close(r));
    await new Promise((r) => receiver.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const str = (k: string, d: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1]! : d;
  };
  const num = (k: string, d: number) => Number(str(k, String(d)));
  const dur = (k: string, d: string) => parseDuration(str(k, d));
  const mode = argv[0] ?? 'eval';
  const run = mode === 'latency'
    ? benchLatency({
      intervalMs: dur('--interval', '1s'), evalMs: dur('--eval', '1s'), forMs: dur('--for', '2s'),
      groupWaitMs: dur('--group-wait', '1s'), trials: num('--trials', 5),
    })
    : benchEval({
      series: num('--series', 100_000), metrics: num('--metrics', 100),
      layouts: str('--layouts', '10x100,1x1000').split(',').map((l) => l.split('x').map(Number) as [number, number]),
      iterations: num('--iterations', 10),
      runners: (str('--runner', 'both') === 'both' ? ['worker', 'engine'] : [str('--runner', 'worker')]) as ('worker' | 'engine')[],
    });
  run.then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
