import type { Command } from 'commander';
import { parseDuration } from '../model/duration.js';
import { createLogger } from '../log/index.js';
import { fixYoungGeneration } from '../daemon/heap.js';
import { UsageError } from './errors.js';
import { parseByteSize } from '../config/units.js';

export interface RunOptions {
  config: string;
  dataDir: string;
  listen: string;
  retention: string;
  retentionSize?: string;
  logLevel: string;
  'query.maxSamples': string;
  'query.timeout': string;
  'query.maxConcurrency': string;
  'query.cache': string;
  'heap.fixedYoungGeneration': string;
}

/** `vigil run`: the daemon, until SIGTERM/SIGINT. SIGHUP reloads the config. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the daemon: scrape, store, evaluate rules, serve the API')
    .option('--config <file>', 'scrape config (Prometheus format)', 'config/scrape.yaml')
    .option('--data-dir <dir>', 'data directory', './data')
    .option('--listen <host:port>', 'HTTP listen address', '127.0.0.1:9190')
    .option('--retention <duration>', 'how long to keep data (resolutions storage: does not set; 0 = forever)', '365d')
    .option('--retention-size <size>', 'delete the oldest blocks while all blocks exceed this size (e.g. 500GB)')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option('--query.max-samples <n>', 'most samples one query may load (422 beyond)', '50000000')
    .option('--query.timeout <duration>', 'default query time limit (503 beyond)', '2m')
    .option('--query.max-concurrency <n>', 'queries evaluated at once (worker threads)', '2')
    .option('--query.cache <bool>', 'results cache for range queries', 'true')
    .option('--heap.fixed-young-generation <bool>', "keep V8's new space at its start size (less RSS; false: let it grow to 32 MiB)", 'true')
    .action(async (opts: RunOptions) => {
      const { host, port } = parseListen(opts.listen);
      const retentionMs = durationFlag('--retention', opts.retention);
      let retentionBytes: number | undefined;
      if (opts.retentionSize !== undefined) {
        try {
          retentionBytes = parseByteSize(opts.retentionSize);
        } catch (e) {
          throw new UsageError(`--retention-size: ${(e as Error).message}`);
        }
      }
      if (!['debug', 'info', 'warn', 'error'].includes(opts.logLevel)) throw new UsageError(`--log-level: unknown level "${opts.logLevel}"`);
      const logger = createLogger({ level: opts.logLevel as 'info' });
      const query = {
        maxSamples: positiveInt('--query.max-samples', opts['query.maxSamples']),
        defaultTimeoutMs: durationFlag('--query.timeout', opts['query.timeout']),
        pool: { size: positiveInt('--query.max-concurrency', opts['query.maxConcurrency']) },
        cache: boolFlag('--query.cache', opts['query.cache']),
      };
      // Before the daemon's modules load (loading them alone would grow the new space) and before any worker
      // thread starts (worker isolates take the size set here).
      if (boolFlag('--heap.fixed-young-generation', opts['heap.fixedYoungGeneration'])) fixYoungGeneration();
      const { Daemon } = await import('../daemon/index.js');
      const daemon = await Daemon.start({ configFile: opts.config, dataDir: opts.dataDir, host, port, retentionMs, retentionBytes, logger, query });
      await daemon.untilStopped(true);
    });
}

export function parseListen(spec: string): { host: string; port: number } {
  const at = spec.lastIndexOf(':');
  const port = Number(spec.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--listen: expected HOST:PORT, got "${spec}"`);
  }
  let host = spec.slice(0, at) || '0.0.0.0';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: expected a positive integer, got "${v}"`);
  return n;
}

function durationFlag(flag: string, v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

function boolFlag(flag: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`${flag}: expected true or false, got "${v}"`);
}
