/** `meta.json`: what a block holds, readable by people and by `vigil tsdb stats`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockFormatError } from './errors.js';

export const META_FILE = 'meta.json';
export const CHUNKS_FILE = 'chunks';
export const INDEX_FILE = 'index';

/** Description of one persisted block. `maxTime` is exclusive, as in Prometheus: samples have minTime <= t < maxTime. */
export interface BlockMeta {
  version: 1;
  id: string;
  /** Absolute directory of the block (not stored in meta.json; filled in when read). */
  dir: string;
  minTime: number;
  maxTime: number;
  /** Sample spacing of downsampled data in ms; 0 = raw. */
  resolution: number;
  stats: { numSeries: number; numSamples: number; numChunks: number; bytes?: number };
  compaction: { level: number; sources: string[] };
}

/** Serializes a meta without its `dir`. */
export function metaToJson(meta: BlockMeta): string {
  const { dir: _dir, ...rest } = meta;
  return JSON.stringify(rest, null, 2) + '\n';
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

/** Reads and validates `<dir>/meta.json`. Throws BlockFormatError naming the file and the bad field. */
export function readMeta(dir: string): BlockMeta {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BlockFormatError(file, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BlockFormatError(file, `not valid JSON (${text.length} bytes): ${(e as Error).message}`, { cause: e });
  }
  const bad = (field: string, v: unknown): never => {
    throw new BlockFormatError(file, `invalid ${field}: ${JSON.stringify(v)}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('document', raw);
  const m = raw as Record<string, unknown>;
  if (m.version !== 1) bad('version (supported: 1)', m.version);
  if (typeof m.id !== 'string' || m.id === '') bad('id', m.id);
  if (!isInt(m.minTime)) bad('minTime', m.minTime);
  if (!isInt(m.maxTime) || (m.maxTime as number) < (m.minTime as number)) bad('maxTime', m.maxTime);
  if (!isInt(m.resolution) || (m.resolution as number) < 0) bad('resolution', m.resolution);
  const st = m.stats as Record<string, unknown> | undefined;
  if (typeof st !== 'object' || st === null) return bad('stats', st);
  for (const k of ['numSeries', 'numSamples', 'numChunks'] as const) if (!isInt(st[k])) bad(`stats.${k}`, st[k]);
  if (st.bytes !== undefined && !isInt(st.bytes)) bad('stats.bytes', st.bytes);
  const c = m.compaction as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) return bad('compaction', c);
  if (!isInt(c.level)) bad('compaction.level', c.level);
  if (!Array.isArray(c.sources) || !c.sources.every((s) => typeof s === 'string')) bad('compaction.sources', c.sources);
  return {
    version: 1,
    id: m.id as string,
    dir,
    minTime: m.minTime as number,
    maxTime: m.maxTime as number,
    resolution: m.resolution as number,
    stats: {
      numSeries: st.numSeries as number,
      numSamples: st.numSamples as number,
      numChunks: st.numChunks as number,
      ...(st.bytes !== undefined ? { bytes: st.bytes as number } : {}),
    },
    compaction: { level: c.level as number, sources: [...(c.sources as string[])] },
  };
}
