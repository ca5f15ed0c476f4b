import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareLabels, labelsFromObject } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Head } from '../tsdb/head/head.js';
import { prefetchHead } from './prefetch.js';
import { SnapshotBuilder, SnapshotSource } from './snapshot.js';
import { XorAppender } from '../tsdb/chunkenc/index.js';

const all = [new Matcher('=~', '__name__', '.+')];

describe('SnapshotSource', () => {
  it('returns series in compareLabels order, whatever the strings and label counts', async () => {
    // Short alphabets with non-ASCII letters force shared prefixes, prefix-of relations and UTF-16 ordering cases.
    const str = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '_', 'é', '日', '\u{1F600}'), minLength: 1, maxLength: 4 });
    const labelSet = fc.dictionary(fc.constantFrom('a', 'b', 'job', 'le', 'zz'), str, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(labelSet, { minLength: 1, maxLength: 30 }), async (sets) => {
        const head = new Head({ chunkRangeMs: 7_200_000 });
        const app = head.appender();
        for (const o of sets) app.append(app.ref(labelsFromObject({ __name__: 'm', ...o })), 1000, 1);
        app.commit();
        const pre = await prefetchHead(head, [{ matchers: all, mint: 0, maxt: 2000 }]);
        const got = new SnapshotSource(pre.snapshot).select(all, 0, 2000).map((s) => s.labels);
        const want = head.select(all, 0, 2000).map((s) => s.labels).sort(compareLabels);
        expect(got).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});

describe('SnapshotBuilder.seriesSymbols', () => {
  /** A one-sample chunk, enough for a series to be kept. */
  const chunk = (b: SnapshotBuilder, t: number): void => {
    const app = new XorAppender();
    app.append(t, 1);
    b.chunk(app.bytes(), t, t, 1);
  };

  it('resolves an id again when the head has reused it for another string', () => {
    // The head recycles the ids of dropped strings; a prefetch that yields between series can meet id 1 as "a"
    // and later as "c" (the series holding "a" dropped, "c" interned since).
    const table = ['__name__', 'a', 'm', 'x'];
    const symbols = { str: (id: number) => table[id]! };
    const b = new SnapshotBuilder();
    const ids = Int32Array.from([0, 2, 3, 1]); // __name__="m", x=<id 1>
    chunk(b, 1000);
    b.seriesSymbols(ids, 0, 2, symbols);
    table[1] = 'c';
    chunk(b, 1000);
    b.seriesSymbols(ids, 0, 2, symbols);
    // A series without chunks is dropped, as endSeries does.
    b.seriesSymbols(ids, 0, 2, symbols);
    chunk(b, 1000);
    b.endSeries(labelsFromObject({ __name__: 'm', x: 'a' }));
    const got = new SnapshotSource(b.finish()).select(all, 0, 2000).map((s) => s.labels);
    expect(got).toEqual([
      labelsFromObject({ __name__: 'm', x: 'a' }),
      labelsFromObject({ __name__: 'm', x: 'a' }),
      labelsFromObject({ __name__: 'm', x: 'c' }),
    ]);
  });

  it('packs what endSeries packs for the same labels, reading ids past the start of the array', () => {
    const table = ['__name__', 'up', 'job', 'node', 'instance', 'h1', 'h2'];
    const symbols = { str: (id: number) => table[id]! };
    const arena = Int32Array.from([9, 9, 0, 1, 4, 5, 2, 3, 0, 1, 4, 6, 2, 3]);
    const viaIds = new SnapshotBuilder(), viaLabels = new SnapshotBuilder();
    for (const [from, instance] of [[2, 'h1'], [8, 'h2']] as const) {
      chunk(viaIds, 5000);
      viaIds.seriesSymbols(arena, from, 3, symbols);
      chunk(viaLabels, 5000);
      viaLabels.endSeries([{ name: '__name__', value: 'up' }, { name: 'instance', value: instance }, { name: 'job', value: 'node' }]);
    }
    expect(viaIds.finish()).toEqual(viaLabels.finish());
  });
});
