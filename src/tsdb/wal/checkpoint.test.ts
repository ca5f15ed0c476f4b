import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { Wal, WalCorruptionError, type CheckpointStep } from './index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'vigil-wal-cp-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();
const dec = new TextDecoder();
const recs = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function replayAll(wal: Wal): string[] {
  const out: string[] = [];
  wal.replay((r) => out.push(dec.decode(r)));
  return out;
}

/** Segments 0..3 hold a*, b*, c*, d*; segment 4 (open) holds e*. */
function fill(wal: Wal): void {
  for (const [s, p] of ['a', 'b', 'c', 'd', 'e'].entries()) {
    for (const r of recs(p, 3 + s)) wal.log(enc.encode(r));
    if (p !== 'e') wal.cut();
  }
}

function entries(): string[] {
  return fs.readdirSync(dir).sort();
}

class Crash extends Error {}

describe('checkpoint', () => {
  it('replays checkpoint records and then the later segments', () => {
    let wal = Wal.open(dir, { syncIntervalMs: 0 });
    fill(wal);
    const cp = [...recs('x', 5), '', 'y'.repeat(50_000)];
    wal.checkpoint(2, cp.map((r) => enc.encode(r)));
    expect(entries()).toEqual(['00000003', '00000004', 'checkpoint.00000002']);
    expect(wal.segmentRange()).toEqual({ first: 3, last: 4 });
    const want = [...cp, ...recs('d', 6), ...recs('e', 7)];
    expect(replayAll(wal)).toEqual(want);
    wal.log(enc.encode('f0'));
    wal.close();

    wal = Wal.open(dir);
    const stats = wal.replay(() => {});
    expect(stats).toMatchObject({ records: want.length + 1, segments: 3, checkpoint: 2 });
    expect(replayAll(wal)).toEqual([...want, 'f0']);

    // A second checkpoint replaces the first.
    wal.cut();
    wal.checkpoint(4, [enc.encode('z')]);
    expect(entries()).toEqual(['00000005', 'checkpoint.00000004']);
    expect(replayAll(wal)).toEqual(['z']);
    wal.close();
  });

  it('splits a large checkpoint into several files', () => {
    const wal = Wal.open(dir, { segmentBytes: 4096 });
    fill(wal);
    const cp = recs('checkpoint-record-', 1000);
    wal.checkpoint(3, cp.map((r) => enc.encode(r)));
    expect(fs.readdirSync(join(dir, 'checkpoint.00000003')).length).toBeGreaterThan(3);
    expect(replayAll(wal)).toEqual([...cp, ...recs('e', 7)]);
    wal.close();
  });

  it('rejects a checkpoint of the open segment or below the current checkpoint', () => {
    const wal = Wal.open(dir);
    fill(wal);
    expect(() => wal.checkpoint(4, [])).toThrow(RangeError);
    wal.checkpoint(1, []);
    expect(() => wal.checkpoint(1, [])).toThrow(RangeError);
    expect(() => wal.checkpoint(0, [])).toThrow(RangeError);
    wal.close();
  });

  it('refuses a damaged checkpoint even with repairAll', () => {
    const wal = Wal.open(dir);
    fill(wal);
    wal.checkpoint(2, recs('x', 4).map((r) => enc.encode(r)));
    wal.close();
    const path = join(dir, 'checkpoint.00000002', '00000000');
    const bytes = fs.readFileSync(path);
    bytes[bytes.length - 1]! ^= 0x10;
    fs.writeFileSync(path, bytes);
    expect(() => Wal.open(dir, { repairAll: true })).toThrow(WalCorruptionError);
    expect(fs.readFileSync(path)).toEqual(bytes); // left as found
  });

  describe('survives a crash', () => {
    const before = [...recs('p', 2), ...recs('b', 4), ...recs('c', 5), ...recs('d', 6), ...recs('e', 7)];
    const after = [...recs('q', 3), ...recs('d', 6), ...recs('e', 7)];

    /** Checkpoint 0 holds p*, then a checkpoint through 2 (q*) is attempted and "crashes" where `crash` says. */
    function crashAt(crash: CheckpointStep | 'mid-write'): void {
      let armed = crash === 'write-temp'; // that case crashes the very first checkpoint
      const wal = Wal.open(dir, {
        onCheckpointStep: (step) => {
          if (armed && step === crash) throw new Crash(step);
        },
      });
      fill(wal);
      if (crash !== 'write-temp') wal.checkpoint(0, recs('p', 2).map((r) => enc.encode(r)));
      else expect(() => wal.checkpoint(0, [])).toThrow(Crash);
      armed = true;
      function* records(): Generator<Uint8Array> {
        for (const [i, r] of recs('q', 3).entries()) {
          if (crash === 'mid-write' && i === 2) throw new Crash('mid-write');
          yield enc.encode(r);
        }
      }
      expect(() => wal.checkpoint(2, records())).toThrow(Crash);
      wal.close(); // the process is gone; close only releases the fd, it changes nothing on disk
    }

    function reopenAndCheck(want: string[]): void {
      const wal = Wal.open(dir);
      expect(replayAll(wal)).toEqual(want);
      expect(entries().filter((e) => e.endsWith('.tmp'))).toEqual([]);
      expect(entries().filter((e) => e.startsWith('checkpoint.')).length).toBeLessThanOrEqual(1);
      // And the WAL carries on: the same checkpoint can now be completed.
      if (want === before) {
        wal.checkpoint(2, recs('q', 3).map((r) => enc.encode(r)));
        expect(replayAll(wal)).toEqual(after);
      }
      wal.close();
    }

    it('before anything was written (no checkpoint at all yet)', () => {
      crashAt('write-temp');
      const wal = Wal.open(dir);
      expect(replayAll(wal)).toEqual([...recs('a', 3), ...recs('b', 4), ...recs('c', 5), ...recs('d', 6), ...recs('e', 7)]);
      wal.close();
    });

    it('while writing the temporary directory', () => {
      crashAt('mid-write');
      expect(entries()).toContain('checkpoint.00000002.tmp');
      reopenAndCheck(before);
    });

    it('after writing, before the rename', () => {
      crashAt('rename');
      expect(fs.readdirSync(join(dir, 'checkpoint.00000002.tmp'))).toEqual(['00000000']);
      reopenAndCheck(before);
    });

    it('after the rename, before deleting segments', () => {
      crashAt('delete-segments');
      expect(entries()).toEqual(
        ['00000001', '00000002', '00000003', '00000004', 'checkpoint.00000000', 'checkpoint.00000002'],
      );
      reopenAndCheck(after);
      expect(entries()).toEqual(['00000003', '00000004', 'checkpoint.00000002']);
    });

    it('halfway through deleting segments', () => {
      crashAt('delete-segments');
      fs.rmSync(join(dir, '00000001')); // the oldest went first
      reopenAndCheck(after);
    });

    it('before deleting the old checkpoint', () => {
      crashAt('delete-old-checkpoints');
      expect(entries()).toEqual(['00000003', '00000004', 'checkpoint.00000000', 'checkpoint.00000002']);
      reopenAndCheck(after);
      expect(entries()).toEqual(['00000003', '00000004', 'checkpoint.00000002']);
    });
  });
});
