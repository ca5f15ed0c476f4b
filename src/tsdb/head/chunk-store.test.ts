import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ChunkStore, MAX_SEGMENT_BYTES, MIN_SEGMENT_BYTES } from './chunk-store.js';

/** Scratch the tests fill and hand to add() as a view, as the head does with an appender's reused buffer. */
let scratch = new Uint8Array(1024);

/** `len` pseudo-random bytes from `seed` (an LCG), written into the shared scratch at `skew` and returned as a view. */
function payload(seed: number, len: number, skew = 0): Uint8Array {
  if (scratch.length < len + skew) scratch = new Uint8Array(2 * (len + skew));
  let x = seed >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    scratch[skew + i] = x >>> 24;
  }
  return scratch.subarray(skew, skew + len);
}

interface Stored {
  bytes: Uint8Array;
  minT: number;
  maxT: number;
  n: number;
  next: number;
}

function expectSame(store: ChunkStore, model: Map<number, Stored>): void {
  expect(store.size).toBe(model.size);
  let total = 0;
  for (const [id, c] of model) {
    total += c.bytes.length;
    const got = store.bytes(id);
    expect(got.length).toBe(c.bytes.length);
    // Compare as one buffer: per-byte expects would be slow for megabyte chunks.
    expect(Buffer.from(got).equals(Buffer.from(c.bytes))).toBe(true);
    expect([store.minT(id), store.maxT(id), store.numSamples(id), store.next(id)]).toEqual([c.minT, c.maxT, c.n, c.next]);
  }
  expect(store.byteLength).toBe(total);
  expect(store.reservedBytes).toBeGreaterThanOrEqual(total);
}

type Op =
  | { kind: 'add'; len: number; seed: number; skew: number }
  | { kind: 'release'; pick: number }
  | { kind: 'releaseOldest'; count: number }
  | { kind: 'setNext'; pick: number; to: number };

const len = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 4, arbitrary: fc.integer({ min: 400, max: 20_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_SEGMENT_BYTES - 2, max: MAX_SEGMENT_BYTES + 70_000 }) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), len, seed: fc.nat(), skew: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('releaseOldest' as const), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setNext' as const), pick: fc.nat(), to: fc.integer({ min: -1, max: 1000 }) }) },
);

