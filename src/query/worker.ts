/**
 * Entry point of a query worker thread: evaluates each request it is posted (see evaluate.ts) and posts back the
 * result, transferring the result's typed arrays. One query at a time per worker; the pool never posts a second
 * before the first is answered. Told to (`workerData.warmupPasses`), it first warms up its JIT (warmup.ts) between
 * requests, holding still whenever the pool says a query is running elsewhere.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BlockCache, evaluate, type EvalRequest } from './evaluate.js';
import { wireTransfer } from './wire.js';
import { warmUp } from './warmup.js';
import type { WarmedMessage, WarmupControl } from './pool.js';

/**
 * Query threads run at a lower CPU priority than the main (ingest) thread: with more busy threads than cores, the
 * scheduler then lets scrapes and WAL writes run first. Linux applies a niceness to one thread when given its
 * thread id (found through /proc/thread-self); elsewhere this is skipped.
 */
function lowerPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // Not Linux, or not permitted: run at normal priority.
  }
}

if (parentPort === null) throw new Error('BUG: query worker started outside a worker thread');
const port = parentPort;
const blocks = new BlockCache();
lowerPriority(typeof workerData?.niceness === 'number' ? (workerData.niceness as number) : 10);
const warmupPasses = typeof workerData?.warmupPasses === 'number' ? (workerData.warmupPasses as number) : 0;
// While the pool has a query running on another worker, the warm-up holds still between steps (WarmupControl):
// the threads it would compete with are that query's.
let paused = false;
let resume: (() => void) | null = null;
const nextStep = async (): Promise<void> => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (paused) await new Promise<void>((resolve) => (resume = resolve));
};
if (warmupPasses > 0) {
  const t0 = performance.now();
  const report = (runs: number, error?: string): void => {
    const done: WarmedMessage = { warmed: true, runs, ms: performance.now() - t0, ...(error !== undefined ? { error } : {}) };
    port.postMessage(done);
  };
  // A failed warm-up costs speed, not correctness: the worker serves queries either way.
  warmUp({ passes: warmupPasses, yieldToLoop: nextStep }).then(
    (runs) => report(runs),
    (e: unknown) => report(0, e instanceof Error ? e.message : String(e)),
  );
}

port.on('message', (req: EvalRequest | WarmupControl) => {
  if ('warmupPaused' in req) {
    paused = req.warmupPaused;
    if (!paused) {
      resume?.();
      resume = null;
    }
    return;
  }
  const res = evaluate(req, blocks);
  port.postMessage(res, res.ok ? wireTransfer(res.value) : []);
});
