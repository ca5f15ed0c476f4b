import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { labelsFromObject, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { MergeQuerier, mergeSamples, mergeSeriesLists, type QuerySource } from './querier.js';
import type { SampleBuffer, Series } from './types.js';

function buf(rows: [number, number][]): SampleBuffer {
  const t = new Float64Array(rows.length), v = new Float64Array(rows.length);
  rows.forEach(([a, b], i) => {
    t[i] = a;
    v[i] = b;
  });
  return { t, v, length: rows.length };
}
function rows(b: SampleBuffer): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < b.length; i++) out.push([b.t[i]!, b.v[i]!]);
  return out;
}
const series = (labels: Labels, r: [number, number][]): Series => ({ labels, samples: () => buf(r) });

describe('mergeSamples', () => {
  it('merges by time and keeps the first buffer on equal timestamps', () => {
    expect(rows(mergeSamples(buf([[1, 1], [3, 3], [5, 5]]), buf([[2, 20], [3, 30], [6, 60]])))).toEqual([
      [1, 1], [2, 20], [3, 3], [5, 5], [6, 60],
    ]);
    expect(rows(mergeSamples(buf([]), buf([[1, 1]])))).toEqual([[1, 1]]);
  });

  it('yields the sorted union of timestamps', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 })), fc.uniqueArray(fc.integer({ min: 0, max: 1000 })), (a, b) => {
        a.sort((x, y) => x - y);
        b.sort((x, y) => x - y);
        const m = mergeSamples(buf(a.map((t) => [t, 1])), buf(b.map((t) => [t, 2])));
        const want = [...new Set([...a, ...b])].sort((x, y) => x - y);
        expect([...m.t.subarray(0, m.length)]).toEqual(want);
        // A timestamp in both keeps the first buffer's value.
        for (let i = 0; i < m.length; i++) expect(m.v[i]).toBe(a.includes(m.t[i]!) ? 1 : 2);
      }),
    );
  });
});

describe('MergeQuerier', () => {
  const x = labelsFromObject({ __name__: 'x' });
  const y = labelsFromObject({ __name__: 'y', a: '1' });
  const z = labelsFromObject({ __name__: 'z' });
  const src = (list: Series[], names: string[], values: string[]): QuerySource => ({
    select: () => list,
    labelNames: () => names,
    labelValues: () => values,
  });

  it('merges same-label series across sources, sorted, each once; unions names and values', () => {
    const block = src([series(x, [[1, 1], [2, 2]]), series(z, [[1, 9]])], ['__name__'], ['x', 'z']);
    const head = src([series(x, [[2, 20], [3, 3]]), series(y, [[3, 3]])], ['__name__', 'a'], ['x', 'y']);
    const q = new MergeQuerier([block, head]);
    const got = q.select([new Matcher('=~', '__name__', '.+')], 0, 10);
    expect(got.map((s) => s.labels)).toEqual([x, y, z]);
    expect(rows(got[0]!.samples())).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(q.labelNames([], 0, 10)).toEqual(['__name__', 'a']);
    expect(q.labelValues('__name__', [], 0, 10)).toEqual(['x', 'y', 'z']);
  });

  it('runs onClose once and refuses use after close', () => {
    let closed = 0;
    const q = new MergeQuerier([], () => closed++);
    q.close();
    q.close();
    expect(closed).toBe(1);
    expect(() => q.select([], 0, 1)).toThrow(/after close/);
  });

  it('passes a single source through unchanged', () => {
    const list = [series(x, [[1, 1]])];
    expect(mergeSeriesLists([list, []])).toBe(list);
  });
});