describe('ChunkStore', () => {
  it.each([
    ['default slack', undefined],
    ['compacting at every chance', 0],
  ])('matches a Map model under random add/release/setNext sequences (%s)', (_name, compactSlackBytes) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 250 }), (ops) => {
        const store = new ChunkStore({ compactSlackBytes });
        const model = new Map<number, Stored>();
        // Ids in the order they were added: releaseOldest frees from the front, as head truncation does.
        const order: number[] = [];
        let t = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const view = payload(o.seed, o.len, o.skew);
            const id = store.add(view, t, t + o.len, o.len & 0xffff);
            expect(model.has(id)).toBe(false);
            model.set(id, { bytes: view.slice(), minT: t, maxT: t + o.len, n: o.len & 0xffff, next: -1 });
            order.push(id);
            t += o.len + 1;
          } else if (o.kind === 'setNext') {
            if (order.length === 0) continue;
            const id = order[o.pick % order.length]!;
            store.setNext(id, o.to);
            model.get(id)!.next = o.to;
          } else {
            const victims = o.kind === 'release' ? (order.length > 0 ? order.splice(o.pick % order.length, 1) : []) : order.splice(0, o.count);
            for (const id of victims) {
              expect(store.release(id)).toBe(model.get(id)!.next);
              model.delete(id);
            }
          }
        }
        expectSame(store, model);
        // Releasing everything drops every segment but the one being written.
        for (const id of order) store.release(id);
        expect(store.size).toBe(0);
        expect(store.byteLength).toBe(0);
        expect(store.segmentCount).toBeLessThanOrEqual(1);
        expect(store.reservedBytes).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
      }),
      { numRuns: 150 },
    );
  });

  it('compacts without losing bytes and keeps reserved memory within its bound under random releases', () => {
    // Chunks of up to 4 KB, released at random: segments close, go sparse, and compaction moves their chunks.
    const fragOp: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), len: fc.integer({ min: 1, max: 4000 }), seed: fc.nat(), skew: fc.nat(7) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('setNext' as const), pick: fc.nat(), to: fc.integer({ min: -1, max: 1000 }) }) },
    );
    let runs = 0;
    let compacted = 0;
    fc.assert(
      fc.property(fc.array(fragOp, { minLength: 200, maxLength: 800 }), (ops) => {
        const store = new ChunkStore({ compactSlackBytes: 0 });
        const model = new Map<number, Stored>();
        const ids: number[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            const view = payload(o.seed, o.len, o.skew);
            const id = store.add(view, o.seed, o.seed + 1, 7);
            model.set(id, { bytes: view.slice(), minT: o.seed, maxT: o.seed + 1, n: 7, next: -1 });
            ids.push(id);
          } else if (o.kind === 'setNext') {
            if (ids.length === 0) continue;
            const id = ids[o.pick % ids.length]!;
            store.setNext(id, o.to);
            model.get(id)!.next = o.to;
          } else if (o.kind === 'release' && ids.length > 0) {
            const id = ids.splice(o.pick % ids.length, 1)[0]!;
            expect(store.release(id)).toBe(model.get(id)!.next);
            model.delete(id);
            // 2.5 × byteLength + slack (0) + the room left in the segment being written + closed segments' tails.
            expect(store.reservedBytes).toBeLessThanOrEqual(2.5 * store.byteLength + MAX_SEGMENT_BYTES + 4000 * store.segmentCount);
          }
        }
        expectSame(store, model);
        runs++;
        if (store.compactedBytes > 0) compacted++;
      }),
      { numRuns: 60 },
    );
    // Most runs compact at least once, so the model comparison above covers moved chunks.
    expect(compacted).toBeGreaterThan(runs / 2);
  });

  it('copies the bytes it is given', () => {
    const store = new ChunkStore();
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const id = store.add(src.subarray(1, 4), 10, 20, 3);
    src.fill(0);
    expect([...store.bytes(id)]).toEqual([2, 3, 4]);
  });

  it('reuses freed ids and rejects ids that are not stored', () => {
    const store = new ChunkStore();
    const a = store.add(payload(1, 10), 0, 1, 1);
    const b = store.add(payload(2, 10), 2, 3, 1);
    store.setNext(a, b);
    expect(store.release(a)).toBe(b);
    expect(() => store.release(a)).toThrow(/BUG: chunk 0 released/);
    expect(() => store.bytes(a)).toThrow(/not stored/);
    expect(() => store.bytes(99)).toThrow(/not stored/);
    expect(store.add(payload(3, 10), 4, 5, 1)).toBe(a);
    expect(store.next(a)).toBe(-1);
  });

  it('drops a segment when its last chunk is released, not before', () => {
    const store = new ChunkStore();
    // 65 chunks of 1000 bytes fill the first 64 KiB segment (65 000 ≤ 65 536); the 66th does not fit in it.
    const ids: number[] = [];
    for (let i = 0; i < 65; i++) ids.push(store.add(payload(i, 1000), i, i, 1));
    expect(store.segmentCount).toBe(1);
    expect(store.reservedBytes).toBe(MIN_SEGMENT_BYTES);
    ids.push(store.add(payload(65, 1000), 65, 65, 1));
    expect(store.segmentCount).toBe(2);
    expect(store.reservedBytes).toBe(2 * MIN_SEGMENT_BYTES);
    // Released out of order: the segment stays while any of its chunks lives.
    for (let i = 64; i >= 1; i--) store.release(ids[i]!);
    expect(store.segmentCount).toBe(2);
    expect(store.bytes(ids[0]!)).toEqual(payload(0, 1000));
    store.release(ids[0]!);
    expect(store.segmentCount).toBe(1);
    expect(store.reservedBytes).toBe(MIN_SEGMENT_BYTES);
    expect(store.bytes(ids[65]!)).toEqual(payload(65, 1000));
    // The segment being written stays when emptied: it still has room for the next chunks.
    store.release(ids[65]!);
    expect(store.segmentCount).toBe(1);
    expect(store.byteLength).toBe(0);
  });

  it('gives a chunk larger than a segment a segment of its own', () => {
    const store = new ChunkStore();
    const small1 = store.add(payload(1, 100), 0, 1, 1);
    const big = store.add(payload(2, 3 * MAX_SEGMENT_BYTES + 5), 2, 3, 1);
    const small2 = store.add(payload(3, 100), 4, 5, 1);
    // Both small chunks share the first segment: the big one did not close it.
    expect(store.segmentCount).toBe(2);
    expect(store.reservedBytes).toBe(MIN_SEGMENT_BYTES + 3 * MAX_SEGMENT_BYTES + 5);
    expect(Buffer.from(store.bytes(big)).equals(Buffer.from(payload(2, 3 * MAX_SEGMENT_BYTES + 5)))).toBe(true);
    expect(store.bytes(small2)).toEqual(payload(3, 100));
    store.release(big);
    expect(store.segmentCount).toBe(1);
    expect(store.reservedBytes).toBe(MIN_SEGMENT_BYTES);
    expect(store.bytes(small1)).toEqual(payload(1, 100));
  });

  it('keeps bytes intact and reserved memory near the stored bytes while a window of chunks slides through', () => {
    // The head's pattern: chunks cut in time order, the oldest released at truncation. 60 000 chunks of 40–400
    // bytes (~13 MB) pass through a window of 8 000, so segments of every size come and go.
    const store = new ChunkStore();
    const window: number[] = [];
    const seeds = new Map<number, number>();
    let maxSegments = 0;
    for (let i = 0; i < 60_000; i++) {
      const len = 40 + ((i * 7919) % 361);
      const id = store.add(payload(i, len), i, i, 120);
      seeds.set(id, i);
      window.push(id);
      if (window.length > 8000) {
        const old = window.splice(0, 500);
        for (const o of old) {
          const want = payload(seeds.get(o)!, 40 + ((seeds.get(o)! * 7919) % 361));
          expect(Buffer.from(store.bytes(o)).equals(Buffer.from(want))).toBe(true);
          store.release(o);
          seeds.delete(o);
        }
        // Released in order, only the oldest held segment is partly dead and only the newest partly unwritten.
        expect(store.reservedBytes).toBeLessThanOrEqual(store.byteLength + 2 * MAX_SEGMENT_BYTES);
      }
      // After the window has slid past the ramp-up, whose smaller segments are gone by then.
      if (i >= 20_000) maxSegments = Math.max(maxSegments, store.segmentCount);
    }
    for (const id of window) {
      const s = seeds.get(id)!;
      expect(Buffer.from(store.bytes(id)).equals(Buffer.from(payload(s, 40 + ((s * 7919) % 361))))).toBe(true);
    }
    // ~1.65–1.8 MB live (7 500–8 000 chunks of 220 bytes on average): new segments are 256 KiB (the largest power
    // of two whose eight times does not exceed the stored bytes, 2 MiB), so about 7 full ones plus the partly dead
    // oldest and the partly written newest — far fewer than the 28 that 64 KiB segments would take.
    expect(maxSegments).toBeGreaterThanOrEqual(7);
    expect(maxSegments).toBeLessThanOrEqual(10);
  });

  it('compacts segments that releases out of cut order left mostly dead', () => {
    // WAL replay order: each series' chunks of every age are added together, so each segment holds all ages of a few
    // series. Truncation then releases the 20 oldest of every series' 30, leaving each segment a third live.
    const build = (compactSlackBytes: number): { store: ChunkStore; ids: number[][] } => {
      const store = new ChunkStore({ compactSlackBytes });
      const ids: number[][] = [];
      for (let s = 0; s < 2000; s++) {
        const mine: number[] = [];
        for (let c = 0; c < 30; c++) mine.push(store.add(payload(s * 30 + c, 200), c, c, 120));
        ids.push(mine);
      }
      return { store, ids };
    };
    const truncate = ({ store, ids }: { store: ChunkStore; ids: number[][] }): void => {
      for (const mine of ids) for (const id of mine.splice(0, 20)) store.release(id);
    };
    const total = 2000 * 30 * 200;

    // Without compaction nothing is freed: 12 MB held for 4 MB of chunks.
    const pinned = build(Infinity);
    truncate(pinned);
    expect(pinned.store.byteLength).toBe(total / 3);
    expect(pinned.store.reservedBytes).toBeGreaterThanOrEqual(total);
    expect(pinned.store.compactedBytes).toBe(0);

    const compacting = build(MAX_SEGMENT_BYTES);
    const before = compacting.store.reservedBytes;
    expect(before).toBeGreaterThanOrEqual(total);
    truncate(compacting);
    const { store, ids } = compacting;
    expect(store.byteLength).toBe(total / 3);
    expect(store.compactedBytes).toBeGreaterThan(0);
    // The documented bound: 2.5 × byteLength + slack + one segment (the tails of closed segments are under 200 bytes each).
    expect(store.reservedBytes).toBeLessThanOrEqual(2.5 * store.byteLength + 2 * MAX_SEGMENT_BYTES + 200 * store.segmentCount);
    expect(store.reservedBytes).toBeLessThan(before * 0.6);
    for (let s = 0; s < 2000; s++) {
      for (let c = 0; c < 10; c++) {
        const id = ids[s]![c]!;
        expect(Buffer.from(store.bytes(id)).equals(Buffer.from(payload(s * 30 + 20 + c, 200)))).toBe(true);
        expect(store.minT(id)).toBe(20 + c);
      }
    }
  });

  it('never overwrites the bytes of a released chunk (a view kept too long still reads its chunk)', () => {
    const store = new ChunkStore();
    const id = store.add(payload(7, 300), 0, 1, 1);
    const view = store.bytes(id);
    store.release(id);
    for (let i = 0; i < 2000; i++) store.release(store.add(payload(i, 300), 0, 1, 1));
    expect(view).toEqual(payload(7, 300));
  });
});
