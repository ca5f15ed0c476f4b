/**
 * Range-query benchmarks over the in-memory storage: `npx vitest bench src/promql`.
 * 1,000 series × 1 day at a 15 s interval (5.76 M samples), queried over the whole day at a 60 s step.
 */
import { bench, describe } from 'vitest';
import { labelsFromObject } from '../model/labels.js';
import { Engine } from './engine.js';
import { MemoryStorage } from './testing/memory-storage.js';

const DAY = 86_400_000;
const storage = new MemoryStorage();
for (let s = 0; s < 1000; s++) {
  const ls = labelsFromObject({ __name__: 'http_requests_total', instance: String(s), job: `job${s % 10}` });
  let v = 0;
  for (let t = 0; t <= DAY; t += 15_000) storage.append(ls, t, (v += (s % 7) + 1));
}
const engine = new Engine();

describe('range query, 1000 series × 1 day, step 60s', () => {
  bench('sum by (job) (rate(http_requests_total[5m]))', () => {
    engine.rangeQuery(storage, 'sum by (job) (rate(http_requests_total[5m]))', 0, DAY, 60_000);
  }, { iterations: 3 });
  bench('http_requests_total', () => {
    engine.rangeQuery(storage, 'http_requests_total', 0, DAY, 60_000);
  }, { iterations: 3 });
  bench('max_over_time(http_requests_total[1h])', () => {
    engine.rangeQuery(storage, 'max_over_time(http_requests_total[1h])', 0, DAY, 60_000);
  }, { iterations: 3 });
});
