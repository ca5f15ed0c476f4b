import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { createLogger } from '../../log/index.js';
import { Wal, WalCorruptionError } from './index.js';
import { HEADER_BYTES, MAX_FRAGMENT, framedSize, unitSize } from './frame.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'vigil-wal-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Record `id` of `size` bytes: id in the first 4 bytes (when they fit), then a pattern derived from id. */
function rec(id: number, size: number): Uint8Array {
  const r = new Uint8Array(size);
  for (let i = 0; i < size; i++) r[i] = (id * 131 + i * 7) & 0xff;
  if (size >= 4) new DataView(r.buffer).setUint32(0, id, true);
  return r;
}

function b64(r: Uint8Array): string {
  return Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64');
}

function replayAll(wal: Wal): string[] {
  const out: string[] = [];
  wal.replay((r) => out.push(b64(r)));
  return out;
}

function segmentFiles(d: string): string[] {
  return fs.readdirSync(d).filter((n) => /^\d{8}$/.test(n)).sort();
}

describe('Wal round trip', () => {
  it('replays many records, empty and larger than a segment, across several segments, in order', () => {
    const segmentBytes = 16 * 1024;
    const sizes = [0, 1, 100, 0, 5000, MAX_FRAGMENT, MAX_FRAGMENT + 1, 3 * segmentBytes, 7, 0, 2 * MAX_FRAGMENT + 11];
    for (let i = 0; i < 300; i++) sizes.push((i * 37) % 900);
    const written: Uint8Array[] = [];
    let wal = Wal.open(dir, { segmentBytes });
    sizes.forEach((s, i) => {
      const r = rec(i, s);
      written.push(r);
      if (i % 2 === 0) wal.log(r);
      else wal.logBatch([r]);
    });
    const batch = [rec(1000, 10), rec(1001, 0), rec(1002, 40_000)];
    wal.logBatch(batch);
    written.push(...batch);
    wal.logBatch([]);
    wal.close();
    wal.close(); // idempotent

    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    // A segment may exceed segmentBytes only by holding exactly one unit that is bigger than segmentBytes.
    const bigUnits = new Set([...written.map((r) => framedSize(r.length)), unitSize(batch)]);
    let oversized = 0;
    for (const f of files) {
      const size = fs.statSync(join(dir, f)).size;
      if (size > segmentBytes) {
        oversized++;
        expect(bigUnits.has(size)).toBe(true);
      }
    }
    expect(oversized).toBe(5); // MAX_FRAGMENT, MAX_FRAGMENT + 1, 3 segments, 2 fragments + 11, the batch
    wal = Wal.open(dir, { segmentBytes });
    const got: string[] = [];
    const stats = wal.replay((r) => got.push(b64(r)));
    expect(got).toEqual(written.map(b64));
    expect(stats.records).toBe(written.length);
    expect(stats.bytes).toBe(written.reduce((n, r) => n + r.length, 0));
    expect(stats.segments).toBe(files.length);
    expect(stats.truncated).toBeUndefined();
    expect(wal.segmentRange()).toEqual({ first: 0, last: files.length - 1 });

    // Appending after reopen continues the last segment and replays after the old records.
    wal.log(rec(5000, 12));
    expect(replayAll(wal)).toEqual([...written, rec(5000, 12)].map(b64));
    wal.close();
  });

  it('cut() starts a new segment and returns its index', () => {
    const wal = Wal.open(dir);
    wal.log(rec(1, 10));
    expect(wal.cut()).toBe(1);
    expect(wal.cut()).toBe(2); // an empty segment is fine
    wal.log(rec(2, 10));
    expect(wal.segmentRange()).toEqual({ first: 0, last: 2 });
    expect(segmentFiles(dir)).toEqual(['00000000', '00000001', '00000002']);
    expect(fs.statSync(join(dir, '00000002')).size).toBe(HEADER_BYTES + 10);
    expect(replayAll(wal)).toEqual([rec(1, 10), rec(2, 10)].map(b64));
    wal.close();
  });

  it('reopens onto an empty last segment', () => {
    let wal = Wal.open(dir);
    wal.log(rec(1, 10));
    wal.cut();
    wal.close();
    wal = Wal.open(dir);
    expect(wal.segmentRange()).toEqual({ first: 0, last: 1 });
    wal.log(rec(2, 10));
    expect(replayAll(wal)).toEqual([rec(1, 10), rec(2, 10)].map(b64));
    expect(fs.statSync(join(dir, '00000001')).size).toBe(HEADER_BYTES + 10);
    wal.close();
  });

  it('refuses use after close', () => {
    const wal = Wal.open(dir);
    wal.close();
    expect(() => wal.log(rec(1, 1))).toThrow(/closed/);
    expect(() => wal.replay(() => {})).toThrow(/closed/);
  });

  it('rejects bad options', () => {
    expect(() => Wal.open(dir, { segmentBytes: 0 })).toThrow(RangeError);
    expect(() => Wal.open(dir, { syncIntervalMs: -1 })).toThrow(RangeError);
  });
});

