/**
 * A year of data, compacted and downsampled, then queried over the whole year.
 *
 *   npm run build && node dist/bench/year.js [--series 1000] [--days 365] [--dir DIR] [--keep] [--skip-raw]
 *   node dist/bench/year.js --dir DIR --queries-only [--skip-raw]   # steps 3–4 again on a kept dir (same day)
 *   node dist/bench/year.js --dir DIR --queries-only --only 2       # one query/step pair (0–3), e.g. one locked
 *                                                                    # forced-raw run at a time on a shared machine
 *
 * 1. Generates SERIES series at 60 s for DAYS days ending at today's midnight UTC — half counters `x{i}` (integer
 *    increments, a reset every ~10 days), half gauges `y{i}` (a daily wave plus noise, one decimal) — written
 *    straight into raw blocks of 54 h (the compactor's largest raw range) through writeBlock.
 * 2. Runs the block compactor once (`compactDir`, as `vigil tsdb compact`), clock one hour after the last sample:
 *    5m blocks from every raw block, merged, then 1h blocks.
 * 3. Reports bytes per raw sample and the footprint per resolution.
 * 4. Times `sum(rate(x[1h]))` and `max_over_time(y[1d])` over the whole range at 1h and 1d steps, as chosen
 *    automatically (median of 3 after a warm-up) and forced to raw (one run), through Db.querier() and the engine:
 *    wall time and the process's CPU time (user + system), which is steadier on a shared machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { labelsFromObject } from '../src/model/labels.js';
import { Engine } from '../src/promql/index.js';
import { writeBlock, type SeriesInput } from '../src/tsdb/block/index.js';
import { compactDir, readBlockMetas } from '../src/tsdb/compact/run.js';
import { Db } from '../src/tsdb/db.js';
import { resolutionStats } from '../src/tsdb/compact/stats.js';

const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000;
const BLOCK = 54 * HOUR;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const SERIES = Number(arg('series', '1000'));
const DAYS = Number(arg('days', '365'));
const dir = arg('dir', '') || mkdtempSync(join(tmpdir(), 'vigil-year-'));
const END = Math.floor(Date.now() / DAY) * DAY;
const START = END - DAYS * DAY;

/** Per-series generator state: continues across blocks. */
interface Gen { counter: boolean; v: number; seed: number }

function rnd(g: Gen): number {
  g.seed = (g.seed * 1103515245 + 12345) % 2 ** 31;
  return g.seed / 2 ** 31;
}

async function generate(): Promise<number> {
  const gens: Gen[] = [];
  const labels = [];
  for (let i = 0; i < SERIES; i++) {
    const counter = i % 2 === 0;
    gens.push({ counter, v: counter ? 0 : 50, seed: i * 7919 + 1 });
    labels.push(labelsFromObject({ __name__: counter ? 'x' : 'y', i: String(i >> 1), job: 'bench' }));
  }
  let samples = 0;
  for (let b0 = Math.floor(START / BLOCK) * BLOCK; b0 < END; b0 += BLOCK) {
    const from = Math.max(b0, START), to = Math.min(b0 + BLOCK, END);
    const n = Math.ceil((to - from) / MIN);
    const t = new Float64Array(n);
    for (let k = 0; k < n; k++) t[k] = from + k * MIN;
    const series: SeriesInput[] = [];
    for (let i = 0; i < SERIES; i++) {
      const g = gens[i]!;
      const v = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        if (g.counter) {
          g.v = rnd(g) < 1 / (10 * 1440) ? 0 : g.v + Math.floor(rnd(g) * 200);
          v[k] = g.v;
        } else {
          const wave = 30 * Math.sin((2 * Math.PI * (t[k]! % DAY)) / DAY);
          g.v = 0.9 * g.v + 0.1 * (50 + wave) + (rnd(g) - 0.5) * 4;
          v[k] = Math.round(g.v * 10) / 10;
        }
      }
      series.push({ labels: labels[i]!, samples: { t, v, length: n } });
    }
    await writeBlock(dir, series, { minTime: from, maxTime: to });
    samples += n * SERIES;
  }
  return samples;
}

