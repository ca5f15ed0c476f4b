/**
 * Torn and corrupt tails: whatever a crash or a bad disk leaves at the end of the last segment, `open` keeps every
 * committed unit before the damage, drops the damaged unit and everything after it, and accepts new appends.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../log/index.js';
import { Wal } from './index.js';
import { HEADER_BYTES, MAX_FRAGMENT } from './frame.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'vigil-wal-torn-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function rec(id: number, size: number): Uint8Array {
  const r = new Uint8Array(size);
  for (let i = 0; i < size; i++) r[i] = (id * 131 + i * 7) & 0xff;
  return r;
}

function b64(r: Uint8Array): string {
  return Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64');
}

interface Layout {
  /** Records in older segments and in the last segment before the tail units. */
  before: string[];
  /** Units written last, with the last segment's size after each. */
  tail: { records: string[]; end: number }[];
  /** Size of the last segment before the tail units. */
  tailStart: number;
  lastPath: string;
  bytes: Buffer;
}

const SEGMENT_BYTES = 1024 * 1024;

/** Fills two older segments and part of a third, then logs `tailUnits` into the third and closes. */
function build(tailUnits: Uint8Array[][]): Layout {
  const wal = Wal.open(dir, { segmentBytes: SEGMENT_BYTES });
  const before: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = rec(i, (i * 53) % 300);
    wal.log(r);
    before.push(b64(r));
    if (i === 15 || i === 30) wal.cut();
  }
  const { last } = wal.segmentRange();
  expect(last).toBe(2);
  const lastPath = join(dir, String(last).padStart(8, '0'));
  const tailStart = fs.statSync(lastPath).size;
  const tail: Layout['tail'] = [];
  for (const u of tailUnits) {
    wal.logBatch(u);
    tail.push({ records: u.map(b64), end: fs.statSync(lastPath).size });
  }
  expect(wal.segmentRange().last).toBe(last); // the tail must stay in one segment for this test to mean anything
  wal.close();
  return { before, tail, tailStart, lastPath, bytes: fs.readFileSync(lastPath) };
}

/** Records that must survive when the first damaged (or missing) byte of the last segment is at `firstBad`. */
function expected(l: Layout, firstBad: number): string[] {
  const out = [...l.before];
  for (const u of l.tail) if (u.end <= firstBad) out.push(...u.records);
  return out;
}

function replayAll(wal: Wal): string[] {
  const out: string[] = [];
  wal.replay((r) => out.push(b64(r)));
  return out;
}

/** Opens the damaged WAL, checks what survived, appends, reopens and checks again. */
function checkRepair(l: Layout, firstBad: number, appendAfter: boolean): void {
  const warnings: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'warn', write: (line) => warnings.push(JSON.parse(line)) });
  const want = expected(l, firstBad);
  const sizeBefore = fs.statSync(l.lastPath).size;
  const wal = Wal.open(dir, { segmentBytes: SEGMENT_BYTES, logger });
  const got: string[] = [];
  const stats = wal.replay((r) => got.push(b64(r)));
  expect(got).toEqual(want);
  const clean = sizeBefore === firstBad && (firstBad === l.tailStart || l.tail.some((u) => u.end === firstBad));
  if (clean) {
    expect(stats.truncated).toBeUndefined();
    expect(warnings).toEqual([]);
  } else {
    expect(stats.truncated).toBeDefined();
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', segment: stats.truncated!.segment });
    expect(typeof warnings[0]!.offset).toBe('number');
    expect(typeof warnings[0]!.reason).toBe('string');
  }
  if (!appendAfter) {
    wal.close();
    return;
  }
  const extra = rec(9999, 33);
  wal.log(extra);
  wal.close();
  const again = Wal.open(dir, { segmentBytes: SEGMENT_BYTES });
  expect(replayAll(again)).toEqual([...want, b64(extra)]);
  expect(again.segmentRange()).toEqual({ first: 0, last: 2 });
  again.close();
}

describe('torn tail', () => {
  it('repairs a cut at every byte offset of the last units (single records and a batch)', () => {
    const l = build([[rec(100, 20)], [rec(101, 0), rec(102, 30), rec(103, 5)], [rec(104, 1)], [rec(105, 64)]]);
    expect(l.bytes.length - l.tailStart).toBeGreaterThan(150);
    for (let cut = l.tailStart; cut < l.bytes.length; cut++) {
      fs.writeFileSync(l.lastPath, l.bytes.subarray(0, cut));
      checkRepair(l, cut, true);
    }
  });

  it('repairs a cut near every frame boundary and throughout a record spanning several frames', () => {
    // Every single offset of a 64 KiB record takes ~2 min of file rewrites here; the frame codec's own test cuts
    // a spanning record at every byte. Here: every offset within 12 bytes of a frame start (headers included), and
    // every 251st byte in between.
    const l = build([[rec(200, 10)], [rec(201, 2 * MAX_FRAGMENT + 100)]]);
    const frameStarts = [l.tailStart, l.tailStart + HEADER_BYTES + 10];
    for (let k = 1; k <= 3; k++) frameStarts.push(frameStarts[1]! + k * (HEADER_BYTES + MAX_FRAGMENT));
    let tried = 0;
    for (let cut = l.tailStart; cut < l.bytes.length; cut++) {
      const nearBoundary = frameStarts.some((f) => Math.abs(cut - f) <= 12);
      if (!nearBoundary && cut % 251 !== 0) continue;
      fs.writeFileSync(l.lastPath, l.bytes.subarray(0, cut));
      checkRepair(l, cut, tried++ % 8 === 0);
    }
    expect(tried).toBeGreaterThan(330);
  });

  it('repairs random garbage written over the tail', () => {
    const l = build([[rec(300, 40)], [rec(301, 7), rec(302, 0)], [rec(303, 90)], [rec(304, 3)]]);
    fc.assert(
      fc.property(
        fc.integer({ min: l.tailStart, max: l.bytes.length + 10 }),
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        (at, garbage) => {
          const damaged = Buffer.alloc(Math.max(l.bytes.length, at + garbage.length));
          l.bytes.copy(damaged);
          damaged.set(garbage, at);
          fs.writeFileSync(l.lastPath, damaged);
          let firstBad = l.bytes.length;
          for (let i = l.tailStart; i < damaged.length; i++) {
            if (i >= l.bytes.length || damaged[i] !== l.bytes[i]) {
              firstBad = i;
              break;
            }
          }
          checkRepair(l, firstBad, true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
