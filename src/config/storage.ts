/**
 * The `storage:` section of the scrape config: retention per resolution, a size limit, and when downsampled tiers
 * are built. Everything is optional; without the section vigil keeps every resolution for `--retention` and builds
 * the 5m tier after 40h and the 1h tier after 10d (Thanos's ages):
 *
 *   storage:
 *     retention:            # per resolution (or one duration for all); unlisted ones keep --retention
 *       raw: 15d
 *       5m: 90d
 *       1h: 365d
 *     retention_size: 500GB # whole blocks deleted oldest first above this
 *     downsample:           # age after which a tier is built; `off` builds none
 *       5m: 40h
 *       1h: 10d
 *     cold:                 # blocks older than `after` move to `dir` (e.g. a cheaper disk) and stay queryable
 *       dir: /mnt/slow/vigil   # relative: to the config file's directory
 *       after: 30d
 */
import { dirname, resolve } from 'node:path';
import { parseDuration } from '../model/duration.js';
import { ConfigError, ConfigErrorList } from './errors.js';
import type { RawSection } from './raw.js';
import { parseByteSize } from './units.js';

export const RESOLUTION_NAMES: ReadonlyMap<string, number> = new Map([['raw', 0], ['5m', 300_000], ['1h', 3_600_000]]);

export interface StorageConfig {
  /** Retention per resolution (ms). Resolutions missing here fall back to the daemon's --retention. */
  retentionMs: Map<number, number>;
  /** Size limit over all blocks, bytes (undefined: none). */
  retentionBytes?: number;
  /** Age (ms) after which each downsampled resolution is built; undefined disables a tier. */
  downsampleAfterMs: Map<number, number | undefined>;
  /** The cold tier: absolute directory and the block age (ms) at which blocks move there; undefined: none. */
  cold?: { dir: string; afterMs: number };
}

export const DEFAULT_DOWNSAMPLE_AFTER: ReadonlyMap<number, number> = new Map([[300_000, 40 * 3_600_000], [3_600_000, 10 * 86_400_000]]);

/** Types the raw `storage:` section (null: all defaults). Throws ConfigErrorList with positions on bad values. */
export function parseStorageConfig(section: RawSection | null): StorageConfig {
  const out: StorageConfig = { retentionMs: new Map(), downsampleAfterMs: new Map(DEFAULT_DOWNSAMPLE_AFTER) };
  if (section === null || section.value === null || section.value === undefined) return out;
  const errors: ConfigError[] = [];
  const v = section.value;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigErrorList([section.errorAt([], 'storage: expected a mapping')]);
  }
  const obj = v as Record<string, unknown>;
  const duration = (path: (string | number)[], x: unknown): number | undefined => {
    try {
      if (typeof x !== 'string') throw new Error(`expected a duration like 15d, got ${JSON.stringify(x)}`);
      return parseDuration(x);
    } catch (e) {
      errors.push(section.errorAt(path, `storage.${path.join('.')}: ${(e as Error).message}`));
      return undefined;
    }
  };
  const perResolution = (key: string, each: (res: number, val: unknown) => void) => {
    const m = obj[key];
    if (m === undefined || m === null) return;
    if (typeof m !== 'object' || Array.isArray(m)) {
      errors.push(section.errorAt([key], `storage.${key}: expected a mapping of raw, 5m, 1h to durations`));
      return;
    }
    for (const [name, val] of Object.entries(m as Record<string, unknown>)) {
      const res = RESOLUTION_NAMES.get(name);
      if (res === undefined) errors.push(section.errorAt([key, name], `storage.${key}: unknown resolution "${name}" (use raw, 5m or 1h)`));
      else each(res, val);
    }
  };
  for (const key of Object.keys(obj)) {
    if (!['retention', 'retention_size', 'downsample', 'cold'].includes(key)) {
      errors.push(section.errorAt([key], `storage: unknown field "${key}" (known: retention, retention_size, downsample, cold)`));
    }
  }
  if (typeof obj.retention === 'string') {
    const d = duration(['retention'], obj.retention);
    if (d !== undefined) for (const r of RESOLUTION_NAMES.values()) out.retentionMs.set(r, d);
  } else {
    perResolution('retention', (res, val) => {
      const d = duration(['retention', [...RESOLUTION_NAMES].find(([, r]) => r === res)![0]], val);
      if (d !== undefined) out.retentionMs.set(res, d);
    });
  }
  if (obj.retention_size !== undefined) {
    try {
      if (typeof obj.retention_size !== 'string') throw new Error(`expected a size like 500GB, got ${JSON.stringify(obj.retention_size)}`);
      out.retentionBytes = parseByteSize(obj.retention_size);
    } catch (e) {
      errors.push(section.errorAt(['retention_size'], `storage.retention_size: ${(e as Error).message}`));
    }
  }
  perResolution('downsample', (res, val) => {
    if (res === 0) {
      errors.push(section.errorAt(['downsample', 'raw'], 'storage.downsample: raw is not a downsampled resolution'));
      return;
    }
    const name = res === 300_000 ? '5m' : '1h';
    if (val === 'off' || val === false) out.downsampleAfterMs.set(res, undefined);
    else {
      const d = duration(['downsample', name], val);
      if (d !== undefined) out.downsampleAfterMs.set(res, d);
    }
  });
  if (obj.cold !== undefined && obj.cold !== null) parseCold(section, obj.cold, errors, out, duration);
  if (errors.length > 0) throw new ConfigErrorList(errors);
  return out;
}

/** `storage.cold`: both `dir` and `after` are required; errors go to `errors` with positions. */
function parseCold(
  section: RawSection, v: unknown, errors: ConfigError[], out: StorageConfig,
  duration: (path: (string | number)[], x: unknown) => number | undefined,
): void {
  if (typeof v !== 'object' || Array.isArray(v)) {
    errors.push(section.errorAt(['cold'], 'storage.cold: expected a mapping with dir and after'));
    return;
  }
  const c = v as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (key !== 'dir' && key !== 'after') errors.push(section.errorAt(['cold', key], `storage.cold: unknown field "${key}" (known: dir, after)`));
  }
  let dir: string | undefined;
  if (typeof c.dir !== 'string' || c.dir.trim() === '') {
    errors.push(section.errorAt(c.dir === undefined ? ['cold'] : ['cold', 'dir'], `storage.cold.dir: expected a directory path, got ${JSON.stringify(c.dir ?? null)}`));
  } else dir = resolve(dirname(section.file), c.dir);
  let afterMs: number | undefined;
  if (c.after === undefined) errors.push(section.errorAt(['cold'], 'storage.cold.after: missing (the block age at which blocks move, like 30d)'));
  else {
    afterMs = duration(['cold', 'after'], c.after);
    if (afterMs !== undefined && afterMs <= 0) {
      errors.push(section.errorAt(['cold', 'after'], `storage.cold.after: must be positive, got ${JSON.stringify(c.after)}`));
      afterMs = undefined;
    }
  }
  if (dir !== undefined && afterMs !== undefined) out.cold = { dir, afterMs };
}
