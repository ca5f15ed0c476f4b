/**
 * `vigil tsdb compact` and `vigil tsdb stats` (CONTRACT.md): the block compactor, downsampler and retention run
 * once on a data dir no daemon holds, and a report of what the dir holds.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/index.js';
import { parseByteSize } from '../config/units.js';
import { parseStorageConfig } from '../config/storage.js';
import { parseDuration } from '../model/duration.js';
import { Db } from '../tsdb/db.js';
import { describeStep, readBlockMetas, type CompactorOptions } from '../tsdb/compact/run.js';
import { isColdBlock } from '../tsdb/compact/cold.js';
import { compactorOptions } from '../tsdb/compact/options.js';
import type { BlockMeta } from '../tsdb/block/index.js';
import { dirBytes, resolutionStats } from '../tsdb/compact/stats.js';
import { UsageError } from './errors.js';
import { parseTimeArg } from './time.js';

interface CompactFlags {
  dataDir: string;
  config?: string;
  retention: string;
  retentionSize?: string;
  now?: string;
}

function resolutionName(r: number): string {
  return r === 0 ? 'raw' : r % 3_600_000 === 0 ? `${r / 3_600_000}h` : `${r / 60_000}m`;
}

export function registerTsdb(program: Command): void {
  const tsdb = program.command('tsdb').description('work on a data directory offline');
  tsdb
    .command('compact')
    .description('run compaction, downsampling and retention once on a data dir no daemon holds; print what was done')
    .option('--data-dir <dir>', 'data directory', './data')
    .option('--config <file>', 'scrape config whose storage: section sets retention and downsampling')
    .option('--retention <duration>', 'retention of resolutions the config does not set (0: no limit)', '365d')
    .option('--retention-size <size>', 'delete the oldest blocks while all blocks exceed this size (e.g. 500GB)')
    .option('--now <time>', 'the time retention and downsampling ages count from (RFC 3339 or unix seconds; default now)')
    .action(async (flags: CompactFlags) => {
      let retentionMs: number, retentionBytes: number | undefined, now: number;
      try {
        retentionMs = parseDuration(flags.retention);
      } catch (e) {
        throw new UsageError(`--retention: ${(e as Error).message}`);
      }
      try {
        retentionBytes = flags.retentionSize === undefined ? undefined : parseByteSize(flags.retentionSize);
      } catch (e) {
        throw new UsageError(`--retention-size: ${(e as Error).message}`);
      }
      try {
        now = flags.now === undefined ? Date.now() : parseTimeArg(flags.now, Date.now());
      } catch (e) {
        throw new UsageError(`--now: ${(e as Error).message}`);
      }
      const storage = parseStorageConfig(flags.config === undefined ? null : (await loadConfigFile(flags.config)).storage);
      // 0 means no time limit, as for sizes.
      const timeLimit = retentionMs > 0 ? retentionMs : undefined;
      const opts = compactorOptions(storage, { retentionMs: timeLimit, retentionBytes });
      const db = await Db.open(flags.dataDir, { now: () => now, retentionMs: timeLimit, coldDir: storage.cold?.dir });
      let steps = 0;
      try {
        const head = await db.compactHead();
        for (const r of head) if (r.block) process.stdout.write(`persisted head data as block ${r.block.id}, ${new Date(r.minTime).toISOString()} .. ${new Date(r.maxTime).toISOString()}\n`);
        await db.compactBlocks({
          ...opts,
          now: () => now,
          afterStep: (r) => {
            steps++;
            process.stdout.write(`${describeStep(r.step)}${r.output ? ` -> ${r.output.id}` : ''} (${Math.round(r.durationMs)} ms)\n`);
          },
        });
      } finally {
        await db.close();
      }
      process.stdout.write(steps === 0 ? 'nothing to do\n' : `${steps} step(s) done\n`);
    });
  tsdb
    .command('stats')
    .description('blocks, resolutions, time ranges, series, samples and bytes on disk')
    .option('--data-dir <dir>', 'data directory', './data')
    .option('--config <file>', 'scrape config whose storage.cold.dir holds more blocks (the cold tier)')
    .option('--json', 'print JSON')
    .action(async (flags: { dataDir: string; config?: string; json?: boolean }) => {
      const coldDir = flags.config === undefined ? undefined : parseStorageConfig((await loadConfigFile(flags.config)).storage).cold?.dir;
      let metas: BlockMeta[];
      try {
        statSync(flags.dataDir);
        metas = readBlockMetas(flags.dataDir, coldDir);
      } catch (e) {
        throw new Error(`${flags.dataDir}: ${(e as Error).message}`);
      }
      const cold = coldDir === undefined ? [] : metas.filter((m) => isColdBlock(m.dir, coldDir));
      const per = resolutionStats(metas);
      const walBytes = dirBytes(join(flags.dataDir, 'wal'));
      if (flags.json) {
        process.stdout.write(JSON.stringify({
          resolutions: per.map((s) => ({ ...s, resolution: resolutionName(s.resolution) })),
          blocks: metas.map(({ dir, ...m }) => ({ ...m, tier: coldDir !== undefined && isColdBlock(dir, coldDir) ? 'cold' : 'hot' })),
          walBytes,
        }, null, 2) + '\n');
        return;
      }
      const rows = [['resolution', 'blocks', 'from', 'to', 'series', 'samples', 'bytes', 'bytes/sample']];
      for (const s of per) {
        rows.push([
          resolutionName(s.resolution), String(s.blocks), new Date(s.minTime).toISOString(), new Date(s.maxTime).toISOString(),
          String(s.series), String(s.samples), String(s.bytes), s.samples > 0 ? (s.bytes / s.samples).toFixed(3) : '-',
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
      const total = per.reduce((a, s) => a + s.bytes, 0);
      if (coldDir !== undefined) {
        process.stdout.write(`cold tier: ${cold.length} blocks, ${cold.reduce((a, m) => a + (m.stats.bytes ?? 0), 0)} bytes in ${coldDir}${cold.length > 0 ? ` (${cold.map((m) => m.id).join(', ')})` : ''}\n`);
      }
      process.stdout.write(`total: ${metas.length} blocks, ${total} bytes in blocks, ${walBytes} bytes of WAL\n`);
    });
}
