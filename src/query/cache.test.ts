import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import client from 'prom-client';
import { LocalQueryRunner } from '../api/local-runner.js';
import type { QueryOptions, QueryResult, QueryRunner } from '../api/query-runner.js';
import { ResultsCache } from './cache.js';
import { createQueryRunner } from './index.js';
import { HOUR, openFixture, testWorkerScript, type Fixture } from './test-support.js';

let fx: Fixture;
let local: LocalQueryRunner;

beforeAll(async () => {
  fx = await openFixture();
  local = new LocalQueryRunner(fx.db);
});
afterAll(async () => {
  await fx.close();
});

/** The in-process runner, recording the range of every range query it evaluates. */
class CountingRunner implements QueryRunner {
  readonly calls: [number, number][] = [];
  instant(expr: string, t: number, opts?: QueryOptions): Promise<QueryResult> {
    return local.instant(expr, t, opts);
  }
  range(expr: string, start: number, end: number, stepMs: number, opts?: QueryOptions): Promise<QueryResult> {
    this.calls.push([start, end]);
    return local.range(expr, start, end, stepMs, opts);
  }
}

const STEP = 60_000;
const MIN = 60_000;
const Q = 'sum by (job) (rate(http_requests_total[5m]))';

async function direct(expr: string, start: number, end: number, step = STEP) {
  return (await local.range(expr, start, end, step)).value;
}

async function counterValue(name: string): Promise<number> {
  const m = await client.register.getSingleMetric(name)!.get();
  return m.values.reduce((n, v) => n + v.value, 0);
}

