import type { StorageConfig } from '../../config/storage.js';
import type { CompactorOptions } from './run.js';
import { DEFAULT_TIERS, RES_1H, RES_5M, type DownsampleTier } from './plan.js';

/**
 * Compactor settings from the `storage:` config and the flags. `--retention` applies to every resolution the config
 * does not give its own retention (so by default nothing downsampled outlives, or dies before, raw data). The cold
 * tier, if configured, is carried as is (the Db must be opened with the same `coldDir`).
 */
export function compactorOptions(storage: StorageConfig, flags: { retentionMs?: number; retentionBytes?: number }): CompactorOptions {
  const retentionMs = new Map<number, number>();
  for (const r of [0, RES_5M, RES_1H]) {
    const v = storage.retentionMs.get(r) ?? flags.retentionMs;
    if (v !== undefined) retentionMs.set(r, v);
  }
  const tiers: DownsampleTier[] = [];
  const after5m = storage.downsampleAfterMs.get(RES_5M), after1h = storage.downsampleAfterMs.get(RES_1H);
  const [d5m, d1h] = DEFAULT_TIERS as [DownsampleTier, DownsampleTier];
  if (after5m !== undefined) tiers.push({ ...d5m, afterMs: after5m });
  if (after1h !== undefined) tiers.push({ ...d1h, from: after5m !== undefined ? RES_5M : 0, afterMs: after1h });
  const cold = storage.cold === undefined ? {} : { cold: { dir: storage.cold.dir, afterMs: storage.cold.afterMs } };
  return { retentionMs, retentionBytes: flags.retentionBytes ?? storage.retentionBytes, tiers, ...cold };
}
