/**
 * The cold tier through the real path: blocks on disk, Db.compactBlocks moving an old block to the cold dir, the Db
 * querier before and after (and after a restart), `vigil tsdb stats`, and the state a crash between copy and delete
 * leaves.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { labelsFromObject, labelsKey } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { writeBlock, type BlockMeta, type SeriesInput } from '../block/index.js';
import { Db } from '../db.js';
import { registerTsdb } from '../../cli/tsdb.js';
import { nextColdMove } from './cold.js';

const HOUR = 3_600_000, DAY = 86_400_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const NOW = T0 + 40 * DAY;
const AFTER = 30 * DAY;
const ALL = [new Matcher('=~', '__name__', '.+')];
const PER_BLOCK = 120;

/** Two series with a sample every minute in [start, start + 2h), values derived from the time (distinct per block). */
function seriesIn(start: number): SeriesInput[] {
  const t = new Float64Array(PER_BLOCK), a = new Float64Array(PER_BLOCK), b = new Float64Array(PER_BLOCK);
  for (let k = 0; k < PER_BLOCK; k++) {
    t[k] = start + 30_000 + k * 60_000;
    a[k] = (t[k]! - T0) / 1000;
    b[k] = k % 7;
  }
  return [
    { labels: labelsFromObject({ __name__: 'm', s: 'a' }), samples: { t, v: a, length: PER_BLOCK } },
    { labels: labelsFromObject({ __name__: 'm', s: 'b' }), samples: { t, v: b, length: PER_BLOCK } },
  ];
}

/** Every sample the Db serves, as `labels@t=v` strings in order: equal arrays mean identical answers. */
function dump(db: Db): string[] {
  const q = db.querier();
  try {
    const out: string[] = [];
    for (const s of q.select(ALL, 0, NOW)) {
      const buf = s.samples();
      for (let i = 0; i < buf.length; i++) out.push(`${labelsKey(s.labels)}@${buf.t[i]}=${buf.v[i]}`);
    }
    return out.sort();
  } finally {
    q.close();
  }
}

let root: string, hot: string, cold: string;
let oldBlock: BlockMeta, newBlock: BlockMeta;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'vigil-cold-'));
  hot = join(root, 'data');
  cold = join(root, 'cold');
  oldBlock = await writeBlock(hot, seriesIn(T0), { minTime: T0, maxTime: T0 + 2 * HOUR });
  newBlock = await writeBlock(hot, seriesIn(NOW - 4 * HOUR), { minTime: NOW - 4 * HOUR, maxTime: NOW - 2 * HOUR });
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('cold tier', () => {
  it('picks only hot blocks that ended at least `after` ago', () => {
    const step = nextColdMove([oldBlock, newBlock], { dir: cold, afterMs: AFTER }, NOW);
    expect(step).toEqual({ kind: 'cold', ids: [oldBlock.id], minTime: T0, maxTime: T0 + 2 * HOUR });
    // Exactly at the boundary the block is due; 1 ms younger it is not.
    expect(nextColdMove([oldBlock], { dir: cold, afterMs: NOW - oldBlock.maxTime }, NOW)).not.toBeNull();
    expect(nextColdMove([oldBlock], { dir: cold, afterMs: NOW - oldBlock.maxTime + 1 }, NOW)).toBeNull();
    // A block already in the cold dir does not move again.
    expect(nextColdMove([{ ...oldBlock, dir: join(cold, oldBlock.id) }], { dir: cold, afterMs: AFTER }, NOW)).toBeNull();
  });

  it('moves an old block to the cold dir, where it stays queryable with identical results', async () => {
    let db = await Db.open(hot, { now: () => NOW, coldDir: cold });
    const before = dump(db);
    expect(before).toHaveLength(4 * PER_BLOCK);
    try {
      const steps = await db.compactBlocks({ retentionMs: new Map(), tiers: [], cold: { dir: cold, afterMs: AFTER } });
      expect(steps.map((s) => s.step)).toEqual([{ kind: 'cold', ids: [oldBlock.id], minTime: T0, maxTime: T0 + 2 * HOUR }]);
      expect(existsSync(join(cold, oldBlock.id, 'meta.json'))).toBe(true);
      expect(existsSync(join(hot, oldBlock.id))).toBe(false);
      expect(existsSync(join(hot, newBlock.id))).toBe(true);
      expect(db.blocks().map((m) => m.dir).sort()).toEqual([join(cold, oldBlock.id), join(hot, newBlock.id)].sort());
      expect(dump(db)).toEqual(before);
      // Nothing left to do: the moved block is not moved again.
      expect(await db.compactBlocks({ retentionMs: new Map(), tiers: [], cold: { dir: cold, afterMs: AFTER } })).toEqual([]);
    } finally {
      await db.close();
    }
    db = await Db.open(hot, { now: () => NOW, coldDir: cold });
    try {
      expect(dump(db)).toEqual(before);
    } finally {
      await db.close();
    }

    // `vigil tsdb stats --config` lists the block as cold; the config's relative dir is the config file's.
    const config = join(root, 'vigil.yml');
    writeFileSync(config, 'storage:\n  cold:\n    dir: cold\n    after: 30d\n');
    const text = await runCli(['tsdb', 'stats', '--data-dir', hot, '--config', config]);
    expect(text).toContain(`cold tier: 1 blocks, ${oldBlock.stats.bytes} bytes in ${cold} (${oldBlock.id})`);
    expect(text).toContain('total: 2 blocks');
    const json = JSON.parse(await runCli(['tsdb', 'stats', '--data-dir', hot, '--config', config, '--json'])) as { blocks: { id: string; tier: string }[] };
    expect(json.blocks.map((b) => [b.id, b.tier])).toEqual([[oldBlock.id, 'cold'], [newBlock.id, 'hot']]);
  });

  it('does not move blocks when the Db was opened without that cold dir', async () => {
    const db = await Db.open(hot, { now: () => NOW });
    try {
      expect(await db.compactBlocks({ retentionMs: new Map(), tiers: [], cold: { dir: cold, afterMs: AFTER } })).toEqual([]);
      expect(existsSync(join(hot, oldBlock.id))).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('after a crash between copy and delete, opens with each sample once and keeps the cold copy', async () => {
    const db0 = await Db.open(hot, { now: () => NOW });
    const expected = dump(db0);
    await db0.close();
    // The state a crash after the cold rename but before the hot delete leaves, plus a half-written copy of the other.
    mkdirSync(cold, { recursive: true });
    cpSync(oldBlock.dir, join(cold, oldBlock.id), { recursive: true });
    cpSync(newBlock.dir, join(cold, `${newBlock.id}.tmp`), { recursive: true });
    rmSync(join(cold, `${newBlock.id}.tmp`, 'meta.json'));
    const db = await Db.open(hot, { now: () => NOW, coldDir: cold });
    try {
      expect(dump(db)).toEqual(expected);
      expect(db.blocks().map((m) => m.dir).sort()).toEqual([join(cold, oldBlock.id), join(hot, newBlock.id)].sort());
      expect(existsSync(join(hot, oldBlock.id))).toBe(false);
      expect(existsSync(join(cold, `${newBlock.id}.tmp`))).toBe(false);
    } finally {
      await db.close();
    }
  });
});

/** Runs `vigil ARGS` in-process through the CLI's own registration; returns what it wrote to stdout. */
async function runCli(args: string[]): Promise<string> {
  const program = new Command('vigil').exitOverride();
  registerTsdb(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await program.parseAsync(['node', 'vigil', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}
