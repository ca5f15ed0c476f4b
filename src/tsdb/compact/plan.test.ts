import { describe, it, expect } from 'vitest';
import { DAY, DEFAULT_RANGES, DEFAULT_TIERS, HOUR, RES_1H, RES_5M, obsoleteBlocks, planNext, type PlanBlock, type PlanOptions } from './plan.js';

/** A multiple of 54 h (hence of 6 h and 18 h): 2025-12-30T12:00:00Z. */
const T = 9090 * 54 * 3_600_000;
let n = 0;
function block(minTime: number, maxTime: number, resolution = 0, sources?: string[], bytes = 1000): PlanBlock {
  const id = `B${String(++n).padStart(3, '0')}`;
  return { id, minTime, maxTime, resolution, sources: sources ?? [id], bytes };
}
function opts(now: number, o: Partial<PlanOptions> = {}): PlanOptions {
  return { now, retentionMs: new Map(), ranges: DEFAULT_RANGES, tiers: DEFAULT_TIERS, ...o };
}

describe('retention', () => {
  it('deletes, per resolution, exactly the blocks that ended at or before now − retention', () => {
    const now = T + 400 * DAY;
    const retention = new Map([[0, 15 * DAY], [RES_5M, 90 * DAY], [RES_1H, 365 * DAY]]);
    const rawOld = block(now - 16 * DAY - 2 * HOUR, now - 16 * DAY);
    const rawEdge = block(now - 15 * DAY - 2 * HOUR, now - 15 * DAY); // last sample before the cutoff: expired
    const rawKept = block(now - 15 * DAY - 2 * HOUR + 1, now - 15 * DAY + 1); // one ms of data after it: kept
    const fiveOld = block(now - 100 * DAY, now - 91 * DAY, RES_5M);
    const fiveKept = block(now - 95 * DAY, now - 89 * DAY, RES_5M);
    const hourOld = block(now - 380 * DAY, now - 366 * DAY, RES_1H);
    const hourKept = block(now - 370 * DAY, now - 300 * DAY, RES_1H);
    const step = planNext([rawOld, rawEdge, rawKept, fiveOld, fiveKept, hourOld, hourKept], opts(now, { retentionMs: retention }));
    expect(step).toEqual({ kind: 'delete', reason: 'retention', ids: [rawOld.id, rawEdge.id, fiveOld.id, hourOld.id] });
  });

  it('keeps resolutions without a retention forever', () => {
    const now = T + 400 * DAY;
    const old = block(T, T + 2 * HOUR, RES_1H);
    expect(planNext([old], opts(now, { retentionMs: new Map([[0, DAY]]) }))).toBeNull();
  });

  it('over the size limit deletes whole blocks oldest first, never the newest', () => {
    const now = T + 10 * DAY;
    const a = block(T, T + 54 * HOUR, 0, undefined, 400);
    const b = block(T + 54 * HOUR, T + 108 * HOUR, 0, undefined, 400);
    const c = block(T + 20 * HOUR, T + 60 * HOUR, RES_5M, [a.id], 100); // starts after a: younger than a
    const d = block(T + 108 * HOUR, T + 162 * HOUR, 0, undefined, 400);
    // 1300 bytes, limit 800: a (oldest start) then c go; b and d stay (800).
    expect(planNext([d, c, b, a], opts(now, { retentionBytes: 800 }))).toEqual({ kind: 'delete', reason: 'size', ids: [a.id, c.id] });
    expect(planNext([d], opts(now, { retentionBytes: 1 }))).not.toEqual(expect.objectContaining({ kind: 'delete' }));
  });
});

describe('obsolete blocks', () => {
  it('are the inputs of a merge whose output exists, whatever their resolution\'s other blocks', () => {
    const a = block(T, T + 2 * HOUR), b = block(T + 2 * HOUR, T + 4 * HOUR);
    const merged = block(T, T + 4 * HOUR, 0, [a.id, b.id]);
    const fiveFromA = block(T, T + 2 * HOUR, RES_5M, [a.id]);
    expect(obsoleteBlocks([a, b, merged, fiveFromA]).sort()).toEqual([a.id, b.id]);
    // Two outputs of the same inputs: the older id goes.
    const twin = block(T, T + 4 * HOUR, 0, [a.id, b.id]);
    expect(obsoleteBlocks([merged, twin])).toEqual([merged.id]);
  });
});

describe('compaction', () => {
  it('merges the blocks of a closed window, not of an open one', () => {
    expect(T % (54 * HOUR)).toBe(0);
    const bs = [block(T, T + 2 * HOUR), block(T + 2 * HOUR, T + 4 * HOUR)];
    // Window [T, T+6h) is open while no block reaches its end and the 4h grace after it has not passed.
    expect(planNext(bs, opts(T + 9 * HOUR))).toBeNull();
    // A newer block closes it.
    const next = block(T + 6 * HOUR, T + 8 * HOUR);
    expect(planNext([...bs, next], opts(T + 8 * HOUR))).toEqual({
      kind: 'compact', resolution: 0, ids: bs.map((b) => b.id), minTime: T, maxTime: T + 4 * HOUR,
    });
    // So does time.
    expect(planNext(bs, opts(T + 10 * HOUR))).toMatchObject({ kind: 'compact', ids: bs.map((b) => b.id) });
  });
});

describe('downsampling', () => {
  it('downsamples a raw block once it is older than 40h and alone in its 54h window, once', () => {
    const raw = block(T, T + 54 * HOUR);
    expect(planNext([raw], opts(T + 54 * HOUR + 39 * HOUR))).toBeNull();
    expect(planNext([raw], opts(T + 54 * HOUR + 40 * HOUR))).toEqual({
      kind: 'downsample', from: 0, to: RES_5M, ids: [raw.id], minTime: T, maxTime: T + 54 * HOUR,
    });
    const five = block(T, T + 54 * HOUR, RES_5M, [raw.id]);
    expect(planNext([raw, five], opts(T + 54 * HOUR + 40 * HOUR))).toBeNull();
  });

  it('builds 1h from 5m after 10 days', () => {
    const raw = block(T, T + 54 * HOUR);
    const five = block(T, T + 54 * HOUR, RES_5M, [raw.id]);
    const now = T + 54 * HOUR + 10 * DAY;
    expect(planNext([raw, five], opts(now))).toMatchObject({ kind: 'downsample', from: RES_5M, to: RES_1H, ids: [five.id] });
    expect(planNext([raw, five], opts(now - 1))).toBeNull();
  });
});
