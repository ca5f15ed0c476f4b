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

/** Resolves after the event loop's next check phase: the inline gate (one inline query per turn) is open again. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WorkerQueryRunner: small head-only queries on the main thread', () => {
  // Head-only reads (the head holds [2h, 4h)): instant queries from 2h + 5m on, ranges starting after 2h + 1h.
  const HEAD_INSTANT: [string, number][] = [
    ['http_requests_total', 3 * HOUR],
    ['sum by (job) (rate(http_requests_total[5m]))', 3.5 * HOUR],
    ['topk(2, temperature)', 3 * HOUR],
    ['temperature{instance="d"}', 2.6 * HOUR],
    ['http_requests_total{job="api"}[5m]', 3 * HOUR],
    ['count({__name__=~".+"})', 4 * HOUR],
    ['"a string"', 3 * HOUR],
  ];
  const HEAD_RANGE = [
    'rate(http_requests_total[5m])',
    'sum by (job) (rate(http_requests_total[10m])) / on (job) group_left sum by (job) (http_requests_total)',
    'avg_over_time(temperature[20m])',
    'absent(nothing_here)',
    'time()',
  ];

  it('answers them inline, exactly as a worker and the in-process engine do', async () => {
    const inline = new WorkerQueryRunner(fx.db, { pool: { script } });
    const workers = new WorkerQueryRunner(fx.db, { inlineMaxCost: 0, pool: { script } });
    try {
      for (const [q, t] of HEAD_INSTANT) {
        const want = await local.instant(q, t);
        await nextTurn();
        expect((await inline.instant(q, t)).value, q).toEqual(want.value);
        expect((await workers.instant(q, t)).value, q).toEqual(want.value);
        if (!q.startsWith('temperature{instance="d"}')) expect(size(want.value), q).toBeGreaterThan(0);
      }
      for (const q of HEAD_RANGE) {
        const want = await local.range(q, 3 * HOUR, fx.end, 60_000);
        await nextTurn();
        expect((await inline.range(q, 3 * HOUR, fx.end, 60_000)).value, q).toEqual(want.value);
        expect((await workers.range(q, 3 * HOUR, fx.end, 60_000)).value, q).toEqual(want.value);
        expect(size(want.value), q).toBeGreaterThan(0);
      }
      expect(inline.inlineCount).toBe(HEAD_INSTANT.length + HEAD_RANGE.length);
      expect(workers.inlineCount).toBe(0);
    } finally {
      await inline.close();
      await workers.close();
    }
  });

  it('sends to a worker what reads a block, holds a subquery, or costs more than the bound', async () => {
    const runner = new WorkerQueryRunner(fx.db, { inlineMaxCost: 1000, pool: { script } });
    try {
      await runner.instant('http_requests_total', 2 * HOUR); // lookback reaches into the block
      await runner.instant('max_over_time(temperature[10m:1m])', 3 * HOUR);
      // 6 series × (61 steps + 20) = 486, plus their 280 samples each over 1 h 10 m: over 1000.
      await runner.range('rate(http_requests_total[10m])', 3 * HOUR, fx.end, 60_000);
      expect(runner.inlineCount).toBe(0);
      // 4 series × (1 step + 20) + one sample each (the newest, read from the head without decoding).
      await nextTurn();
      await runner.instant('temperature', fx.end - 15_000);
      expect(runner.inlineCount).toBe(1);
    } finally {
      await runner.close();
    }
  });

  it('applies the sample budget inline as prefetch does', async () => {
    const runner = new WorkerQueryRunner(fx.db, { maxSamples: 100, pool: { script } });
    try {
      await expect(runner.range('http_requests_total', 3.5 * HOUR, fx.end, 60_000)).rejects.toThrow(/too many samples/);
      expect(runner.inlineCount).toBe(0);
    } finally {
      await runner.close();
    }
  });

  it('runs at most one query inline per event-loop turn; the others of a burst go to workers', async () => {
    const runner = new WorkerQueryRunner(fx.db, { pool: { script } });
    try {
      const want = (await local.instant('sum(temperature)', 3 * HOUR)).value;
      const burst = await Promise.all([1, 2, 3].map(() => runner.instant('sum(temperature)', 3 * HOUR)));
      for (const r of burst) expect(r.value).toEqual(want);
      expect(runner.inlineCount).toBe(1);
      // A later turn may run inline again.
      await nextTurn();
      await runner.instant('sum(temperature)', 3 * HOUR);
      expect(runner.inlineCount).toBe(2);
    } finally {
      await runner.close();
    }
  });
});
