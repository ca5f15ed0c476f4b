import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration } from '../model/duration.js';
import { DEFAULT_IMPORT_MEMORY_BYTES, importOpenMetrics, type ImportSummary } from '../tsdb/import/index.js';
import { UsageError } from './errors.js';

interface ImportCliOptions {
  dataDir: string;
  maxBlockDuration?: string;
  memoryLimitMib: string;
  progress?: boolean;
}

/**
 * `vigil import openmetrics FILE|- --data-dir DIR`: backfills an OpenMetrics file with timestamps into blocks of a
 * data dir (which `vigil run --data-dir DIR` then serves). Prints a summary on stdout and, on a TTY, a progress bar
 * on stderr. Bad input rejects with `FILE:LINE: message` (exit 1) and leaves the data dir untouched; bad flags
 * exit 2.
 */
export function registerImport(program: Command): void {
  const imp = program.command('import').description('backfill data into a data dir');
  imp
    .command('openmetrics')
    .description('import an OpenMetrics text file with timestamps (as promtool tsdb create-blocks-from openmetrics)')
    .argument('<file>', 'input file, or - for standard input')
    .option('--data-dir <dir>', 'data directory to add the blocks to', './data')
    .option('--max-block-duration <duration>', 'largest block range (default: smallest of 2h, 6h, 18h, 54h, 162h holding the data)')
    .option('--memory-limit-mib <n>', 'buffered sample data that triggers writing blocks early', String(DEFAULT_IMPORT_MEMORY_BYTES / 2 ** 20))
    .option('--no-progress', 'no progress bar even on a terminal')
    .action(async (file: string, opts: ImportCliOptions) => {
      let maxBlockDuration: number | undefined;
      if (opts.maxBlockDuration !== undefined) {
        try {
          maxBlockDuration = parseDuration(opts.maxBlockDuration);
        } catch (e) {
          throw new UsageError(`--max-block-duration: ${(e as Error).message}`);
        }
        if (maxBlockDuration <= 0) throw new UsageError('--max-block-duration must be positive');
      }
      const mib = Number(opts.memoryLimitMib);
      if (!(mib > 0)) throw new UsageError(`--memory-limit-mib: expected a positive number, got "${opts.memoryLimitMib}"`);

      let total: number | undefined;
      if (file !== '-') {
        try {
          total = (await stat(file)).size;
        } catch (e) {
          throw new Error(`${file}: cannot read: ${(e as Error).message}`);
        }
      }
      const source = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      const bar = opts.progress !== false && process.stderr.isTTY ? new ProgressBar(total) : undefined;
      let summary: ImportSummary;
      try {
        summary = await importOpenMetrics(source, opts.dataDir, {
          sourceName: file,
          maxBlockDuration,
          memoryLimitBytes: mib * 2 ** 20,
          onProgress: bar ? (b, s) => bar.update(b, s) : undefined,
        });
      } finally {
        bar?.done();
      }
      process.stdout.write(formatSummary(summary));
    });
}

/** The summary printed after an import: totals, then one line per block. */
export function formatSummary(s: ImportSummary): string {
  const perSample = s.samples ? (s.bytes / s.samples).toFixed(2) : '0';
  let out =
    `imported ${s.series} series, ${s.samples} samples into ${s.blocks.length} block(s): ` +
    `${s.bytes} bytes (${perSample} bytes/sample) in ${s.seconds.toFixed(2)} s\n`;
  if (s.outOfOrder) out += `  ${s.outOfOrder} samples arrived out of order (sorted)\n`;
  if (s.duplicatesDropped) out += `  ${s.duplicatesDropped} duplicate samples dropped\n`;
  for (const b of s.blocks) {
    out += `  ${b.id}  ${new Date(b.minTime).toISOString()} .. ${new Date(b.maxTime).toISOString()}  ` +
      `${b.stats.numSeries} series  ${b.stats.numSamples} samples  ${b.stats.bytes ?? 0} bytes\n`;
  }
  return out;
}

/** One line redrawn in place on stderr, at most ten times a second. */
class ProgressBar {
  private last = 0;
  constructor(private readonly total: number | undefined) {}

  update(bytes: number, samples: number): void {
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const mib = (bytes / 2 ** 20).toFixed(1);
    let line: string;
    if (this.total) {
      const frac = Math.min(1, bytes / this.total);
      const width = 30, full = Math.round(frac * width);
      line = `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mib} MiB`;
    } else {
      line = `${mib} MiB read`;
    }
    process.stderr.write(`\r${line}, ${samples} samples`);
  }

  done(): void {
    if (this.last) process.stderr.write('\r\x1b[K');
  }
}
