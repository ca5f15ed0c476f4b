/**
 * Head memory per series: heap + typed-array memory and RSS growth after appending 1 sample and then 120 samples
 * to each of N series (N = 100 k and 1 M by default), with Prometheus-like label sets (5 labels, a few hundred
 * metric names, shared instance/job values). No WAL: this measures the head alone.
 *
 *   npm run build && node --expose-gc dist/bench/head-memory.js [--series 100000,1000000]
 *
 * Also measures one head compaction of a Db holding 100 k series (block write + truncation; --compaction-series N)
 * with the longest event-loop stall in wall time and in main-thread CPU time, the WAL replay of Db.open for 100 k
 * series × 20 samples (--replay-series N, --replay-samples K; 0 skips) in wall and main-thread CPU time, and the
 * encode/decode cost of a scrape's samples record in both layouts.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Label } from '../src/model/labels.js';
import { Head } from '../src/tsdb/head/head.js';
import { Db } from '../src/tsdb/db.js';
import {
  decodeSamplesRecord, encodeColumnSamplesRecord, encodeSamplesRecord, newSamplesColumns, samplesRecordSize,
} from '../src/tsdb/records.js';

const STEP_MS = 15_000;
const BATCH = 10_000;

export interface HeadMemoryResult {
  series: number;
  /** Bytes per series of heapUsed + external (typed arrays) growth, and of RSS growth. */
  oneSample: { heapPerSeries: number; rssPerSeries: number };
  samples120: { heapPerSeries: number; rssPerSeries: number; chunkBytesPerSample: number };
  appendNsPerSample: number;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function mem(): { heap: number; rss: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

/** Label set of series i: realistic sizes, values shared across series as in node-exporter style data. */
function labelsOf(i: number): Label[] {
  return [
    { name: '__name__', value: `node_metric_${i % 300}_total` },
    { name: 'cpu', value: String(Math.floor(i / 300) % 64) },
    { name: 'instance', value: `10.0.${Math.floor(i / 19200) % 256}.${Math.floor(i / 75) % 256}:9100` },
    { name: 'job', value: 'node' },
    { name: 'series', value: String(i) },
  ];
}

/** Memory per series of a head with `n` series after 1 and after 120 samples each. */
export async function measureHead(n: number): Promise<HeadMemoryResult> {
  const base = mem();
  const head = new Head({ chunkRangeMs: 2 * 3600_000 });
  const refs = new Float64Array(n);
  const t0 = 1_700_000_000_000;
  const app = head.appender();
  for (let i = 0; i < n; i++) {
    refs[i] = app.ref(labelsOf(i));
    app.append(refs[i]!, t0, i);
    if ((i + 1) % BATCH === 0) app.commit();
  }
  app.commit();
  const one = mem();
  const start = performance.now();
  let appended = 0;
  for (let k = 1; k < 120; k++) {
    const t = t0 + k * STEP_MS;
    for (let i = 0; i < n; i++) {
      // Counter-like values: steady growth with some jitter, as scraped counters look.
      app.append(refs[i]!, t, i + k * 10 + (k * 7919 + i) % 13);
      if ((i + 1) % BATCH === 0) app.commit();
    }
    app.commit();
    appended += n;
  }
  const ns = ((performance.now() - start) * 1e6) / appended;
  const full = mem();
  const st = head.stats();
  if (st.numSeries !== n || st.numSamples !== n * 120) throw new Error(`BUG: head holds ${st.numSeries} series, ${st.numSamples} samples`);
  return {
    series: n,
    oneSample: { heapPerSeries: (one.heap - base.heap) / n, rssPerSeries: (one.rss - base.rss) / n },
    samples120: {
      heapPerSeries: (full.heap - base.heap) / n,
      rssPerSeries: (full.rss - base.rss) / n,
      chunkBytesPerSample: st.chunkBytes / st.numSamples,
    },
    appendNsPerSample: ns,
  };
}

export interface CompactionTiming {
  series: number;
  samplesPerSeries: number;
  writeMs: number;
  truncateMs: number;
  /** Longest gap between event-loop ticks while the compaction ran (what a scrape could have waited). */
  maxLoopStallMs: number;
  /**
   * Main-thread CPU time spent inside the longest-running gap between two ticks (Linux: /proc/thread-self/schedstat),
   * or -1 where unavailable. Unlike the wall-clock gap it does not count time the thread sat in the run queue, so it
   * measures the compaction's own blocking on a shared, overloaded machine.
   */
  maxLoopStallCpuMs: number;
  /** Ticks of the probe that ran while the compaction ran. */
  ticks: number;
}

/** CPU time (ns) the calling thread has run, from /proc/thread-self/schedstat; -1 where that file is missing. */
function threadCpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
  } catch {
    return -1;
  }
}

