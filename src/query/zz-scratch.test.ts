import { it } from 'vitest';
import { PerformanceObserver } from 'node:perf_hooks';
import { testWorkerScript } from './test-support.js';
import { runIsolation } from './testing/isolation.js';

it('scratch', async () => {
  const gaps: [number, number][] = [];
  let last = performance.now();
  const iv = setInterval(() => { const n = performance.now(); if (n - last > 30) gaps.push([Math.round(last), Math.round(n - last)]); last = n; }, 1);
  const gcs: [number, number, number][] = [];
  const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.duration > 5) gcs.push([Math.round(e.startTime), Math.round(e.duration), (e as any).detail?.kind]); });
  obs.observe({ entryTypes: ['gc'] });
  (globalThis as any).__qlog = [];
  const res = await runIsolation({ targets: 10, seriesPerTarget: 500, historySeries: 5000, historyMs: 3600_000, durationMs: 4500, queryLoops: Number(process.env.QL ?? 2), script: await testWorkerScript() });
  clearInterval(iv);
  console.log('gaps', JSON.stringify(gaps));
  console.log('gcs', JSON.stringify(gcs));
  console.log('qlog', JSON.stringify((globalThis as any).__qlog));
  console.log(JSON.stringify({ ...res, delaysMs: [...res.delaysMs].sort((a, b) => b - a).slice(0, 10).map(Math.round) }));
});
