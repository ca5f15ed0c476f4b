/**
 * JIT warm-up of a fresh query worker. A new isolate runs the engine's code in V8's interpreter until each hot
 * function has run long enough to be compiled by the optimizing tier; measured under the bench's load, the first
 * two or three runs of a query shape on a fresh worker took 2–3× as long as later ones. So each worker, as soon as
 * it starts, evaluates a generic dashboard query set (rate, sum by, topk, histogram_quantile, count, *_over_time,
 * a ratio, a raw selector; instant and range) over a small synthetic head, in steps of one query each, yielding
 * before each step; the worker holds the steps while the pool has a query in flight and until it has been idle a
 * while (pool.ts), so a real query waits for at most the step under way when it arrives.
 *
 * The synthetic data is shaped like scraped exporter data (a second apart, counters rising, gauges moving) so the
 * engine sees the same kinds of values and object shapes as in real queries; the results are thrown away.
 */
import { XorAppender } from '../tsdb/chunkenc/index.js';
import { labelsFromObject, type Labels } from '../model/labels.js';
import { BlockCache, evaluate, type EvalRequest } from './evaluate.js';
import { SnapshotBuilder, type HeadSnapshot } from './snapshot.js';

/** Newest sample time of the synthetic head, ms (any fixed time works: queries are evaluated relative to it). */
const END = 1_700_000_000_000;
const STEP = 1000;
/** Samples per series: one completed chunk of 120 and an open one, as a head a few minutes old holds. */
const SAMPLES = 180;
const INSTANCES = 8;

/** Queries of the warm-up, over the synthetic series below. */
export const WARMUP_QUERIES: readonly string[] = [
  'sum by (instance) (rate(warmup_cpu_seconds_total[60s]))',
  'sum by (instance, mode) (rate(warmup_cpu_seconds_total{mode!="idle"}[60s]))',
  'topk(3, warmup_avail_bytes)',
  'histogram_quantile(0.9, sum by (le) (rate(warmup_duration_seconds_bucket[60s])))',
  'sum by (instance) (rate(warmup_requests_total{code=~"5.."}[60s])) / sum by (instance) (rate(warmup_requests_total[60s]))',
  'avg_over_time(warmup_temp_celsius[60s])',
  'max_over_time(warmup_temp_celsius[60s])',
  'warmup_cpu_seconds_total{mode="user"}',
  'count({__name__=~"warmup_.+"})',
  'increase(warmup_requests_total[60s]) > 0',
];

function labels(name: string, instance: number, extra: Record<string, string>): Labels {
  return labelsFromObject({ __name__: name, ...extra, instance: `host-${instance}:9100`, job: 'node' });
}

/** The synthetic head: about 350 series of SAMPLES samples each. */
export function warmupSnapshot(): HeadSnapshot {
  const b = new SnapshotBuilder();
  const start = END - (SAMPLES - 1) * STEP;
  const series = (ls: Labels, value: (i: number) => number): void => {
    let app = new XorAppender(256);
    for (let i = 0; i < SAMPLES; i++) {
      if (app.numSamples === 120) {
        b.chunk(app.bytes(), app.minT, app.maxT, app.numSamples);
        app = new XorAppender(256);
      }
      app.append(start + i * STEP, value(i));
    }
    b.chunk(app.bytes(), app.minT, app.maxT, app.numSamples);
    b.endSeries(ls);
  };
  for (let h = 0; h < INSTANCES; h++) {
    let k = 0;
    for (const mode of ['idle', 'user', 'system', 'iowait']) {
      for (let cpu = 0; cpu < 4; cpu++, k++) series(labels('warmup_cpu_seconds_total', h, { cpu: String(cpu), mode }), (i) => 1000 * h + k + i * (0.1 + 0.01 * k));
    }
    for (let d = 0; d < 4; d++) series(labels('warmup_avail_bytes', h, { device: `sd${d}` }), (i) => 1e11 - 4096 * i * (d + 1) + h * 1e9);
    for (let s = 0; s < 4; s++) series(labels('warmup_temp_celsius', h, { sensor: `temp${s}` }), (i) => 40 + ((i * 7 + s) % 13) * 0.25);
    for (const code of ['200', '404', '500', '503']) {
      series(labels('warmup_requests_total', h, { code }), (i) => (code === '200' ? 50 : 1) * i + h);
    }
    for (const le of ['0.01', '0.05', '0.1', '0.5', '1', '5', '+Inf']) {
      series(labels('warmup_duration_seconds_bucket', h, { le }), (i) => Math.floor(i * Math.min(10, Number(le) * 20 + 1)));
    }
  }
  return b.finish();
}

export interface WarmupOptions {
  /** Passes over the query set (each query instant and range). Default 4. */
  passes?: number;
  /** Yields between steps; a real query is handled in the gap. Default: setImmediate. */
  yieldToLoop?: () => Promise<void>;
  /** Stops the warm-up before the next step when true (the worker is closing). */
  stopped?: () => boolean;
}

/**
 * Runs the warm-up: `passes` times every query of WARMUP_QUERIES, instant and over the last minute at 1 s steps,
 * each step a separate evaluation, with a yield before the first and after each. Resolves with the number of evaluations run; a failing one
 * is a bug (the queries and data are fixed), reported by rejecting.
 */
export async function warmUp(opts: WarmupOptions = {}): Promise<number> {
  const passes = opts.passes ?? 4;
  const pause = opts.yieldToLoop ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  // Its own cache: evaluate() closes cached blocks a request does not list, and these list none.
  const cache = new BlockCache();
  const head = warmupSnapshot();
  let id = -1, runs = 0;
  // Even the first step (the slowest: it compiles the engine's code) waits for a turn without a query.
  await pause();
  for (let p = 0; p < passes; p++) {
    for (const expr of WARMUP_QUERIES) {
      for (const kind of ['instant', 'range'] as const) {
        if (opts.stopped?.() === true) return runs;
        const req: EvalRequest = {
          id: id--,
          kind,
          expr,
          start: kind === 'instant' ? END : END - 60_000,
          end: END,
          stepMs: kind === 'instant' ? 1 : STEP,
          blocks: [],
          downsampled: [],
          head,
          headMinTime: END - (SAMPLES - 1) * STEP,
          headSamples: 0,
          maxSamples: 50e6,
          timeoutMs: 60_000,
          lookbackMs: 300_000,
          defaultSubqueryStepMs: 60_000,
        };
        const res = evaluate(req, cache);
        if (!res.ok) throw new Error(`BUG: warm-up query ${expr} (${kind}) failed: ${res.error.message}`);
        runs++;
        await pause();
      }
    }
  }
  return runs;
}
