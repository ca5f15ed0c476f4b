/** Per-resolution totals of a data directory's blocks, for `vigil tsdb stats` and /api/v1/status/tsdb. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Matcher } from '../../model/matcher.js';
import { Block, type BlockMeta } from '../block/index.js';
import { AGGR_LABEL } from '../downsample/block-io.js';

/** Series of a block: a downsampled block stores one `count` series per input series (opens the block's index). */
function seriesOf(m: BlockMeta): number {
  if (m.resolution === 0) return m.stats.numSeries;
  const b = Block.open(m.dir);
  try {
    return b.select([new Matcher('=', AGGR_LABEL, 'count')], m.minTime, m.maxTime, { labelsOnly: true }).length;
  } finally {
    b.close();
  }
}

/** Bytes of the files under `dir` (0 if it is missing). */
export function dirBytes(dir: string): number {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
    }
  } catch {
    // Missing: 0.
  }
  return n;
}

export interface ResolutionStats {
  resolution: number;
  blocks: number;
  minTime: number;
  maxTime: number;
  series: number;
  samples: number;
  bytes: number;
}

/** Per-resolution totals of block metas (series: the largest block's count, as blocks share series). */
export function resolutionStats(metas: readonly BlockMeta[]): ResolutionStats[] {
  const by = new Map<number, ResolutionStats>();
  for (const m of metas) {
    let s = by.get(m.resolution);
    if (!s) by.set(m.resolution, (s = { resolution: m.resolution, blocks: 0, minTime: Infinity, maxTime: -Infinity, series: 0, samples: 0, bytes: 0 }));
    s.blocks++;
    s.minTime = Math.min(s.minTime, m.minTime);
    s.maxTime = Math.max(s.maxTime, m.maxTime);
    s.series = Math.max(s.series, seriesOf(m));
    s.samples += m.stats.numSamples;
    s.bytes += m.stats.bytes ?? dirBytes(m.dir);
  }
  return [...by.values()].sort((a, b) => a.resolution - b.resolution);
}

