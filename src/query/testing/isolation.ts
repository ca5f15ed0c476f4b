/**
 * The isolation experiment of the "queries never stall ingestion" issue, shared by its test and its benchmark:
 * N loopback targets scraped every second by real ScrapeLoops into a real Db, optionally while heavy queries run
 * in a loop through the worker runner, measuring how late each scrape loop starts (the gap between a loop timer's
 * due time and when its callback actually runs) and whether every scrape happened and succeeded (`up` = 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../log/index.js';
import { systemClock, type Clock } from '../../model/clock.js';
import { labelsFromObject } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { httpAgent } from '../../net/http-client.js';
import { ScrapeLoop } from '../../scrape/loop.js';
import { plainScrapeOptions } from '../../scrape/target.js';
import { TestTarget } from '../../scrape/testing/target-server.js';
import { Db } from '../../tsdb/db.js';
import { LocalQueryRunner } from '../../api/local-runner.js';
import type { QueryRunner } from '../../api/query-runner.js';
import { WorkerQueryRunner } from '../runner.js';

export interface IsolationOptions {
  targets: number;
  seriesPerTarget: number;
  /** Series of history appended before scraping starts, at a 15 s interval over `historyMs`. */
  historySeries: number;
  historyMs: number;
  /** How long to scrape, ms. */
  durationMs: number;
  scrapeIntervalMs?: number;
  /** Heavy range queries run back to back by each of `queryLoops` loops; none when 0. */
  queryLoops: number;
  /** Default: count_over_time over every series for the last hour. */
  query?: string;
  /** Range and step of the heavy query (ending now). Default 1 h, 60 s. */
  queryRangeMs?: number;
  queryStepMs?: number;
  /** Scrape timers due in the first `warmupMs` are not measured: the first scrapes create every series. Default 1500. */
  warmupMs?: number;
  /** Evaluate the heavy queries on the main thread (LocalQueryRunner), as before this runner existed. */
  inProcess?: boolean;
  /** Query workers and their niceness. Default 2, 10. */
  workers?: number;
  niceness?: number;
  /** Worker script (tests pass a bundle of the sources). */
  script?: URL;
}

export interface IsolationResult {
  /** Lateness of every scrape loop timer callback, ms (wall clock). */
  delaysMs: number[];
  /**
   * The same lateness less the time the main thread spent waiting for a CPU meanwhile (Linux schedstat): what the
   * event loop itself caused, without other processes' (and threads') competition for the cores. Equal to
   * delaysMs where schedstat is unavailable.
   */
  loopDelaysMs: number[];
  /** Scrapes each target should have had (whole intervals in the window) and the fewest any target had. */
  expectedPerTarget: number;
  minPerTarget: number;
  /** `up` samples with a value other than 1, and the errors of failed scrapes. */
  upNotOne: number;
  scrapeErrors: string[];
  /** Heavy queries started, and finished within the window (the rest are cancelled at its end). */
  queriesStarted: number;
  queriesDone: number;
  queryErrors: string[];
  /** Wall time of each heavy query, ms. */
  queryMs: number[];
  /** Queries the worker runner answered on the main thread (its small-query path, inline.ts). */
  inlineQueries: number;
}

/** Nanoseconds the calling thread has spent runnable but waiting for a CPU (Linux), or 0. */
function runqueueWaitNs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * Samples the main thread's CPU wait every few ms, so the wait between two instants can be looked up later:
 * `waitSince(t)` is the wait accumulated since the last sample taken at or before performance.now() time t.
 */
