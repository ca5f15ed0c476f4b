/**
 * Copies what a query needs from the head on the main thread, in slices that yield to the event loop so scrapes,
 * WAL writes and rule evaluations keep running while a large selection is gathered. Only encoded bytes are copied;
 * decoding happens in the worker.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ExecutionError, TimeoutError } from '../model/errors.js';
import type { Head } from '../tsdb/head/head.js';
import type { SelectorRange } from './plan.js';
import { SnapshotBuilder, type HeadSnapshot } from './snapshot.js';
import { resized } from '../model/typed-arrays.js';

export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

export interface PrefetchOptions {
  /** Longest stretch of work between yields to the event loop, ms. Default 2. */
  sliceMs?: number;
  /** performance.now() time after which the query has timed out. Default: none. */
  deadline?: number;
  /** Fail with ExecutionError once the copied chunks hold more samples than this. Default: no limit. */
  maxSamples?: number;
}

export interface Prefetched {
  snapshot: HeadSnapshot;
  /** Samples in the copied chunks (whole chunks: an upper bound of what the query decodes from the head). */
  samples: number;
  series: number;
}

/** Series handled between clock checks. */
const SERIES_PER_CHECK = 32;

/**
 * Gathers the head's chunks overlapping each selector's range for the series it matches (a series matched by
 * several selectors is copied once, over the union of their ranges). Throws ExecutionError over `maxSamples` and
 * TimeoutError past `deadline`, both checked between slices.
 */
export async function prefetchHead(head: Head, ranges: readonly SelectorRange[], opts: PrefetchOptions = {}): Promise<Prefetched> {
  const sliceMs = opts.sliceMs ?? 2;
  const maxSamples = opts.maxSamples ?? Infinity;
  let sliceStart = performance.now();
  const pause = async () => {
    const now = performance.now();
    if (opts.deadline !== undefined && now > opts.deadline) throw new TimeoutError('query timed out while reading the head');
    if (now - sliceStart >= sliceMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  };

  // Series ref → index into the union-range arrays; one selector's refs are distinct, so it needs no lookups.
  const dedupe = ranges.length > 1;
  const index = new Map<number, number>();
  let refs: Float64Array = new Float64Array(256), mints: Float64Array = new Float64Array(256), maxts: Float64Array = new Float64Array(256);
  // 1 while every range reading the series needs only its newest sample at one and the same time.
  let latest: Uint8Array = new Uint8Array(256);
  let n = 0;
  for (const r of ranges) {
    const matched = head.matchingRefs(r.matchers, r.mint, r.maxt);
    for (let i = 0; i < matched.length; i++) {
      const ref = matched[i]!;
      const at = dedupe ? index.get(ref) : undefined;
      if (at !== undefined) {
        if (!r.latestOnly || r.maxt !== maxts[at]!) latest[at] = 0;
        if (r.mint < mints[at]!) mints[at] = r.mint;
        if (r.maxt > maxts[at]!) maxts[at] = r.maxt;
        continue;
      }
      if (n === refs.length) {
        refs = resized(refs, 2 * refs.length);
        mints = resized(mints, 2 * mints.length);
        maxts = resized(maxts, 2 * maxts.length);
        const l = new Uint8Array(latest.length * 2);
        l.set(latest);
        latest = l;
      }
      if (dedupe) index.set(ref, n);
      refs[n] = ref;
      mints[n] = r.mint;
      maxts[n] = r.maxt;
      latest[n] = r.latestOnly ? 1 : 0;
      n++;
    }
    await pause();
  }

  const b = new SnapshotBuilder();
  for (let i = 0; i < n; i++) {
    // The series may have been garbage-collected while we yielded: readSeries then skips it.
    head.readSeries(refs[i]!, mints[i]!, maxts[i]!, b, latest[i] === 1);
    if (b.samples > maxSamples) throw new ExecutionError(TOO_MANY_SAMPLES);
    if ((i + 1) % SERIES_PER_CHECK === 0) await pause();
  }
  const series = b.seriesCount;
  return { snapshot: b.finish(), samples: b.samples, series };
}