function timeQuery(engine: Engine, db: Db, expr: string, step: number, resolution: number | undefined, runs: number) {
  const times: number[] = [], cpus: number[] = [];
  let served: number[] = [];
  let points = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const v = engine.rangeQuery(db, expr, START, END, step, resolution === undefined ? undefined : { resolution });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    served = engine.servedResolutions;
    if (v.type === 'matrix') points = v.series.reduce((a, s) => a + s.t.length, 0);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, cpuMs: cpus[Math.floor(cpus.length / 2)]!, served, points };
}

async function main(): Promise<void> {
  console.log(`data dir ${dir}: ${SERIES} series × ${DAYS} d at 60 s, ${new Date(START).toISOString()} .. ${new Date(END).toISOString()}`);
  let t0 = performance.now();
  if (flag('queries-only')) return queries(readBlockMetas(dir).filter((m) => m.resolution === 0).reduce((a, m) => a + m.stats.numSamples, 0));
  const rawSamples = await generate();
  const genS = (performance.now() - t0) / 1000;
  console.log(`generated ${rawSamples} raw samples in ${genS.toFixed(1)} s`);

  t0 = performance.now();
  const steps = await compactDir(dir, { now: () => END + HOUR, retentionMs: new Map() });
  const compactS = (performance.now() - t0) / 1000;
  const kinds = new Map<string, number>();
  for (const s of steps) kinds.set(s.step.kind, (kinds.get(s.step.kind) ?? 0) + 1);
  console.log(`compactor: ${steps.length} steps (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}) in ${compactS.toFixed(1)} s`);

  await queries(rawSamples);
}

async function queries(rawSamples: number): Promise<void> {
  const per = resolutionStats(readBlockMetas(dir));
  const raw = per.find((p) => p.resolution === 0)!;
  console.log('\n| resolution | blocks | samples | bytes | bytes/raw sample | vs raw |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const p of per) {
    const name = p.resolution === 0 ? 'raw' : p.resolution === HOUR ? '1h' : '5m';
    console.log(`| ${name} | ${p.blocks} | ${p.samples} | ${p.bytes} | ${(p.bytes / rawSamples).toFixed(4)} | ${(raw.bytes / p.bytes).toFixed(1)}× smaller |`);
  }

  const db = await Db.open(dir);
  const engine = new Engine({ maxSamples: 2e9, timeoutMs: 3600_000 });
  console.log('\n| query | step | auto: wall ms / CPU ms (resolution) | raw: wall ms / CPU ms | speed-up (wall) |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  try {
    let index = -1;
    for (const expr of ['sum(rate(x[1h]))', 'max_over_time(y[1d])']) {
      for (const step of [HOUR, DAY]) {
        index++;
        if (arg('only', '') !== '' && Number(arg('only', '')) !== index) continue;
        timeQuery(engine, db, expr, step, undefined, 1);
        const auto = timeQuery(engine, db, expr, step, undefined, 3);
        const rawQ = flag('skip-raw') ? undefined : timeQuery(engine, db, expr, step, 0, 1);
        const res = auto.served.map((r) => (r === 0 ? 'raw' : r === HOUR ? '1h' : '5m')).join('+');
        console.log(`| \`${expr}\` | ${step === HOUR ? '1h' : '1d'} | ${auto.ms.toFixed(0)} / ${auto.cpuMs.toFixed(0)} (${res}) | ${rawQ ? `${rawQ.ms.toFixed(0)} / ${rawQ.cpuMs.toFixed(0)}` : '-'} | ${rawQ ? `${(rawQ.ms / auto.ms).toFixed(0)}×` : '-'} |`);
      }
    }
  } finally {
    await db.close();
    if (!flag('keep') && arg('dir', '') === '') rmSync(dir, { recursive: true, force: true });
  }
}

await main();
