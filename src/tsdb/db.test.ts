import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import client from 'prom-client';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLabels, labelsFromObject, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { writeBlock } from './block/index.js';
import { Db, DbLockedError } from './db.js';
import { AppendStatus, type Querier } from './types.js';

const H = 3600_000;
const STEP = 60_000;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'vigil-db-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every series and sample a querier returns for `matchers` over a range, as comparable plain data. */
function dump(q: Querier, mint: number, maxt: number, matchers = [new Matcher('=~', '__name__', '.+')]): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const s of q.select(matchers, mint, maxt)) {
    const b = s.samples();
    const rows: number[][] = [];
    for (let i = 0; i < b.length; i++) rows.push([b.t[i]!, b.v[i]!]);
    out[formatLabels(s.labels)] = rows;
  }
  return out;
}

function dumpDb(db: Db, mint: number, maxt: number): Record<string, number[][]> {
  const q = db.querier();
  try {
    return dump(q, mint, maxt);
  } finally {
    q.close();
  }
}

/** Appends one sample per STEP for each label set over [from, to), one commit per timestamp. */
function fill(db: Db, sets: Labels[], from: number, to: number, value: (i: number, t: number) => number): void {
  const app = db.appender();
  for (let t = from; t < to; t += STEP) {
    sets.forEach((ls, i) => expect(app.append(app.ref(ls), t, value(i, t))).toBe(AppendStatus.OK));
    app.commit();
  }
}

/** The expected dump for series filled by fill(), computed independently of the engine. */
function expected(parts: { sets: Labels[]; from: number; to: number; value: (i: number, t: number) => number }[], mint: number, maxt: number) {
  const out: Record<string, number[][]> = {};
  for (const p of parts) {
    p.sets.forEach((ls, i) => {
      const key = formatLabels(ls);
      for (let t = p.from; t < p.to; t += STEP) if (t >= mint && t <= maxt) (out[key] ??= []).push([t, p.value(i, t)]);
    });
  }
  return out;
}

async function metricValue(name: string): Promise<number> {
  const m = client.register.getSingleMetric(name);
  if (!m) throw new Error(`metric ${name} not registered`);
  return (await m.get()).values.reduce((a, x) => a + x.value, 0);
}

const series = (name: string, n: number): Labels[] =>
  Array.from({ length: n }, (_, i) => labelsFromObject({ __name__: name, instance: `host-${i}`, job: 'node' }));

