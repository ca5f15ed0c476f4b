import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { compareLabels, labelsFromObject, labelsKey, type Labels } from '../../model/labels.js';
import { Block, listBlocks } from '../block/index.js';
import { importOpenMetrics, ImportError, type ImportOptions } from './index.js';
import { linePieces } from './pieces.js';
import { alignedWindows, chooseBlockRange } from './ranges.js';

const GEN = '/work/shared/bench/gen-openmetrics.mjs';
const HOUR = 3_600_000;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vigil-import-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(work, 'data-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** A byte source cut into chunks of `size` bytes, as a file stream or stdin would deliver it. */
function source(bytes: Uint8Array, size = 65536): AsyncIterable<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

function run(text: string, opts: Partial<ImportOptions> = {}) {
  return importOpenMetrics(source(Buffer.from(text)), dataDir, { sourceName: 'in.om', ...opts });
}

/**
 * An independent reading of the generator's output (one sample per line, `name{k="v",...} value seconds`), written for
 * the test: escapes \\ \" \n in label values, Go-style +Inf/-Inf/NaN.
 */
function parseIndependently(text: string): Map<string, { labels: Labels; t: number[]; v: number[] }> {
  const out = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  const seen = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // No exemplars in these files: value and timestamp are the last two space-separated tokens.
    const sp2 = line.lastIndexOf(' '), sp1 = line.lastIndexOf(' ', sp2 - 1);
    const series = line.slice(0, sp1);
    let s = seen.get(series);
    if (!s) {
      const labels = parseSeries(series);
      const k = labelsKey(labels);
      s = out.get(k);
      if (!s) out.set(k, (s = { labels, t: [], v: [] }));
      seen.set(series, s);
    }
    const vs = line.slice(sp1 + 1, sp2);
    s.t.push(Math.trunc(Number(line.slice(sp2 + 1)) * 1000));
    s.v.push(vs === '+Inf' || vs === 'Inf' ? Infinity : vs === '-Inf' ? -Infinity : Number(vs));
  }
  return out;
}

