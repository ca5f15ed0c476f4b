import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fixYoungGeneration, workersOnline } from './heap.js';

const MiB = 1024 * 1024;

/**
 * A worker that, when told, allocates 2 M small objects of which up to 100 k at a time stay reachable (survivors
 * of many scavenges, as a scraping daemon's chunks and buffers are) and reports its new space before and after.
 */
const SURVIVORS = `
const v8 = require('node:v8');
const { parentPort } = require('node:worker_threads');
const ns = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
parentPort.once('message', () => {
  const start = ns();
  let keep = [];
  for (let i = 0; i < 2000000; i++) {
    keep.push({ i, s: 'k' + i });
    if (keep.length > 100000) keep = [];
  }
  parentPort.postMessage({ start, end: ns() });
});`;

async function newSpaceOfBusyWorker(): Promise<{ start: number; end: number }> {
  const w = new Worker(SURVIVORS, { eval: true });
  try {
    await new Promise((resolve, reject) => {
      w.once('online', resolve);
      w.once('error', reject);
    });
    // Let the 'online' listeners registered by fixYoungGeneration run first (they are ahead of ours).
    w.postMessage('go');
    return await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}

describe('fixYoungGeneration', () => {
  // One test, in order: the flags are process-wide and cannot be put back, so the control run must come first.
  it('keeps worker isolates at the fixed size, including after a worker start resets the V8 flags', async () => {
    const control = await newSpaceOfBusyWorker();
    // V8's default: the new space doubles under surviving allocation up to 2 × 16 MiB.
    expect(control.end).toBeGreaterThan(8 * MiB);

    fixYoungGeneration({ workerSemiSpaceMiB: 2 });
    const first = await newSpaceOfBusyWorker();
    expect(first.start).toBeGreaterThanOrEqual(2 * MiB);
    expect(first.end).toBeLessThanOrEqual(4 * MiB);
    // Every worker start resets V8's flags (Node 20): each worker stays small only because they are re-applied.
    const second = await newSpaceOfBusyWorker();
    expect(second.end).toBeLessThanOrEqual(4 * MiB);
  });

  it('workersOnline resolves only once a worker started just before is online', async () => {
    fixYoungGeneration();
    let online = false;
    const w = new Worker('setTimeout(() => {}, 200)', { eval: true });
    w.once('online', () => (online = true));
    try {
      await workersOnline();
      expect(online).toBe(true);
    } finally {
      await w.terminate();
    }
  });

  it('rejects a semi-space size that is not a positive whole number of MiB', () => {
    expect(() => fixYoungGeneration({ workerSemiSpaceMiB: 0 })).toThrow(RangeError);
    expect(() => fixYoungGeneration({ workerSemiSpaceMiB: 1.5 })).toThrow(/1\.5/);
  });
});
