/**
 * Which time ranges imported data is cut into. Blocks are aligned to multiples of their own length, on Prometheus's
 * ladder of block ranges (2 h × 3^k: 2 h, 6 h, 18 h, 54 h, 162 h), so that they line up with what compaction makes.
 * Every block carries its own index (a symbol table and postings of the same series), so fewer blocks are fewer bytes:
 * the importer takes the smallest range on the ladder that holds all the buffered data in one aligned block, or the
 * largest allowed one when nothing does.
 */
const HOUR = 3600 * 1000;
export const BLOCK_RANGE_LADDER: readonly number[] = [2 * HOUR, 6 * HOUR, 18 * HOUR, 54 * HOUR, 162 * HOUR];

/** Range (ms) for data spanning [minT, maxT], no larger than `maxRange`. */
export function chooseBlockRange(minT: number, maxT: number, maxRange: number = BLOCK_RANGE_LADDER.at(-1)!): number {
  if (maxRange <= BLOCK_RANGE_LADDER[0]!) return maxRange;
  let chosen = BLOCK_RANGE_LADDER[0]!;
  for (const r of BLOCK_RANGE_LADDER) {
    if (r > maxRange) break;
    chosen = r;
    if (Math.floor(minT / r) === Math.floor(maxT / r)) return r;
  }
  // maxRange off the ladder (e.g. --max-block-duration 24h) is honoured as is when nothing on the ladder fits.
  if (maxRange > chosen && !BLOCK_RANGE_LADDER.includes(maxRange)) return maxRange;
  return chosen;
}

/** Aligned windows [start, end) of length `range` covering [minT, maxT]. */
export function alignedWindows(minT: number, maxT: number, range: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = Math.floor(minT / range) * range; s <= maxT; s += range) out.push([s, s + range]);
  return out;
}
