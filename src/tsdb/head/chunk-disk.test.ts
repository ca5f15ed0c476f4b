import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadChunkWriter, readPersistedChunks, type PersistedChunks } from './chunk-disk.js';

const SLOT_SPACE = 2 ** 26;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'vigil-chunkdisk-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every entry of `ref` as [minT, maxT, lastV, n, bytes...]. */
function entriesOf(p: PersistedChunks, ref: number): number[][] {
  const out: number[][] = [];
  for (let i = p.firstOf(ref); i !== -1; i = p.next(i)) {
    if (p.refOf(i) === ref) out.push([p.minT(i), p.maxT(i), p.lastV(i), p.numSamples(i), ...p.bytesOf(i)]);
  }
  return out;
}

describe('head chunk files', () => {
  it('round-trip entries per exact ref, keeping generations of one slot apart, in cut order', () => {
    const w = new HeadChunkWriter(dir, undefined, false);
    const old = SLOT_SPACE + 5, young = 2 * SLOT_SPACE + 5, other = SLOT_SPACE + 6;
    w.append(old, 0, 10, 1.5, 2, Uint8Array.of(1, 2, 3));
    w.append(other, 0, 20, -1, 3, Uint8Array.of(9));
    w.append(young, 30, 40, 2.5, 4, Uint8Array.of(4, 5));
    w.append(old, 11, 19, 3.5, 5, Uint8Array.of(6));
    w.close();
    const p = readPersistedChunks(dir);
    expect(p.damage).toBeUndefined();
    expect(p.size).toBe(4);
    expect(entriesOf(p, old)).toEqual([[0, 10, 1.5, 2, 1, 2, 3], [11, 19, 3.5, 5, 6]]);
    expect(entriesOf(p, young)).toEqual([[30, 40, 2.5, 4, 4, 5]]);
    expect(entriesOf(p, other)).toEqual([[0, 20, -1, 3, 9]]);
    expect(entriesOf(p, 3 * SLOT_SPACE + 5)).toEqual([]);
  });

  it('stops at a torn tail and ignores later files, reporting file and offset', () => {
    let w = new HeadChunkWriter(dir, undefined, false);
    w.append(SLOT_SPACE + 1, 0, 10, 0, 1, Uint8Array.of(1, 2, 3, 4));
    w.append(SLOT_SPACE + 1, 11, 20, 0, 1, Uint8Array.of(5, 6, 7, 8));
    w.close();
    const [first] = fs.readdirSync(dir);
    w = new HeadChunkWriter(dir, readPersistedChunks(dir), false);
    w.append(SLOT_SPACE + 1, 21, 30, 0, 1, Uint8Array.of(9));
    w.close();
    expect(fs.readdirSync(dir)).toHaveLength(2);
    // Entries are 38 + 4 + 4 bytes: cut the second one short.
    fs.truncateSync(join(dir, first!), 46 + 38 + 2); // the second entry: header whole, chunk cut
    const p = readPersistedChunks(dir);
    expect(p.damage).toEqual({ file: 0, offset: 46, reason: 'chunk of 4 bytes cut short' });
    expect(entriesOf(p, SLOT_SPACE + 1)).toEqual([[0, 10, 0, 1, 1, 2, 3, 4]]);
  });

  it('deletes on truncate the files whose chunks all end before the boundary', () => {
    const w = new HeadChunkWriter(dir, undefined, false);
    w.append(SLOT_SPACE + 1, 0, 99, 0, 1, Uint8Array.of(1));
    w.truncate(50); // file 0 holds a chunk ending at 99: kept; writing moves to file 1
    w.append(SLOT_SPACE + 1, 100, 150, 0, 1, Uint8Array.of(2));
    w.truncate(100);
    expect(fs.readdirSync(dir).sort()).toEqual(['00000001']);
    w.truncate(151);
    expect(fs.readdirSync(dir)).toEqual([]);
    w.close();
  });
});
