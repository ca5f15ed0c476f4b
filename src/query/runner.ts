/**
 * The daemon's QueryRunner: queries are parsed and planned on the main thread, the head's share of their data is
 * copied there in slices that yield to the event loop, and evaluation runs in a worker thread that opens the blocks
 * itself. So a heavy query costs the main thread only the chunk copies, never the decoding or the evaluation.
 * Small queries that read only the head skip the hand-off and are evaluated on the main thread (inline.ts).
 */
import { ExecutionError } from '../model/errors.js';
import type { Expr } from '../promql/index.js';
import { parseCached } from './parsed.js';
import type { SelectHints } from '../tsdb/types.js';
import type { QueryOptions, QueryResult, QueryRunner } from '../api/query-runner.js';
import type { DbReadView } from '../tsdb/db.js';
import type { BlockMeta } from '../tsdb/block/index.js';
import { resolutionWarnings, responseError, selectHints, type BlockRef, type EvalRequest, type EvalResponse } from './evaluate.js';
import { DEFAULT_INLINE_MAX_COST, InlineGate, blocksUntouched, evaluateHead, hasSubquery, headCost } from './inline.js';
import { queryMetrics } from './metrics.js';
import { selectorRanges } from './plan.js';
import { TOO_MANY_SAMPLES, prefetchHead } from './prefetch.js';
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
  /**
   * Queries that read only the head and cost at most this much (see inline.ts's headCost)
   * are evaluated on the main thread without a worker. Default DEFAULT_INLINE_MAX_COST; 0 sends every query to a
   * worker.
   */
  inlineMaxCost?: number;
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
  private readonly inlineMaxCost: number;
  private readonly gate = new InlineGate();
  private nextId = 1;
  /** Queries answered on the main thread so far (see inline.ts). */
  inlineCount = 0;

  constructor(private readonly db: ReadViewSource, opts: WorkerRunnerOptions = {}) {
    this.pool = new WorkerPool(opts.pool);
    this.maxSamples = opts.maxSamples ?? 50e6;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
    this.lookbackMs = opts.lookbackMs ?? 300_000;
    this.subqueryStepMs = opts.defaultSubqueryStepMs ?? 60_000;
    this.sliceMs = opts.sliceMs ?? 2;
    this.inlineMaxCost = opts.inlineMaxCost ?? DEFAULT_INLINE_MAX_COST;
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
    // From parsing to the answer, the warm-up of a new worker holds still (pool.ts): it would compete with this query.
    const unhold = this.pool.holdWarmup();
    try {
      const hints = selectHints(opts?.maxSourceResolution);
      const parsed = parseCached(expr);
      const inline = this.tryInline(kind, parsed, start, end, stepMs, hints, deadline);
      if (inline !== null) return inline;
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
      unhold();
      metrics.inFlight.dec();
      metrics.duration.observe({ kind }, (performance.now() - t0) / 1000);
    }
  }

  /**
   * Evaluates the query here if it reads only the head and its cost is within `inlineMaxCost`; null otherwise (the
   * caller then hands it to a worker). Raw and downsampled blocks are never read on this thread.
   */
  private tryInline(
    kind: 'instant' | 'range',
    expr: Expr,
    start: number,
    end: number,
    stepMs: number,
    hints: SelectHints | undefined,
    deadline: number,
  ): QueryResult | null {
    if (this.inlineMaxCost <= 0 || hasSubquery(expr)) return null;
    const view = this.db.readView();
    try {
      let extra = 0;
      if (hints?.resolution !== 0) for (const b of view.downsampled) extra = Math.max(extra, b.resolution);
      const ranges = selectorRanges(expr, start, end, { lookbackMs: this.lookbackMs + extra, defaultSubqueryStepMs: this.subqueryStepMs });
      if (!blocksUntouched(ranges, view.blocks) || !blocksUntouched(ranges, view.downsampled)) return null;
      const steps = kind === 'instant' ? 1 : Math.floor((end - start) / stepMs) + 1;
      const { cost, samples } = headCost(view.head, ranges, steps, this.inlineMaxCost);
      if (cost > this.inlineMaxCost) return null;
      // The same budget, on the same count, as a prefetch for a worker would apply.
      if (samples > this.maxSamples) throw new ExecutionError(TOO_MANY_SAMPLES);
      if (!this.gate.tryEnter()) return null;
      const { value, servedResolutions } = evaluateHead(view.head, {
        kind, expr, start, end, stepMs, hints,
        maxSamples: this.maxSamples,
        timeoutMs: Math.max(1, deadline - performance.now()),
        lookbackMs: this.lookbackMs,
        defaultSubqueryStepMs: this.subqueryStepMs,
      });
      this.inlineCount++;
      queryMetrics().samples.observe(samples);
      const warnings = resolutionWarnings(servedResolutions);
      return warnings.length > 0 ? { value, warnings } : { value };
    } finally {
      view.release();
    }
  }

  /** Terminates the workers; queries in flight fail. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
