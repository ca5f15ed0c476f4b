/**
 * A fixed set of query worker threads with a bounded wait queue. A query holds one worker from `acquire()` to
 * `release()`; a worker that overruns its deadline is terminated and replaced, so a runaway query cannot hold a
 * slot (or memory) forever.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { ExecutionError, TimeoutError } from '../model/errors.js';
import type { EvalRequest, EvalResponse } from './evaluate.js';

/** Too many queries are waiting for a worker. Maps to `execution` / 422 like Prometheus's other query limits. */
export class QueryQueueFullError extends ExecutionError {
  constructor(readonly queued: number) {
    super(`too many queries waiting to run: ${queued} queued, limit reached; retry later`);
    this.name = 'QueryQueueFullError';
  }
}

/**
 * The compiled worker script. Running from TypeScript sources (tests), it is the build's copy under dist/, since
 * worker threads run JavaScript only: run `npm run build` first.
 */
export function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  const built = resolve(dirname(here), '../../dist/src/query/worker.js');
  if (!existsSync(built)) throw new Error(`query worker not built: ${built} is missing (run npm run build)`);
  return new URL(`file://${built}`);
}

export interface PoolOptions {
  /** Worker threads, the number of queries evaluated at once. Default 2. */
  size?: number;
  /** Queries that may wait for a worker; more are refused with QueryQueueFullError. Default 64. */
  maxQueued?: number;
  /** V8 heap limits per worker (a query past them fails instead of growing the daemon). Default: Node's. */
  resourceLimits?: ResourceLimits;
  /**
   * Niceness of the worker threads (Linux; 0 = same priority as the main thread, 19 = lowest). Higher values let
   * scrapes and WAL writes preempt queries when threads outnumber cores. Default 10.
   */
  niceness?: number;
  /** Worker script. Default: workerScript(). */
  script?: URL;
  /**
   * Passes of the JIT warm-up (warmup.ts) run by the worker of a new pool that is handed out first (idle workers
   * are reused last-in, first-out, so sequential queries all land on it), and by each replacement of a dead worker.
   * The warm-up steps run only once no query has been in flight for warmupIdleMs (see holdWarmup), so a query
   * waits at most for the step under way when it arrives. 0 disables. Default DEFAULT_WARMUP_PASSES.
   */
  warmupPasses?: number;
  /** Called as each worker finishes its warm-up: evaluations run, wall time in ms, and an error if it failed. */
  onWarmed?: (runs: number, ms: number, error?: string) => void;
  /**
   * How long the pool must have had no query in flight before a held warm-up goes on, ms. Default
   * DEFAULT_WARMUP_IDLE_MS.
   */
  warmupIdleMs?: number;
}

/**
 * Default quiet time before a held warm-up resumes. A dashboard sends its panels' queries in a burst, each as the
 * previous answer arrives, with a millisecond or two between them: a warm-up step resumed in such a gap (a few ms of
 * CPU on a 2-core machine, with V8's shared compiler and GC threads) lands on the next query of the burst. In the
 * dashboard-refresh bench (a cold 24 h range query then its refresh, 14 times back to back) the warm-up's 80 steps
 * ran interleaved with all 28 queries and finished only after them.
 * Gaps between a dashboard's refreshes are seconds long.
 */
export const DEFAULT_WARMUP_IDLE_MS = 250;

/** Default warm-up passes: measured in process, a fresh worker's step times stop falling after about four passes. */
export const DEFAULT_WARMUP_PASSES = 4;

/** Posted to a warming worker: hold the warm-up between steps (true) or go on (false). */
export interface WarmupControl {
  warmupPaused: boolean;
}

/** Posted by a worker when its warm-up is over; answers no request. */
export interface WarmedMessage {
  warmed: true;
  /** Evaluations run, and the warm-up's wall time in ms. */
  runs: number;
  ms: number;
  /** Why the warm-up stopped early (a bug: its queries and data are fixed). */
  error?: string;
}

interface Waiter {
  resolve: (w: QueryWorker) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** One worker thread, running one request at a time. */
export class QueryWorker {
  private pending: { id: number; resolve: (r: EvalResponse) => void; reject: (e: Error) => void } | null = null;
  /** False once terminated or crashed: the pool replaces it on release. */
  alive = true;
  /** True until the worker reports its warm-up over (see PoolOptions.warmupPasses). */
  warming: boolean;
  private warmupPaused = false;

