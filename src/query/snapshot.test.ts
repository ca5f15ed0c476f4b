import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareLabels, labelsFromObject } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Head } from '../tsdb/head/head.js';
import { prefetchHead } from './prefetch.js';
import { SnapshotSource } from './snapshot.js';

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
