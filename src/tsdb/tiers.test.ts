/**
 * One suite for every storage tier: the head and a block built from the same samples must answer the same
 * selects (matchers and time ranges) with the same series and samples.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLabels, labelsFromObject, type Labels } from '../model/labels.js';
import { Matcher, type MatchType } from '../model/matcher.js';
import { Block, writeBlock } from './block/index.js';
import { Head } from './head/index.js';
import type { Series } from './types.js';

const RANGE = 2 * 3600_000;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'vigil-tiers-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Non-empty series as label text → [t, v] rows (the block may list a series whose chunk overlaps but holds no sample in range). */
function view(list: Series[]): [string, number[][]][] {
  const out: [string, number[][]][] = [];
  for (const s of list) {
    const b = s.samples();
    if (b.length === 0) continue;
    const rows: number[][] = [];
    for (let i = 0; i < b.length; i++) rows.push([b.t[i]!, b.v[i]!]);
    out.push([formatLabels(s.labels), rows]);
  }
  return out;
}

const seriesArb = fc.record({
  labels: fc.record({ x: fc.constantFrom('', 'a', 'b', 'ab'), y: fc.constantFrom('', 'c', 'd') }),
  times: fc.uniqueArray(fc.integer({ min: 0, max: RANGE - 1 }), { minLength: 1, maxLength: 300 }),
});
const matcherArb = fc.record({
  type: fc.constantFrom<MatchType>('=', '!=', '=~', '!~'),
  name: fc.constantFrom('x', 'y', '__name__'),
  value: fc.constantFrom('', 'a', 'c', 'a|b', 'a.*', '.+', 'm'),
});

describe('head and block agree', () => {
  it('on selects over random series, matchers and ranges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(seriesArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.array(matcherArb, { minLength: 1, maxLength: 2 }), fc.integer({ min: -1000, max: RANGE }), fc.integer({ min: 0, max: RANGE })), { minLength: 1, maxLength: 8 }),
        async (specs, queries) => {
          const head = new Head({ chunkRangeMs: RANGE });
          const input: { labels: Labels; samples: { t: Float64Array; v: Float64Array; length: number } }[] = [];
          const app = head.appender();
          specs.forEach((sp, i) => {
            const labels = labelsFromObject({ __name__: 'm', ...sp.labels, id: String(i) });
            const times = [...sp.times].sort((a, b) => a - b);
            const t = Float64Array.from(times);
            const v = Float64Array.from(times, (x) => (x % 97) * 1.5 + i);
            const ref = app.ref(labels);
            for (let k = 0; k < t.length; k++) app.append(ref, t[k]!, v[k]!);
            input.push({ labels, samples: { t, v, length: t.length } });
          });
          app.commit();
          const meta = await writeBlock(dir, input, { minTime: 0, maxTime: RANGE });
          const block = Block.open(meta.dir);
          try {
            for (const [ms, a, b] of queries) {
              const matchers = ms.map((m) => new Matcher(m.type, m.name, m.value));
              const [mint, maxt] = a <= b ? [a, b] : [b, a];
              expect(view(head.select(matchers, mint, maxt))).toEqual(view(block.select(matchers, mint, maxt)));
            }
            expect(head.labelNames([], 0, RANGE)).toEqual(block.labelNames([], 0, RANGE));
            for (const n of ['x', 'y', 'id']) expect(head.labelValues(n, [], 0, RANGE)).toEqual(block.labelValues(n, [], 0, RANGE));
          } finally {
            block.close();
            fs.rmSync(meta.dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