describe('Wal metrics', () => {
  /** Value of a counter or gauge without labels. */
  async function value(name: string): Promise<number> {
    return (await register.getSingleMetric(name)!.get()).values[0]!.value;
  }

  /** Observations of the fsync histogram, read from its exposition text. */
  async function fsyncCount(): Promise<number> {
    const text = await register.getSingleMetricAsString('vigil_tsdb_wal_fsync_duration_seconds');
    return Number(/^vigil_tsdb_wal_fsync_duration_seconds_count (\d+)$/m.exec(text)![1]);
  }

  it('registers once per process and counts records, bytes, fsyncs and segment', async () => {
    const w1 = Wal.open(join(dir, 'a'), { syncIntervalMs: 0 });
    const w2 = Wal.open(join(dir, 'b'), { syncIntervalMs: 0 });
    const records0 = await value('vigil_tsdb_wal_records_total');
    const bytes0 = await value('vigil_tsdb_wal_bytes_written_total');
    const fsync0 = await fsyncCount();
    w1.logBatch([rec(1, 10), rec(2, 20)]);
    w2.log(rec(3, 0));
    expect(await value('vigil_tsdb_wal_records_total')).toBe(records0 + 3);
    expect(await value('vigil_tsdb_wal_bytes_written_total')).toBe(bytes0 + 3 * HEADER_BYTES + 30);
    const fsync1 = await fsyncCount();
    expect(fsync1).toBe(fsync0 + 2); // syncIntervalMs 0: one fsync per log call
    w2.cut();
    expect(await value('vigil_tsdb_wal_segment_current')).toBe(1);
    const names = (await register.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('vigil_tsdb_wal_'));
    expect(names.sort()).toEqual([
      'vigil_tsdb_wal_bytes_written_total',
      'vigil_tsdb_wal_corruptions_total',
      'vigil_tsdb_wal_fsync_duration_seconds',
      'vigil_tsdb_wal_records_total',
      'vigil_tsdb_wal_segment_current',
      'vigil_tsdb_wal_truncations_total',
    ]);
    w1.close();
    w2.close();
  });

  it('fsyncs on the timer only when something was written since the last fsync', async () => {
    vi.useFakeTimers();
    try {
      const wal = Wal.open(dir, { syncIntervalMs: 1000 });
      const c0 = await fsyncCount();
      wal.log(rec(1, 10));
      expect(await fsyncCount()).toBe(c0);
      vi.advanceTimersByTime(999);
      expect(await fsyncCount()).toBe(c0);
      vi.advanceTimersByTime(1);
      expect(await fsyncCount()).toBe(c0 + 1);
      vi.advanceTimersByTime(5000); // nothing new written: no fsync
      expect(await fsyncCount()).toBe(c0 + 1);
      wal.log(rec(2, 10));
      wal.close(); // close fsyncs what the timer has not
      expect(await fsyncCount()).toBe(c0 + 2);
      vi.advanceTimersByTime(5000); // and the timer is gone
      expect(await fsyncCount()).toBe(c0 + 2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Wal damage outside the tail', () => {
  function threeSegments(): Uint8Array[][] {
    const perSeg: Uint8Array[][] = [[], [], []];
    const wal = Wal.open(dir);
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < 4; i++) {
        const r = rec(s * 10 + i, 50);
        perSeg[s]!.push(r);
        wal.log(r);
      }
      if (s < 2) wal.cut();
    }
    wal.close();
    return perSeg;
  }

  it('throws WalCorruptionError with segment and offset for a bad frame in an older segment', () => {
    threeSegments();
    const path = join(dir, '00000001');
    const bytes = fs.readFileSync(path);
    const off = 2 * (HEADER_BYTES + 50) + HEADER_BYTES + 3; // payload of the third record
    bytes[off]! ^= 0xff;
    fs.writeFileSync(path, bytes);
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => warnings.push(l) });
    let err: unknown;
    try {
      Wal.open(dir, { logger });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WalCorruptionError);
    const ce = err as WalCorruptionError;
    expect(ce.segment).toBe(1);
    expect(ce.offset).toBe(2 * (HEADER_BYTES + 50));
    expect(ce.reason).toMatch(/CRC/);
    expect(fs.statSync(path).size).toBe(bytes.length); // nothing was cut
  });

  it('with repairAll cuts the damaged segment and deletes the later ones', () => {
    const perSeg = threeSegments();
    const path = join(dir, '00000001');
    const bytes = fs.readFileSync(path);
    bytes[2 * (HEADER_BYTES + 50) + 1]! ^= 0x01; // CRC byte of the third record
    fs.writeFileSync(path, bytes);
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => warnings.push(l) });
    const wal = Wal.open(dir, { repairAll: true, logger });
    const stats = wal.replay(() => {});
    expect(stats.truncated).toMatchObject({ segment: 1, offset: 2 * (HEADER_BYTES + 50), deletedSegments: 1 });
    expect(replayAll(wal)).toEqual([...perSeg[0]!, ...perSeg[1]!.slice(0, 2)].map(b64));
    expect(segmentFiles(dir)).toEqual(['00000000', '00000001']);
    expect(warnings.length).toBe(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', segment: 1, offset: 2 * (HEADER_BYTES + 50) });
    wal.close();
  });

  it('throws on a gap in segment numbers', () => {
    threeSegments();
    fs.rmSync(join(dir, '00000001'));
    expect(() => Wal.open(dir)).toThrow(WalCorruptionError);
  });
});
