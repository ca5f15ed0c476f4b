import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from './bytes.js';

/** Bit-at-a-time CRC-32 (IEEE): the definition, independent of any table. */
function crc32Bitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('gives the standard check value and 0 for no bytes', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bitwise definition for every length and offset', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat(5), (bytes, skip) => {
      const view = bytes.subarray(Math.min(skip, bytes.length));
      expect(crc32(view)).toBe(crc32Bitwise(view));
    }), { numRuns: 500 });
  });
});
