/**
 * Queries off the ingest path, measured (issue "Queries never stall ingestion" and "Results cache"):
 *
 * 1. Scrape delay: 10 loopback targets × N series scraped every second into a real Db holding an hour of history,
 *    first with no queries, then while heavy queries (`count_over_time` over every series for the last hour) run
 *    back to back through the worker runner, and for comparison on the main thread (the in-process runner). Reports
 *    the lateness of each scrape loop's start (median, max; wall clock, and less the main thread's CPU wait), missed
 *    scrapes and `up` ≠ 1.
 * 2. Dashboard refresh: 6 h and 24 h range queries (step 60 s) over S series scraped every 15 s, cold, then
 *    refreshed as a dashboard does, with the results cache on (default): median latency of each.
 *
 *   npm run build && node dist/bench/query-isolation.js [--series-per-target 2000] [--history-series 20000]
 *     [--duration-s 20] [--dashboard-series 2000] [--dashboard-hours 6,24] [--refreshes 10]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelsFromObject } from '../src/model/labels.js';
import { createQueryRunner } from '../src/query/index.js';
import { medianMax, runIsolation, type IsolationResult } from '../src/query/testing/isolation.js';
import { Db } from '../src/tsdb/db.js';

export interface QueryIsolationOptions {
  targets: number;
  seriesPerTarget: number;
  historySeries: number;
  durationS: number;
  dashboardSeries: number;
  /** Dashboard ranges, hours (the Db holds the longest). */
  dashboardHours: number[];
  refreshes: number;
}

function summary(label: string, r: IsolationResult) {
  const d = medianMax(r.delaysMs), l = medianMax(r.loopDelaysMs), q = medianMax(r.queryMs);
  return {
    run: label,
    scrapeDelayMedianMs: +d.median.toFixed(1),
    scrapeDelayMaxMs: +d.max.toFixed(1),
    // Less the time the main thread waited for a CPU (other processes' share): what the event loop caused.
    loopDelayMedianMs: +l.median.toFixed(1),
    loopDelayMaxMs: +l.max.toFixed(1),
    scrapesMeasured: r.delaysMs.length,
    missedScrapes: Math.max(0, r.expectedPerTarget - r.minPerTarget),
    upNotOne: r.upNotOne,
    heavyQueriesStarted: r.queriesStarted,
    heavyQueriesDone: r.queriesDone,
    heavyQueryMedianMs: Math.round(q.median),
    queryErrors: r.queryErrors.slice(0, 3),
    // Other processes' CPU load colours wall-clock delays: quote it with them.
    load1: +os.loadavg()[0]!.toFixed(1),
  };
}

async function dashboard(series: number, refreshes: number, hours: readonly number[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dash-'));
  const db = await Db.open(dir);
  const queries = createQueryRunner(db);
  const out: Record<string, unknown>[] = [];
  try {
    const now0 = Date.now();
    const app = db.appender();
    const refs = Array.from({ length: series }, (_, i) =>
      app.ref(labelsFromObject({ __name__: 'http_requests_total', group: `g${i % 20}`, instance: `i${i}` })),
    );
    const historyMs = Math.max(...hours) * 3600_000;
    for (let t = now0 - historyMs; t < now0; t += 15_000) {
      for (let i = 0; i < refs.length; i++) app.append(refs[i]!, Math.floor(t), Math.floor((t - now0 + historyMs) / 1000) * (1 + (i % 7)));
      app.commit();
    }
    const expr = 'sum by (group) (rate(http_requests_total[5m]))';
    const step = 60_000;
    const end0 = Math.floor(now0 / step) * step;
    for (const h of hours) {
      const rangeMs = h * 3600_000;
      const cold: number[] = [];
      const cached: number[] = [];
      // Cold: a different range each time (shifted by a second: another step grid, so nothing is reused); cached:
      // the same dashboard refreshed, which re-evaluates only the freshest 5 minutes.
      for (let k = 0; k < refreshes; k++) {
        const t0 = performance.now();
        await queries.range(expr, end0 - rangeMs + 1000 * (k + 1), end0 + 1000 * (k + 1), step);
        cold.push(performance.now() - t0);
      }
      await queries.range(expr, end0 - rangeMs, end0, step);
      for (let k = 1; k <= refreshes; k++) {
        const t0 = performance.now();
        await queries.range(expr, end0 - rangeMs, end0, step);
        cached.push(performance.now() - t0);
      }
      const c = medianMax(cold).median, r = medianMax(cached).median;
      out.push({ load1: +os.loadavg()[0]!.toFixed(1), series, rangeHours: h, stepS: 60, coldMedianMs: +c.toFixed(1), cachedRefreshMedianMs: +r.toFixed(1), speedup: +(c / r).toFixed(1) });
    }
    return out;
  } finally {
    await queries.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchQueryIsolation(o: QueryIsolationOptions): Promise<void> {
  const base = { targets: o.targets, seriesPerTarget: o.seriesPerTarget, historySeries: o.historySeries, historyMs: 3600_000, durationMs: o.durationS * 1000 };
  const quiet = await runIsolation({ ...base, queryLoops: 0 });
  console.log(JSON.stringify(summary('scrapes only', quiet)));
  const loaded = await runIsolation({ ...base, queryLoops: 2 });
  console.log(JSON.stringify(summary('scrapes + heavy queries (worker runner)', loaded)));
  const before = await runIsolation({ ...base, queryLoops: 1, inProcess: true });
  console.log(JSON.stringify(summary('scrapes + heavy queries on the main thread (LocalQueryRunner, before)', before)));
  for (const r of await dashboard(o.dashboardSeries, o.refreshes, o.dashboardHours)) console.log(JSON.stringify({ run: 'dashboard refresh', ...r }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (k: string, d: number) => {
    const i = process.argv.indexOf(k);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  benchQueryIsolation({
    targets: arg('--targets', 10),
    seriesPerTarget: arg('--series-per-target', 2000),
    historySeries: arg('--history-series', 20_000),
    durationS: arg('--duration-s', 20),
    dashboardSeries: arg('--dashboard-series', 2000),
    dashboardHours: (() => {
      const i = process.argv.indexOf('--dashboard-hours');
      return (i > 0 ? process.argv[i + 1]! : '6,24').split(',').map(Number);
    })(),
    refreshes: arg('--refreshes', 10),
  }).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
