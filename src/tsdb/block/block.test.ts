import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareLabels, getLabel, labelsFromObject, type Labels } from '../../model/labels.js';
import { Matcher, type MatchType } from '../../model/matcher.js';
import type { SampleBuffer } from '../types.js';
import { decodeIndexFile, wrapIndexFile } from './index-format.js';
import { Block, BlockFormatError, BlockWriteError, listBlocks, removeBlockLeftovers, writeBlock } from './index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-block-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function buf(ts: number[], vs: number[]): SampleBuffer {
  return { t: Float64Array.from(ts), v: Float64Array.from(vs), length: ts.length };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function bits(x: number): string {
  f64[0] = x;
  return `${u32[1]!.toString(16)}:${u32[0]!.toString(16)}`;
}

/** Timestamps strictly increasing, with gaps from 1 ms to days; values from raw 64-bit patterns (any NaN payload). */
const seriesSamples = fc
  .record({
    start: fc.integer({ min: -1e12, max: 2e12 }),
    gaps: fc.array(fc.oneof(fc.constant(15_000), fc.integer({ min: 1, max: 200_000_000 })), { minLength: 1, maxLength: 300 }),
    kind: fc.constantFrom('decimal', 'bits', 'mixed'),
    seed: fc.array(fc.double(), { minLength: 1, maxLength: 300 }),
    raw: fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })), { minLength: 1, maxLength: 300 }),
  })
  .map(({ start, gaps, kind, seed, raw }) => {
    const ts: number[] = [], vs: number[] = [];
    let t = start;
    for (let i = 0; i < gaps.length; i++) {
      t += gaps[i]!;
      ts.push(t);
      if (kind === 'decimal') vs.push(Math.round((seed[i % seed.length]! % 1e6) * 100) / 100 || 0);
      else if (kind === 'bits') {
        const [lo, hi] = raw[i % raw.length]!;
        u32[0] = lo; u32[1] = hi;
        vs.push(f64[0]!);
      } else vs.push(seed[i % seed.length]!);
    }
    return { ts, vs };
  });

const labelSet = fc
  .record({ job: fc.constantFrom('a', 'b', 'c'), inst: fc.constantFrom('', 'x', 'y', 'z', 'ü€'), n: fc.integer({ min: 0, max: 40 }) })
  .map(({ job, inst, n }) => labelsFromObject({ __name__: `m${n % 4}`, job, instance: inst, shard: String(n) }));

