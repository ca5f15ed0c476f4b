/**
 * Chunk codec benchmark: bytes per sample (per metric and overall) and encode/decode samples per second on one
 * core (measured in CPU time, so a busy machine skews it less), for the head's XOR chunk and the block chunk, on
 * realistic series from the shared OpenMetrics generator.
 *
 *   npm run build && node dist/bench/codec.js [--series 2000] [--hours 6] [--step 15] [--runs 3] [--file X.om]
 *
 * Data: `--file` / $VIGIL_BENCH_OM, else the output of gen-openmetrics.mjs (found via $VIGIL_BENCH_GEN,
 * ./bench/gen-openmetrics.mjs or /work/shared/bench/gen-openmetrics.mjs), cached in the OS temp dir.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  decodeChunkInto,
  encodeBlockChunk,
  newSampleBuffer,
  pushSample,
  XorAppender,
} from '../src/tsdb/chunkenc/index.js';
import type { SampleBuffer } from '../src/tsdb/types.js';

export interface CodecBenchOptions {
  /** OpenMetrics file with timestamps; generated when absent. */
  file?: string;
  series?: number;
  hours?: number;
  step?: number;
  /** Timing runs; the median is reported (default 3). */
  runs?: number;
  /** Print tables to stdout (default true). */
  print?: boolean;
}

interface BenchSeries {
  metric: string;
  samples: SampleBuffer;
}

/** Samples per chunk: Prometheus cuts head chunks at 120; a 2 h block at a 15 s step holds 480 per series. */
const HEAD_CHUNK = 120;
const BLOCK_CHUNKS = [120, 480];

