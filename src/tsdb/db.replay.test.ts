import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log/index.js';
import { formatLabels, labelsFromObject, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Db } from './db.js';
import { CHUNKS_HEAD_DIR } from './head/chunk-disk.js';
import { SLOT_SPACE } from './head/head.js';
import { RecordType, encodeColumnSamplesRecord, encodeSeriesRecord, recordType } from './records.js';
import { AppendStatus } from './types.js';
import { Wal } from './wal/index.js';

const H = 3600_000;
const STEP = 60_000;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'vigil-replay-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Captures log lines as plain objects. */
function captureLogger(lines: { level: string; msg: string; fields: Record<string, unknown> }[]): Logger {
  const log = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => {
    lines.push({ level, msg, fields });
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

function dumpDb(db: Db, mint: number, maxt: number): Record<string, number[][]> {
  const q = db.querier();
  try {
    const out: Record<string, number[][]> = {};
    for (const s of q.select([new Matcher('=~', '__name__', '.+')], mint, maxt)) {
      const b = s.samples();
      const rows: number[][] = [];
      for (let i = 0; i < b.length; i++) rows.push([b.t[i]!, b.v[i]!]);
      out[formatLabels(s.labels)] = rows;
    }
    return out;
  } finally {
    q.close();
  }
}

const series = (name: string, n: number): Labels[] =>
  Array.from({ length: n }, (_, i) => labelsFromObject({ __name__: name, instance: `host-${i}`, job: 'node' }));

/** One sample per STEP for each set over [from, to), one commit per timestamp; value = i * 1000 + t / STEP. */
function fill(db: Db, sets: Labels[], from: number, to: number): void {
  const app = db.appender();
  for (let t = from; t < to; t += STEP) {
    sets.forEach((ls, i) => expect(app.append(app.ref(ls), t, i * 1000 + t / STEP)).toBe(AppendStatus.OK));
    app.commit();
  }
}

/** What fill() stored, computed independently of the engine. */
function expected(sets: Labels[], from: number, to: number): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  sets.forEach((ls, i) => {
    const rows: number[][] = [];
    for (let t = from; t < to; t += STEP) rows.push([t, i * 1000 + t / STEP]);
    out[formatLabels(ls)] = rows;
  });
  return out;
}

function chunkFiles(): string[] {
  const d = join(dir, CHUNKS_HEAD_DIR);
  return fs.existsSync(d) ? fs.readdirSync(d).sort() : [];
}

function replayedLine(lines: { msg: string; fields: Record<string, unknown> }[]): Record<string, unknown> {
  const l = lines.find((x) => x.msg === 'WAL replayed');
  if (!l) throw new Error('no "WAL replayed" line');
  return l.fields;
}

describe('WAL samples records', () => {
  it('replays records in the column layout of earlier versions, then appends compact ones after them', async () => {
    // A WAL as an earlier version wrote it, built from the record functions, not through the head.
    const wal = Wal.open(join(dir, 'wal'));
    const refA = SLOT_SPACE + 1, refB = SLOT_SPACE + 2;
    wal.logBatch([
      encodeSeriesRecord([
        { ref: refA, labels: labelsFromObject({ __name__: 'old', instance: 'a' }) },
        { ref: refB, labels: labelsFromObject({ __name__: 'old', instance: 'b' }) },
      ]),
      encodeColumnSamplesRecord(Float64Array.of(refA, refB), Float64Array.of(1000, 1000), Float64Array.of(1, 2), 2),
    ]);
    wal.logBatch([encodeColumnSamplesRecord(Float64Array.of(refA, refB), Float64Array.of(2000, 2000), Float64Array.of(3, 4), 2)]);
    wal.close();

    let db = await Db.open(dir);
    expect(dumpDb(db, 0, H)).toEqual({
      'old{instance="a"}': [[1000, 1], [2000, 3]],
      'old{instance="b"}': [[1000, 2], [2000, 4]],
    });
    const app = db.appender();
    expect(app.append(app.ref(labelsFromObject({ __name__: 'old', instance: 'a' })), 3000, 5)).toBe(AppendStatus.OK);
    app.commit();
    await db.close();

    const types: number[] = [];
    const again = Wal.open(join(dir, 'wal'));
    again.replay((rec) => types.push(recordType(rec)));
    again.close();
    // The new commit went out as a compact record (its series was already logged).
    expect(types).toEqual([RecordType.Series, RecordType.Samples, RecordType.Samples, RecordType.SamplesCompact]);

    db = await Db.open(dir);
    expect(dumpDb(db, 0, H)['old{instance="a"}']).toEqual([[1000, 1], [2000, 3], [3000, 5]]);
    await db.close();
  });
});

describe('persisted head chunks', () => {
  const sets = series('cpu', 10);

  it('are written as chunks are cut and loaded at restart instead of re-encoding their samples', async () => {
    let db = await Db.open(dir);
    // 250 samples per series: two chunks of 120 cut, 10 samples in the open chunk, which close() persists too.
    fill(db, sets, 0, 250 * STEP);
    await db.close();
    expect(chunkFiles().length).toBeGreaterThan(0);

    const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    db = await Db.open(dir, { logger: captureLogger(lines) });
    expect(replayedLine(lines).persistedChunks).toBe(30);
    // No sample had to come from the WAL.
    expect(replayedLine(lines).samples).toBe(0);
    expect(dumpDb(db, 0, 5 * H)).toEqual(expected(sets, 0, 250 * STEP));
    expect(db.stats().head.numSamples).toBe(2500);
    // Appends continue the series (duplicate check against the loaded last sample included).
    const app = db.appender();
    expect(app.append(app.ref(sets[0]!), 249 * STEP, 249)).toBe(AppendStatus.OK);
    expect(app.append(app.ref(sets[0]!), 249 * STEP, 7)).toBe(AppendStatus.DuplicateTimestamp);
    await db.close();
  });

  it('fall back to the WAL from the first damaged entry on, and the chunks cut again are written anew', async () => {
    let db = await Db.open(dir);
    fill(db, sets, 0, 250 * STEP);
    await db.close();
    const [file] = chunkFiles();
    const path = join(dir, CHUNKS_HEAD_DIR, file!);
    const size = fs.statSync(path).size;
    // Flip a byte in the middle of the file: every entry from the damaged one on is ignored.
    const bytes = fs.readFileSync(path);
    bytes[Math.floor(size / 2)]! ^= 0xff;
    fs.writeFileSync(path, bytes);

    const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    db = await Db.open(dir, { logger: captureLogger(lines) });
    expect(lines.some((l) => l.level === 'warn' && /head chunk files damaged/.test(l.msg))).toBe(true);
    const loaded = replayedLine(lines).persistedChunks as number;
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(30);
    // The series whose entries were lost get their samples from the WAL.
    expect(replayedLine(lines).samples).toBeGreaterThan(0);
    expect(dumpDb(db, 0, 5 * H)).toEqual(expected(sets, 0, 250 * STEP));
    await db.close();
    // The damaged file is replaced by a new one holding the chunks loaded before the damage, those the replay cut
    // again and, from close(), the open ones: all 30, each series' in order.
    expect(chunkFiles()).not.toContain(file);
    lines.length = 0;
    db = await Db.open(dir, { logger: captureLogger(lines) });
    expect(lines.some((l) => l.level === 'warn')).toBe(false);
    expect(replayedLine(lines).persistedChunks).toBe(30);
    expect(replayedLine(lines).samples).toBe(0);
    expect(dumpDb(db, 0, 5 * H)).toEqual(expected(sets, 0, 250 * STEP));
    await db.close();
  });

  it('are ignored and deleted when the WAL they belong to is gone', async () => {
    let db = await Db.open(dir);
    fill(db, sets, 0, 250 * STEP);
    await db.close();
    fs.rmSync(join(dir, 'wal'), { recursive: true });
    const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    db = await Db.open(dir, { logger: captureLogger(lines) });
    expect(replayedLine(lines).persistedChunks).toBe(0);
    // A new series takes the slot (and ref) the old first series had: it must not inherit its chunks.
    const other = labelsFromObject({ __name__: 'new' });
    const app = db.appender();
    app.append(app.ref(other), 1000, 1);
    app.commit();
    await db.close();
    db = await Db.open(dir);
    expect(dumpDb(db, 0, 5 * H)).toEqual({ new: [[1000, 1]] });
    await db.close();
  });

  it('are deleted once a compaction has moved their chunks into a block', async () => {
    let db = await Db.open(dir);
    // close() persists every series' open chunk, all of [0, 2h).
    fill(db, sets, 0, 2 * H);
    await db.close();
    const first = chunkFiles();
    expect(first).toHaveLength(1);
    db = await Db.open(dir);
    fill(db, sets, 2 * H, 3.5 * H);
    const [res] = await db.compactHead();
    expect(res?.maxTime).toBe(2 * H);
    expect(chunkFiles()).not.toContain(first[0]);
    await db.close();
    const again = await Db.open(dir);
    expect(dumpDb(again, 0, 4 * H)).toEqual(expected(sets, 0, 3.5 * H));
    await again.close();
  });
});

describe('head compaction', () => {
  it('yields to the event loop while it runs, and commits made meanwhile are kept', async () => {
    const sets = series('busy', 300);
    const db = await Db.open(dir, { compactionSliceMs: 0 });
    fill(db, sets, 0, 3.5 * H);
    const extra = labelsFromObject({ __name__: 'during' });
    let ticks = 0;
    let running = true;
    const app = db.appender();
    const ref = app.ref(extra);
    const tick = (): void => {
      if (!running) return;
      ticks++;
      // A scrape landing mid-compaction: appended and committed while the block is being written.
      expect(app.append(ref, 3.5 * H + ticks * 1000, ticks)).toBe(AppendStatus.OK);
      app.commit();
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const [res] = await db.compactHead();
    running = false;
    expect(res?.block?.stats.numSeries).toBe(300);
    // Gathering 300 series, sorting, symbols, postings, chunks and index each pause at least once per slice.
    expect(ticks).toBeGreaterThan(10);
    const got = dumpDb(db, 0, 10 * H);
    const want = expected(sets, 0, 3.5 * H);
    expect(Object.keys(got)).toHaveLength(301);
    for (const ls of sets) expect(got[formatLabels(ls)]).toEqual(want[formatLabels(ls)]);
    expect(got['during']).toHaveLength(ticks);
    await db.close();
  });
});