describe('ResultsCache', () => {
  it('keeps refreshed steps on the query grid when the freshness cut falls between steps', async () => {
    // now − 5m lands 17 s after a step of a 47 s grid: what is re-evaluated must still start on the grid.
    const step = 47_000;
    const start = fx.end - 2 * HOUR;
    const end = start + 150 * step;
    let now = end - 30 * step + 17_000 + 5 * MIN;
    const inner = new CountingRunner();
    const cache = new ResultsCache(inner, { now: () => now });
    await cache.range(Q, start, end, step);
    now += step;
    const again = await cache.range(Q, start + step, end + step, step);
    for (const [a] of inner.calls) expect((a - start) % step).toBe(0);
    expect(again.value).toEqual(await direct(Q, start + step, end + step, step));
  });

  it('on a dashboard refresh, evaluates only the steps after the cached ones', async () => {
    let now = fx.end;
    const inner = new CountingRunner();
    const cache = new ResultsCache(inner, { now: () => now });
    const start = fx.end - 3 * HOUR, end = fx.end;
    const first = await cache.range(Q, start, end, STEP);
    expect(first.value).toEqual(await direct(Q, start, end));
    expect(inner.calls).toEqual([[start, end]]);

    // One step later: steps up to now − 5m were cached; the rest and the new step are evaluated.
    now += STEP;
    const second = await cache.range(Q, start + STEP, end + STEP, STEP);
    expect(inner.calls[1]).toEqual([end - 5 * MIN + STEP, end + STEP]);
    expect(inner.calls.length).toBe(2);
    expect(second.value).toEqual(await direct(Q, start + STEP, end + STEP));
  });

  it('when panning, evaluates only the uncovered part of the range', async () => {
    const inner = new CountingRunner();
    const cache = new ResultsCache(inner, { now: () => fx.end });
    const start = HOUR, end = 2 * HOUR;
    await cache.range(Q, start, end, STEP);
    const left = await cache.range(Q, start - 30 * MIN, end - 30 * MIN, STEP);
    expect(inner.calls[1]).toEqual([start - 30 * MIN, start - STEP]);
    expect(left.value).toEqual(await direct(Q, start - 30 * MIN, end - 30 * MIN));
    // Zooming out over both sides: only the outer runs are evaluated.
    const wide = await cache.range(Q, start - 60 * MIN, end + 30 * MIN, STEP);
    expect(inner.calls.slice(2)).toEqual([
      [start - 60 * MIN, start - 31 * MIN],
      [end + STEP, end + 30 * MIN],
    ]);
    expect(wide.value).toEqual(await direct(Q, start - 60 * MIN, end + 30 * MIN));
    // Fully inside what is cached: nothing is evaluated.
    const inside = await cache.range(Q, start - 45 * MIN, end + 10 * MIN, STEP);
    expect(inner.calls.length).toBe(4);
    expect(inside.value).toEqual(await direct(Q, start - 45 * MIN, end + 10 * MIN));
  });

  it('never caches steps newer than now − 5m', async () => {
    const inner = new CountingRunner();
    const now = 3 * HOUR;
    const cache = new ResultsCache(inner, { now: () => now });
    await cache.range(Q, 2 * HOUR, 3 * HOUR, STEP);
    await cache.range(Q, 2 * HOUR, 3 * HOUR, STEP);
    expect(inner.calls).toEqual([
      [2 * HOUR, 3 * HOUR],
      [3 * HOUR - 5 * MIN + STEP, 3 * HOUR],
    ]);
    // A range entirely in the freshest window is never cached at all.
    await cache.range(Q, now - 4 * MIN, now, STEP);
    await cache.range(Q, now - 4 * MIN, now, STEP);
    expect(inner.calls.slice(2)).toEqual([
      [now - 4 * MIN, now],
      [now - 4 * MIN, now],
    ]);
  });

  it('answers a query with nothing cached as assembling would: sorted by labels, empty series dropped', async () => {
    // An inner runner answering in reverse label order, with an empty series and a warning twice: the answer must
    // come back sorted, without the empty series, the warning once, whether or not any step is old enough to keep.
    const series = (instance: string, n: number) => ({
      labels: [{ name: 'instance', value: instance }],
      t: Float64Array.from({ length: n }, (_, i) => 2 * HOUR + i * STEP),
      v: Float64Array.from({ length: n }, (_, i) => i),
    });
    const answer = (): QueryResult => ({
      value: { type: 'matrix', series: [series('c', 3), series('b', 0), series('a', 2)] },
      warnings: ['w', 'w'],
    });
    const inner: QueryRunner = { instant: () => Promise.reject(new Error('unused')), range: async () => answer() };
    for (const now of [2 * HOUR + 2 * STEP, 3 * HOUR]) {
      const cache = new ResultsCache(inner, { now: () => now });
      const got = await cache.range('x', 2 * HOUR, 2 * HOUR + 2 * STEP, STEP);
      expect(got.warnings).toEqual(['w']);
      expect(got.value.type === 'matrix' && got.value.series.map((s) => [s.labels[0]!.value, Array.from(s.t)])).toEqual([
        ['a', [2 * HOUR, 2 * HOUR + STEP]],
        ['c', [2 * HOUR, 2 * HOUR + STEP, 2 * HOUR + 2 * STEP]],
      ]);
    }
    // Two series with the same labels: assembling keeps one of them (the later), so the fast path must not answer.
    const dup: QueryRunner = {
      instant: () => Promise.reject(new Error('unused')),
      range: async () => ({ value: { type: 'matrix', series: [series('a', 1), series('a', 2)] } }),
    };
    const merged = await new ResultsCache(dup, { now: () => 2 * HOUR }).range('x', 2 * HOUR, 2 * HOUR + STEP, STEP);
    expect(merged.value.type === 'matrix' && merged.value.series.map((s) => s.t.length)).toEqual([2]);
  });

  it('keys by step and grid phase, and does not cache @ start() / @ end()', async () => {
    const inner = new CountingRunner();
    const cache = new ResultsCache(inner, { now: () => fx.end });
    await cache.range(Q, HOUR, 2 * HOUR, STEP);
    const shifted = await cache.range(Q, HOUR + 1000, 2 * HOUR + 1000, STEP);
    const coarser = await cache.range(Q, HOUR, 2 * HOUR, 2 * STEP);
    expect(inner.calls.length).toBe(3);
    expect(shifted.value).toEqual(await direct(Q, HOUR + 1000, 2 * HOUR + 1000));
    expect(coarser.value).toEqual(await direct(Q, HOUR, 2 * HOUR, 2 * STEP));
    const at = 'temperature @ end()';
    const a = await cache.range(at, HOUR, 2 * HOUR, STEP);
    const b = await cache.range(at, HOUR, 3 * HOUR, STEP);
    expect(inner.calls.slice(3)).toEqual([
      [HOUR, 2 * HOUR],
      [HOUR, 3 * HOUR],
    ]);
    expect(a.value).toEqual(await direct(at, HOUR, 2 * HOUR));
    expect(b.value).toEqual(await direct(at, HOUR, 3 * HOUR));
  });

  it('evicts the least recently used query past its byte bound', async () => {
    const inner = new CountingRunner();
    const probe = new ResultsCache(inner, { now: () => fx.end });
    await probe.range(Q, HOUR, 2 * HOUR, STEP);
    const one = probe.size;
    expect(one).toBeGreaterThan(2 * 61 * 16);

    const cache = new ResultsCache(inner, { now: () => fx.end, maxBytes: Math.floor(one * 1.5) });
    const other = 'sum by (job) (rate(http_requests_total[10m]))';
    await cache.range(Q, HOUR, 2 * HOUR, STEP);
    await cache.range(other, HOUR, 2 * HOUR, STEP);
    expect(cache.entryCount).toBe(1);
    expect(cache.size).toBeLessThanOrEqual(one * 1.5);
    const before = inner.calls.length;
    await cache.range(other, HOUR, 2 * HOUR, STEP);
    expect(inner.calls.length).toBe(before);
    await cache.range(Q, HOUR, 2 * HOUR, STEP);
    expect(inner.calls.length).toBe(before + 1);
  });

  it('counts hits and misses', async () => {
    const hits = await counterValue('vigil_query_cache_hits_total');
    const misses = await counterValue('vigil_query_cache_misses_total');
    const cache = new ResultsCache(new CountingRunner(), { now: () => fx.end });
    await cache.range(Q, HOUR, 2 * HOUR, STEP);
    await cache.range(Q, HOUR, 2 * HOUR, STEP);
    await cache.range(Q, HOUR + STEP, 2 * HOUR + STEP, STEP);
    expect(await counterValue('vigil_query_cache_misses_total')).toBe(misses + 1);
    expect(await counterValue('vigil_query_cache_hits_total')).toBe(hits + 2);
  });
});

