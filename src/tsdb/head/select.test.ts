/**
 * Head.select decodes series into shared arenas of at most 2^20 samples: a select whose samples exceed one arena
 * must return every series whole and distinct, as each series' own samples.
 */
import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { Head } from './head.js';

describe('Head.select arenas', () => {
  it('returns each series exactly, also when the select spans several arenas', () => {
    const head = new Head({ chunkRangeMs: 1e12 });
    const app = head.appender();
    // 3 series × 400 000 samples = 1.2 M samples: more than one arena; the second series straddles the boundary.
    const refs = [0, 1, 2].map((k) => app.ref(labelsFromObject({ __name__: 'x', k: String(k) })));
    const N = 400_000;
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < 3; k++) app.append(refs[k]!, i * 1000, k * 1e6 + i);
      if (i % 10_000 === 9_999) app.commit();
    }
    app.commit();
    const got = head.select([new Matcher('=', '__name__', 'x')], 0, Infinity);
    expect(got.map((s) => s.labels.find((l) => l.name === 'k')!.value)).toEqual(['0', '1', '2']);
    got.forEach((s, k) => {
      const b = s.samples();
      expect(b.length).toBe(N);
      let bad = 0;
      for (let i = 0; i < N; i++) if (b.t[i] !== i * 1000 || b.v[i] !== k * 1e6 + i) bad++;
      expect(bad).toBe(0);
    });
    // Writing into one series' buffer must not show in another's (no overlapping views).
    got[0]!.samples().v.fill(-1);
    expect(got[1]!.samples().v[0]).toBe(1e6);
    expect(got[2]!.samples().v[0]).toBe(2e6);
  });
});
