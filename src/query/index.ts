/**
 * Where the daemon's queries run: off the ingest path in worker threads (runner.ts), behind a results cache for
 * range queries (cache.ts), with a sample budget checked before evaluation and a timeout.
 */
import type { QueryRunner } from '../api/query-runner.js';
import { ResultsCache, type ResultsCacheOptions } from './cache.js';
import { WorkerQueryRunner, type ReadViewSource, type WorkerRunnerOptions } from './runner.js';

export { ResultsCache, type ResultsCacheOptions } from './cache.js';
export { WorkerQueryRunner, type ReadViewSource, type WorkerRunnerOptions } from './runner.js';
export { QueryQueueFullError, type PoolOptions } from './pool.js';
export { selectorRanges, dependsOnQueryRange, type SelectorRange } from './plan.js';
export { queryMetrics } from './metrics.js';

export interface QueryRunnerOptions extends WorkerRunnerOptions {
  /** Results cache for range queries: on by default; `false` switches it off, an object tunes it. */
  cache?: boolean | ResultsCacheOptions;
}

/**
 * The daemon's query runner over `db`: worker-thread evaluation (default 2 workers, 64 queued, 50 M samples, 2 m
 * timeout) behind the results cache. `close()` terminates the workers.
 *
 * @example
 * const queries = createQueryRunner(db, { maxSamples: 10e6, cache: { maxBytes: 64 << 20 } });
 * const { value } = await queries.range('rate(http_requests_total[5m])', start, end, 15_000);
 * await queries.close();
 */
export function createQueryRunner(db: ReadViewSource, opts: QueryRunnerOptions = {}): QueryRunner & { close(): Promise<void> } {
  const workers = new WorkerQueryRunner(db, opts);
  const front: QueryRunner = opts.cache === false ? workers : new ResultsCache(workers, opts.cache === true ? {} : opts.cache);
  return {
    instant: (expr, t, o) => front.instant(expr, t, o),
    range: (expr, start, end, step, o) => front.range(expr, start, end, step, o),
    close: () => {
      if (front instanceof ResultsCache) front.clear();
      return workers.close();
    },
  };
}
