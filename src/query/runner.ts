/**
 * The daemon's QueryRunner: queries are parsed and planned on the main thread, the head's share of their data is
 * copied there in slices that yield to the event loop, and evaluation runs in a worker thread that opens the blocks
 * itself. So a heavy query costs the main thread only the chunk copies, never the decoding or the evaluation.
 */
import { parseExpr } from '../promql/index.js';
import type { QueryOptions, QueryResult, QueryRunner } from '../api/query-runner.js';
import type { DbReadView } from '../tsdb/db.js';
import type { BlockMeta } from '../tsdb/block/index.js';
import { responseError, selectHints, type BlockRef, type EvalRequest, type EvalResponse } from './evaluate.js';
import { queryMetrics } from './metrics.js';
import { selectorRanges } from './plan.js';
import { prefetchHead } from './prefetch.js';
import { WorkerPool, type PoolOptions } from './pool.js';
import { snapshotTransfer } from './snapshot.js';
import { unpackValue } from './wire.js';

/** What the runner reads from: a Db. */
export interface ReadViewSource {
  readView(): DbReadView;
}

export interface WorkerRunnerOptions {
  /** Worker threads (queries evaluated at once) and queue bound. Default: 2 workers, 64 queued. */
  pool?: PoolOptions;
  /** Most samples a query may load; over it the query fails with ExecutionError (422) before it runs. Default 50e6. */
  maxSamples?: number;
  /** Timeout of a query that names none, ms, queueing included. Default 2m. */
  defaultTimeoutMs?: number;
  /** The engine's lookback delta, ms. Default 5m. */
  lookbackMs?: number;
  /** Step of subqueries written without one, ms. Default 1m. */
  defaultSubqueryStepMs?: number;
  /** Longest main-thread stretch while copying head chunks, ms. Default 2. */
  sliceMs?: number;
}

function blockRef(b: BlockMeta): BlockRef {
  return {
    id: b.id,
    dir: b.dir,
    minTime: b.minTime,
    maxTime: b.maxTime,
    numSeries: b.stats.numSeries,
    numSamples: b.stats.numSamples,
    resolution: b.resolution,
  };
}

/** Extra time a worker gets past the deadline to report its own timeout before it is terminated. */
const TERMINATE_GRACE_MS = 250;

export class WorkerQueryRunner implements QueryRunner {
  private readonly pool: WorkerPool;
  private readonly maxSamples: number;
  private readonly defaultTimeoutMs: number;
  private readonly lookbackMs: number;
  private readonly subqueryStepMs: number;
  private readonly sliceMs: number;
  private nextId = 1;

  constructor(private readonly db: ReadViewSource, opts: WorkerRunnerOptions = {}) {
    this.pool = new WorkerPool(opts.pool);
    this.maxSamples = opts.maxSamples ?? 50e6;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
    this.lookbackMs = opts.lookbackMs ?? 300_000;
    this.subqueryStepMs = opts.defaultSubqueryStepMs ?? 60_000;
    this.sliceMs = opts.sliceMs ?? 2;
  }

  /** Queries evaluating now / waiting for a worker. */
  get running(): number {
    return this.pool.busy;
  }
  get queued(): number {
    return this.pool.queued;
  }

  instant(expr: string, t: number, opts?: QueryOptions): Promise<QueryResult> {
    return this.run('instant', expr, t, t, 1, opts);
  }

  range(expr: string, start: number, end: number, stepMs: number, opts?: QueryOptions): Promise<QueryResult> {
    return this.run('range', expr, start, end, stepMs, opts);
  }

  private async run(
    kind: 'instant' | 'range',
    expr: string,
    start: number,
    end: number,
    stepMs: number,
    opts: QueryOptions | undefined,
  ): Promise<QueryResult> {
    const metrics = queryMetrics();
    const t0 = performance.now();
    const deadline = t0 + (opts?.timeoutMs ?? this.defaultTimeoutMs);
    metrics.inFlight.inc();
    try {
      const hints = selectHints(opts?.maxSourceResolution);
      const parsed = parseExpr(expr);
      const worker = await this.pool.acquire(deadline - performance.now());
      let res: EvalResponse;
      let view: DbReadView | undefined;
      try {
        view = this.db.readView();
        // Instant selectors served from a downsampled tier look back one resolution further (the engine widens
        // them), possibly into the head.
        let extra = 0;
        if (hints?.resolution !== 0) for (const b of view.downsampled) extra = Math.max(extra, b.resolution);
        const ranges = selectorRanges(parsed, start, end, {
          lookbackMs: this.lookbackMs + extra,
          defaultSubqueryStepMs: this.subqueryStepMs,
        });
        const headMinTime = view.head.minTime();
        const pre = await prefetchHead(view.head, ranges, { deadline, maxSamples: this.maxSamples, sliceMs: this.sliceMs });
        const req: EvalRequest = {
          id: this.nextId++,
          kind,
          expr,
          start,
          end,
          stepMs,
          blocks: view.blocks.map(blockRef),
          downsampled: view.downsampled.map(blockRef),
          head: pre.snapshot,
          headMinTime,
          maxSourceResolution: opts?.maxSourceResolution,
          headSamples: pre.samples,
          maxSamples: this.maxSamples,
          timeoutMs: Math.max(1, deadline - performance.now()),
          lookbackMs: this.lookbackMs,
          defaultSubqueryStepMs: this.subqueryStepMs,
        };
        res = await worker.call(req, snapshotTransfer(pre.snapshot), deadline - performance.now() + TERMINATE_GRACE_MS);
      } finally {
        view?.release();
        this.pool.release(worker);
      }
      if (!res.ok) throw responseError(res.error.kind, res.error.message);
      metrics.samples.observe(res.samples);
      const value = await unpackValue(res.value);
      return res.warnings ? { value, warnings: res.warnings } : { value };
    } finally {
      metrics.inFlight.dec();
      metrics.duration.observe({ kind }, (performance.now() - t0) / 1000);
    }
  }

  /** Terminates the workers; queries in flight fail. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
