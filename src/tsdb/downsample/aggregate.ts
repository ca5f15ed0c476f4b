/**
 * Downsampling of one series (pure, no I/O). A window of resolution R is [k·R, (k+1)·R). Per window the aggregate
 * series hold:
 *   count, sum, min, max — one point at the time of the window's last raw sample;
 *   counter — the counter value made monotonic (every reset adds the value before the reset to what follows), at the
 *             time of the window's first and of its last raw sample (one point if they are the same sample).
 * The counter chain starts at the first raw value and keeps the first and last sample of each window, so `rate` and
 * `increase` over a range that is a whole number of windows see exactly the raw first and last samples of the range
 * (and every reset inside it). To chain the counters of consecutive blocks, a block also keeps `counterLast`: the raw
 * (unadjusted) value of its last sample, which is what the next block's first value must be compared with to tell a
 * reset at the boundary.
 *
 * NaN values (stale markers included) are left out: a downsampled point summarizes the real samples of its window.
 *
 * The counter chain is kept only for series that behave like counters: at most one decrease (reset) per
 * COUNTER_MAX_DROP_EVERY samples. For a gauge it would cost more than all other aggregates together (every drop
 * shifts the chain) and `rate` of a gauge means nothing; a gauge's downsampled data then has no `counter`.
 */
import { ensureSampleCapacity, newSampleBuffer, pushSample } from '../chunkenc/samples.js';
import type { SampleAggregate, SampleBuffer } from '../types.js';

/** The aggregates stored per series in a downsampled block. */
export type Aggregate = 'count' | 'sum' | 'min' | 'max' | 'counter';
/** What a reader may ask for: a stored aggregate, or `avg` (sum / count per window). */
export type ReadAggregate = SampleAggregate;
export const AGGREGATES: readonly Aggregate[] = ['count', 'sum', 'min', 'max', 'counter'];
/** A series with more than one decrease per this many samples is not treated as a counter. */
export const COUNTER_MAX_DROP_EVERY = 100;

/** The downsampled form of one series over one block's range. */
export interface AggrSeries {
  count: SampleBuffer;
  sum: SampleBuffer;
  min: SampleBuffer;
  max: SampleBuffer;
  /** Reset-adjusted counter chain; its first value is the first raw value. Empty for series that are not counters. */
  counter: SampleBuffer;
  /** Raw value of the last sample (NaN if the series had no sample). */
  counterLast: number;
}

export function emptyAggr(capacity = 16): AggrSeries {
  return {
    count: newSampleBuffer(capacity), sum: newSampleBuffer(capacity), min: newSampleBuffer(capacity),
    max: newSampleBuffer(capacity), counter: newSampleBuffer(2 * capacity), counterLast: NaN,
  };
}

/** Number of windows of `resolution` the times t[0..n) fall into (an upper bound on the points per aggregate). */
function windowBound(t: Float64Array, n: number, resolution: number): number {
  if (n === 0) return 1;
  return Math.min(n, Math.floor(t[n - 1]! / resolution) - Math.floor(t[0]! / resolution) + 1);
}

/**
 * Downsamples raw samples t[0..n), v[0..n) (time-ordered) to `resolution` ms.
 *
 * @example downsampleRaw(buf.t, buf.v, buf.length, 300_000).max  // one point per 5-minute window
 */
export function downsampleRaw(t: Float64Array, v: Float64Array, n: number, resolution: number): AggrSeries {
  const out = emptyAggr(windowBound(t, n, resolution));
  let w = NaN, cnt = 0, sum = 0, mn = 0, mx = 0, lastT = 0;
  let prevRaw = NaN, offset = 0, adj = 0, firstInWindowT = NaN, drops = 0, seen = 0;
  const flush = () => {
    if (cnt === 0) return;
    pushSample(out.count, lastT, cnt);
    pushSample(out.sum, lastT, sum);
    pushSample(out.min, lastT, mn);
    pushSample(out.max, lastT, mx);
    if (lastT !== firstInWindowT) pushSample(out.counter, lastT, adj);
  };
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x !== x) continue; // NaN, stale markers included
    const ti = t[i]!;
    const wi = Math.floor(ti / resolution);
    if (wi !== w) {
      flush();
      w = wi;
      cnt = 0; sum = 0; mn = x; mx = x;
      firstInWindowT = ti;
    }
    cnt++;
    sum += x;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
    lastT = ti;
    seen++;
    if (x < prevRaw) {
      offset += prevRaw;
      drops++;
    }
    prevRaw = x;
    adj = x + offset;
    if (ti === firstInWindowT) pushSample(out.counter, ti, adj);
  }
  flush();
  out.counterLast = prevRaw;
  if (drops > 1 && drops * COUNTER_MAX_DROP_EVERY > seen) {
    out.counter.length = 0;
    out.counterLast = NaN;
  }
  return out;
}

