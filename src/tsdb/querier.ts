/**
 * One Querier over several sources (the head and each block): series with the same labels in several sources are
 * merged by time, a timestamp present in more than one source keeps the value of the first source listing it
 * (sources are ordered oldest block first, head last), results are sorted by labels, and label names and values
 * are unions.
 */
import { compareLabels, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { newSampleBuffer } from './chunkenc/samples.js';
import type { Querier, SampleBuffer, SelectHints, Series } from './types.js';

/** What a source must offer: the read side of a Querier, without close (the owner manages its lifetime). */
export interface QuerySource {
  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[];
  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[];
  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[];
}

/**
 * Merges two time-ordered sample buffers into a new one; on equal timestamps the sample of `a` wins.
 */
export function mergeSamples(a: SampleBuffer, b: SampleBuffer): SampleBuffer {
  const out = newSampleBuffer(a.length + b.length);
  const ot = out.t, ov = out.v;
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) {
    const ta = a.t[i]!, tb = b.t[j]!;
    if (ta <= tb) {
      ot[k] = ta;
      ov[k++] = a.v[i++]!;
      if (ta === tb) j++;
    } else {
      ot[k] = tb;
      ov[k++] = b.v[j++]!;
    }
  }
  while (i < a.length) {
    ot[k] = a.t[i]!;
    ov[k++] = a.v[i++]!;
  }
  while (j < b.length) {
    ot[k] = b.t[j]!;
    ov[k++] = b.v[j++]!;
  }
  out.length = k;
  return out;
}

/** A series present in several sources; samples are merged on first use and cached. */
class MergedSeries implements Series {
  private merged: SampleBuffer | null = null;
  constructor(readonly labels: Labels, private readonly parts: Series[]) {}

  samples(): SampleBuffer {
    if (this.merged === null) {
      const bufs = this.parts.map((p) => p.samples());
      this.merged = concatDisjoint(bufs);
      if (this.merged === null) {
        let acc = bufs[0]!;
        for (let i = 1; i < bufs.length; i++) acc = mergeSamples(acc, bufs[i]!);
        this.merged = acc;
      }
    }
    return this.merged;
  }
}

/**
 * Joins buffers that follow each other in time (each starts after the previous one ends: blocks of consecutive
 * ranges) in one pass; null if they overlap, for the pairwise merge. Many blocks of a long range would otherwise
 * cost a copy of everything merged so far per block.
 */
function concatDisjoint(bufs: readonly SampleBuffer[]): SampleBuffer | null {
  let total = 0, lastT = -Infinity;
  for (const b of bufs) {
    if (b.length === 0) continue;
    if (!(b.t[0]! > lastT)) return null;
    lastT = b.t[b.length - 1]!;
    total += b.length;
  }
  const out = newSampleBuffer(total);
  for (const b of bufs) {
    out.t.set(b.t.subarray(0, b.length), out.length);
    out.v.set(b.v.subarray(0, b.length), out.length);
    out.length += b.length;
  }
  return out;
}

/**
 * Merges sorted series lists of several sources into one sorted list with each label set once.
 */
export function mergeSeriesLists(lists: readonly Series[][]): Series[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  // Stable sort keeps each source's order among equal label sets, so parts stay in source order.
  const all: { s: Series; src: number }[] = [];
  nonEmpty.forEach((l, src) => {
    for (const s of l) all.push({ s, src });
  });
  all.sort((x, y) => compareLabels(x.s.labels, y.s.labels) || x.src - y.src);
  const out: Series[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i + 1;
    while (j < all.length && compareLabels(all[i]!.s.labels, all[j]!.s.labels) === 0) j++;
    out.push(j === i + 1 ? all[i]!.s : new MergedSeries(all[i]!.s.labels, all.slice(i, j).map((x) => x.s)));
    i = j;
  }
  return out;
}

function sortedUnion(lists: string[][]): string[] {
  const set = new Set<string>();
  for (const l of lists) for (const x of l) set.add(x);
  return [...set].sort();
}

/**
 * A Querier over `sources` (in precedence order for equal timestamps). `onClose` runs once, on the first close().
 */
export class MergeQuerier implements Querier {
  private closed = false;

  constructor(private readonly sources: readonly QuerySource[], private readonly onClose?: () => void) {}

  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[] {
    this.checkOpen();
    return mergeSeriesLists(this.sources.map((s) => s.select(matchers, mint, maxt, hints)));
  }

  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    this.checkOpen();
    return sortedUnion(this.sources.map((s) => s.labelNames(matchers, mint, maxt)));
  }

  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    this.checkOpen();
    return sortedUnion(this.sources.map((s) => s.labelValues(name, matchers, mint, maxt)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('querier used after close()');
  }
}
