/**
 * One conformance suite that every chunk encoding must pass: bit-exact round trips of any float64 and any
 * strictly increasing safe-integer timestamps, range filtering, and loud failure on corrupt input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../model/sample.js';
import {
  ChunkDecodeError,
  chunkNumSamples,
  decodeChunkInto,
  encodeBlockChunk,
  newSampleBuffer,
  XorAppender,
} from './index.js';

type Encode = (t: Float64Array, v: Float64Array) => Uint8Array;

const encodings: Array<[string, Encode]> = [
  [
    'xor',
    (t, v) => {
      const a = new XorAppender(16);
      for (let i = 0; i < t.length; i++) a.append(t[i]!, v[i]!);
      return a.bytes().slice();
    },
  ],
  ['block', (t, v) => encodeBlockChunk(t, v, 0, t.length)],
];

const MAX = Number.MAX_SAFE_INTEGER;

/** Float64 values as (hi, lo) bit pairs, so NaN payloads never pass through a JS number array. */
type Bits = [number, number];
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const nanBits: fc.Arbitrary<Bits> = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 0xfffff }), u32)
  .filter(([, h, l]) => h !== 0 || l !== 0)
  .map(([neg, h, l]) => [((neg ? 0x80000000 : 0) | 0x7ff00000 | h) >>> 0, l]);
const denormalBits: fc.Arbitrary<Bits> = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 0xfffff }), u32)
  .map(([neg, h, l]) => [((neg ? 0x80000000 : 0) | h) >>> 0, l]);
const f = new Float64Array(1);
const fu = new Uint32Array(f.buffer);
function bitsOf(x: number): Bits {
  f[0] = x;
  return [fu[1]!, fu[0]!];
}
const special: fc.Arbitrary<Bits> = fc
  .constantFrom(STALE_NAN, NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE)
  .map(bitsOf);
/** Decimal-looking values (what scrapes mostly carry), so the block encoding's integer path is exercised. */
const decimal: fc.Arbitrary<Bits> = fc
  .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 }))
  .map(([m, k]) => bitsOf(m / 10 ** k));
const anyValue: fc.Arbitrary<Bits> = fc.oneof(
  fc.double().map(bitsOf),
  nanBits,
  denormalBits,
  special,
  u32.chain((h) => u32.map((l): Bits => [h, l])),
  decimal,
);
/** Whole series of one kind: all decimal, constant, a counter with resets, or anything at all. */
const valueSeries = (n: number): fc.Arbitrary<Bits[]> =>
  fc.oneof(
    fc.array(anyValue, { minLength: n, maxLength: n }),
    fc.array(decimal, { minLength: n, maxLength: n }),
    anyValue.map((b) => Array.from({ length: n }, () => b)),
    fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: n, maxLength: n }).chain((incs) =>
      fc.integer({ min: 0, max: 3 }).map((k) => {
        let c = 0;
        return incs.map((d, i) => bitsOf(((c = i % 37 === 36 ? 0 : c + d), c / 10 ** k)));
      }),
    ),
  );

/** Strictly increasing safe integers: arbitrary ones (huge gaps, negative), or a jittered regular scrape. */
const timestamps: fc.Arbitrary<number[]> = fc.oneof(
  fc.uniqueArray(fc.maxSafeInteger(), { minLength: 1, maxLength: 150 }).map((a) => a.sort((x, y) => x - y)),
  fc
    .tuple(
      fc.integer({ min: -(2 ** 42), max: 2 ** 42 }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 2 ** 40 })), {
        minLength: 1,
        maxLength: 300,
      }),
    )
    .map(([start, step, jit]) => {
      const out: number[] = [];
      let t = start;
      for (const j of jit) {
        out.push(t);
        t += Math.max(1, step + j);
      }
      return out;
    }),
  fc.constant([-MAX, -MAX + 1, 0, MAX - 1, MAX]),
  fc.constant([-MAX, MAX - 1, MAX]),
);

const series = timestamps.chain((ts) =>
  valueSeries(ts.length).map((vs) => {
    const t = Float64Array.from(ts);
    const v = new Float64Array(ts.length);
    const vu = new Uint32Array(v.buffer);
    vs.forEach(([h, l], i) => {
      vu[2 * i + 1] = h;
      vu[2 * i] = l;
    });
    return { t, v };
  }),
);

function expectBitsEqual(actual: Float64Array, expected: Float64Array): void {
  const bits = (a: Float64Array): number[] => Array.from(new Uint32Array(a.slice().buffer));
  expect(bits(actual)).toEqual(bits(expected));
}

