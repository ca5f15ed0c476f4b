/**
 * Young-generation sizing for the daemon's V8 isolates, chosen at run time because the daemon is started as plain
 * `node main.js run …` (no room for `--max-semi-space-size` on the command line).
 *
 * Why: V8 doubles an isolate's new space (two semi-spaces) each time more bytes have survived scavenges since the
 * last growth than the new space holds. A scraping daemon keeps a steady trickle of survivors (completed chunks,
 * WAL buffers, per-scrape state), so within a minute its new space reaches V8's default ceiling of 2 × 16 MiB and
 * stays there: about a quarter of the RSS of a daemon scraping 20 k series, spent on a buffer that rarely holds
 * more than a few hundred KiB of live data. Measured side by side (bench/RESULTS.md, "RSS (session 2)"): at
 * 10 targets × 2 000 series @ 1 s, RSS at the end of the window 10–26 MiB lower and CPU per sample unchanged within
 * run-to-run noise; at 20 × 10 000, 16 MiB lower and CPU per sample +8 % (one run pair).
 *
 * Trade-off: code that allocates many short-lived objects at once (a query building its result) runs more
 * scavenges and promotes more. Query evaluation happens in worker threads, whose isolates are created later and get
 * a fixed new space of V8's default maximum (`workerSemiSpaceMiB`, 16): with 4 MiB the side-by-side query set ran
 * 1.76× Prometheus's latency (geometric mean) against 1.31× with V8's default, with 16 MiB 1.38× (one run each).
 * What stays on this thread (inline evaluation of cheap queries, decoding worker results, JSON) runs at 1 MiB:
 * queries returning hundreds of series were up to 1.7× slower in that run.
 */
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';

export interface YoungGenerationOptions {
  /**
   * Semi-space size in MiB of every isolate created after the call (worker threads); it stays that size.
   * Default 16 (V8's default maximum on 64-bit). The calling isolate keeps the size it started with (1 MiB).
   */
  workerSemiSpaceMiB?: number;
}

/**
 * Stops V8 from growing any isolate's new space from now on (a process-wide setting: `--semi-space-growth-factor=1`)
 * and sets the fixed semi-space size of isolates created later. Creating a worker thread's isolate puts the growth
 * factor back to V8's default (measured on Node 20: the main isolate's new space then grows again), so the settings
 * are applied again as each worker comes online; `workersOnline()` lets a caller wait for that. Call once, before
 * starting worker threads; a later call replaces the settings. Throws RangeError for a size that is not a
 * positive whole number of MiB.
 *
 * @example
 * fixYoungGeneration(); // main isolate stays at its initial 2 × 1 MiB; query workers get 2 × 16 MiB
 */
export function fixYoungGeneration(opts: YoungGenerationOptions = {}): void {
  const workerMiB = opts.workerSemiSpaceMiB ?? 16;
  if (!Number.isInteger(workerMiB) || workerMiB < 1) {
    throw new RangeError(`worker semi-space must be a positive whole number of MiB, got ${workerMiB}`);
  }
  const flags = `--semi-space-growth-factor=1 --min-semi-space-size=${workerMiB}`;
  const apply = (): void => v8.setFlagsFromString(flags);
  apply();
  if (onWorker) process.off('worker', onWorker);
  onWorker = (w: Worker) => {
    const online = new Promise<void>((resolve) => {
      const done = (): void => {
        apply();
        starting.delete(online);
        resolve();
      };
      w.once('online', done);
      w.once('exit', done);
    });
    starting.add(online);
  };
  process.on('worker', onWorker);
}

let onWorker: ((w: Worker) => void) | null = null;
const starting = new Set<Promise<void>>();

/**
 * Resolves once every worker thread started so far is online and the settings are applied again. Until then V8's
 * flags may be back at their defaults, so the new space of a busy main thread could grow: callers that start
 * workers and then allocate heavily (the first query) wait for this first.
 */
export async function workersOnline(): Promise<void> {
  // Node announces a new worker ('worker' event) on a later tick than the constructor call: let those run first.
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (starting.size > 0) await Promise.all(starting);
}

/** Current committed size of the calling isolate's new space in bytes (both semi-spaces). */
export function newSpaceBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}