class WaitSampler {
  private readonly times = new Float64Array(4096);
  private readonly waits = new Float64Array(4096);
  private n = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const i = this.n++ % this.times.length;
    this.times[i] = performance.now();
    this.waits[i] = runqueueWaitNs();
  }

  waitSinceMs(t: number): number {
    let best = -1;
    for (let k = 1; k <= Math.min(this.n, this.times.length); k++) {
      const i = (this.n - k) % this.times.length;
      if (this.times[i]! <= t) {
        best = i;
        break;
      }
    }
    if (best < 0) return 0;
    return (runqueueWaitNs() - this.waits[best]!) / 1e6;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * A clock that records how late each timer's callback ran, for timers due after `from` (performance.now()): the
 * wall-clock lateness, and the lateness less the main thread's CPU wait since shortly before the due time.
 */
function recordingClock(delays: number[], loopDelays: number[], sampler: WaitSampler, from: () => number): Clock {
  return {
    now: () => systemClock.now(),
    setTimeout(fn, delayMs) {
      const due = performance.now() + Math.max(0, delayMs);
      return systemClock.setTimeout(() => {
        const late = performance.now() - due;
        if (due >= from()) {
          delays.push(late);
          loopDelays.push(Math.max(0, late - sampler.waitSinceMs(due)));
        }
        return fn();
      }, delayMs);
    },
  };
}

function body(target: number, series: number, round: number): string {
  const lines: string[] = [];
  for (let i = 0; i < series; i++) lines.push(`app_metric_${i % 50}{target="${target}",idx="${i}"} ${i + round}`);
  return lines.join('\n') + '\n';
}

/** Runs the experiment; cleans up its Db, targets and workers. */
export async function runIsolation(opts: IsolationOptions): Promise<IsolationResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-isolation-'));
  const db = await Db.open(dir);
  const targets: TestTarget[] = [];
  const loops: ScrapeLoop[] = [];
  const workerRunner = opts.inProcess
    ? null
    : new WorkerQueryRunner(db, { pool: { size: opts.workers ?? 2, script: opts.script, niceness: opts.niceness } });
  const runner: QueryRunner & { close(): Promise<void> } = workerRunner ?? Object.assign(new LocalQueryRunner(db), { close: async () => {} });
  const interval = opts.scrapeIntervalMs ?? 1000;
  let sampler: WaitSampler | undefined;
  try {
    const now0 = Date.now();
    const app = db.appender();
    const refs: number[] = [];
    for (let i = 0; i < opts.historySeries; i++) refs.push(app.ref(labelsFromObject({ __name__: `history_${i % 100}`, idx: String(i) })));
    for (let t = now0 - opts.historyMs; t < now0 - 1000; t += 15_000) {
      for (let i = 0; i < refs.length; i++) app.append(refs[i]!, Math.floor(t), (t / 15_000) % 1000 + i);
      app.commit();
    }

    const delays: number[] = [];
    const loopDelays: number[] = [];
    let measureFrom = Infinity;
    sampler = new WaitSampler(5);
    const clock = recordingClock(delays, loopDelays, sampler, () => measureFrom);
    const agent = httpAgent(undefined, 2);
    const options = plainScrapeOptions('isolation', agent, { intervalMs: interval, timeoutMs: interval - 100 });
    const scrapeErrors: string[] = [];
    const logger = createLogger({
      level: 'debug',
      write: (line) => {
        const rec = JSON.parse(line) as { msg: string; err?: string };
        if (rec.msg === 'scrape failed') scrapeErrors.push(rec.err ?? '');
      },
    });
    for (let k = 0; k < opts.targets; k++) {
      const t = await TestTarget.start({ body: body(k, opts.seriesPerTarget, 0) });
      targets.push(t);
      loops.push(
        new ScrapeLoop(
          { url: t.url, labels: labelsFromObject({ job: 'isolation', instance: t.address }), discoveredLabels: labelsFromObject({ __address__: t.address }) },
          options,
          { appender: () => db.appender(), clock, logger },
        ),
      );
    }

    let stop = false;
    const queryMs: number[] = [];
    const queryErrors: string[] = [];
    const query = opts.query ?? 'count_over_time({__name__=~"app_.+|history_.+"}[1h])';
    const rangeMs = opts.queryRangeMs ?? 3600_000, stepMs = opts.queryStepMs ?? 60_000;
    let queriesStarted = 0;
    const queryLoop = async () => {
      while (!stop) {
        const q0 = performance.now();
        const end = Date.now();
        queriesStarted++;
        try {
          await runner.range(query, end - rangeMs, end, stepMs);
          queryMs.push(performance.now() - q0);
        } catch (e) {
          // Queries still running at the end are cancelled by closing the runner.
          if (!stop) queryErrors.push((e as Error).message);
        }
        // An in-process runner resolves without ever yielding to timers: let the window's end be noticed.
        await new Promise((r) => setImmediate(r));
      }
    };

    const start = Date.now();
    measureFrom = performance.now() + (opts.warmupMs ?? 1500);
    for (const l of loops) l.start();
    const queries = Array.from({ length: opts.queryLoops }, queryLoop);
    // Values change every second so each scrape appends real samples.
    let round = 0;
    const ticker = setInterval(() => {
      round++;
      targets.forEach((t, k) => (t.reply = { body: body(k, opts.seriesPerTarget, round) }));
    }, 1000);
    await new Promise((r) => setTimeout(r, opts.durationMs));
    clearInterval(ticker);
    const end = Date.now();
    await Promise.all(loops.map((l) => l.stop(false)));
    stop = true;
    await runner.close();
    await Promise.all(queries);
    await agent.close();

    // Count `up` per target over whole intervals inside the window (the first and last may be cut).
    const q = db.querier();
    let minPerTarget = Infinity, upNotOne = 0;
    try {
      const ups = q.select([new Matcher('=', '__name__', 'up')], start, end);
      for (const s of ups) {
        const b = s.samples();
        if (b.length < minPerTarget) minPerTarget = b.length;
        for (let i = 0; i < b.length; i++) if (b.v[i] !== 1) upNotOne++;
      }
      if (ups.length < opts.targets) minPerTarget = 0;
    } finally {
      q.close();
    }
    return {
      delaysMs: delays,
      loopDelaysMs: loopDelays,
      expectedPerTarget: Math.floor((end - start) / interval) - 1,
      minPerTarget,
      upNotOne,
      scrapeErrors,
      queriesStarted,
      queriesDone: queryMs.length,
      queryErrors,
      queryMs,
      inlineQueries: workerRunner?.inlineCount ?? 0,
    };
  } finally {
    sampler?.stop();
    for (const l of loops) await l.stop(false);
    for (const t of targets) await t.close();
    await runner.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Median and maximum of a list (0 when empty). */
export function medianMax(xs: readonly number[]): { median: number; max: number } {
  if (xs.length === 0) return { median: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}
