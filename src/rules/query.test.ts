import { describe, it, expect } from 'vitest';
import { labelsFromObject, getLabel, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Queryable, Series } from '../tsdb/types.js';
import { engineQueryFunc } from './query.js';

/** A read-only in-memory Queryable: a few series with samples, enough to drive the real PromQL engine. */
function memQueryable(data: Array<[Record<string, string>, Array<[number, number]>]>): Queryable {
  const series = data.map(([l, s]) => ({ labels: labelsFromObject(l) as Labels, s }));
  return {
    querier: () => ({
      select(ms: readonly Matcher[], mint: number, maxt: number): Series[] {
        return series
          .filter((x) => ms.every((m) => m.matches(getLabel(x.labels, m.name))))
          .map((x) => {
            const pts = x.s.filter(([t]) => t >= mint && t <= maxt);
            return { labels: x.labels, samples: () => ({ t: Float64Array.from(pts.map((p) => p[0])), v: Float64Array.from(pts.map((p) => p[1])), length: pts.length }) };
          });
      },
      labelNames: () => [],
      labelValues: () => [],
      close: () => {},
    }),
  };
}

describe('engineQueryFunc', () => {
  const q = engineQueryFunc(memQueryable([
    [{ __name__: 'app_queue_messages', queue: 'a' }, [[0, 5], [60_000, 1500]]],
    [{ __name__: 'app_queue_messages', queue: 'b' }, [[0, 7], [60_000, 20]]],
  ]));

  it('returns instant vectors from the real engine', async () => {
    const res = await q('app_queue_messages > 1000', 60_000);
    expect(res.map((s) => [getLabel(s.labels, 'queue'), s.t, s.v])).toEqual([['a', 60_000, 1500]]);
  });

  it('turns scalars into one label-less sample and rejects other types', async () => {
    expect(await q('scalar(sum(app_queue_messages))', 60_000)).toEqual([{ labels: [], t: 60_000, v: 1520 }]);
    await expect(q('app_queue_messages[5m]', 60_000)).rejects.toThrow(/not a vector or scalar: got matrix/);
  });
});
