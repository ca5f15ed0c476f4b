import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { META_FILE, readMeta } from './meta.js';
import { isBlockId } from './ulid.js';

/**
 * Directories of the complete blocks in `dataDir`, sorted by minTime (then id). Only directories named by a block id
 * and holding a meta.json count: `<id>.tmp` (being written), renamed-for-deletion directories and stray files are
 * ignored, and so is a directory whose meta.json cannot be read (Block.open reports that one). A missing dataDir has
 * no blocks.
 */
export function listBlocks(dataDir: string): string[] {
  return sortedDirs(scanBlocks(dataDir));
}

/**
 * Directories of the complete blocks of a data dir and of its optional cold dir (compact/cold.ts), together, sorted
 * by minTime (then id). A block id found in both (a move to cold interrupted after its cold copy was complete) is
 * listed once, from the cold dir: see removeColdDuplicates.
 */
export function listTieredBlocks(dataDir: string, coldDir?: string): string[] {
  const cold = coldDir === undefined ? [] : scanBlocks(coldDir);
  const coldIds = new Set(cold.map((f) => f.id));
  return sortedDirs([...scanBlocks(dataDir).filter((f) => !coldIds.has(f.id)), ...cold]);
}

interface Found { dir: string; minTime: number; id: string }

function scanBlocks(dataDir: string): Found[] {
  const root = resolve(dataDir);
  if (!existsSync(root)) return [];
  const found: Found[] = [];
  for (const ent of readdirSync(root, { withFileTypes: true })) {
    if (!ent.isDirectory() || !isBlockId(ent.name)) continue;
    const dir = join(root, ent.name);
    if (!existsSync(join(dir, META_FILE))) continue;
    let minTime: number;
    try {
      minTime = readMeta(dir).minTime;
    } catch {
      continue;
    }
    found.push({ dir, minTime, id: ent.name });
  }
  return found;
}

function sortedDirs(found: Found[]): string[] {
  found.sort((a, b) => a.minTime - b.minTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return found.map((f) => f.dir);
}

/**
 * Finishes moves to cold that a crash interrupted: a block present in both dirs has a complete cold copy (the copy is
 * renamed into place only once fsynced), so the hot copy is the one removed (renamed to `<id>.deleted` first). Only
 * while no writer runs (the Db calls it at open, holding the lock). Returns the removed hot directories.
 */
export function removeColdDuplicates(dataDir: string, coldDir: string): string[] {
  const coldIds = new Set(scanBlocks(coldDir).map((f) => f.id));
  const removed: string[] = [];
  for (const f of scanBlocks(dataDir)) {
    if (!coldIds.has(f.id)) continue;
    renameSync(f.dir, `${f.dir}.deleted`);
    rmSync(`${f.dir}.deleted`, { recursive: true, force: true });
    removed.push(f.dir);
  }
  return removed;
}

/**
 * Removes what interrupted writers and deletions leave behind in `dataDir`: `<id>.tmp` (a block being written when
 * the process died) and `<id>.deleted` (a block renamed for deletion). Only safe while no writer runs in the data
 * dir (the Db calls it at open, holding the lock). Returns the removed paths.
 */
export function removeBlockLeftovers(dataDir: string): string[] {
  const root = resolve(dataDir);
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const ent of readdirSync(root, { withFileTypes: true })) {
    const m = /^(.*)\.(tmp|deleted)$/.exec(ent.name);
    if (!ent.isDirectory() || !m || !isBlockId(m[1]!)) continue;
    rmSync(join(root, ent.name), { recursive: true, force: true });
    removed.push(join(root, ent.name));
  }
  return removed;
}