/** Times one head compaction of a Db with `n` series holding 3.5 h of samples every 60 s. */
export async function measureCompaction(n: number): Promise<CompactionTiming> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-compact-'));
  const db = await Db.open(dir, { walSyncIntervalMs: 5000 });
  try {
    const app = db.appender();
    const refs = new Float64Array(n);
    for (let i = 0; i < n; i++) refs[i] = app.ref(labelsOf(i));
    const step = 60_000;
    const end = 3.5 * 3600_000;
    for (let t = 0; t < end; t += step) {
      for (let i = 0; i < n; i++) {
        app.append(refs[i]!, t, i + t / 1000);
        if ((i + 1) % BATCH === 0) app.commit();
      }
      app.commit();
    }
    let maxStall = 0, maxCpu = -1, ticks = 0;
    let last = performance.now(), lastCpu = threadCpuNs();
    let running = true;
    const tick = (): void => {
      const now = performance.now(), cpu = threadCpuNs();
      maxStall = Math.max(maxStall, now - last);
      if (cpu >= 0 && lastCpu >= 0) maxCpu = Math.max(maxCpu, (cpu - lastCpu) / 1e6);
      last = now;
      ticks++;
      // Read the clock after the probe's own file read so its cost is not charged to the next gap.
      lastCpu = threadCpuNs();
      if (running) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const [res] = await db.compactHead();
    running = false;
    if (res === undefined) throw new Error('BUG: nothing compacted');
    return {
      series: n, samplesPerSeries: end / step, writeMs: res.writeMs, truncateMs: res.truncateMs,
      maxLoopStallMs: maxStall, maxLoopStallCpuMs: maxCpu, ticks,
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReplayTiming {
  series: number;
  samplesPerSeries: number;
  walBytes: number;
  /** Db.open (lock, WAL replay into a new head) after a clean close. */
  openMs: number;
  /** Main-thread CPU time of that Db.open (Linux; -1 elsewhere): less sensitive to a busy machine than openMs. */
  openCpuMs: number;
}

/** Times reopening a Db whose WAL holds `n` series with `k` samples each (one commit per scrape round). */
export async function measureReplay(n: number, k = 20): Promise<ReplayTiming> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-replay-'));
  try {
    const db = await Db.open(dir, { walSyncIntervalMs: 5000 });
    const app = db.appender();
    const refs = new Float64Array(n);
    for (let i = 0; i < n; i++) refs[i] = app.ref(labelsOf(i));
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < n; i++) {
        app.append(refs[i]!, j * STEP_MS, i + j);
        if ((i + 1) % BATCH === 0) app.commit();
      }
      app.commit();
    }
    await db.close();
    let walBytes = 0;
    for (const f of readdirSync(join(dir, 'wal'))) walBytes += statSync(join(dir, 'wal', f)).size;
    const c0 = threadCpuNs();
    const t0 = performance.now();
    const again = await Db.open(dir);
    const openMs = performance.now() - t0;
    const c1 = threadCpuNs();
    const openCpuMs = c0 >= 0 && c1 >= 0 ? (c1 - c0) / 1e6 : -1;
    const st = again.stats().head;
    await again.close();
    if (st.numSeries !== n || st.numSamples !== n * k) throw new Error(`BUG: replay gave ${st.numSeries} series, ${st.numSamples} samples`);
    return { series: n, samplesPerSeries: k, walBytes, openMs, openCpuMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RecordCodecTiming {
  layout: 'column' | 'compact';
  bytesPerSample: number;
  encodeNsPerSample: number;
  decodeNsPerSample: number;
}

/**
 * Encode (the commit path: one samples record per scrape) and decode (replay) cost of a samples record of a scrape
 * of `n` consecutive series at one timestamp, in both layouts.
 */
export function measureSamplesRecord(n = 10_000, rounds = 1000): RecordCodecTiming[] {
  const refs = new Float64Array(n), t = new Float64Array(n), v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    refs[i] = 2 ** 26 + 1 + i;
    t[i] = 1_700_000_000_000;
    v[i] = i * 1.5 + 0.1;
  }
  const scratch = new Uint8Array(samplesRecordSize(n));
  const cols = newSamplesColumns(n);
  const out: RecordCodecTiming[] = [];
  for (const [layout, encode] of [['column', encodeColumnSamplesRecord], ['compact', encodeSamplesRecord]] as const) {
    let rec = encode(refs, t, v, n, scratch);
    for (let k = 0; k < rounds / 10; k++) rec = encode(refs, t, v, n, scratch);
    let t0 = performance.now();
    for (let k = 0; k < rounds; k++) rec = encode(refs, t, v, n, scratch);
    const enc = ((performance.now() - t0) * 1e6) / (rounds * n);
    rec = rec.slice();
    t0 = performance.now();
    for (let k = 0; k < rounds; k++) decodeSamplesRecord(rec, cols);
    const dec = ((performance.now() - t0) * 1e6) / (rounds * n);
    out.push({ layout, bytesPerSample: rec.length / n, encodeNsPerSample: enc, decodeNsPerSample: dec });
  }
  return out;
}

/** Runs the measurements and prints one JSON line per result. */
export async function benchHeadMemory(
  opts: { series?: number[]; compactionSeries?: number; replaySeries?: number; replaySamples?: number } = {},
): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.error('warning: run with node --expose-gc for stable numbers');
  for (const n of (opts.series ?? [100_000, 1_000_000]).filter((x) => x > 0)) {
    const r = await measureHead(n);
    console.log(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
  }
  for (const r of measureSamplesRecord()) {
    console.log(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
  }
  if (opts.compactionSeries !== 0) {
    const c = await measureCompaction(opts.compactionSeries ?? 100_000);
    console.log(JSON.stringify(c, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
  }
  if (opts.replaySeries !== 0) {
    const r = await measureReplay(opts.replaySeries ?? 100_000, opts.replaySamples ?? 20);
    console.log(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const series = arg('--series')?.split(',').filter((x) => x !== '').map(Number);
  const cs = arg('--compaction-series');
  const rs = arg('--replay-series');
  const rk = arg('--replay-samples');
  await benchHeadMemory({
    series,
    compactionSeries: cs === undefined ? undefined : Number(cs),
    replaySeries: rs === undefined ? undefined : Number(rs),
    replaySamples: rk === undefined ? undefined : Number(rk),
  });
}
