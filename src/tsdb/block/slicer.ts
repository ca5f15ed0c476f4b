/**
 * Cooperative time slicing for long CPU work on the main thread (block writing, index building, checkpoints):
 * the work checks `due()` every few iterations and awaits `pause()` when its slice is used up, so scrapes, WAL
 * commits and rule evaluations queued meanwhile run within about one slice.
 */
import { performance } from 'node:perf_hooks';

/** Default longest stretch of work between two yields, ms. */
export const DEFAULT_SLICE_MS = 10;

/**
 * Tracks how long the current slice has run. Cheap to poll (one `performance.now()`), but callers still poll only
 * every few dozen to few thousand iterations, sized so that one poll interval stays well under a millisecond.
 */
export class Slicer {
  private start = performance.now();
  /** Number of times the work yielded (for tests and logs). */
  yields = 0;

  constructor(readonly sliceMs = DEFAULT_SLICE_MS) {}

  /** True when the current slice has used up its time. */
  due(): boolean {
    return performance.now() - this.start > this.sliceMs;
  }

  /**
   * Yields to the event loop through `setImmediate` (after pending I/O callbacks, so timers and sockets get their
   * turn) and starts a new slice.
   */
  async pause(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    this.yields++;
    this.start = performance.now();
  }

  /** `pause()` if the slice is used up. */
  async maybePause(): Promise<void> {
    if (this.due()) await this.pause();
  }
}

/**
 * Sorts `a` in place by `cmp` (stable), yielding through `slicer` between pieces: runs of up to 256 elements are
 * sorted by Array.prototype.sort, then merged bottom-up with a poll every 1024 elements merged. The same order as
 * `a.sort(cmp)` for a consistent comparator.
 */
export async function sortSliced<T>(a: T[], cmp: (x: T, y: T) => number, slicer: Slicer): Promise<void> {
  const n = a.length;
  const RUN = 256;
  for (let i = 0; i < n; i += RUN) {
    const part = a.slice(i, Math.min(n, i + RUN)).sort(cmp);
    for (let j = 0; j < part.length; j++) a[i + j] = part[j]!;
    await slicer.maybePause();
  }
  if (n <= RUN) return;
  let src = a;
  let dst: T[] = new Array<T>(n);
  let polled = 0;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width), hi = Math.min(n, lo + 2 * width);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        // `<= 0` takes from the left run on ties: stable, as Array.prototype.sort.
        dst[k++] = cmp(src[i]!, src[j]!) <= 0 ? src[i++]! : src[j++]!;
        if (++polled === 1024) {
          polled = 0;
          if (slicer.due()) await slicer.pause();
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) for (let i = 0; i < n; i++) a[i] = src[i]!;
}

/** Drives a generator that yields at its own pause points, yielding to the event loop when the slice is due. */
export async function runSliced<R>(steps: Generator<void, R>, slicer: Slicer): Promise<R> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (slicer.due()) await slicer.pause();
  }
}

/** Runs a generator with pause points to completion without yielding (for synchronous callers). */
export function runToEnd<R>(steps: Generator<void, R>): R {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