/** One time-ordered piece of a counter: raw samples, or a downsampled chain with its block's raw last value. */
export interface CounterPart {
  t: Float64Array;
  v: Float64Array;
  length: number;
  /** True for a downsampled chain (already monotonic; `rawLast` is then its block's raw last value). */
  adjusted: boolean;
  rawLast: number;
}

/**
 * Joins counter pieces (time-ordered, not overlapping) into one monotonic chain whose first value is the first raw
 * value; returns it with the raw value of the last sample. A piece whose first value is below the raw value before
 * it starts after a reset, as PromQL would judge it on the raw data; resets inside raw pieces are adjusted too.
 * Points not after the previous piece's last time are dropped (overlapping pieces keep the earlier one's points).
 */
export function stitchCounter(parts: readonly CounterPart[]): { chain: SampleBuffer; rawLast: number } {
  let total = 0;
  for (const p of parts) total += p.length;
  const c = new CounterChain(newSampleBuffer(Math.max(1, total)));
  for (const p of parts) c.add(p);
  return { chain: c.chain, rawLast: c.rawLast };
}

/**
 * stitchCounter one piece at a time, appending to `chain` (which grows by doubling if it was sized too small), so
 * a reader can decode each piece into one reused buffer.
 */
export class CounterChain {
  /** Raw value of the last sample so far. */
  rawLast = NaN;
  private offset = 0;
  private lastT = -Infinity;
  // After a piece whose raw last value is unknown (NaN: cut short by the reader), the next piece is taken to
  // continue the chain without an increase across the gap.
  private unknownRaw = false;

  constructor(readonly chain: SampleBuffer) {}

  add(p: CounterPart): void {
    if (p.length === 0) return;
    const chain = this.chain;
    let i = 0;
    while (i < p.length && p.t[i]! <= this.lastT) i++;
    if (i === p.length) return;
    if (this.unknownRaw) {
      const endAdj = chain.length > 0 ? chain.v[chain.length - 1]! : 0;
      this.offset = endAdj - p.v[i]!;
      this.rawLast = NaN;
      this.unknownRaw = false;
    }
    ensureSampleCapacity(chain, chain.length + p.length - i);
    // Capacity is ensured: write in place, without a check per point.
    const ct = chain.t, cv = chain.v, pt = p.t, pv = p.v;
    let k = chain.length;
    let offset = this.offset;
    if (p.adjusted) {
      // The piece's values differ from raw ones by a constant that makes its first value raw.
      if (p.v[0]! < this.rawLast) offset += this.rawLast;
      for (; i < p.length; i++, k++) {
        ct[k] = pt[i]!;
        cv[k] = pv[i]! + offset;
      }
      chain.length = k;
      const endAdj = p.v[p.length - 1]! + offset;
      this.rawLast = p.rawLast;
      if (p.rawLast !== p.rawLast) this.unknownRaw = true;
      else offset = endAdj - p.rawLast;
    } else {
      let prevRaw = this.rawLast;
      for (; i < p.length; i++) {
        const x = pv[i]!;
        if (x !== x) continue;
        if (x < prevRaw) offset += prevRaw;
        prevRaw = x;
        ct[k] = pt[i]!;
        cv[k++] = x + offset;
      }
      chain.length = k;
      this.rawLast = prevRaw;
    }
    this.offset = offset;
    if (chain.length > 0) this.lastT = chain.t[chain.length - 1]!;
  }
}

/** Folds point-aggregates into windows of `resolution`: `pick` combines a window's accumulated and next value. */
function fold(src: SampleBuffer, resolution: number, pick: (acc: number, x: number) => number): SampleBuffer {
  const out = newSampleBuffer(windowBound(src.t, src.length, resolution));
  let w = NaN, acc = 0, lastT = 0, any = false;
  for (let i = 0; i < src.length; i++) {
    const ti = src.t[i]!, x = src.v[i]!;
    const wi = Math.floor(ti / resolution);
    if (wi !== w) {
      if (any) pushSample(out, lastT, acc);
      w = wi;
      acc = x;
      any = true;
    } else acc = pick(acc, x);
    lastT = ti;
  }
  if (any) pushSample(out, lastT, acc);
  return out;
}

