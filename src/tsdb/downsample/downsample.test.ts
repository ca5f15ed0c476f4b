/**
 * Downsampled answers against raw answers on the same data, through the real path: raw blocks on disk, the block
 * compactor (merge + downsample), Db.querier() and the PromQL engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type Value } from '../../promql/index.js';
import { labelsFromObject } from '../../model/labels.js';
import { writeBlock } from '../block/index.js';
import { Db } from '../db.js';

const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000;
/** Day-aligned start; samples every minute, 30 s past the minute (never on a window boundary). */
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const N = 4 * 24 * 60;
const SERIES = 4;

/** Deterministic integers (exact sums): a gauge wandering in [0, 1000) and a counter with resets. */
function data() {
  const t = new Float64Array(N);
  for (let k = 0; k < N; k++) t[k] = T0 + 30_000 + k * MIN;
  const series = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < SERIES; i++) {
    const g = new Float64Array(N), c = new Float64Array(N);
    let x = 500, cv = 1000 * i;
    for (let k = 0; k < N; k++) {
      x = Math.max(0, Math.min(999, x + Math.floor(rnd() * 41) - 20));
      g[k] = x;
      cv = k > 0 && k % 997 === 0 ? Math.floor(rnd() * 5) : cv + Math.floor(rnd() * 100);
      c[k] = cv;
    }
    series.push({ labels: labelsFromObject({ __name__: 'g', i: String(i) }), samples: { t, v: g, length: N } });
    series.push({ labels: labelsFromObject({ __name__: 'c', i: String(i) }), samples: { t, v: c, length: N } });
  }
  return series;
}

let dir: string;
let db: Db;
const engine = new Engine();
const NOW = T0 + 30 * DAY;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-ds-'));
  const all = data();
  // Raw blocks of 6 h, as if cut from the head: the compactor merges them up to 54 h, then downsamples.
  for (let s = T0; s < T0 + 4 * DAY; s += 6 * HOUR) await writeBlock(dir, all, { minTime: s, maxTime: s + 6 * HOUR });
  db = await Db.open(dir, { now: () => NOW });
  const steps = await db.compactBlocks({ retentionMs: new Map() });
  expect(steps.some((s) => s.step.kind === 'downsample' && s.step.to === 300_000)).toBe(true);
  expect(steps.some((s) => s.step.kind === 'downsample' && s.step.to === 3_600_000)).toBe(true);
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

type Matrix = Map<string, Map<number, number>>;
function matrix(v: Value): Matrix {
  if (v.type !== 'matrix') throw new Error(`expected a matrix, got ${v.type}`);
  const out: Matrix = new Map();
  for (const s of v.series) {
    const m = new Map<number, number>();
    for (let i = 0; i < s.t.length; i++) m.set(s.t[i]!, s.v[i]!);
    out.set(JSON.stringify(s.labels), m);
  }
  return out;
}

function range(expr: string, start: number, end: number, step: number, resolution?: number): { m: Matrix; served: number[] } {
  const v = engine.rangeQuery(db, expr, start, end, step, resolution === undefined ? undefined : { resolution });
  return { m: matrix(v), served: engine.servedResolutions };
}

const START = T0 + 6 * HOUR, END = T0 + 3 * DAY;

