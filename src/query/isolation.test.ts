import { describe, expect, it } from 'vitest';
import { testWorkerScript } from './test-support.js';
import { medianMax, runIsolation } from './testing/isolation.js';

/** 10 targets × 500 series scraped every second, 5 000 history series over an hour, two query loops for 4.5 s. */
const SCRAPING = { targets: 10, seriesPerTarget: 500, historySeries: 5000, historyMs: 3600_000, durationMs: 4500, queryLoops: 2 };

describe('queries never stall ingestion', () => {
  // Retries: on a machine whose other processes starve this one (load 15+ on 2 cores), a scrape can miss its
  // 900 ms timeout with no query running; a regression (queries on the main thread) fails every attempt.
  it('keeps 10 targets × 500 series scraped every second on time while heavy queries run', { retry: 2 }, async () => {
    const res = await runIsolation({
      ...SCRAPING,
      script: await testWorkerScript(),
    });
    const d = medianMax(res.delaysMs), loop = medianMax(res.loopDelaysMs);
    expect(res.queryErrors).toEqual([]);
    // Heavy queries ran through the whole window (each reads 5 000 + 5 000 series over an hour).
    expect(res.queriesStarted).toBeGreaterThanOrEqual(2);
    expect(res.delaysMs.length).toBeGreaterThanOrEqual(20);
    expect(res.minPerTarget).toBeGreaterThanOrEqual(res.expectedPerTarget);
    expect(res.scrapeErrors).toEqual([]);
    expect(res.upNotOne).toBe(0);
    // What the event loop caused must stay under 100 ms; the wall-clock lateness adds the time other processes held
    // the CPUs, which no design of ours controls, so it is bounded only loosely.
    const msg = `scrape start delays: wall median ${d.median.toFixed(1)} ms, max ${d.max.toFixed(1)} ms; event loop max ${loop.max.toFixed(1)} ms`;
    expect(loop.max, msg).toBeLessThan(100);
    expect(d.median, msg).toBeLessThan(100);
  });

  it('keeps them on time while small queries run back to back on the main thread (the inline path)', { retry: 2 }, async () => {
    // 150 history series × (11 steps + 20 + at most 240 samples in the chunks overlapping 20 minutes): at most ~41 k
    // cost units, near the inline bound (50 k), so every query runs on the main thread unless another one already
    // did in the same loop turn.
    const res = await runIsolation({
      ...SCRAPING,
      query: 'max_over_time({__name__=~"history_[1-3]"}[10m])',
      queryRangeMs: 600_000,
      queryStepMs: 60_000,
      script: await testWorkerScript(),
    });
    const d = medianMax(res.delaysMs), loop = medianMax(res.loopDelaysMs);
    expect(res.queryErrors).toEqual([]);
    // Hundreds of queries in the window, most of them inline.
    expect(res.queriesDone).toBeGreaterThanOrEqual(50);
    expect(res.inlineQueries).toBeGreaterThan(res.queriesDone / 3);
    expect(res.minPerTarget).toBeGreaterThanOrEqual(res.expectedPerTarget);
    expect(res.scrapeErrors).toEqual([]);
    expect(res.upNotOne).toBe(0);
    const msg = `scrape start delays: wall median ${d.median.toFixed(1)} ms, max ${d.max.toFixed(1)} ms; event loop max ${loop.max.toFixed(1)} ms; ${res.inlineQueries}/${res.queriesDone} inline`;
    expect(loop.max, msg).toBeLessThan(100);
    expect(d.median, msg).toBeLessThan(100);
  });
});
