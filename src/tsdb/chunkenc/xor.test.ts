import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../../model/sample.js';
import { ChunkDecodeError, chunkNumSamples, decodeChunkInto, newSampleBuffer, XorAppender } from './index.js';

function decodeAll(chunk: Uint8Array): { t: number[]; v: number[] } {
  const out = newSampleBuffer();
  decodeChunkInto(chunk, -Infinity, Infinity, out);
  return { t: Array.from(out.t.subarray(0, out.length)), v: Array.from(out.v.subarray(0, out.length)) };
}

describe('XorAppender', () => {
  it('reports count, time range and size as it appends', () => {
    const a = new XorAppender(8);
    expect(a.numSamples).toBe(0);
    expect(a.minT).toBeNaN();
    expect(a.maxT).toBeNaN();
    expect(a.byteLength).toBe(5); // encoding byte + uint32 count
    a.append(-5000, 1);
    a.append(10000, 2);
    a.append(25000, 2);
    expect(a.numSamples).toBe(3);
    expect(a.minT).toBe(-5000);
    expect(a.maxT).toBe(25000);
    expect(a.bytes().length).toBe(a.byteLength);
    expect(chunkNumSamples(a.bytes())).toBe(3);
    expect(decodeAll(a.bytes())).toEqual({ t: [-5000, 10000, 25000], v: [1, 2, 2] });
  });

  it('costs what the Gorilla buckets say for a regular constant series', () => {
    // 5 header + 8 (t0) + 8 (v0); then sample 2: dod 15000 in the 17-bit bucket (3 + 17) + '0' value = 21 bits;
    // samples 3..120: '0' dod + '0' value = 2 bits each → 21 + 118·2 = 257 bits = 33 bytes. Total 54.
    const a = new XorAppender();
    for (let i = 0; i < 120; i++) a.append(1_700_000_000_000 + 15_000 * i, 42);
    expect(a.byteLength).toBe(54);
  });

  it('round-trips delta-of-deltas at every bucket boundary', () => {
    const dods = [0, 1, -1, 8191, -8192, 8192, -8193, 65535, -65536, 65536, -65537, 524287, -524288, 524288, -524289];
    const a = new XorAppender();
    const ts: number[] = [];
    // Start with a large delta so that negative dods keep timestamps increasing.
    let t = 0;
    let delta = 1_000_000;
    ts.push(t);
    a.append(t, 0);
    t += delta;
    ts.push(t);
    a.append(t, 1);
    for (const d of dods) {
      delta += d;
      t += delta;
      ts.push(t);
      a.append(t, 2);
    }
    expect(decodeAll(a.bytes()).t).toEqual(ts);
  });

  it('handles deltas beyond 2^53 (absolute timestamps in the widest bucket)', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const ts = [-max, max - 2, max - 1, max];
    const a = new XorAppender();
    for (const t of ts) a.append(t, t);
    expect(decodeAll(a.bytes())).toEqual({ t: ts, v: ts });
  });

  it('keeps the stale marker payload', () => {
    const a = new XorAppender();
    a.append(1, 5);
    a.append(2, STALE_NAN);
    a.append(3, 6);
    const out = newSampleBuffer();
    decodeChunkInto(a.bytes(), 0, 10, out);
    expect(isStaleNaN(out.v[1]!)).toBe(true);
    expect(isStaleNaN(out.v[0]!)).toBe(false);
  });

  it('rejects timestamps that are not safe integers', () => {
    const a = new XorAppender();
    expect(() => a.append(1.5, 0)).toThrow(RangeError);
    a.append(1, 0);
    expect(() => a.append(2.5, 0)).toThrow(RangeError);
    expect(() => a.append(2 ** 60, 0)).toThrow(RangeError);
  });

  it('reset() starts an independent chunk in the same buffer', () => {
    const a = new XorAppender(8);
    for (let i = 0; i < 500; i++) a.append(i * 1000, Math.sin(i));
    a.reset();
    expect(a.numSamples).toBe(0);
    a.append(7, 0.5);
    a.append(9, -0.5);
    expect(a.minT).toBe(7);
    expect(decodeAll(a.bytes())).toEqual({ t: [7, 9], v: [0.5, -0.5] });
  });

  it('rejects a header count larger than the bytes can hold', () => {
    const a = new XorAppender();
    a.append(1, 1);
    a.append(2, 1);
    const c = a.bytes().slice();
    c[1] = 0xff; // count = 0xff000002
    expect(() => decodeAll(c)).toThrow(ChunkDecodeError);
  });
});