describe('downsampled vs raw answers', () => {
  for (const fn of ['min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time']) {
    it(`${fn} over whole windows is exact at 5m and 1h`, () => {
      const raw = range(`${fn}(g[1h])`, START, END, HOUR, 0);
      expect(raw.served).toEqual([0]);
      const auto = range(`${fn}(g[1h])`, START, END, HOUR);
      expect(auto.served).toEqual([3_600_000]);
      const five = range(`${fn}(g[1h])`, START, END, HOUR, 300_000);
      expect(five.served).toEqual([300_000]);
      expect(raw.m.size).toBe(SERIES);
      expect(auto.m).toEqual(raw.m);
      expect(five.m).toEqual(raw.m);
    });
  }

  it('rate and increase over counters with resets are exact over whole windows', () => {
    for (const expr of ['rate(c[1h])', 'increase(c[2h])']) {
      const raw = range(expr, START, END, HOUR, 0);
      const auto = range(expr, START, END, HOUR);
      expect(auto.served).toEqual([3_600_000]);
      expect(auto.m.size).toBe(SERIES);
      for (const [k, series] of raw.m) {
        for (const [t, v] of series) expect(auto.m.get(k)!.get(t)).toBeCloseTo(v, 9);
      }
    }
  });

  // Off the window grid, the chain's first and last points inside the range can be up to one window (5 min) inside
  // the raw ones; extrapolation covers most of that. Stated tolerance: each value within 10 %, on average within 2 %.
  it('rate over ranges not aligned to windows stays within 10 % of raw (5m data), 2 % on average', () => {
    const start = START + 17 * MIN;
    const raw = range('rate(c[1h])', start, END, HOUR, 0);
    const auto = range('rate(c[1h])', start, END, HOUR);
    expect(auto.served).toEqual([300_000]);
    let worst = 0, sum = 0, n = 0;
    for (const [k, series] of raw.m) {
      for (const [t, v] of series) {
        const e = Math.abs(auto.m.get(k)!.get(t)! - v) / v;
        worst = Math.max(worst, e);
        sum += e;
        n++;
      }
    }
    expect(n).toBe(SERIES * (Math.floor((END - start) / HOUR) + 1));
    expect(worst).toBeLessThan(0.1);
    expect(sum / n).toBeLessThan(0.02);
  });

  it('a plain selector reads each window\'s average', () => {
    const raw = range('g', START, END, HOUR, 0);
    const auto = range('g', START, END, HOUR);
    expect(auto.served).toEqual([3_600_000]);
    // Window average of the raw samples in [t − 1h, t): from sum_over_time and count_over_time on raw data.
    const sums = range('sum_over_time(g[1h])', START, END, HOUR, 0).m;
    const counts = range('count_over_time(g[1h])', START, END, HOUR, 0).m;
    for (const [k, series] of auto.m) {
      const key = k.replace('{"name":"__name__","value":"g"},', '');
      for (const [t, v] of series) expect(v).toBeCloseTo(sums.get(key)!.get(t)! / counts.get(key)!.get(t)!, 9);
      expect(series.size).toBe(raw.m.get(k)!.size);
    }
  });

  it('max_source_resolution forces a tier even where a coarser one would be chosen', () => {
    const forced = range('max_over_time(g[1d])', T0 + DAY, END, DAY, 300_000);
    expect(forced.served).toEqual([300_000]);
    const auto = range('max_over_time(g[1d])', T0 + DAY, END, DAY);
    expect(auto.served).toEqual([3_600_000]);
    expect(auto.m).toEqual(forced.m);
  });
});

describe('coverage fallback', () => {
  it('serves from downsampled tiers where raw data was deleted, and raw where it remains', async () => {
    const local = mkdtempSync(join(tmpdir(), 'vigil-ds-fb-'));
    try {
      const all = data();
      for (let s = T0; s < T0 + 4 * DAY; s += 6 * HOUR) await writeBlock(local, all, { minTime: s, maxTime: s + 6 * HOUR });
      const d = await Db.open(local, { now: () => NOW });
      try {
        await d.compactBlocks({ retentionMs: new Map() });
        // Raw kept 28 days back from NOW: the first two of four days of raw data expire, 5m and 1h stay.
        await d.compactBlocks({ retentionMs: new Map([[0, 28 * DAY]]) });
        expect(d.blocks().filter((b) => b.resolution === 0).every((b) => b.maxTime > NOW - 28 * DAY)).toBe(true);
        const v = engine.rangeQuery(d, 'max_over_time(g[1h])', START, END, HOUR, { resolution: 0 });
        expect(engine.servedResolutions).toEqual([0, 300_000]);
        const m = matrix(v);
        // Still every step: the expired stretch comes from 5m data (the finest left there), the rest raw.
        for (const series of m.values()) expect(series.size).toBe((END - START) / HOUR + 1);
        expect(m).toEqual(range('max_over_time(g[1h])', START, END, HOUR, 0).m);
      } finally {
        await d.close();
      }
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });
});
