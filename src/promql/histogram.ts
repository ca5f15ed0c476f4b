/**
 * `histogram_quantile` over classic (`le`-labelled) bucket series, as Prometheus 2.42 computes it: buckets are
 * sorted, equal bounds merged, counts forced monotonic, and the quantile interpolated linearly inside its bucket.
 */
import type { Labels } from '../model/labels.js';
import { METRIC_NAME } from '../model/labels.js';
import type { InstantSample } from '../model/sample.js';

interface Bucket {
  upperBound: number;
  count: number;
}

/** Go's strconv.ParseFloat for `le` values; NaN when the text is not a float. */
export function parseGoFloat(s: string): number | null {
  const t = s.trim() === s ? s : '';
  if (t === '') return null;
  const lower = t.toLowerCase();
  const signless = lower.replace(/^[+-]/, '');
  if (signless === 'inf' || signless === 'infinity') return lower.startsWith('-') ? -Infinity : Infinity;
  if (signless === 'nan') return NaN;
  if (/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(t)) return Number(t);
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[+-]?0[xX]/, ''), 16);
  return null;
}

/** The q-quantile of one histogram's buckets (mutates `buckets`). */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;
  // Merge buckets with equal bounds (e.g. `le="1"` and `le="1.0"`).
  const merged: Bucket[] = [];
  for (const b of buckets) {
    const last = merged[merged.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else merged.push({ upperBound: b.upperBound, count: b.count });
  }
  // Bucket counts must not decrease; scrape races can make them, so raise each to the running maximum.
  let max = -Infinity;
  for (const b of merged) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (merged.length < 2) return NaN;
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  const last = merged.length - 1;
  while (b < last && !(merged[b]!.count >= rank)) b++;
  if (b === last) return merged[last - 1]!.upperBound;
  if (b === 0 && merged[0]!.upperBound <= 0) return merged[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = merged[b]!.upperBound;
  let count = merged[b]!.count;
  if (b > 0) {
    bucketStart = merged[b - 1]!.upperBound;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** histogram_quantile(q, vec) for one step. Series without a parseable `le` are ignored. */
export function histogramQuantile(q: number, vec: InstantSample[], ts: number): InstantSample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of vec) {
    let le = '';
    for (const l of s.labels) if (l.name === 'le') le = l.value;
    const upper = parseGoFloat(le);
    if (upper === null) continue;
    let key = '';
    for (const l of s.labels) if (l.name !== 'le') key += l.name + '\xff' + l.value + '\xfe';
    let g = groups.get(key);
    if (!g) {
      g = { labels: s.labels.filter((l) => l.name !== 'le' && l.name !== METRIC_NAME), buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upperBound: upper, count: s.v });
  }
  const out: InstantSample[] = [];
  for (const g of groups.values()) {
    if (g.buckets.length > 0) out.push({ labels: g.labels, v: bucketQuantile(q, g.buckets), t: ts });
  }
  return out;
}