function findGenerator(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [
    process.env.VIGIL_BENCH_GEN,
    resolve(here, '../../bench/gen-openmetrics.mjs'),
    resolve(here, 'gen-openmetrics.mjs'),
    '/work/shared/bench/gen-openmetrics.mjs',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const tried = candidates.filter(Boolean).join(', ');
  throw new Error(`gen-openmetrics.mjs not found (tried ${tried}); set VIGIL_BENCH_GEN or pass --file`);
}

function dataFile(o: CodecBenchOptions): string {
  const f = o.file ?? process.env.VIGIL_BENCH_OM;
  if (f) return f;
  const { series = 2000, hours = 6, step = 15 } = o;
  const out = join(tmpdir(), `vigil-codec-${series}-${hours}-${step}.om`);
  if (!existsSync(out) || statSync(out).size === 0) {
    const args = ['--series', String(series), '--hours', String(hours), '--step', String(step), '--out', out];
    execFileSync(process.execPath, [findGenerator(), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return out;
}

/** Ad-hoc parser for the generator's lines: `name{labels} value unix_seconds`. */
async function loadSeries(file: string): Promise<BenchSeries[]> {
  const byKey = new Map<string, BenchSeries>();
  const input = createReadStream(file, { encoding: 'latin1', highWaterMark: 1 << 20 });
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) continue;
    const s2 = line.lastIndexOf(' ');
    const s1 = line.lastIndexOf(' ', s2 - 1);
    const key = line.slice(0, s1);
    let s = byKey.get(key);
    if (!s) {
      const brace = key.indexOf('{');
      s = { metric: brace < 0 ? key : key.slice(0, brace), samples: newSampleBuffer(256) };
      byKey.set(key, s);
    }
    pushSample(s.samples, Math.round(Number(line.slice(s2 + 1)) * 1000), Number(line.slice(s1 + 1, s2)));
  }
  return [...byKey.values()];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1]!;
}

function xorChunks(all: BenchSeries[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const a = new XorAppender();
  for (const { samples: b } of all) {
    for (let from = 0; from < b.length; from += HEAD_CHUNK) {
      a.reset();
      const to = Math.min(b.length, from + HEAD_CHUNK);
      for (let i = from; i < to; i++) a.append(b.t[i]!, b.v[i]!);
      chunks.push(a.bytes().slice());
    }
  }
  return chunks;
}

function blockChunks(all: BenchSeries[], size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (const { samples: b } of all) {
    for (let from = 0; from < b.length; from += size) {
      chunks.push(encodeBlockChunk(b.t, b.v, from, Math.min(b.length, from + size)));
    }
  }
  return chunks;
}

function timeEncodeXor(all: BenchSeries[]): number {
  const a = new XorAppender();
  let bytes = 0;
  const t0 = cpuMs();
  for (const { samples: b } of all) {
    for (let from = 0; from < b.length; from += HEAD_CHUNK) {
      a.reset();
      const to = Math.min(b.length, from + HEAD_CHUNK);
      for (let i = from; i < to; i++) a.append(b.t[i]!, b.v[i]!);
      bytes += a.byteLength;
    }
  }
  const ms = cpuMs() - t0;
  if (bytes === 0) throw new Error('BUG: nothing encoded');
  return ms;
}

function timeEncodeBlock(all: BenchSeries[], size: number): number {
  let bytes = 0;
  const t0 = cpuMs();
  for (const { samples: b } of all) {
    for (let from = 0; from < b.length; from += size) {
      bytes += encodeBlockChunk(b.t, b.v, from, Math.min(b.length, from + size)).length;
    }
  }
  const ms = cpuMs() - t0;
  if (bytes === 0) throw new Error('BUG: nothing encoded');
  return ms;
}

function timeDecode(chunks: Uint8Array[], total: number): number {
  const out = newSampleBuffer(1024);
  let n = 0;
  const t0 = cpuMs();
  for (const c of chunks) {
    out.length = 0;
    decodeChunkInto(c, -Infinity, Infinity, out);
    n += out.length;
  }
  const ms = cpuMs() - t0;
  if (n !== total) throw new Error(`BUG: decoded ${n} samples, expected ${total}`);
  return ms;
}

/** CPU milliseconds of this process (user + system): samples per CPU-second is "per core" even on a busy machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const sumBytes = (cs: Uint8Array[]): number => cs.reduce((s, c) => s + c.length, 0);

/**
 * Runs the codec benchmark and returns its numbers (bytes per sample, samples per second per core), keyed
 * `codec_<encoding>_<measure>`.
 */
export async function benchCodec(opts: CodecBenchOptions = {}): Promise<Record<string, number>> {
  const runs = opts.runs ?? 3;
  const print = opts.print ?? true;
  const file = dataFile(opts);
  const all = await loadSeries(file);
  const total = all.reduce((s, x) => s + x.samples.length, 0);
  const res: Record<string, number> = { codec_series: all.length, codec_samples: total };

  // Size per metric.
  const metrics = new Map<string, BenchSeries[]>();
  for (const s of all) {
    const l = metrics.get(s.metric) ?? [];
    l.push(s);
    metrics.set(s.metric, l);
  }
  const rows: string[][] = [];
  const head = ['metric', 'series', 'samples', 'xor/120', ...BLOCK_CHUNKS.map((c) => `block/${c}`)];
  for (const [m, ss] of [...metrics.entries()].sort()) {
    const n = ss.reduce((s, x) => s + x.samples.length, 0);
    rows.push([m, String(ss.length), String(n), (sumBytes(xorChunks(ss)) / n).toFixed(3),
      ...BLOCK_CHUNKS.map((c) => (sumBytes(blockChunks(ss, c)) / n).toFixed(3))]);
  }
  const xor = xorChunks(all);
  res.codec_xor_bytes_per_sample = sumBytes(xor) / total;
  const blocks = new Map<number, Uint8Array[]>();
  for (const c of BLOCK_CHUNKS) {
    const bc = blockChunks(all, c);
    blocks.set(c, bc);
    res[`codec_block${c}_bytes_per_sample`] = sumBytes(bc) / total;
  }
  rows.push(['ALL', String(all.length), String(total), res.codec_xor_bytes_per_sample.toFixed(3),
    ...BLOCK_CHUNKS.map((c) => res[`codec_block${c}_bytes_per_sample`]!.toFixed(3))]);

  // Speed: median of `runs`, after one warm-up pass of each.
  const big = BLOCK_CHUNKS[BLOCK_CHUNKS.length - 1]!;
  const blockBig = blocks.get(big)!;
  timeEncodeXor(all);
  timeEncodeBlock(all, big);
  timeDecode(xor, total);
  timeDecode(blockBig, total);
  const rate = (ms: number[]): number => total / (median(ms) / 1000);
  const m = { xe: [] as number[], be: [] as number[], xd: [] as number[], bd: [] as number[] };
  for (let r = 0; r < runs; r++) {
    m.xe.push(timeEncodeXor(all));
    m.be.push(timeEncodeBlock(all, big));
    m.xd.push(timeDecode(xor, total));
    m.bd.push(timeDecode(blockBig, total));
  }
  res.codec_xor_encode_samples_per_s = rate(m.xe);
  res.codec_xor_decode_samples_per_s = rate(m.xd);
  res[`codec_block${big}_encode_samples_per_s`] = rate(m.be);
  res[`codec_block${big}_decode_samples_per_s`] = rate(m.bd);

  if (print) {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]): string =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(`chunk bytes per sample (${file}; index not included)`);
    console.log(fmt(head));
    for (const r of rows) console.log(fmt(r));
    console.log(`\nspeed, samples per CPU-second (median of ${runs} runs):`);
    const mss = (x: number): string => `${(x / 1e6).toFixed(1)} M`;
    const line = (name: string, key: string): string => {
      const enc = mss(res[`${key}_encode_samples_per_s`]!);
      return `  ${name.padEnd(10)} encode ${enc}  decode ${mss(res[`${key}_decode_samples_per_s`]!)}`;
    };
    console.log(line('xor/120', 'codec_xor'));
    console.log(line(`block/${big}`, `codec_block${big}`));
  }
  return res;
}

function parseArgs(argv: string[]): CodecBenchOptions {
  const o: CodecBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--file') o.file = v;
    else if (a === '--series') o.series = Number(v);
    else if (a === '--hours') o.hours = Number(v);
    else if (a === '--step') o.step = Number(v);
    else if (a === '--runs') o.runs = Number(v);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchCodec(parseArgs(process.argv.slice(2))).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
