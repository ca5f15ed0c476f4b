import { describe, expect, it } from 'vitest';
import {
  ChunkDecodeError,
  chunkNumSamples,
  decodeChunkInto,
  encodeBlockChunk,
  newSampleBuffer,
  XorAppender,
} from './index.js';

function decodeAll(chunk: Uint8Array): { t: number[]; v: number[] } {
  const out = newSampleBuffer();
  decodeChunkInto(chunk, -Infinity, Infinity, out);
  return { t: Array.from(out.t.subarray(0, out.length)), v: Array.from(out.v.subarray(0, out.length)) };
}

function regular(n: number, value: (i: number) => number, start = 1_700_000_000_000, step = 15_000) {
  return {
    t: Float64Array.from({ length: n }, (_, i) => start + step * i),
    v: Float64Array.from({ length: n }, (_, i) => value(i)),
  };
}

describe('block chunk', () => {
  it('collapses a constant series at a regular step to its header', () => {
    // 1 encoding + 1 count + 1 modes; timestamps: t0 zigzag varint (3.4e12 < 2^42 → 6 bytes), gcd 15000 (2),
    // median 1 (1), Rice "all zero" (1); values: scale (1), 42 zigzagged (1), gcd 0 = constant (1). 16 bytes.
    const { t, v } = regular(120, () => 42);
    const chunk = encodeBlockChunk(t, v, 0, 120);
    expect(chunk.length).toBe(16);
    expect(decodeAll(chunk)).toEqual({ t: Array.from(t), v: Array.from(v) });
  });

  it('codes a centi-second counter in far fewer bytes than XOR', () => {
    let c = 78_000_000;
    const { t, v } = regular(480, (i) => (c += 1250 + ((i * 7919) % 200) - 100) / 100);
    const block = encodeBlockChunk(t, v, 0, 480);
    const a = new XorAppender();
    for (let i = 0; i < 480; i++) a.append(t[i]!, v[i]!);
    // Increments vary over 200 centi-seconds: about 8–9 bits each after removing the median.
    expect(block.length / 480).toBeLessThan(1.3);
    expect(block.length * 3).toBeLessThan(a.byteLength);
    expect(decodeAll(block)).toEqual({ t: Array.from(t), v: Array.from(v) });
  });

  it('keeps -0, which no decimal integer can carry', () => {
    const chunk = encodeBlockChunk(Float64Array.of(1, 2, 3), Float64Array.of(1, -0, 2), 0, 3);
    const { v } = decodeAll(chunk);
    expect(Object.is(v[1], -0)).toBe(true);
    expect(v).toEqual([1, -0, 2]);
  });

  it('stores timestamps beyond ±2^50 raw, 8 bytes each', () => {
    const { t, v } = regular(10, () => 0, 2 ** 51, 1000);
    const chunk = encodeBlockChunk(t, v, 0, 10);
    // 1 encoding + 1 count + 1 modes + 10·8 timestamps + values: scale, 0, gcd 0.
    expect(chunk.length).toBe(86);
    expect(decodeAll(chunk).t).toEqual(Array.from(t));
  });

  it('encodes only [from, to) and returns an independent copy', () => {
    const { t, v } = regular(50, (i) => i * 0.5);
    const a = encodeBlockChunk(t, v, 10, 20);
    const b = encodeBlockChunk(t, v, 30, 50);
    expect(chunkNumSamples(a)).toBe(10);
    expect(decodeAll(a)).toEqual({ t: Array.from(t.subarray(10, 20)), v: Array.from(v.subarray(10, 20)) });
    expect(decodeAll(b).t).toEqual(Array.from(t.subarray(30, 50)));
  });

  it('rejects bad ranges and timestamps that break the contract', () => {
    const t = Float64Array.of(1, 2, 3);
    const v = Float64Array.of(0, 0, 0);
    expect(() => encodeBlockChunk(t, v, 2, 1)).toThrow(RangeError);
    expect(() => encodeBlockChunk(t, v, 0, 4)).toThrow(RangeError);
    expect(() => encodeBlockChunk(Float64Array.of(1, 1), v, 0, 2)).toThrow(/strictly increasing at index 1/);
    expect(() => encodeBlockChunk(Float64Array.of(2, 1), v, 0, 2)).toThrow(RangeError);
    expect(() => encodeBlockChunk(Float64Array.of(1, 2.5), v, 0, 2)).toThrow(/not a safe integer/);
    expect(() => encodeBlockChunk(Float64Array.of(NaN), v, 0, 1)).toThrow(RangeError);
    expect(() => encodeBlockChunk(Float64Array.of(2 ** 53), v, 0, 1)).toThrow(RangeError);
  });

  it('round-trips a counter with resets and bursts (escaped residuals)', () => {
    let c = 0;
    const { t, v } = regular(300, (i) => (c = i % 100 === 99 ? 0 : c + (i % 17 === 0 ? 1e9 : 1000 + (i % 7))));
    expect(decodeAll(encodeBlockChunk(t, v, 0, 300))).toEqual({ t: Array.from(t), v: Array.from(v) });
  });

  it('rejects corrupt headers with ChunkDecodeError', () => {
    const { t, v } = regular(5, (i) => i / 10);
    const good = encodeBlockChunk(t, v, 0, 5);
    expect(good[2]).toBe(0); // modes: int-sequence timestamps, decimal values
    const badMode = good.slice();
    badMode[2] = 0x10;
    expect(() => decodeAll(badMode)).toThrow(/unknown mode byte 0x10/);
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expect(() => decodeAll(trailing)).toThrow(/1 unexpected trailing bytes/);
    // Count varint 0xff 0xff 0xff 0x7f = 2^28 - 1 samples, over the limit.
    expect(() => chunkNumSamples(Uint8Array.of(2, 0xff, 0xff, 0xff, 0x7f))).toThrow(ChunkDecodeError);
  });
});
