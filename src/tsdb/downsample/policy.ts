/**
 * Which downsampled data a PromQL selector may read (pure; used by the engine to fill SelectHints).
 *
 * A range selector under a function may read resolution R when either
 *   - its range holds at least 5 windows of R (approximate: the windows at the range's edges may be partly outside), or
 *   - every window it is evaluated over is a whole number of R-windows (range, step, start − offset multiples of R):
 *     then count, sum, min and max are exact and the counter chain gives rate/increase from the same first and last
 *     samples as raw data (aggregate.ts), as long as no raw sample lies exactly on a range's start;
 * and, in a range query, R is not coarser than the step. A plain selector may read R in a range query whose step is at
 * least R (it then reads the window average, and looks back R further). Instant queries read raw plain selectors.
 */
import type { SampleAggregate } from '../types.js';

/** The downsampled resolutions vigil writes (ms), coarsest first. */
export const DOWNSAMPLED_RESOLUTIONS: readonly number[] = [3_600_000, 300_000];

/** The aggregate a range function needs from downsampled data (avg for functions without a better one). */
export function aggregateFor(fn: string | undefined): SampleAggregate {
  switch (fn) {
    case 'min_over_time': return 'min';
    case 'max_over_time': return 'max';
    case 'sum_over_time': return 'sum';
    case 'count_over_time': return 'count';
    case 'rate': case 'increase': case 'irate': return 'counter';
    default: return 'avg';
  }
}

export interface SelectorShape {
  /** Range of a range selector, ms; 0 for a plain (instant) selector. */
  rangeMs: number;
  /** Step of the evaluation, ms; 0 for an instant query. */
  stepMs: number;
  /** First evaluation time, ms. */
  start: number;
  offsetMs: number;
  /** The selector has an `@` modifier (its windows do not follow the steps). */
  pinned: boolean;
}

/** Coarsest resolution (ms, 0 = raw) the selector can be served from under the rules above. */
export function autoResolution(s: SelectorShape): number {
  for (const r of DOWNSAMPLED_RESOLUTIONS) {
    if (s.stepMs > 0 && s.stepMs < r) continue;
    if (s.rangeMs === 0) {
      if (s.stepMs >= r) return r;
      continue;
    }
    if (s.rangeMs >= 5 * r) return r;
    const mod = (x: number) => ((x % r) + r) % r;
    if (!s.pinned && s.rangeMs % r === 0 && mod(s.start - s.offsetMs) === 0 && s.stepMs % r === 0) return r;
  }
  return 0;
}

/** Parses a `max_source_resolution` value: undefined for auto, else ms. Throws on anything else. */
export function parseMaxSourceResolution(v: string | undefined): number | undefined {
  switch (v ?? 'auto') {
    case 'auto': return undefined;
    case 'raw': case '0s': return 0;
    case '5m': return 300_000;
    case '1h': return 3_600_000;
    default: throw new Error(`invalid max_source_resolution "${v}": must be raw, 5m, 1h or auto`);
  }
}
