import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Label, Labels } from '../model/labels.js';
import type { QueryResult } from './query-runner.js';
import { formatResult } from './v1.js';
import { querySuccessJSON } from './result-json.js';

/** What the endpoints answered before result-json.ts: success(formatResult(res), res.warnings) through JSON.stringify. */
function viaObjectTree(res: QueryResult): string {
  const data = formatResult(res);
  return JSON.stringify(res.warnings && res.warnings.length ? { status: 'success', data, warnings: res.warnings } : { status: 'success', data });
}

// Label text with what JSON must escape: quotes, backslashes, control characters, line separators, lone surrogates.
const text = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.constantFrom('', '"', '\\', '\n\t\u0000\u001f', '\u2028\u2029', '\ud800', 'x\udfffy', 'é😀'),
);
// Names as Prometheus allows them; "__proto__" is left out: labelsToObject's plain object drops it, while the
// direct writer keeps it (as Prometheus does).
const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/).filter((n) => n !== '__proto__');
const labels: fc.Arbitrary<Labels> = fc
  .uniqueArray(fc.tuple(name, text), { selector: ([n]) => n, maxLength: 5 })
  .map((pairs) => pairs.map(([n, v]): Label => ({ name: n, value: v })));
const value = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 5e-324, 1e21, 1.5e-7, 123456789012345680000, -1e-300),
  fc.integer({ min: -1e9, max: 1e9 }),
);
// Times in ms: whole, fractional and far from now, as engine steps and `@` modifiers give them.
const time = fc.oneof(fc.integer({ min: -1e13, max: 1e13 }), fc.double({ min: -1e13, max: 1e13, noNaN: true }));
const warnings = fc.option(fc.array(text, { maxLength: 2 }), { nil: undefined });

const matrix: fc.Arbitrary<QueryResult> = fc
  .record({
    series: fc.array(
      fc.record({ labels, points: fc.array(fc.tuple(time, value), { maxLength: 8 }) }),
      { maxLength: 4 },
    ),
    warnings,
  })
  .map(({ series, warnings }) => ({
    value: {
      type: 'matrix' as const,
      series: series.map((s) => ({
        labels: s.labels,
        t: Float64Array.from(s.points, (p) => p[0]),
        v: Float64Array.from(s.points, (p) => p[1]),
      })),
    },
    warnings,
  }));
const vector: fc.Arbitrary<QueryResult> = fc
  .record({ samples: fc.array(fc.record({ labels, t: time, v: value }), { maxLength: 5 }), warnings })
  .map(({ samples, warnings }) => ({ value: { type: 'vector' as const, samples }, warnings }));
const scalar: fc.Arbitrary<QueryResult> = fc
  .record({ t: time, v: value, warnings })
  .map(({ t, v, warnings }) => ({ value: { type: 'scalar' as const, t, v }, warnings }));
const str: fc.Arbitrary<QueryResult> = fc
  .record({ t: time, v: text, warnings })
  .map(({ t, v, warnings }) => ({ value: { type: 'string' as const, t, v }, warnings }));

const asText = (b: Buffer): string => b.toString('utf8');

describe('querySuccessJSON', () => {
  it('writes byte for byte the UTF-8 of what JSON.stringify writes for the object tree, for every result type', () => {
    fc.assert(
      fc.property(fc.oneof(matrix, vector, scalar, str), (res) => {
        expect(querySuccessJSON(res).equals(Buffer.from(viaObjectTree(res), 'utf8'))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('writes whole and fractional seconds and integer values digit by digit as String() would', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15 + 1, max: 1e15 - 1 }), fc.maxSafeInteger(), (t, v) => {
        const res: QueryResult = { value: { type: 'scalar', t, v: v === 0 ? -0 : -v } };
        expect(asText(querySuccessJSON(res))).toBe(viaObjectTree(res));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes the Prometheus shapes (checked by hand)', () => {
    const ls: Labels = [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a"b' }];
    expect(asText(querySuccessJSON({ value: { type: 'matrix', series: [{ labels: ls, t: Float64Array.of(1500, 61_000, -20), v: Float64Array.of(1, NaN, 0.25) }] } })))
      .toBe('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a\\"b"},"values":[[1.5,"1"],[61,"NaN"],[-0.02,"0.25"]]}]}}');
    expect(asText(querySuccessJSON({ value: { type: 'vector', samples: [] }, warnings: ['w'] })))
      .toBe('{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["w"]}');
    expect(asText(querySuccessJSON({ value: { type: 'scalar', t: 1000, v: -Infinity }, warnings: [] })))
      .toBe('{"status":"success","data":{"resultType":"scalar","result":[1,"-Inf"]}}');
    expect(asText(querySuccessJSON({ value: { type: 'vector', samples: [{ labels: [], t: 2, v: 1e21 }] } })))
      .toBe('{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[0.002,"1000000000000000000000"]}]}}');
    expect(asText(querySuccessJSON({ value: { type: 'string', t: 1_795_543_320_001, v: 'é' } })))
      .toBe('{"status":"success","data":{"resultType":"string","result":[1795543320.001,"é"]}}');
  });

  it('keeps a label named __proto__, which an object tree would lose', () => {
    const body = asText(querySuccessJSON({ value: { type: 'vector', samples: [{ labels: [{ name: '__proto__', value: 'x' }], t: 0, v: 1 }] } }));
    expect(JSON.parse(body).data.result[0].metric).toEqual(JSON.parse('{"__proto__":"x"}'));
  });

  it('answers larger than its buffer come out whole', () => {
    const n = 50_000;
    const t = new Float64Array(n), v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = 1_795_543_320_000 + i * 15_000;
      v[i] = i % 3 === 0 ? i : i / 7;
    }
    const res: QueryResult = { value: { type: 'matrix', series: [{ labels: [{ name: 'a', value: 'b'.repeat(100_000) }], t, v }] } };
    expect(querySuccessJSON(res).equals(Buffer.from(viaObjectTree(res), 'utf8'))).toBe(true);
  });
});