describe.each(encodings)('%s chunk conformance', (_name, encode) => {
  it('round-trips every float64 bit pattern and every strictly increasing safe timestamp', () => {
    fc.assert(
      fc.property(series, ({ t, v }) => {
        const chunk = encode(t, v);
        expect(chunkNumSamples(chunk)).toBe(t.length);
        const out = newSampleBuffer(1);
        decodeChunkInto(chunk, -Infinity, Infinity, out);
        expect(out.length).toBe(t.length);
        expect(Array.from(out.t.subarray(0, out.length))).toEqual(Array.from(t));
        expectBitsEqual(out.v.subarray(0, out.length), v);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps exactly the samples with mint <= t <= maxt, after what the buffer already holds', () => {
    fc.assert(
      fc.property(series, fc.double({ noNaN: true }), fc.double({ noNaN: true }), ({ t, v }, a, b) => {
        // Half the time, bounds that fall on sample timestamps (the inclusive edges).
        const mint = Math.min(a, b) === a ? t[Math.floor(t.length / 3)]! : Math.min(a, b);
        const maxt = Math.max(a, b) === b ? t[Math.floor((2 * t.length) / 3)]! : Math.max(a, b);
        const out = newSampleBuffer(2);
        out.t[0] = -1;
        out.v[0] = 7;
        out.length = 1;
        decodeChunkInto(encode(t, v), mint, maxt, out);
        const et: number[] = [];
        const ev: number[] = [];
        for (let i = 0; i < t.length; i++) {
          if (t[i]! >= mint && t[i]! <= maxt) {
            et.push(t[i]!);
            ev.push(i);
          }
        }
        expect(out.length).toBe(1 + et.length);
        expect(out.t[0]).toBe(-1);
        expect(out.v[0]).toBe(7);
        expect(Array.from(out.t.subarray(1, out.length))).toEqual(et);
        expectBitsEqual(out.v.subarray(1, out.length), Float64Array.from(ev, (i) => v[i]!));
      }),
      { numRuns: 200 },
    );
  });

  it('filters a known series at the edges', () => {
    const t = Float64Array.from({ length: 10 }, (_, i) => 1000 * (i + 1));
    const v = Float64Array.from({ length: 10 }, (_, i) => i * 1.5);
    const chunk = encode(t, v);
    const cases: Array<[number, number, number[]]> = [
      [3000, 5000, [3000, 4000, 5000]],
      [2999, 3001, [3000]],
      [3001, 3999, []],
      [-Infinity, 1000, [1000]],
      [10000, 10000, [10000]],
      [10001, Infinity, []],
      [-5, 999, []],
    ];
    for (const [mint, maxt, want] of cases) {
      const out = newSampleBuffer();
      decodeChunkInto(chunk, mint, maxt, out);
      expect(Array.from(out.t.subarray(0, out.length))).toEqual(want);
      expect(Array.from(out.v.subarray(0, out.length))).toEqual(want.map((x) => (x / 1000 - 1) * 1.5));
    }
  });

  it('encodes an empty chunk that decodes to nothing', () => {
    const chunk = encode(new Float64Array(0), new Float64Array(0));
    expect(chunkNumSamples(chunk)).toBe(0);
    const out = newSampleBuffer();
    decodeChunkInto(chunk, -Infinity, Infinity, out);
    expect(out.length).toBe(0);
  });

  it('rejects every truncation of a chunk with ChunkDecodeError', () => {
    fc.assert(
      fc.property(series, ({ t, v }) => {
        const chunk = encode(t, v);
        for (let len = 0; len < chunk.length; len++) {
          const out = newSampleBuffer();
          expect(() => decodeChunkInto(chunk.subarray(0, len), -Infinity, Infinity, out)).toThrow(ChunkDecodeError);
          expect(out.length).toBe(0);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never throws anything but ChunkDecodeError on corrupted bytes', () => {
    fc.assert(
      fc.property(
        series,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        ({ t, v }, flips) => {
          const chunk = encode(t, v).slice();
          for (const [pos, b] of flips) chunk[pos % chunk.length] = b;
          const out = newSampleBuffer();
          try {
            decodeChunkInto(chunk, -Infinity, Infinity, out);
          } catch (e) {
            expect(e).toBeInstanceOf(ChunkDecodeError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decodeChunkInto dispatch', () => {
  it('rejects an empty chunk and unknown encodings with context', () => {
    expect(() => decodeChunkInto(new Uint8Array(0), 0, 1, newSampleBuffer())).toThrow(/empty chunk/);
    let err: unknown;
    try {
      decodeChunkInto(Uint8Array.of(9, 0, 0), 0, 1, newSampleBuffer());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChunkDecodeError);
    const cde = err as ChunkDecodeError;
    expect(cde.encoding).toBe(9);
    expect(cde.size).toBe(3);
    expect(cde.message).toMatch(/unknown encoding 9.*3 bytes/);
    expect(() => chunkNumSamples(Uint8Array.of(3))).toThrow(ChunkDecodeError);
  });
});
