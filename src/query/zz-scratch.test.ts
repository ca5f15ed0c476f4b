import { it } from 'vitest';
import { testWorkerScript } from './test-support.js';
import { medianMax, runIsolation } from './testing/isolation.js';
it('scratch', async () => {
  for (const inProcess of [false, true, false]) {
    const res = await runIsolation({ targets: 10, seriesPerTarget: 500, historySeries: 5000, historyMs: 3600_000, durationMs: 4500, queryLoops: inProcess ? 1 : 2, inProcess, script: await testWorkerScript() });
    console.log(JSON.stringify({ inProcess, wall: medianMax(res.delaysMs), loop: medianMax(res.loopDelaysMs), up: res.upNotOne, min: res.minPerTarget, exp: res.expectedPerTarget, errs: res.scrapeErrors.length, q: res.queriesStarted }));
  }
});
