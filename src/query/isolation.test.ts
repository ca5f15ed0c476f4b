import { describe, expect, it } from 'vitest';
import { testWorkerScript } from './test-support.js';
import { medianMax, runIsolation } from './testing/isolation.js';

describe('queries never stall ingestion', () => {
  // Retries: the measurement is of wall-clock delays on a shared machine; a regression (queries on the main
  // thread) fails every attempt.
  it('keeps 10 targets × 500 series scraped every second on time while heavy queries run', { retry: 2 }, async () => {
    const res = await runIsolation({
      targets: 10,
      seriesPerTarget: 500,
      historySeries: 5000,
      historyMs: 3600_000,
      durationMs: 4500,
      queryLoops: 2,
      script: await testWorkerScript(),
    });
    const d = medianMax(res.delaysMs);
    expect(res.queryErrors).toEqual([]);
    // The heavy query really ran during the window (each reads 5 000 + 5 000 series over an hour).
    expect(res.queriesDone).toBeGreaterThanOrEqual(2);
    expect(res.delaysMs.length).toBeGreaterThanOrEqual(20);
    expect(res.minPerTarget).toBeGreaterThanOrEqual(res.expectedPerTarget);
    expect(res.upNotOne).toBe(0);
    expect(d.max, `scrape start delays: median ${d.median.toFixed(1)} ms, max ${d.max.toFixed(1)} ms`).toBeLessThan(100);
  });
});
