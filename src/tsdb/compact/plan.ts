/**
 * The compaction planner (pure): from the blocks of a data directory, the clock and the storage settings, the next
 * piece of work. The runner (run.ts) executes one step, lists the blocks again and asks again, so a crash between
 * steps needs no journal: what is on disk is the whole state.
 *
 * Steps, in the order they are tried:
 * 1. obsolete — a block whose sources are all in another block of the same resolution is the input of a merge that
 *    finished (or a downsampled window rebuilt); it is deleted. This is what makes a crash after a merge's output is
 *    durable but before its inputs are gone harmless.
 * 2. retention — blocks that ended before now − retention of their resolution; then, over --retention-size, whole
 *    blocks oldest first.
 * 3. compact — blocks of one resolution inside one aligned window of a compaction range, once the window is closed
 *    (a newer block of that resolution exists past it, or WINDOW_GRACE_MS passed since its end), are merged into one.
 * 4. downsample — a block older than a tier's age whose sources are not all downsampled into the next resolution yet,
 *    once it is alone in its aligned settle window or that window is closed (so it is not merged with others right
 *    after; if it is, the merged block's sources are all downsampled already and nothing is done twice).
 */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const RES_5M = 300_000;
export const RES_1H = 3_600_000;
/**
 * A window is closed (no more blocks will come for it) once a newer block of its resolution exists past it, or this
 * long after its end: the head holds at most 1.5 block ranges (3 h by default) before cutting a block.
 */
export const WINDOW_GRACE_MS = 4 * HOUR;

/** What the planner needs of a block. */
export interface PlanBlock {
  id: string;
  minTime: number;
  maxTime: number;
  resolution: number;
  sources: readonly string[];
  bytes: number;
}

/** One downsampling tier: blocks of `from` resolution older than `afterMs` get a copy at `to`. */
export interface DownsampleTier {
  from: number;
  to: number;
  afterMs: number;
  /** Aligned window a block must be alone in before it is downsampled. */
  settleMs: number;
}

export interface PlanOptions {
  now: number;
  /** Retention per resolution (ms); a resolution not listed is kept forever. */
  retentionMs: ReadonlyMap<number, number>;
  /** Total bytes of all blocks above which the oldest blocks are deleted (undefined: no limit). */
  retentionBytes?: number;
  /** Compaction ranges per resolution, ascending (ms). */
  ranges: ReadonlyMap<number, readonly number[]>;
  tiers: readonly DownsampleTier[];
}

export type Step =
  | { kind: 'delete'; reason: 'obsolete' | 'retention' | 'size'; ids: string[] }
  | { kind: 'compact'; resolution: number; ids: string[]; minTime: number; maxTime: number }
  | { kind: 'downsample'; from: number; to: number; ids: string[]; minTime: number; maxTime: number };

/** Vigil's defaults: raw merged up to 54 h, then 5 m after 40 h and 1 h after 10 d (Thanos's ages). */
export const DEFAULT_RANGES: ReadonlyMap<number, readonly number[]> = new Map([
  [0, [6 * HOUR, 18 * HOUR, 54 * HOUR]],
  [RES_5M, [162 * HOUR, 486 * HOUR]],
  [RES_1H, [486 * HOUR, 1458 * HOUR]],
]);
export const DEFAULT_TIERS: readonly DownsampleTier[] = [
  { from: 0, to: RES_5M, afterMs: 40 * HOUR, settleMs: 54 * HOUR },
  { from: RES_5M, to: RES_1H, afterMs: 10 * DAY, settleMs: 162 * HOUR },
];

