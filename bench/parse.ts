/**
 * Exposition-parser benchmark: lines and samples per second on one core, on realistic scrape bodies.
 *
 *   npm run build && node dist/bench/parse.js [--targets 4] [--series 10000] [--runs 5]
 *
 * Bodies come from the shared series model (`../shared/bench/model.mjs` beside the repository, or
 * $VIGIL_BENCH_MODEL), rendered exactly as `targets.mjs` serves them (text format) and, for OpenMetrics, with
 * float-second timestamps and `# EOF`. Without the model a built-in generator of the same shape is used.
 * Each figure is the median of `runs` runs (each at least 250 ms of this process's CPU time, so a busy machine
 * slows the run but not the figure) after a warm-up. Per core: parsing is single-threaded.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Entry, ExpositionParser, type ExpositionFormat } from '../src/scrape/parse/index.js';

export interface ParseBenchOptions {
  targets?: number;
  series?: number;
  runs?: number;
  print?: boolean;
}

interface ModelRow { family: { name: string; type: string; help: string }; name: string; labels: Record<string, string> }
interface ModelState {
  n: number;
  rows: ModelRow[];
  val: Float64Array;
  mul: Float64Array;
  div: Float64Array;
  init(tick: number): void;
}
interface SeriesModel {
  buildTarget(o: { series: number; target: number; seed: number }): unknown[];
  TargetState: new (families: unknown[], o: { resetEvery: number; tickSec: number; target: number; seed: number }) => ModelState;
  labelString(labels: Record<string, string>): string;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

async function loadModel(): Promise<SeriesModel | undefined> {
  const candidates = [process.env['VIGIL_BENCH_MODEL'], resolve(repoRoot(), '../shared/bench/model.mjs')];
  for (const c of candidates) {
    if (c && existsSync(c)) return (await import(pathToFileURL(c).href)) as SeriesModel;
  }
  return undefined;
}

/** One target's body, rendered like targets.mjs (text) or with timestamps and `# EOF` (OpenMetrics). */
function renderFromModel(m: SeriesModel, series: number, target: number, om: boolean): string {
  const state = new m.TargetState(m.buildTarget({ series, target, seed: 1 }), { resetEvery: 3600, tickSec: 1, target, seed: 1 });
  state.init(1_700_000_000);
  const parts: string[] = [];
  let last: ModelRow['family'] | undefined;
  const ts = om ? ' 1700000000.123' : '';
  for (let i = 0; i < state.n; i++) {
    const row = state.rows[i]!;
    if (row.family !== last) {
      last = row.family;
      const fam = om && row.family.type === 'counter' ? row.family.name.replace(/_total$/, '') : row.family.name;
      parts.push(`# HELP ${fam} ${row.family.help}\n# TYPE ${fam} ${row.family.type}\n`);
    }
    const d = state.div[i]!;
    const v = state.val[i]! * state.mul[i]!;
    parts.push(`${row.name}${m.labelString(row.labels)} ${d === 1 ? v : v / d}${ts}\n`);
  }
  if (om) parts.push('# EOF\n');
  return parts.join('');
}

/** Fallback when the shared model is absent: node_exporter-like counters, gauges and histograms. */
function renderBuiltIn(series: number, target: number, om: boolean): string {
  const parts: string[] = [];
  const ts = om ? ' 1700000000.123' : '';
  let n = 0, fam = 0;
  const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  while (n < series) {
    const kind = fam % 3;
    const name = `bench_family_${fam}`;
    parts.push(`# HELP ${name} Family ${fam} of target ${target}.\n# TYPE ${name} ${['counter', 'gauge', 'histogram'][kind]}\n`);
    for (let s = 0; s < 50 && n < series; s++) {
      const labels = `handler="/api/v1/resource${s}",method="GET",instance="host-${target}:9100"`;
      if (kind === 2) {
        les.forEach((le, b) => parts.push(`${name}_bucket{${labels},le="${le}"} ${(s + 1) * (b + 1)}${ts}\n`));
        parts.push(`${name}_sum{${labels}} ${(s * 0.731).toFixed(6)}${ts}\n${name}_count{${labels}} ${s * 12}${ts}\n`);
        n += 14;
      } else {
        parts.push(`${name}${kind === 0 ? '_total' : ''}{${labels},cpu="${s % 8}"} ${kind === 0 ? s * 1000 + fam : (s * 17.25) % 100}${ts}\n`);
        n++;
      }
    }
    fam++;
  }
  if (om) parts.push('# EOF\n');
  return parts.join('');
}

