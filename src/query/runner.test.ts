import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../api/local-runner.js';
import { ExecutionError, TimeoutError } from '../model/errors.js';
import { BadDataError } from '../model/errors.js';
import type { Value } from '../promql/index.js';
import { QueryQueueFullError } from './pool.js';
import { WorkerQueryRunner } from './runner.js';
import { HOUR, openFixture, testWorkerScript, type Fixture } from './test-support.js';

let fx: Fixture;
let local: LocalQueryRunner;
let script: URL;

beforeAll(async () => {
  script = await testWorkerScript();
  fx = await openFixture();
  local = new LocalQueryRunner(fx.db);
});
afterAll(async () => {
  await fx.close();
});

function size(v: Value): number {
  switch (v.type) {
    case 'matrix': return v.series.reduce((n, s) => n + s.t.length, 0);
    case 'vector': return v.samples.length;
    default: return 1;
  }
}

const RANGE_QUERIES = [
  'rate(http_requests_total[5m])',
  'sum by (job) (rate(http_requests_total[10m]))',
  'http_requests_total offset 30m',
  'max_over_time(temperature[30m:1m])',
  'temperature @ 3600',
  'count_over_time({__name__=~".+"}[1h])',
  'temperature > 25 and on (instance) temperature < 28',
  'time() - 60',
  'absent(temperature{instance="d"})',
  'label_replace(avg_over_time(temperature[20m]), "x", "$1", "instance", "(.*)")',
];

const INSTANT_QUERIES: [string, number][] = [
  ['http_requests_total', 3 * HOUR],
  ['http_requests_total{instance="a"}[10m]', 2 * HOUR + 300_000],
  ['sum(increase(http_requests_total[3h]))', 3.5 * HOUR],
  ['topk(2, temperature)', 1.5 * HOUR],
  ['temperature', 2.6 * HOUR],
  ['sum_over_time(temperature[90m] offset 1h)', 4 * HOUR],
  ['scalar(sum(temperature))', 2 * HOUR],
  ['"a string"', 1000],
];

describe('WorkerQueryRunner', () => {
  it('sees the fixture as a block and a head', () => {
    expect(fx.db.blocks().length).toBe(1);
    expect(fx.db.blocks()[0]!.maxTime).toBe(2 * HOUR);
    expect(fx.db.head.minTime()).toBeGreaterThanOrEqual(2 * HOUR);
  });

  it('returns what the in-process engine returns, over blocks and head', async () => {
    const runner = new WorkerQueryRunner(fx.db, { pool: { script } });
    try {
      for (const q of RANGE_QUERIES) {
        const want = await local.range(q, 0, fx.end, 60_000);
        const got = await runner.range(q, 0, fx.end, 60_000);
        expect(got.value, q).toEqual(want.value);
        if (!q.startsWith('absent')) expect(size(got.value), q).toBeGreaterThan(0);
      }
      for (const [q, t] of INSTANT_QUERIES) {
        const want = await local.instant(q, t);
        const got = await runner.instant(q, t);
        expect(got.value, q).toEqual(want.value);
        expect(size(got.value), q).toBeGreaterThan(0);
      }
    } finally {
      await runner.close();
    }
  });

  it('reports bad queries as bad_data without running them', async () => {
    const runner = new WorkerQueryRunner(fx.db, { pool: { script } });
    try {
      await expect(runner.instant('sum(', 0)).rejects.toBeInstanceOf(BadDataError);
      await expect(runner.range('http_requests_total[5m]', 0, HOUR, 60_000)).rejects.toBeInstanceOf(BadDataError);
    } finally {
      await runner.close();
    }
  });

  it('refuses a query whose estimated samples exceed the budget, before evaluating it', async () => {
    // The head alone holds 10 series × 480 samples; a 1 h range reads about 240 per series.
    const runner = new WorkerQueryRunner(fx.db, { maxSamples: 1000, pool: { script } });
    try {
      const small = await runner.instant('temperature{instance="a"}[30m]', 3 * HOUR);
      // [t − 30m, t], both ends included (Prometheus 2.42), at a 15 s interval.
      expect(size(small.value)).toBe(121);
      // Head only: prefetch counts chunk samples and stops.
      await expect(runner.range('rate(http_requests_total[5m])', 3 * HOUR, 4 * HOUR, 60_000)).rejects.toThrow(
        new ExecutionError('query processing would load too many samples into memory in query execution'),
      );
      // Block only: the worker estimates from block stats (6 series × 480 samples in [0, 2h)).
      const blockOnly = runner.range('http_requests_total', 0, HOUR, 60_000);
      await expect(blockOnly).rejects.toBeInstanceOf(ExecutionError);
      await expect(blockOnly).rejects.toThrow(/too many samples/);
    } finally {
      await runner.close();
    }
  });

  it('times out a query that runs past its timeout, and keeps serving afterwards', async () => {
    const runner = new WorkerQueryRunner(fx.db, { pool: { size: 1, script } });
    try {
      // About 2.9 M inner evaluations of a 1 h rate: many seconds of work, so it must be cut short.
      const heavy = runner.range('count_over_time(sum(rate(http_requests_total[1h]))[4h:5ms])', 0, fx.end, 60_000, { timeoutMs: 300 });
      await expect(heavy).rejects.toBeInstanceOf(TimeoutError);
      const after = await runner.instant('sum(temperature)', 3 * HOUR);
      expect(after.value.type).toBe('vector');
    } finally {
      await runner.close();
    }
  });

  it('runs at most pool-size queries at once and bounds the queue', async () => {
    const runner = new WorkerQueryRunner(fx.db, { pool: { size: 1, maxQueued: 1, script } });
    try {
      const q1 = runner.range('sum(rate(http_requests_total[5m]))', 0, fx.end, 60_000);
      const q2 = runner.range('sum(rate(http_requests_total[10m]))', 0, fx.end, 60_000);
      const q3 = runner.range('sum(rate(http_requests_total[15m]))', 0, fx.end, 60_000);
      expect(runner.running).toBe(1);
      expect(runner.queued).toBe(1);
      await expect(q3).rejects.toBeInstanceOf(QueryQueueFullError);
      const [r1, r2] = await Promise.all([q1, q2]);
      expect(r1.value).toEqual((await local.range('sum(rate(http_requests_total[5m]))', 0, fx.end, 60_000)).value);
      expect(r2.value).toEqual((await local.range('sum(rate(http_requests_total[10m]))', 0, fx.end, 60_000)).value);
      expect(runner.running).toBe(0);
    } finally {
      await runner.close();
    }
  });
});