describe('writeBlock / Block round trip', () => {
  it('reads back every sample bit-exactly, series sorted by labels, across several frames and chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(labelSet, seriesSamples), { minLength: 1, maxLength: 25, selector: ([l]) => JSON.stringify(l) }),
        fc.constantFrom(7, 120, 480), fc.boolean(),
        async (input, chunkSamples, compress) => {
          const sub = mkdtempSync(join(dir, 'p-'));
          let minT = Infinity, maxT = -Infinity;
          for (const [, s] of input) { minT = Math.min(minT, s.ts[0]!); maxT = Math.max(maxT, s.ts.at(-1)!); }
          const meta = await writeBlock(sub, input.map(([labels, s]) => ({ labels, samples: buf(s.ts, s.vs) })), {
            minTime: minT, maxTime: maxT + 1, chunkSamples, frameBytes: 512, compress,
          });
          expect(meta.stats.numSeries).toBe(input.length);
          expect(meta.stats.numSamples).toBe(input.reduce((n, [, s]) => n + s.ts.length, 0));
          const block = Block.open(meta.dir);
          try {
            const got = block.select([], minT, maxT);
            const want = [...input].sort((a, b) => compareLabels(a[0], b[0]));
            expect(got.map((s) => s.labels)).toEqual(want.map(([l]) => l));
            for (let i = 0; i < want.length; i++) {
              const sb = got[i]!.samples();
              const [, s] = want[i]!;
              expect(Array.from(sb.t.subarray(0, sb.length))).toEqual(s.ts);
              expect(Array.from(sb.v.subarray(0, sb.length), bits)).toEqual(s.vs.map(bits));
            }
            // A sub-range returns exactly the samples inside it (inclusive at both ends).
            const [, s0] = want[0]!;
            const lo = s0.ts[Math.floor(s0.ts.length / 3)]!, hi = s0.ts[Math.floor((2 * s0.ts.length) / 3)]!;
            const part = block.select([], lo, hi).find((x) => compareLabels(x.labels, want[0]![0]) === 0)!.samples();
            expect(Array.from(part.t.subarray(0, part.length))).toEqual(s0.ts.filter((t) => t >= lo && t <= hi));
          } finally {
            block.close();
          }
        }),
      { numRuns: 40 },
    );
  });

  it('leaves out samples outside [minTime, maxTime) and series left empty; meta records the range', async () => {
    const a = labelsFromObject({ __name__: 'a' }), b = labelsFromObject({ __name__: 'b' });
    const meta = await writeBlock(dir, [
      { labels: a, samples: buf([0, 1000, 2000, 3000], [1, 2, 3, 4]) },
      { labels: b, samples: buf([5000], [9]) },
    ], { minTime: 1000, maxTime: 3000 });
    expect(meta.minTime).toBe(1000);
    expect(meta.maxTime).toBe(3000);
    expect(meta.stats).toMatchObject({ numSeries: 1, numSamples: 2, numChunks: 1 });
    const block = Block.open(meta.dir);
    const got = block.select([], -1e15, 1e15);
    expect(got.map((s) => s.labels)).toEqual([a]);
    expect(Array.from(got[0]!.samples().v.subarray(0, 2))).toEqual([2, 3]);
    // Queries outside the block's range find nothing; labelsOnly gives labels without samples.
    expect(block.select([], 3000, 9000)).toEqual([]);
    expect(block.select([], 0, 999)).toEqual([]);
    const lo = block.select([], 0, 1e6, { labelsOnly: true });
    expect(lo[0]!.samples().length).toBe(0);
    block.close();
    expect(() => block.select([], 0, 1e6)).toThrow(/closed/);
  });

  it('rejects duplicate label sets and unordered samples, leaving nothing in the data dir', async () => {
    const a = labelsFromObject({ __name__: 'a' });
    await expect(writeBlock(dir, [
      { labels: a, samples: buf([1], [1]) },
      { labels: labelsFromObject({ __name__: 'a' }), samples: buf([2], [1]) },
    ], { minTime: 0, maxTime: 10 })).rejects.toThrow(BlockWriteError);
    await expect(writeBlock(dir, [{ labels: a, samples: buf([2, 1], [1, 1]) }], { minTime: 0, maxTime: 10 }))
      .rejects.toThrow(/not after/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('accepts an async iterable', async () => {
    async function* gen() {
      yield { labels: labelsFromObject({ __name__: 'z' }), samples: buf([5], [0.5]) };
    }
    const meta = await writeBlock(dir, gen(), { minTime: 0, maxTime: 10 });
    const b = Block.open(meta.dir);
    expect(b.select([], 0, 10)[0]!.samples().v[0]).toBe(0.5);
    b.close();
  });
});

describe('Block index: matchers, label names and values', () => {
  const series: Labels[] = [
    labelsFromObject({ __name__: 'cpu', job: 'api', instance: 'h1', mode: 'idle' }),
    labelsFromObject({ __name__: 'cpu', job: 'api', instance: 'h1', mode: 'user' }),
    labelsFromObject({ __name__: 'cpu', job: 'db', instance: 'h2', mode: 'idle' }),
    labelsFromObject({ __name__: 'mem', job: 'api', instance: 'h1' }),
    labelsFromObject({ __name__: 'mem', job: 'db', instance: 'h2' }),
    labelsFromObject({ __name__: 'up', job: 'db' }),
    labelsFromObject({ __name__: 'queue_len', queue: 'a,b', env: 'prod' }),
  ];
  let block: Block;
  beforeEach(async () => {
    const meta = await writeBlock(dir, series.map((labels, i) => ({ labels, samples: buf([100 * (i + 1)], [i]) })), { minTime: 0, maxTime: 1000 });
    block = Block.open(meta.dir);
  });
  afterEach(() => block.close());

  const names = (ms: Matcher[], mint = 0, maxt = 1000) => block.select(ms, mint, maxt).map((s) => s.labels.map((l) => l.value).join('/'));

  it('resolves the four matcher types as Prometheus does, including empty-matching ones', () => {
    expect(names([new Matcher('=', '__name__', 'cpu'), new Matcher('=', 'mode', 'idle')])).toEqual(['cpu/h1/api/idle', 'cpu/h2/db/idle']);
    // mode!="idle" also selects series without a mode label.
    expect(names([new Matcher('!=', 'mode', 'idle'), new Matcher('=', 'job', 'api')])).toEqual(['cpu/h1/api/user', 'mem/h1/api']);
    // mode="" selects exactly the series lacking the label.
    expect(names([new Matcher('=', 'mode', ''), new Matcher('=', 'job', 'db')])).toEqual(['mem/h2/db', 'up/db']);
    // mode!="" requires the label.
    expect(names([new Matcher('!=', 'mode', '')])).toHaveLength(3);
    expect(names([new Matcher('=~', '__name__', 'c.*|up')])).toEqual(['cpu/h1/api/idle', 'cpu/h1/api/user', 'cpu/h2/db/idle', 'up/db']);
    // Regexes are anchored: "pu" does not match "cpu".
    expect(names([new Matcher('=~', '__name__', 'pu')])).toEqual([]);
    // instance=~"h1|" matches empty, so series without an instance stay.
    expect(names([new Matcher('=~', 'instance', 'h1|'), new Matcher('=~', 'job', '.+')])).toEqual(['cpu/h1/api/idle', 'cpu/h1/api/user', 'mem/h1/api', 'up/db']);
    expect(names([new Matcher('!~', 'job', 'api|db')])).toEqual(['queue_len/prod/a,b']);
    expect(names([new Matcher('=', 'nosuch', 'x')])).toEqual([]);
    // Time range: only series with samples in [mint, maxt].
    expect(names([], 150, 350)).toEqual(['cpu/h1/api/user', 'cpu/h2/db/idle']);
  });

  it('agrees with a brute-force filter on random matcher sets', () => {
    const value = fc.constantFrom('', 'cpu', 'mem', 'api', 'db', 'h1', 'h2', 'idle', 'user', 'a,b', 'prod', 'zzz');
    const pattern = fc.constantFrom('', '.*', '.+', 'c.*', 'h.', 'api|db', '(?i)API', 'i.*e', '[a-m]+', 'a,b|');
    const matcher = fc.tuple(fc.constantFrom<MatchType>('=', '!=', '=~', '!~'), fc.constantFrom('__name__', 'job', 'instance', 'mode', 'queue', 'nosuch'), value, pattern)
      .map(([type, name, v, p]) => new Matcher(type, name, type === '=~' || type === '!~' ? p : v));
    fc.assert(fc.property(fc.array(matcher, { maxLength: 4 }), (ms) => {
      const want = series.filter((ls) => ms.every((m) => m.matches(getLabel(ls, m.name)))).sort(compareLabels);
      expect(block.select(ms, 0, 1000).map((s) => s.labels)).toEqual(want);
      const wantNames = [...new Set(want.flatMap((ls) => ls.map((l) => l.name)))].sort();
      if (ms.length) expect(block.labelNames(ms, 0, 1000)).toEqual(wantNames);
      const wantJobs = [...new Set(want.map((ls) => getLabel(ls, 'job')).filter((v) => v))].sort();
      if (ms.length) expect(block.labelValues('job', ms, 0, 1000)).toEqual(wantJobs);
    }), { numRuns: 300 });
  });

  it('lists label names and values', () => {
    expect(block.labelNames([], 0, 1000)).toEqual(['__name__', 'env', 'instance', 'job', 'mode', 'queue']);
    expect(block.labelValues('__name__', [], 0, 1000)).toEqual(['cpu', 'mem', 'queue_len', 'up']);
    expect(block.labelValues('mode', [new Matcher('=', 'job', 'db')], 0, 1000)).toEqual(['idle']);
    expect(block.labelValues('nosuch', [], 0, 1000)).toEqual([]);
    expect(block.labelNames([], 5000, 6000)).toEqual([]);
  });
});

describe('damaged blocks', () => {
  async function oneBlock(): Promise<string> {
    const ss = Array.from({ length: 50 }, (_, i) => ({
      labels: labelsFromObject({ __name__: 'm', i: String(i) }),
      samples: buf(Array.from({ length: 200 }, (_, k) => k * 15_000), Array.from({ length: 200 }, (_, k) => Math.sin(i + k))),
    }));
    return (await writeBlock(dir, ss, { minTime: 0, maxTime: 3_000_000, frameBytes: 1024 })).dir;
  }

  it('names meta.json when it is missing, not JSON, or of another version', async () => {
    const d = await oneBlock();
    const meta = join(d, 'meta.json');
    const good = readFileSync(meta, 'utf8');
    writeFileSync(meta, good.replace('"version": 1', '"version": 7'));
    expect(() => Block.open(d)).toThrow(/meta\.json: invalid version/);
    writeFileSync(meta, '{"version": 1, "id"');
    expect(() => Block.open(d)).toThrow(/meta\.json: not valid JSON/);
    rmSync(meta);
    expect(() => Block.open(d)).toThrow(BlockFormatError);
    expect(listBlocks(dir)).toEqual([]);
  });

  it('names the index when it is truncated or a byte is flipped', async () => {
    const d = await oneBlock();
    const index = join(d, 'index');
    const bytes = readFileSync(index);
    writeFileSync(index, bytes.subarray(0, bytes.length - 10));
    expect(() => Block.open(d)).toThrow(/index: size mismatch/);
    const flipped = Buffer.from(bytes);
    flipped[30] ^= 0x40;
    writeFileSync(index, flipped);
    expect(() => Block.open(d)).toThrow(/index: checksum mismatch/);
    writeFileSync(index, bytes.subarray(0, 5));
    expect(() => Block.open(d)).toThrow(/index: truncated: 5 bytes/);
  });

  it('names the chunks file when it is truncated, and a corrupt frame when it is read', async () => {
    const d = await oneBlock();
    const chunks = join(d, 'chunks');
    const bytes = readFileSync(chunks);
    truncateSync(chunks, statSync(chunks).size - 1);
    expect(() => Block.open(d)).toThrow(/chunks: size \d+ bytes, index expects \d+/);
    const bad = Buffer.from(bytes);
    bad[bad.length - 20] ^= 0xff;
    writeFileSync(chunks, bad);
    const b = Block.open(d);
    expect(() => b.select([], 0, 3_000_000).map((s) => s.samples())).toThrow(/chunks: frame \d+ at offset \d+: checksum/);
    b.close();
  });
});

describe('index decoding of corrupt payloads', () => {
  it('fails with BlockFormatError (never another error) whatever bytes the payload holds', async () => {
    const ss = Array.from({ length: 20 }, (_, i) => ({
      labels: labelsFromObject({ __name__: `m${i % 3}`, i: String(i) }),
      samples: buf([i, i + 10, i + 20], [1, 2, 3]),
    }));
    const meta = await writeBlock(dir, ss, { minTime: 0, maxTime: 100, compress: false, frameBytes: 64 });
    const good = readFileSync(join(meta.dir, 'index'));
    const raw = good.subarray(14, good.length - 4);
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(raw.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
      const p = Buffer.from(raw);
      for (const [i, b] of edits) p[i] = b;
      const file = wrapIndexFile(p, p, false);
      try {
        decodeIndexFile(file, 'index', 0);
      } catch (e) {
        expect(e).toBeInstanceOf(BlockFormatError);
      }
    }), { numRuns: 500 });
  });
});