function parseSeries(series: string): Labels {
  const brace = series.indexOf('{');
  if (brace < 0) return labelsFromObject({ __name__: series });
  const obj: Record<string, string> = { __name__: series.slice(0, brace) };
  let i = brace + 1;
  while (series[i] !== '}') {
    const eq = series.indexOf('=', i);
    const name = series.slice(i, eq);
    let j = eq + 2, val = '';
    while (series[j] !== '"') {
      if (series[j] === '\\') { const e = series[j + 1]; val += e === 'n' ? '\n' : e; j += 2; } else val += series[j++];
    }
    obj[name] = val;
    i = j + 1;
    if (series[i] === ',') i++;
  }
  return labelsFromObject(obj);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const bits = (x: number) => { f64[0] = x; return `${u32[1]}:${u32[0]}`; };

/** Everything in the data dir's blocks, merged per series over (possibly overlapping) blocks. */
function readAll(dir: string): Map<string, { labels: Labels; t: number[]; v: number[] }> {
  const out = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  for (const d of listBlocks(dir)) {
    const b = Block.open(d);
    for (const s of b.select([], -1e15, 1e15)) {
      const k = labelsKey(s.labels);
      let e = out.get(k);
      if (!e) out.set(k, (e = { labels: s.labels, t: [], v: [] }));
      const sb = s.samples();
      for (let i = 0; i < sb.length; i++) { e.t.push(sb.t[i]!); e.v.push(sb.v[i]!); }
    }
    b.close();
  }
  for (const e of out.values()) {
    const idx = e.t.map((_, i) => i).sort((a, b) => e.t[a]! - e.t[b]!);
    e.t = idx.map((i) => e.t[i]!);
    e.v = idx.map((i) => e.v[i]!);
  }
  return out;
}

function expectSameData(got: ReturnType<typeof readAll>, want: ReturnType<typeof readAll>): void {
  expect([...got.values()].map((s) => s.labels).sort(compareLabels)).toEqual([...want.values()].map((s) => s.labels).sort(compareLabels));
  for (const [k, w] of want) {
    const g = got.get(k)!;
    expect(g.t).toEqual(w.t);
    expect(g.v.map(bits)).toEqual(w.v.map(bits));
  }
}

describe('importOpenMetrics on the generated bench file', () => {
  let file: string;
  let want: ReturnType<typeof parseIndependently>;
  beforeAll(() => {
    file = join(work, 'gen.om');
    execFileSync(process.execPath, [GEN, '--series', '300', '--hours', '3', '--step', '15', '--out', file], { stdio: 'ignore' });
    want = parseIndependently(readFileSync(file, 'utf8'));
  });

  it('reads every sample back exactly, in one aligned block', async () => {
    const bytes = readFileSync(file);
    const sum = await importOpenMetrics(source(bytes, 1 << 20), dataDir, { sourceName: file, pieceBytes: 1 << 20 });
    const nSamples = [...want.values()].reduce((n, s) => n + s.t.length, 0);
    expect(want.size).toBeGreaterThanOrEqual(300);
    expect(sum.series).toBe(want.size);
    expect(sum.samples).toBe(nSamples);
    // 3 h starting at 2023-11-15T00:00Z fit one 6 h block aligned to 6 h.
    expect(sum.blocks).toHaveLength(1);
    expect(sum.blocks[0]!.stats.numSamples).toBe(nSamples);
    expect(readdirSync(dataDir)).toEqual([sum.blocks[0]!.id]);
    expectSameData(readAll(dataDir), want);
  });

  it('with a small memory limit writes several overlapping blocks holding the same data', async () => {
    const bytes = readFileSync(file);
    const sum = await importOpenMetrics(source(bytes), dataDir, {
      sourceName: file, pieceBytes: 512 * 1024, memoryLimitBytes: 2 * 1024 * 1024, maxBlockDuration: 2 * HOUR,
    });
    expect(sum.blocks.length).toBeGreaterThan(3);
    expect(listBlocks(dataDir)).toHaveLength(sum.blocks.length);
    for (const b of sum.blocks) {
      // Within one flush, blocks never cross a 2 h boundary.
      expect(Math.floor(b.minTime / (2 * HOUR))).toBe(Math.floor((b.maxTime - 1) / (2 * HOUR)));
    }
    expectSameData(readAll(dataDir), want);
  });
});

describe('importOpenMetrics input handling', () => {
  const head = '# TYPE m gauge\n';

  it('sorts out-of-order samples and drops exact repeats', async () => {
    const sum = await run(`${head}m{a="1"} 3 30\nm{a="1"} 1 10\nm{a="1"} 1 10\nm{a="1"} 2 20\nm 5 1.5\n# EOF\n`);
    expect(sum.outOfOrder).toBe(1); // only 10 after 30 is older than its predecessor
    expect(sum.duplicatesDropped).toBe(1);
    const got = readAll(dataDir);
    expect(got.get(labelsKey(labelsFromObject({ __name__: 'm', a: '1' })))!.t).toEqual([10_000, 20_000, 30_000]);
    expect(got.get(labelsKey(labelsFromObject({ __name__: 'm' })))!.t).toEqual([1500]);
  });

  it('treats two spellings of one label set as one series', async () => {
    await run(`${head}m{a="1",b="2"} 1 10\nm{b="2",a="1"} 2 20\n# EOF\n`);
    const got = readAll(dataDir);
    expect(got.size).toBe(1);
    expect([...got.values()][0]!.v).toEqual([1, 2]);
  });

  const failures: Array<[string, string, RegExp]> = [
    ['a syntax error', `${head}m 1 10\nm 2 20\nm{a="1" 3 30\n# EOF\n`, /^in\.om:4: expected .*column \d+/],
    ['a sample without timestamp', `${head}m 1 10\nm 2\n# EOF\n`, /^in\.om:3: sample of m has no timestamp/],
    ['a conflicting repeat', `${head}m 1 10\nm 2 10\n# EOF\n`, /^in\.om:3: m: conflicting sample for timestamp 10000/],
    ['a missing # EOF', `${head}m 1 10\n`, /^in\.om:3: .*EOF/],
  ];
  for (const [what, text, re] of failures) {
    it(`rejects ${what} with FILE:LINE and leaves the data dir as it was`, async () => {
      mkdirSync(join(dataDir, 'wal'));
      const err = await run(text).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportError);
      expect((err as Error).message).toMatch(re);
      expect(readdirSync(dataDir)).toEqual(['wal']);
    });
  }

  it('reports the right line deep in a big input and cleans up blocks already flushed', async () => {
    let text = head;
    for (let i = 0; i < 20000; i++) text += `m{i="${i % 50}"} ${i} ${1000 + i}\n`;
    text += 'm{i="x"} oops 5\n';
    for (let i = 0; i < 10; i++) text += `m 1 ${i}\n`;
    text += '# EOF\n';
    const err = await importOpenMetrics(source(Buffer.from(text), 4096), dataDir, {
      sourceName: 'big.om', pieceBytes: 16 * 1024, memoryLimitBytes: 16 * 1024,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^big\.om:20002: /);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('rejects data after a # EOF that ends a piece', async () => {
    let text = head;
    for (let i = 0; i < 2000; i++) text += `m ${i} ${i}\n`;
    text += '# EOF\n';
    const firstLen = text.length;
    text += 'm 1 99999\nm 2 100000\n# EOF\n';
    // Piece size such that the first piece ends right after the first "# EOF" line.
    const err = await importOpenMetrics(source(Buffer.from(text), firstLen + 11), dataDir, {
      sourceName: 'x', pieceBytes: firstLen + 11,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toMatch(/^x:2003: (unexpected data after "# EOF"|expected nothing after)/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('staging directories', () => {
  it('removes those of killed imports and keeps those of running ones', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const deadDir = join(dataDir, `.import-${dead}-01ABCDEFGHJKMNPQRSTVWXYZ01.tmp`);
    const liveDir = join(dataDir, `.import-${process.pid}-01ABCDEFGHJKMNPQRSTVWXYZ02.tmp`);
    mkdirSync(join(deadDir, 'x'), { recursive: true });
    mkdirSync(liveDir);
    const sum = await run('# TYPE m gauge\nm 1 1\n# EOF\n');
    expect(readdirSync(dataDir).sort()).toEqual([liveDir.slice(dataDir.length + 1), sum.blocks[0]!.id].sort());
  });
});

describe('linePieces', () => {
  it('cuts any stream into whole-line pieces with correct line offsets, the last line in the final piece', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.stringMatching(/^[a-z #]{0,12}$/), { minLength: 1, maxLength: 60 }), fc.boolean(),
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 64 }),
      async (lines, trailingNl, chunk, pieceBytes) => {
        const text = lines.join('\n') + (trailingNl ? '\n' : '');
        const pieces = [];
        for await (const p of linePieces(source(Buffer.from(text), chunk), pieceBytes)) pieces.push({ ...p, s: Buffer.from(p.bytes).toString() });
        expect(pieces.map((p) => p.s).join('')).toBe(text);
        expect(pieces.at(-1)!.final).toBe(true);
        expect(pieces.slice(0, -1).every((p) => !p.final && p.s.endsWith('\n'))).toBe(true);
        let line = 0;
        for (const p of pieces) {
          expect(p.lineOffset).toBe(line);
          line += p.s.split('\n').length - 1;
        }
        // The final piece holds the last complete line (so "# EOF\n" is always parsed as the end).
        const lastLine = trailingNl ? lines.at(-1)! + '\n' : lines.at(-1)!;
        expect(pieces.at(-1)!.s.endsWith(lastLine)).toBe(true);
        expect(pieces.at(-1)!.endOffset).toBe(Buffer.byteLength(text));
      }), { numRuns: 300 });
  });
});

describe('block ranges', () => {
  it('takes the smallest aligned ladder range that holds the data', () => {
    const day = 24 * HOUR, t0 = 19675 * day; // a midnight UTC
    expect(chooseBlockRange(t0, t0 + HOUR)).toBe(2 * HOUR);
    expect(chooseBlockRange(t0, t0 + 6 * HOUR - 1)).toBe(6 * HOUR);
    expect(chooseBlockRange(t0 + HOUR, t0 + 7 * HOUR)).toBe(18 * HOUR);
    expect(chooseBlockRange(t0, t0 + 30 * day)).toBe(162 * HOUR);
    expect(chooseBlockRange(t0, t0 + 30 * day, 2 * HOUR)).toBe(2 * HOUR);
    expect(chooseBlockRange(t0, t0 + 30 * day, 24 * HOUR)).toBe(24 * HOUR);
    expect(chooseBlockRange(t0, t0 + 30 * day, HOUR)).toBe(HOUR);
    expect(alignedWindows(t0 + HOUR, t0 + 5 * HOUR, 2 * HOUR)).toEqual([[t0, t0 + 2 * HOUR], [t0 + 2 * HOUR, t0 + 4 * HOUR], [t0 + 4 * HOUR, t0 + 6 * HOUR]]);
  });
});
