import type { DbStats } from '../tsdb/db.js';

/**
 * `data` of /api/v1/status/tsdb: Prometheus's `headStats` and the head's top-10 cardinality lists, plus vigil's own
 * `blocks` with their resolutions and sizes.
 */
export function tsdbStatusJson(s: DbStats): unknown {
  const h = s.head;
  return {
    headStats: {
      numSeries: h.numSeries,
      numLabelPairs: h.numSymbols,
      chunkCount: h.numChunks,
      minTime: Number.isFinite(h.minTime) ? h.minTime : 0,
      maxTime: Number.isFinite(h.maxTime) ? h.maxTime : 0,
    },
    ...s.cardinality,
    blocks: s.blocks.map((b) => ({
      id: b.id,
      minTime: b.minTime,
      maxTime: b.maxTime,
      resolution: b.resolution,
      numSeries: b.stats.numSeries,
      numSamples: b.stats.numSamples,
      bytes: b.stats.bytes ?? 0,
    })),
  };
}