const add = (a: number, b: number) => a + b;
const min = (a: number, b: number) => (b < a ? b : a);
const max = (a: number, b: number) => (b > a ? b : a);

/**
 * Downsamples aggregates of a finer resolution (one continuous piece: pieces of several blocks are merged with
 * `mergeAggr`) to the coarser `resolution`, which must be a multiple of the input's. count and sum add up, min and
 * max fold, the counter chain keeps each window's first and last point: exactly what `downsampleRaw` would give
 * from the raw samples.
 */
export function downsampleAggr(a: AggrSeries, resolution: number): AggrSeries {
  const counter = newSampleBuffer(2 * windowBound(a.counter.t, a.counter.length, resolution));
  const c = a.counter;
  for (let i = 0; i < c.length; i++) {
    const wi = Math.floor(c.t[i]! / resolution);
    const firstOfWindow = i === 0 || Math.floor(c.t[i - 1]! / resolution) !== wi;
    const lastOfWindow = i === c.length - 1 || Math.floor(c.t[i + 1]! / resolution) !== wi;
    if (firstOfWindow || lastOfWindow) pushSample(counter, c.t[i]!, c.v[i]!);
  }
  return {
    count: fold(a.count, resolution, add),
    sum: fold(a.sum, resolution, add),
    min: fold(a.min, resolution, min),
    max: fold(a.max, resolution, max),
    counter,
    counterLast: a.counterLast,
  };
}

/**
 * Appends the points of `part` after `out`'s last time to `out` (growing it by doubling if needed): one step of
 * concatSamples.
 */
export function appendAfter(out: SampleBuffer, part: SampleBuffer): void {
  const lastT = out.length > 0 ? out.t[out.length - 1]! : -Infinity;
  let i = 0;
  while (i < part.length && part.t[i]! <= lastT) i++;
  if (i === part.length) return;
  ensureSampleCapacity(out, out.length + part.length - i);
  out.t.set(part.t.subarray(i, part.length), out.length);
  out.v.set(part.v.subarray(i, part.length), out.length);
  out.length += part.length - i;
}

/** Concatenates time-ordered pieces of one aggregate, dropping points not after the previous piece's last. */
export function concatSamples(parts: readonly SampleBuffer[]): SampleBuffer {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = newSampleBuffer(Math.max(1, total));
  let lastT = -Infinity;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (p.t[i]! <= lastT) continue;
      pushSample(out, p.t[i]!, p.v[i]!);
      lastT = p.t[i]!;
    }
  }
  return out;
}

/**
 * Merges the aggregates of consecutive blocks of one resolution (time-ordered, not overlapping) into one piece at
 * `resolution` (the same or coarser): the counters are stitched, the rest concatenated and folded.
 */
export function mergeAggr(parts: readonly AggrSeries[], resolution: number): AggrSeries {
  // A chain with gaps would hide the increases in them: keep the counter only if every piece has one.
  const counted = parts.every((p) => p.counter.length > 0);
  const { chain, rawLast } = counted
    ? stitchCounter(parts.map((p) => ({ ...p.counter, adjusted: true, rawLast: p.counterLast })))
    : { chain: newSampleBuffer(1), rawLast: NaN };
  return downsampleAggr({
    count: concatSamples(parts.map((p) => p.count)),
    sum: concatSamples(parts.map((p) => p.sum)),
    min: concatSamples(parts.map((p) => p.min)),
    max: concatSamples(parts.map((p) => p.max)),
    counter: chain,
    counterLast: rawLast,
  }, resolution);
}

/** avg per window: sum / count at the same timestamps. */
export function avgOf(sum: SampleBuffer, count: SampleBuffer): SampleBuffer {
  const out = newSampleBuffer(Math.max(1, sum.length));
  let j = 0;
  for (let i = 0; i < sum.length; i++) {
    const t = sum.t[i]!;
    while (j < count.length && count.t[j]! < t) j++;
    if (j < count.length && count.t[j] === t) pushSample(out, t, sum.v[i]! / count.v[j]!);
  }
  return out;
}
