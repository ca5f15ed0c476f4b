/**
 * The cold tier: blocks older than a configured age move from the data dir to a second directory (a cheaper disk)
 * and stay queryable, because the Db lists blocks from both (block/list.ts listTieredBlocks).
 *
 * A move is crash-safe: the block is copied to `<cold>/<id>.tmp`, every file and the directory fsynced, renamed to
 * `<cold>/<id>` (and the cold dir fsynced); only then is the hot copy renamed to `<id>.deleted` and removed. A crash
 * leaves either no cold copy (a `.tmp` that the next open removes), or both copies: the cold one is complete and wins,
 * and removeColdDuplicates deletes the hot one at open. So a block is read from exactly one place after a restart.
 */
import { mkdir, readdir, copyFile, rename, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { BlockMeta } from '../block/index.js';
import { syncPath } from '../fsync.js';

/** Where cold blocks go and the age (now − maxTime, ms) at which a block moves there. */
export interface ColdTier {
  dir: string;
  afterMs: number;
}

/** A compactor step made by compactDir after the planner has nothing left: move blocks to the cold dir. */
export interface ColdStep {
  kind: 'cold';
  ids: string[];
  minTime: number;
  maxTime: number;
}

/** True if `blockDir` lies in `coldDir`. */
export function isColdBlock(blockDir: string, coldDir: string): boolean {
  return resolve(blockDir).startsWith(resolve(coldDir) + sep);
}

/**
 * The oldest hot block (not in `cold.dir`) that ended at least `cold.afterMs` before `now`, or null. Pure: the caller
 * passes the metas of both dirs, oldest first.
 */
export function nextColdMove(metas: readonly BlockMeta[], cold: ColdTier, now: number): ColdStep | null {
  const due = metas.find((m) => m.maxTime <= now - cold.afterMs && !isColdBlock(m.dir, cold.dir));
  return due === undefined ? null : { kind: 'cold', ids: [due.id], minTime: due.minTime, maxTime: due.maxTime };
}

/**
 * Copies the block to `<coldDir>/<id>` (through `<id>.tmp`, fsynced, renamed) and returns the new directory. The hot
 * copy is left in place: the caller deletes it, the same way the compactor deletes merge inputs. The caller must own
 * both dirs.
 */
export async function copyBlockToCold(meta: BlockMeta, coldDir: string): Promise<string> {
  await mkdir(coldDir, { recursive: true });
  const final = join(resolve(coldDir), meta.id);
  const tmp = `${final}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await copyTree(meta.dir, tmp);
  await rename(tmp, final);
  await syncPath(resolve(coldDir));
  return final;
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  for (const ent of await readdir(from, { withFileTypes: true })) {
    const src = join(from, ent.name), dst = join(to, ent.name);
    if (ent.isDirectory()) await copyTree(src, dst);
    else if (ent.isFile()) {
      await copyFile(src, dst);
      await syncPath(dst);
    }
  }
  await syncPath(to);
}

