import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from './bitstream.js';
import { readRice, readRiceRun, unzigzag, writeRice, zigzag } from './rice.js';

/** Writes residuals with parameter k after `lead` filler bits; returns the bytes. */
function encode(residuals: number[], k: number, lead: number): Uint8Array {
  const w = new BitWriter(16);
  for (let i = 0; i < lead; i++) w.writeBit(1);
  for (const r of residuals) writeRice(w, zigzag(r), k);
  return w.copy();
}

describe('readRiceRun', () => {
  it('gives what reading code by code gives, ends at the same bit, across window and escape boundaries', () => {
    const residual = fc.oneof(
      fc.integer({ min: -40, max: 40 }),
      fc.integer({ min: -(2 ** 20), max: 2 ** 20 }),
      fc.integer({ min: -(2 ** 51), max: 2 ** 51 }),
    );
    fc.assert(
      fc.property(
        fc.array(residual, { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 7 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 60_000 }),
        (rs, k, lead, m, g) => {
          const bytes = encode(rs, k, lead);
          const slow = new BitReader(bytes, 0, 2);
          slow.seekBit(lead);
          const want = rs.map(() => (unzigzag(readRice(slow, k)) + m) * g);
          const fast = new BitReader(bytes, 0, 2);
          fast.seekBit(lead);
          const got = new Float64Array(rs.length + 2);
          readRiceRun(fast, got, 1, rs.length + 1, k, m, g);
          expect(Array.from(got.subarray(1, rs.length + 1))).toEqual(want);
          expect(want).toEqual(rs.map((r) => (r + m) * g));
          expect(fast.bitPosition).toBe(slow.bitPosition);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('throws on a truncated stream instead of reading past its end', () => {
    const bytes = encode([5, -3, 1_000_000, 7], 2, 0);
    const r = new BitReader(bytes.subarray(0, bytes.length - 2), 0, 2);
    expect(() => readRiceRun(r, new Float64Array(4), 0, 4, 2, 0, 1)).toThrow(/truncated/);
  });
});
