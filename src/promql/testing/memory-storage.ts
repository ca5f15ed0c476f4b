/**
 * An in-memory `Queryable` for PromQL tests: series are appended in time order and selected with matchers, as the
 * real engine's Querier does (results sorted by labels, samples within [mint, maxt]).
 */
import type { Labels } from '../../model/labels.js';
import { compareLabels, getLabel, labelsKey, normalizeLabels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type { Querier, Queryable, SampleBuffer, Series } from '../../tsdb/types.js';

interface StoredSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  length: number;
}

export class MemoryStorage implements Queryable {
  private readonly series = new Map<string, StoredSeries>();
  /** Number of queriers opened and not yet closed (tests check queries close what they open). */
  openQueriers = 0;

  /** Appends one sample; timestamps of a series must not decrease. */
  append(labels: Labels, t: number, v: number): void {
    const ls = normalizeLabels(labels);
    const key = labelsKey(ls);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: ls, t: new Float64Array(8), v: new Float64Array(8), length: 0 };
      this.series.set(key, s);
    }
    if (s.length > 0 && s.t[s.length - 1]! > t) throw new Error(`out-of-order sample for ${key} at ${t}`);
    if (s.length === s.t.length) {
      const t2 = new Float64Array(s.length * 2), v2 = new Float64Array(s.length * 2);
      t2.set(s.t); v2.set(s.v);
      s.t = t2; s.v = v2;
    }
    s.t[s.length] = t;
    s.v[s.length] = v;
    s.length++;
  }

  clear(): void {
    this.series.clear();
  }

  querier(): Querier {
    this.openQueriers++;
    let closed = false;
    const all = [...this.series.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    const matching = (ms: readonly Matcher[]) => all.filter((s) => ms.every((m) => m.matches(getLabel(s.labels, m.name))));
    return {
      select: (ms, mint, maxt): Series[] => {
        const out: Series[] = [];
        for (const s of matching(ms)) {
          let lo = 0;
          while (lo < s.length && s.t[lo]! < mint) lo++;
          let hi = lo;
          while (hi < s.length && s.t[hi]! <= maxt) hi++;
          const buf: SampleBuffer = { t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi), length: hi - lo };
          out.push({ labels: s.labels, samples: () => buf });
        }
        return out;
      },
      labelNames: (ms) => [...new Set(matching(ms).flatMap((s) => s.labels.map((l) => l.name)))].sort(),
      labelValues: (name, ms) => [...new Set(matching(ms).map((s) => getLabel(s.labels, name)).filter((v) => v !== ''))].sort(),
      close: () => {
        if (!closed) { closed = true; this.openQueriers--; }
      },
    };
  }
}