type Mode = 'hit' | 'miss';

/** Parses `body` once; returns samples seen. 'hit' reads what a scrape-cache hit needs, 'miss' also the labels. */
function parseOnce(body: Uint8Array, format: ExpositionFormat, mode: Mode): number {
  const p = new ExpositionParser(body, format);
  let n = 0, sink = 0;
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Series) continue;
    n++;
    sink += p.seriesKey().length + p.value() + (p.timestamp() ?? 0);
    if (mode === 'miss') sink += p.labels().length;
  }
  if (sink === -1) throw new Error('unreachable');
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function countLines(body: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < body.length; i++) if (body[i] === 10) n++;
  return n;
}

/** CPU seconds used by this process so far: the per-core figure, robust against a busy machine's scheduling. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Times `runs` runs over all bodies; each run loops until it has used at least minMs of CPU. */
function measure(bodies: Uint8Array[], format: ExpositionFormat, mode: Mode, runs: number): { linesPerS: number; samplesPerS: number; mbPerS: number } {
  const lines = bodies.reduce((a, b) => a + countLines(b), 0);
  const bytes = bodies.reduce((a, b) => a + b.length, 0);
  for (const b of bodies) parseOnce(b, format, mode); // warm-up
  const minMs = 250;
  const lr: number[] = [], sr: number[] = [], br: number[] = [];
  for (let r = 0; r < runs; r++) {
    let passes = 0, samples = 0;
    const t0 = cpuSeconds();
    let t = t0;
    while ((t - t0) * 1000 < minMs) {
      for (const b of bodies) samples += parseOnce(b, format, mode);
      passes++;
      t = cpuSeconds();
    }
    const s = t - t0;
    lr.push((lines * passes) / s);
    sr.push(samples / s);
    br.push((bytes * passes) / s / 1e6);
  }
  return { linesPerS: median(lr), samplesPerS: median(sr), mbPerS: median(br) };
}

/** Runs the benchmark; returns medians keyed `<format>_<mode>_{lines,samples}_per_s` and `..._mb_per_s`. */
export async function benchParse(opts: ParseBenchOptions = {}): Promise<Record<string, number>> {
  const targets = opts.targets ?? 4, series = opts.series ?? 10_000, runs = Math.max(3, opts.runs ?? 5);
  const model = await loadModel();
  const enc = new TextEncoder();
  const bodies = (om: boolean): Uint8Array[] => Array.from({ length: targets }, (_, k) =>
    enc.encode(model ? renderFromModel(model, series, k, om) : renderBuiltIn(series, k, om)));
  const text = bodies(false), openmetrics = bodies(true);
  const out: Record<string, number> = { targets, series_per_target: series, runs, model_found: model ? 1 : 0 };
  for (const [format, data] of [['text', text], ['openmetrics', openmetrics]] as const) {
    for (const mode of ['hit', 'miss'] as const) {
      const r = measure(data, format, mode, runs);
      out[`${format}_${mode}_lines_per_s`] = Math.round(r.linesPerS);
      out[`${format}_${mode}_samples_per_s`] = Math.round(r.samplesPerS);
      out[`${format}_${mode}_mb_per_s`] = Math.round(r.mbPerS * 10) / 10;
    }
  }
  if (opts.print ?? true) {
    process.stdout.write(`exposition parser, one core, ${targets} bodies x ${series} series ` +
      `(${model ? 'shared model' : 'built-in generator'}), median of ${runs} runs\n`);
    for (const f of ['text', 'openmetrics']) {
      for (const m of ['hit', 'miss']) {
        const k = `${f}_${m}`;
        process.stdout.write(`  ${k.padEnd(16)} ${String(out[`${k}_lines_per_s`]).padStart(10)} lines/s ` +
          `${String(out[`${k}_samples_per_s`]).padStart(10)} samples/s ${String(out[`${k}_mb_per_s`]).padStart(7)} MB/s\n`);
      }
    }
    process.stdout.write('  hit = next()+seriesKey()+value()+timestamp(); miss = hit + labels()\n');
  }
  return out;
}

function parseArgs(argv: string[]): ParseBenchOptions {
  const o: ParseBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, v = Number(argv[++i]);
    if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
    if (a === '--targets') o.targets = v;
    else if (a === '--series') o.series = v;
    else if (a === '--runs') o.runs = v;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchParse(parseArgs(process.argv.slice(2))).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