describe('listBlocks', () => {
  it('returns complete blocks by minTime and ignores temporary and foreign entries', async () => {
    const mk = (t: number) => writeBlock(dir, [{ labels: labelsFromObject({ __name__: 'x' }), samples: buf([t], [1]) }], { minTime: t, maxTime: t + 1 });
    const late = await mk(5000);
    const early = await mk(1000);
    mkdirSync(join(dir, `${late.id.slice(0, 25)}Z.tmp`));
    mkdirSync(join(dir, 'wal'));
    writeFileSync(join(dir, 'lock'), '1');
    expect(listBlocks(dir)).toEqual([early.dir, late.dir]);
    expect(listBlocks(join(dir, 'missing'))).toEqual([]);
  });

  it('removeBlockLeftovers removes <id>.tmp and <id>.deleted only', async () => {
    const b = await writeBlock(dir, [{ labels: labelsFromObject({ __name__: 'x' }), samples: buf([1], [1]) }], { minTime: 0, maxTime: 2 });
    mkdirSync(join(dir, `${b.id.slice(0, 25)}A.tmp`));
    mkdirSync(join(dir, `${b.id.slice(0, 25)}B.deleted`));
    mkdirSync(join(dir, 'wal'));
    expect(removeBlockLeftovers(dir)).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual([b.id, 'wal']);
  });
});