describe('createQueryRunner', () => {
  async function evaluations(): Promise<number> {
    const m = await client.register.getSingleMetric('vigil_query_duration_seconds')!.get();
    return m.values.filter((v) => (v as { metricName?: string }).metricName === 'vigil_query_duration_seconds_count').reduce((n, v) => n + v.value, 0);
  }

  it('caches range queries by default and not when switched off', async () => {
    // Data ends long before the wall clock, so every step is outside the freshest window.
    const script = await testWorkerScript();
    const on = createQueryRunner(fx.db, { pool: { script } });
    const off = createQueryRunner(fx.db, { cache: false, pool: { script } });
    try {
      const want = await direct(Q, HOUR, 3 * HOUR);
      let n = await evaluations();
      expect((await on.range(Q, HOUR, 3 * HOUR, STEP)).value).toEqual(want);
      expect((await on.range(Q, HOUR, 3 * HOUR, STEP)).value).toEqual(want);
      expect(await evaluations()).toBe(n + 1);
      n = await evaluations();
      expect((await off.range(Q, HOUR, 3 * HOUR, STEP)).value).toEqual(want);
      expect((await off.range(Q, HOUR, 3 * HOUR, STEP)).value).toEqual(want);
      expect(await evaluations()).toBe(n + 2);
    } finally {
      await on.close();
      await off.close();
    }
  });
});