  constructor(private readonly worker: Worker, warming = false, onWarmed?: (m: WarmedMessage) => void) {
    this.warming = warming;
    worker.unref();
    worker.on('message', (res: EvalResponse | WarmedMessage) => {
      if ('warmed' in res) {
        this.warming = false;
        onWarmed?.(res);
        return;
      }
      const p = this.pending;
      if (p === null || p.id !== res.id) return;
      this.pending = null;
      worker.unref();
      p.resolve(res);
    });
    worker.on('error', (e) => this.fail(new ExecutionError(`query worker failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new ExecutionError(`query worker exited with code ${code}`)));
  }

  private fail(e: Error): void {
    this.alive = false;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  /**
   * Posts `req` and waits for its response. Past `timeoutMs` the worker is terminated and the call fails with
   * TimeoutError.
   */
  call(req: EvalRequest, transfer: ArrayBuffer[], timeoutMs: number): Promise<EvalResponse> {
    if (!this.alive) return Promise.reject(new ExecutionError('query worker is gone'));
    if (this.pending !== null) return Promise.reject(new Error('BUG: query worker already busy'));
    return new Promise<EvalResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TimeoutError('query timed out in expression evaluation'));
        void this.worker.terminate();
      }, Math.max(0, timeoutMs));
      this.pending = {
        id: req.id,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      // A busy worker keeps the process alive (the caller is waiting on it); an idle one does not.
      this.worker.ref();
      this.worker.postMessage(req, transfer);
    });
  }

  /** Holds (true) or resumes (false) the worker's warm-up, if it is still warming up. */
  pauseWarmup(pause: boolean): void {
    if (!this.warming || !this.alive || pause === this.warmupPaused) return;
    this.warmupPaused = pause;
    const msg: WarmupControl = { warmupPaused: pause };
    this.worker.postMessage(msg);
  }

  terminate(): Promise<number> {
    this.alive = false;
    return this.worker.terminate();
  }
}

export class WorkerPool {
  readonly size: number;
  private readonly maxQueued: number;
  private readonly idle: QueryWorker[] = [];
  private readonly all = new Set<QueryWorker>();
  private readonly waiting: Waiter[] = [];
  private readonly script: URL;
  private closed = false;
  /** Queries in flight holding the warm-ups (holdWarmup()), besides those on workers. */
  private holds = 0;
  /** Set while the pool is idle but not yet for warmupIdleMs: resumes the warm-ups when it fires. */
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly warmupIdleMs: number;

  constructor(private readonly opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? 2);
    this.maxQueued = Math.max(0, opts.maxQueued ?? 64);
    this.script = opts.script ?? workerScript();
    this.warmupIdleMs = Math.max(0, opts.warmupIdleMs ?? DEFAULT_WARMUP_IDLE_MS);
    // The last one pushed is the first handed out (acquire pops): that one warms up.
    for (let i = 0; i < this.size; i++) this.idle.push(this.spawn(i === this.size - 1));
  }

  private spawn(warm: boolean): QueryWorker {
    const warmupPasses = warm ? Math.max(0, this.opts.warmupPasses ?? DEFAULT_WARMUP_PASSES) : 0;
    const workerData = { niceness: this.opts.niceness ?? 10, warmupPasses };
    const w = new QueryWorker(
      new Worker(this.script, { resourceLimits: this.opts.resourceLimits, workerData }),
      warmupPasses > 0,
      (m) => this.opts.onWarmed?.(m.runs, m.ms, m.error),
    );
    this.all.add(w);
    return w;
  }

  /** Workers evaluating a query now. */
  get busy(): number {
    return this.size - this.idle.length;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * A worker for one query: the most recently released idle one (so sequential queries keep landing on the same,
   * warm, worker), else the first to free up, waiting in FIFO order. Fails with QueryQueueFullError when
   * `maxQueued` queries already wait, and with TimeoutError if none frees up within `timeoutMs`.
   */
  acquire(timeoutMs: number): Promise<QueryWorker> {
    if (this.closed) return Promise.reject(new Error('query pool is closed'));
    const w = this.idle.pop();
    if (w !== undefined) {
      this.pauseWarmups();
      return Promise.resolve(w);
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new QueryQueueFullError(this.waiting.length));
    return new Promise<QueryWorker>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new TimeoutError('query timed out waiting for a free query worker'));
      }, Math.max(0, timeoutMs));
      this.waiting.push(waiter);
    });
  }

  /** Returns a worker; a dead one (timed out, crashed) is replaced by a fresh thread. */
  release(w: QueryWorker): void {
    let next = w;
    if (!w.alive) {
      this.all.delete(w);
      if (this.closed) return;
      next = this.spawn(true);
    }
    if (this.closed) return;
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve(next);
    } else this.idle.push(next);
    this.pauseWarmups();
  }

  /**
   * Holds the warm-ups while a query that may not run on a worker (evaluated on the caller's thread) is in flight;
   * call the returned function once, when it is done.
   */
  holdWarmup(): () => void {
    this.holds++;
    this.pauseWarmups();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.holds--;
      this.pauseWarmups();
    };
  }

  /**
   * Warm-ups run only once no query has been in flight for warmupIdleMs: a warm-up step would otherwise delay the
   * query on its own worker, or take CPU time (and V8's compiler and GC threads, which every isolate of the process
   * shares) from it on another, or from the next query of a burst. Called as workers are handed out and back and as
   * holds come and go.
   */
  private pauseWarmups(): void {
    if (this.busy > 0 || this.holds > 0) {
      clearTimeout(this.resumeTimer);
      this.resumeTimer = undefined;
      for (const w of this.all) w.pauseWarmup(true);
      return;
    }
    if (this.resumeTimer !== undefined || this.closed) return;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      if (this.closed || this.busy > 0 || this.holds > 0) return;
      for (const w of this.all) w.pauseWarmup(false);
    }, this.warmupIdleMs);
    this.resumeTimer.unref();
  }

  /** Terminates every worker; queued acquisitions fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.resumeTimer);
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('query pool is closed'));
    }
    this.idle.length = 0;
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
  }
}
