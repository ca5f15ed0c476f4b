import { describe, expect, it } from 'vitest';
import { BlockCache, evaluate } from './evaluate.js';
import { SnapshotSource } from './snapshot.js';
import { WARMUP_QUERIES, warmUp, warmupSnapshot } from './warmup.js';

const END = 1_700_000_000_000;

describe('query worker warm-up', () => {
  it('gives every warm-up query a non-empty answer, instant and range, so it runs the engine paths it is for', () => {
    const head = warmupSnapshot();
    const cache = new BlockCache();
    for (const expr of WARMUP_QUERIES) {
      for (const kind of ['instant', 'range'] as const) {
        const res = evaluate(
          {
            id: 1, kind, expr, start: kind === 'instant' ? END : END - 60_000, end: END, stepMs: kind === 'instant' ? 1 : 1000,
            blocks: [], downsampled: [], head, headMinTime: END - 179_000, headSamples: 0, maxSamples: 50e6,
            timeoutMs: 60_000, lookbackMs: 300_000, defaultSubqueryStepMs: 60_000,
          },
          cache,
        );
        if (!res.ok) throw new Error(`${expr} (${kind}): ${res.error.message}`);
        expect(res.value.type, expr).toMatch(/vector|matrix/);
        if (res.value.type === 'vector' || res.value.type === 'matrix') {
          expect(res.value.labelEnd.length, `${expr} (${kind})`).toBeGreaterThan(0);
          // Range answers hold every step of the minute for some series.
          if (kind === 'range') expect(res.value.t.length, expr).toBeGreaterThanOrEqual(61);
        }
      }
    }
  });

  it('holds about 350 series of 180 samples at 1 s, in a completed and an open chunk each', () => {
    const snap = warmupSnapshot();
    const src = new SnapshotSource(snap);
    expect(src.seriesCount).toBe(8 * (16 + 4 + 4 + 4 + 7));
    expect(snap.minT.length).toBe(2 * src.seriesCount);
    const one = src.select([], END - 179_000, END)[0]!.samples();
    expect(one.length).toBe(180);
    expect(one.t[1]! - one.t[0]!).toBe(1000);
  });

  it('runs each query instant and range per pass, yielding before the first evaluation and after each, and stops when asked', async () => {
    let yields = 0;
    const runs = await warmUp({ passes: 2, yieldToLoop: async () => void yields++ });
    expect(runs).toBe(2 * WARMUP_QUERIES.length * 2);
    expect(yields).toBe(runs + 1);
    // Three yields allowed: the one before the first step, then one after each of two steps.
    let left = 3;
    const stopped = await warmUp({ passes: 2, yieldToLoop: async () => void left--, stopped: () => left <= 0 });
    expect(stopped).toBe(2);
  });
});
