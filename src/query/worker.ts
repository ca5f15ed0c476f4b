/**
 * Entry point of a query worker thread: evaluates each request it is posted (see evaluate.ts) and posts back the
 * result, transferring the result's typed arrays. One query at a time per worker; the pool never posts a second
 * before the first is answered.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BlockCache, evaluate, type EvalRequest } from './evaluate.js';
import { wireTransfer } from './wire.js';

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

port.on('message', (req: EvalRequest) => {
  const res = evaluate(req, blocks);
  port.postMessage(res, res.ok ? wireTransfer(res.value) : []);
});
