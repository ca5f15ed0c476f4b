import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from './bitstream.js';
import { ChunkDecodeError } from './errors.js';

describe('BitWriter / BitReader', () => {
  it('round-trips mixed bit fields, bytes and varints', () => {
    const field = fc.oneof(
      fc.integer({ min: 0, max: 32 }).chain((n) =>
        fc.integer({ min: 0, max: n === 32 ? 0xffffffff : 2 ** n - 1 }).map((v) => ({ kind: 'bits' as const, n, v })),
      ),
      fc.integer({ min: 0, max: 255 }).map((v) => ({ kind: 'byte' as const, n: 8, v })),
      fc.oneof(fc.integer({ min: 0, max: 2 ** 53 }), fc.constantFrom(0, 127, 128, 2 ** 53 - 1, 2 ** 53)).map((v) => ({
        kind: 'uvarint' as const,
        n: 0,
        v,
      })),
      fc.integer({ min: -(2 ** 52), max: 2 ** 52 }).map((v) => ({ kind: 'varint' as const, n: 0, v })),
    );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 60 }), (fields) => {
        const w = new BitWriter(8);
        for (const f of fields) {
          if (f.kind === 'bits') w.writeBits(f.v, f.n);
          else if (f.kind === 'byte') w.writeByte(f.v);
          else if (f.kind === 'uvarint') w.writeUvarint(f.v);
          else w.writeVarint(f.v);
        }
        const r = new BitReader(w.copy(), 0, 0);
        for (const f of fields) {
          if (f.kind === 'bits') expect(r.readBits(f.n) >>> 0).toBe(f.v);
          else if (f.kind === 'byte') expect(r.readByte()).toBe(f.v);
          else if (f.kind === 'uvarint') expect(r.readUvarint()).toBe(f.v);
          else expect(r.readVarint()).toBe(f.v);
        }
        expect(r.atEnd).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes bits most significant first', () => {
    const w = new BitWriter();
    w.writeBits(0b101, 3);
    w.writeBit(1);
    w.writeBits(0xabc, 12);
    expect(Array.from(w.bytes())).toEqual([0b1011_1010, 0b1011_1100]);
  });

  it('throws ChunkDecodeError with position when reading past the end', () => {
    const r = new BitReader(Uint8Array.of(0xff, 0x01), 0, 2);
    r.readBits(12);
    expect(() => r.readBits(5)).toThrow(ChunkDecodeError);
    expect(() => r.readBits(5)).toThrow(/need 5 more bits at bit 12.*encoding 2, 2 bytes, at byte 1/);
    expect(() => new BitReader(Uint8Array.of(0x80, 0x80), 0, 2).readUvarint()).toThrow(ChunkDecodeError);
  });

  it('refuses varints it cannot represent exactly', () => {
    const w = new BitWriter();
    expect(() => w.writeUvarint(2 ** 53 + 2)).toThrow(RangeError);
    expect(() => w.writeUvarint(-1)).toThrow(RangeError);
    expect(() => w.writeUvarint(1.5)).toThrow(RangeError);
  });
});
