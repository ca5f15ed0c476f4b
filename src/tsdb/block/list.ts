import { existsSync, readdirSync, rmSync } from 'node:fs';
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
  const root = resolve(dataDir);
  if (!existsSync(root)) return [];
  const found: { dir: string; minTime: number; id: string }[] = [];
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
  found.sort((a, b) => a.minTime - b.minTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return found.map((f) => f.dir);
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