describe('Db', () => {
  it('replays every committed sample after reopening, twice', async () => {
    const sets = series('cpu', 20);
    const value = (i: number, t: number) => i * 1000 + t / STEP;
    let db = await Db.open(dir);
    const appended0 = await metricValue('vigil_tsdb_head_samples_appended_total');
    fill(db, sets, 0, 30 * STEP, value);
    expect(await metricValue('vigil_tsdb_head_samples_appended_total')).toBe(appended0 + 20 * 30);
    expect(await metricValue('vigil_tsdb_head_series')).toBe(20);
    expect(await metricValue('vigil_tsdb_head_chunks')).toBe(20);
    const before = dumpDb(db, 0, H);
    expect(before).toEqual(expected([{ sets, from: 0, to: 30 * STEP, value }], 0, H));
    await db.close();

    db = await Db.open(dir);
    expect(dumpDb(db, 0, H)).toEqual(before);
    // Refs are stable across restarts, so new batches extend the same series.
    const more = series('mem', 5);
    fill(db, [...sets, ...more], 30 * STEP, 40 * STEP, value);
    await db.close();

    db = await Db.open(dir);
    expect(dumpDb(db, 0, H)).toEqual(
      expected(
        [
          { sets, from: 0, to: 30 * STEP, value },
          { sets: [...sets, ...more], from: 30 * STEP, to: 40 * STEP, value },
        ],
        0,
        H,
      ),
    );
    expect(db.stats().head.numSeries).toBe(25);
    expect(db.stats().cardinality.seriesCountByMetricName).toEqual([
      { name: 'cpu', value: 20 },
      { name: 'mem', value: 5 },
    ]);
    await db.close();
  });

  it('compacts the head into blocks with identical query results before, after and across a restart', async () => {
    const value = (i: number, t: number) => i + t / 1000;
    const steady = series('steady', 30);
    const early = series('early', 10); // stops at 1h: garbage-collected once its range is persisted
    const late = series('late', 10); // starts later, reusing freed slots
    const parts = [
      { sets: [...steady, ...early], from: 0, to: H, value },
      { sets: steady, from: H, to: 3.5 * H, value },
      { sets: [...steady, ...late], from: 3.5 * H, to: 6 * H, value },
    ];
    const want = expected(parts, 0, 6 * H);

    const db = await Db.open(dir);
    fill(db, [...steady, ...early], 0, H, value);
    fill(db, steady, H, 3.5 * H, value);
    expect(await db.compactHead()).toHaveLength(1); // span 3.5h > 3h: persists [0, 2h)
    expect(db.blocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 2 * H]]);
    expect(db.head.minTime()).toBe(2 * H);
    expect(db.stats().head.numSeries).toBe(30); // "early" had nothing after 2h
    fill(db, [...steady, ...late], 3.5 * H, 6 * H, value);
    const midway = dumpDb(db, 0, 6 * H);
    expect(midway).toEqual(want);

    const res = await db.compactHead(); // span 4h: persists [2h, 4h)
    expect(res.map((r) => [r.minTime, r.maxTime])).toEqual([[2 * H, 4 * H]]);
    // Segment 0 held samples up to 3.5h < 4h: replaced by a checkpoint.
    expect(res[0]!.checkpointThrough).toBe(0);
    expect(db.blocks()).toHaveLength(2);
    expect(dumpDb(db, 0, 6 * H)).toEqual(want);
    // Queries that cut across the block/head boundary.
    expect(dumpDb(db, 3 * H + 1, 4 * H + 5 * STEP)).toEqual(expected(parts, 3 * H + 1, 4 * H + 5 * STEP));
    const q = db.querier();
    expect(q.labelValues('__name__', [], 0, 6 * H)).toEqual(['early', 'late', 'steady']);
    expect(q.labelNames([new Matcher('=', '__name__', 'early')], 0, 6 * H)).toEqual(['__name__', 'instance', 'job']);
    q.close();
    await db.close();

    const again = await Db.open(dir);
    expect(dumpDb(again, 0, 6 * H)).toEqual(want);
    expect(again.stats().head.minTime).toBe(4 * H);
    expect(again.appender().append(again.appender().ref(steady[0]!), 4 * H - STEP, 1)).toBe(AppendStatus.OutOfBounds);
    await again.close();
  });

  it('keeps serving a querier opened before a compaction', async () => {
    const sets = series('m', 5);
    const value = (i: number, t: number) => i + t;
    const db = await Db.open(dir);
    fill(db, sets, 0, 3.5 * H, value);
    const q = db.querier();
    const compaction = db.compactHead();
    // The compaction waits for `q` before truncating the head; what `q` reads is unchanged meanwhile.
    await new Promise((r) => setTimeout(r, 50));
    expect(dump(q, 0, 4 * H)).toEqual(expected([{ sets, from: 0, to: 3.5 * H, value }], 0, 4 * H));
    q.close();
    await compaction;
    expect(db.head.minTime()).toBe(2 * H);
    expect(dumpDb(db, 0, 4 * H)).toEqual(expected([{ sets, from: 0, to: 3.5 * H, value }], 0, 4 * H));
    await db.close();
  });

  it('refuses a second opener with the holder pid and takes over a stale lock', async () => {
    const db = await Db.open(dir);
    const err = await Db.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbLockedError);
    expect((err as DbLockedError).pid).toBe(process.pid);
    expect((err as Error).message).toContain(String(process.pid));
    await db.close();
    expect(fs.existsSync(join(dir, 'lock'))).toBe(false);

    // A lock left by a process that has exited.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    expect(deadPid).toBeGreaterThan(0);
    fs.writeFileSync(join(dir, 'lock'), `${deadPid}\n`);
    const db2 = await Db.open(dir);
    expect(fs.readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    await db2.close();

    // A lock naming our own pid that no Db here holds: left by an earlier run that had the same pid.
    fs.writeFileSync(join(dir, 'lock'), `${process.pid}\n`);
    const db3 = await Db.open(dir);
    await expect(Db.open(dir)).rejects.toBeInstanceOf(DbLockedError);
    await db3.close();
  });

  it('picks up blocks written by others on reloadBlocks and drops deleted ones', async () => {
    const db = await Db.open(dir);
    fill(db, series('live', 2), 10 * H, 10 * H + 3 * STEP, () => 7);
    const ls = labelsFromObject({ __name__: 'imported' });
    const samples = { t: Float64Array.from([1000, 2000]), v: Float64Array.from([1, 2]), length: 2 };
    const meta = await writeBlock(dir, [{ labels: ls, samples }], { minTime: 0, maxTime: 2 * H });
    expect(dumpDb(db, 0, 2 * H)).toEqual({});
    expect(await db.reloadBlocks()).toEqual({ added: 1, removed: 0 });
    expect(dumpDb(db, 0, 2 * H)).toEqual({ imported: [[1000, 1], [2000, 2]] });
    fs.rmSync(meta.dir, { recursive: true });
    expect(await db.reloadBlocks()).toEqual({ added: 0, removed: 1 });
    expect(dumpDb(db, 0, 2 * H)).toEqual({});
    expect(Object.keys(dumpDb(db, 0, 11 * H))).toHaveLength(2);
    await db.close();
  });

  it('deletes blocks past retention after a compaction', async () => {
    let now = 0;
    const sets = series('m', 3);
    const value = () => 1;
    const db = await Db.open(dir, { retentionMs: 3 * H, now: () => now });
    fill(db, sets, 0, 3.5 * H, value);
    now = 4 * H; // block [0, 2h) is still within 3h of now
    await db.compactHead();
    expect(db.blocks()).toHaveLength(1);
    fill(db, sets, 3.5 * H, 5.5 * H, value);
    now = 5.5 * H; // [0, 2h) ended 3.5h ago: deleted; [2h, 4h) stays
    await db.compactHead();
    expect(db.blocks().map((b) => b.minTime)).toEqual([2 * H]);
    expect(fs.readdirSync(dir).filter((f) => f !== 'wal' && f !== 'lock' && f !== 'chunks_head')).toHaveLength(1);
    await db.close();
  });
});
