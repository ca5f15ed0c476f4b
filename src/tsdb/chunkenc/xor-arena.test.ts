import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XorChunkArena } from './xor-arena.js';
import { XorAppender, decodeXorInto } from './xor.js';
import { newSampleBuffer } from './samples.js';

type Op = { kind: 'append'; slot: number; dt: number; v: number } | { kind: 'reset' | 'release'; slot: number };

const value = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(0, 1, NaN, Infinity, -Infinity, 1.5, 1e300),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('append' as const), slot: fc.nat(5), dt: fc.oneof(fc.constant(15_000), fc.integer({ min: 1, max: 2 ** 40 })), v: value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('reset' as const, 'release' as const), slot: fc.nat(5) }) },
);

/** One XorAppender per slot, fed the same samples: the reference for every byte the arena writes. */
function replay(ops: Op[]): { arena: XorChunkArena; refs: Map<number, XorAppender>; samples: Map<number, [number, number][]> } {
  const arena = new XorChunkArena();
  const refs = new Map<number, XorAppender>();
  const samples = new Map<number, [number, number][]>();
  const lastT = new Map<number, number>();
  const ts = new Float64Array(1), vs = new Float64Array(1);
  for (const o of ops) {
    if (o.kind === 'append') {
      const t = (lastT.get(o.slot) ?? 1_700_000_000_000) + o.dt;
      lastT.set(o.slot, t);
      ts[0] = t;
      vs[0] = o.v;
      arena.append(o.slot, ts, vs, 0);
      if (!refs.has(o.slot)) refs.set(o.slot, new XorAppender());
      refs.get(o.slot)!.append(t, o.v);
      samples.set(o.slot, [...(samples.get(o.slot) ?? []), [t, o.v]]);
    } else {
      if (o.kind === 'reset') arena.reset(o.slot);
      else arena.release(o.slot);
      refs.get(o.slot)?.reset();
      samples.set(o.slot, []);
    }
  }
  return { arena, refs, samples };
}

describe('XorChunkArena', () => {
  it('writes, for every slot, the bytes an XorAppender writes for the same samples', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const { arena, refs, samples } = replay(ops);
        for (const [slot, ref] of refs) {
          const got = arena.bytes(slot);
          expect(Buffer.from(got).equals(Buffer.from(ref.bytes()))).toBe(true);
          const want = samples.get(slot)!;
          expect(arena.numSamples(slot)).toBe(want.length);
          const out = newSampleBuffer();
          decodeXorInto(got, -Infinity, Infinity, out);
          expect(Array.from(out.t.subarray(0, out.length))).toEqual(want.map((s) => s[0]));
          expect(Array.from(out.v.subarray(0, out.length))).toEqual(want.map((s) => s[1]));
          if (want.length > 0) {
            expect(arena.minT(slot)).toBe(want[0]![0]);
            expect(arena.maxT(slot)).toBe(want[want.length - 1]![0]);
          } else expect(arena.minT(slot)).toBeNaN();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('moves a growing chunk through the size classes and keeps every sample', () => {
    const arena = new XorChunkArena();
    const ts = new Float64Array(2000), vs = new Float64Array(2000);
    for (let i = 0; i < ts.length; i++) {
      ts[i] = 1_000 + i * 1_000 + (i % 7);
      vs[i] = Math.sin(i) * 1e9; // new 64-bit windows: the biggest samples there are
    }
    for (let i = 0; i < ts.length; i++) {
      arena.append(3, ts, vs, i);
      arena.append(4, ts, vs, i); // a neighbour growing at the same time
    }
    const out = newSampleBuffer();
    decodeXorInto(arena.bytes(3), -Infinity, Infinity, out);
    expect(out.length).toBe(2000);
    expect(Array.from(out.v.subarray(0, out.length))).toEqual(Array.from(vs));
    expect(Buffer.from(arena.bytes(3)).equals(Buffer.from(arena.bytes(4)))).toBe(true);
    expect(arena.byteLength(3)).toBeGreaterThan(16 * 1024);
  });

  it('reuses released regions instead of reserving more memory', () => {
    const arena = new XorChunkArena();
    const ts = new Float64Array(120), vs = new Float64Array(120);
    for (let i = 0; i < 120; i++) {
      ts[i] = i * 15_000;
      vs[i] = i * 0.25;
    }
    const fill = (from: number, to: number): void => {
      for (let s = from; s < to; s++) for (let i = 0; i < 120; i++) arena.append(s, ts, vs, i);
    };
    fill(0, 1000);
    const reserved = arena.reservedBytes;
    expect(reserved).toBeGreaterThan(0);
    for (let s = 0; s < 1000; s++) arena.release(s);
    fill(1000, 2000); // new series take the regions the old ones gave back
    expect(arena.reservedBytes).toBe(reserved);
    for (let s = 0; s < 1000; s++) expect(arena.numSamples(s)).toBe(0);
    // A reset chunk keeps its region: the next chunk of the same size needs no new memory either.
    for (let s = 1000; s < 2000; s++) arena.reset(s);
    fill(1000, 2000);
    expect(arena.reservedBytes).toBe(reserved);
  });

  it('answers for slots it never saw as empty', () => {
    const arena = new XorChunkArena();
    expect(arena.numSamples(10)).toBe(0);
    expect(arena.byteLength(10)).toBe(0);
    expect(arena.overlaps(10, -Infinity, Infinity)).toBe(false);
    const out = newSampleBuffer();
    decodeXorInto(arena.bytes(10), -Infinity, Infinity, out);
    expect(out.length).toBe(0);
  });
});

describe('XorChunkArena memory', () => {
  it('hands back the segments of small classes once every chunk in them has grown out', () => {
    const arena = new XorChunkArena();
    const ts = new Float64Array(120), vs = new Float64Array(120);
    for (let i = 0; i < 120; i++) {
      ts[i] = i * 1_000;
      vs[i] = 1000 + 3 * i + (i % 4); // a counter: ~1.5 bytes a sample, so chunks end in the 256-byte class
    }
    const series = 20_000;
    // As a daemon's series do: all grow in step, one sample each per scrape.
    for (let i = 0; i < 120; i++) for (let s = 0; s < series; s++) arena.append(s, ts, vs, i);
    let bytes = 0;
    for (let s = 0; s < series; s++) bytes += arena.byteLength(s);
    const regionBytes = 256 * series;
    expect(bytes).toBeGreaterThan(0.5 * regionBytes); // the chunks do live in 256-byte regions
    expect(bytes).toBeLessThan(regionBytes);
    // The 32-, 64- and 128-byte regions they outgrew (another 224 B a series) are not held any more.
    expect(arena.reservedBytes).toBeLessThan(regionBytes * 1.1);
  });
});