function isSubset(a: readonly string[], b: ReadonlySet<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Blocks made redundant by another block of the same resolution holding all their sources. */
export function obsoleteBlocks(blocks: readonly PlanBlock[]): string[] {
  const out: string[] = [];
  for (const a of blocks) {
    for (const b of blocks) {
      if (a === b || a.resolution !== b.resolution) continue;
      const bs = new Set(b.sources);
      if (!isSubset(a.sources, bs)) continue;
      // Equal source sets (two outputs of the same inputs): keep the newer id.
      if (a.sources.length === b.sources.length && isSubset(b.sources, new Set(a.sources)) && a.id > b.id) continue;
      out.push(a.id);
      break;
    }
  }
  return out;
}

/** The next step, or null when the directory is as compacted, downsampled and trimmed as it should be. */
export function planNext(blocks: readonly PlanBlock[], o: PlanOptions): Step | null {
  const obsolete = obsoleteBlocks(blocks);
  if (obsolete.length > 0) return { kind: 'delete', reason: 'obsolete', ids: obsolete };

  const expired = blocks.filter((b) => {
    const r = o.retentionMs.get(b.resolution);
    return r !== undefined && b.maxTime <= o.now - r;
  });
  if (expired.length > 0) return { kind: 'delete', reason: 'retention', ids: expired.map((b) => b.id) };

  if (o.retentionBytes !== undefined) {
    let total = 0;
    for (const b of blocks) total += b.bytes;
    if (total > o.retentionBytes) {
      const oldest = [...blocks].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
      const ids: string[] = [];
      // Never the newest block: the limit trims history, it does not empty the store.
      for (let i = 0; i < oldest.length - 1 && total > o.retentionBytes; i++) {
        ids.push(oldest[i]!.id);
        total -= oldest[i]!.bytes;
      }
      if (ids.length > 0) return { kind: 'delete', reason: 'size', ids };
    }
  }

  const byRes = new Map<number, PlanBlock[]>();
  for (const b of blocks) {
    let l = byRes.get(b.resolution);
    if (!l) byRes.set(b.resolution, (l = []));
    l.push(b);
  }

  const downsampledSources = (res: number): Set<string> => {
    const done = new Set<string>();
    for (const b of byRes.get(res) ?? []) for (const s of b.sources) done.add(s);
    return done;
  };
  for (const [res, list] of byRes) {
    const newest = Math.max(...list.map((b) => b.maxTime));
    // Merging past a tier's settle window before the blocks are downsampled would make the tier wait for the
    // merged block's newest data to age.
    const tier = o.tiers.find((t) => t.from === res);
    const done = tier ? downsampledSources(tier.to) : undefined;
    for (const range of o.ranges.get(res) ?? []) {
      const windows = new Map<number, PlanBlock[]>();
      for (const b of list) {
        const w = Math.floor(b.minTime / range);
        if (b.maxTime > (w + 1) * range) continue; // spans more than this window
        let l = windows.get(w);
        if (!l) windows.set(w, (l = []));
        l.push(b);
      }
      for (const [w, group] of [...windows].sort((a, b) => a[0] - b[0])) {
        const end = (w + 1) * range;
        if (group.length < 2 || (end > newest && end + WINDOW_GRACE_MS > o.now)) continue;
        if (tier && done && range > tier.settleMs && !group.every((b) => isSubset(b.sources, done))) continue;
        return {
          kind: 'compact', resolution: res, ids: group.map((b) => b.id),
          minTime: Math.min(...group.map((b) => b.minTime)), maxTime: Math.max(...group.map((b) => b.maxTime)),
        };
      }
    }
  }

  for (const tier of o.tiers) {
    const src = (byRes.get(tier.from) ?? []).sort((a, b) => a.minTime - b.minTime);
    const done = new Set<string>();
    for (const b of byRes.get(tier.to) ?? []) for (const s of b.sources) done.add(s);
    for (const b of src) {
      if (b.maxTime > o.now - tier.afterMs || isSubset(b.sources, done)) continue;
      const w0 = Math.floor(b.minTime / tier.settleMs) * tier.settleMs;
      const w1 = Math.ceil(b.maxTime / tier.settleMs) * tier.settleMs;
      const alone = src.every((x) => x === b || x.maxTime <= w0 || x.minTime >= w1);
      // Past this point no merge is pending (step 3 found none), so a closed window will not change any more.
      const closed = w1 <= Math.max(...src.map((x) => x.maxTime)) || w1 + WINDOW_GRACE_MS <= o.now;
      if (!alone && !closed) continue;
      return { kind: 'downsample', from: tier.from, to: tier.to, ids: [b.id], minTime: b.minTime, maxTime: b.maxTime };
    }
  }
  return null;
}
