/**
 * WAL micro benchmark: append throughput for 1 KiB and 64 KiB units (one record per `log`, and 16-record batches
 * of the same total size), then open (verification) and replay throughput over what was written.
 *
 *   npm run build && node dist/src/tsdb/wal/benchmark.js [--mib 256] [--dir /path/on/the/disk/to/measure]
 *
 * syncIntervalMs is 1000 as in the daemon; the append loop is synchronous, so the timer cannot fire inside it and
 * the one fsync is the one in close(), reported separately ("with final fsync").
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Wal } from './index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const totalBytes = Number(arg('mib', '256')) * 1024 * 1024;
const base = fs.mkdtempSync(join(arg('dir', os.tmpdir()), 'vigil-wal-bench-'));

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

function run(unitBytes: number, perBatch: number): void {
  const dir = join(base, `${unitBytes}-${perBatch}`);
  const recBytes = Math.floor(unitBytes / perBatch);
  const batch: Uint8Array[] = [];
  for (let i = 0; i < perBatch; i++) batch.push(new Uint8Array(recBytes).fill(i + 1));
  const units = Math.floor(totalBytes / unitBytes);

  const wal = Wal.open(dir, { syncIntervalMs: 1000 });
  const t0 = performance.now();
  for (let i = 0; i < units; i++) {
    if (perBatch === 1) wal.log(batch[0]!);
    else wal.logBatch(batch);
  }
  const tWrite = performance.now() - t0;
  wal.close(); // includes the final fsync
  const tClose = performance.now() - t0;

  const t1 = performance.now();
  const again = Wal.open(dir);
  const tOpen = performance.now() - t1;
  const t2 = performance.now();
  let sum = 0;
  const stats = again.replay((r) => (sum += r.length));
  const tReplay = performance.now() - t2;
  again.close();
  if (stats.records !== units * perBatch || sum !== units * perBatch * recBytes) {
    throw new Error(`BUG: replayed ${stats.records} records / ${sum} bytes, wrote ${units * perBatch}`);
  }
  const mib = (units * perBatch * recBytes) / (1024 * 1024);
  console.log(
    `unit ${unitBytes / 1024} KiB as ${perBatch} record(s): ` +
      `append ${fmt((units * perBatch) / (tWrite / 1000))} records/s, ${fmt(units / (tWrite / 1000))} units/s, ` +
      `${(mib / (tWrite / 1000)).toFixed(0)} MiB/s (${(mib / (tClose / 1000)).toFixed(0)} MiB/s with final fsync); ` +
      `open+verify ${(mib / (tOpen / 1000)).toFixed(0)} MiB/s; replay ${(mib / (tReplay / 1000)).toFixed(0)} MiB/s`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

try {
  console.log(`node ${process.version}, ${fmt(totalBytes / 1024 / 1024)} MiB per run, dir ${base}`);
  for (const [unit, per] of [
    [1024, 1],
    [1024, 16],
    [64 * 1024, 1],
    [64 * 1024, 16],
  ] as const) {
    run(unit, per);
  }
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
