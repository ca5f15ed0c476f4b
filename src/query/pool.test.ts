import { describe, expect, it } from 'vitest';
import { WorkerPool } from './pool.js';
import { testWorkerScript } from './test-support.js';

/** A pool of `size` whose warm-up (one pass) reports its end through the returned promise. */
async function warmingPool(size: number, warmupIdleMs?: number): Promise<{ pool: WorkerPool; warmed: Promise<number>; isWarm: () => boolean }> {
  let done = false;
  let resolveWarmed!: (runs: number) => void;
  const warmed = new Promise<number>((resolve) => (resolveWarmed = resolve));
  const pool = new WorkerPool({
    size,
    warmupPasses: 1,
    warmupIdleMs,
    script: await testWorkerScript(),
    onWarmed: (runs) => {
      done = true;
      resolveWarmed(runs);
    },
  });
  return { pool, warmed, isWarm: () => done };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorkerPool', () => {
  it('hands sequential queries to the same worker (idle workers are reused last-in, first-out)', async () => {
    const pool = new WorkerPool({ size: 3, warmupPasses: 0, script: await testWorkerScript() });
    try {
      const a = await pool.acquire(1000);
      pool.release(a);
      for (let i = 0; i < 5; i++) {
        const w = await pool.acquire(1000);
        expect(w).toBe(a);
        pool.release(w);
      }
      // Two at once: the second is another worker; released in either order, the last released is reused first.
      const x = await pool.acquire(1000), y = await pool.acquire(1000);
      expect(y).not.toBe(x);
      pool.release(y);
      pool.release(x);
      expect(await pool.acquire(1000)).toBe(x);
    } finally {
      await pool.close();
    }
  });

  it('warms up the worker it hands out first, and only that one', async () => {
    const { pool, warmed } = await warmingPool(2);
    try {
      const first = await pool.acquire(1000);
      const second = await pool.acquire(1000);
      expect(first.warming).toBe(true);
      expect(second.warming).toBe(false);
      pool.release(second);
      pool.release(first);
      // One pass: each warm-up query once as an instant and once as a range query.
      expect(await warmed).toBeGreaterThanOrEqual(2);
      expect(first.warming).toBe(false);
      expect(await pool.acquire(1000)).toBe(first);
    } finally {
      await pool.close();
    }
  });

  it('holds the warm-up while a query is out on any worker, or holds it explicitly', async () => {
    const { pool, warmed, isWarm } = await warmingPool(2);
    try {
      // Held from its first step on (21 yields in a pass), the warm-up cannot finish while a query is in flight:
      // first on the warming worker itself, then on the other one, then through holdWarmup() (an inline query).
      const own = await pool.acquire(1000);
      await sleep(300);
      const other = await pool.acquire(1000);
      pool.release(own);
      await sleep(300);
      const unhold = pool.holdWarmup();
      pool.release(other);
      await sleep(300);
      expect(isWarm()).toBe(false);
      unhold();
      await warmed;
      expect(isWarm()).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('resumes a held warm-up only after the pool has been idle for warmupIdleMs, not in the gaps of a burst', async () => {
    const { pool, warmed, isWarm } = await warmingPool(2, 1000);
    try {
      // Queries back to back with 10 ms gaps for half a second: never a second of quiet, so no warm-up step runs.
      const until = performance.now() + 500;
      while (performance.now() < until) {
        pool.release(await pool.acquire(1000));
        await sleep(10);
      }
      expect(isWarm()).toBe(false);
      // Then quiet: the warm-up goes on and finishes.
      expect(await warmed).toBeGreaterThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });
});
