import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import {
  Accept,
  COMMIT_FLAG,
  FrameStatus,
  HEADER_BYTES,
  KIND_FIRST,
  KIND_FULL,
  KIND_LAST,
  KIND_MIDDLE,
  MAX_FRAGMENT,
  UnitAssembler,
  crc32,
  crc32Table,
  encodeUnit,
  framedSize,
  readFrame,
  unitSize,
  type FrameCursor,
} from './frame.js';

function encode(units: Uint8Array[][]): Uint8Array {
  let n = 0;
  for (const u of units) n += unitSize(u);
  const out = new Uint8Array(n);
  let at = 0;
  for (const u of units) at = encodeUnit(u, out, at);
  expect(at).toBe(n);
  return out;
}

/** Decodes committed units from `bytes`; stops at the first problem and reports it. */
function decode(bytes: Uint8Array): { units: Uint8Array[][]; stop: string; types: number[] } {
  const asm = new UnitAssembler(true);
  const cur: FrameCursor = { type: 0, payloadStart: 0, payloadEnd: 0 };
  const units: Uint8Array[][] = [];
  const types: number[] = [];
  let pos = 0;
  for (;;) {
    const st = readFrame(bytes, pos, bytes.length, cur);
    if (st === FrameStatus.NeedMore) return { units, stop: pos === bytes.length ? 'end' : 'torn', types };
    if (st !== FrameStatus.Ok) return { units, stop: `status ${st}`, types };
    types.push(cur.type);
    const a = asm.accept(cur.type, bytes, cur.payloadStart, cur.payloadEnd);
    if (a === Accept.BadType || a === Accept.BadSequence) return { units, stop: `accept ${a}`, types };
    pos = cur.payloadEnd;
    if (a === Accept.Commit) {
      const u: Uint8Array[] = [];
      for (let i = 0; i < asm.count; i++) u.push(asm.record(i).slice());
      units.push(u);
      asm.reset();
    }
  }
}

/** Units as base64 strings: compared as strings, fast even for 64 KiB records (deep equality of typed arrays is not). */
function b64(units: Uint8Array[][]): string[][] {
  return units.map((u) => u.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64')));
}

function rec(size: number, seed: number): Uint8Array {
  const r = new Uint8Array(size);
  for (let i = 0; i < size; i++) r[i] = (seed * 131 + i * 7) & 0xff;
  return r;
}

describe('crc32', () => {
  it('matches the IEEE check value and node:zlib', () => {
    // 0xCBF43926 is the published check value of CRC-32/ISO-HDLC for the ASCII string "123456789".
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Table(check)).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (d) => {
        expect(crc32Table(d)).toBe(zlib.crc32(d) >>> 0);
      }),
    );
  });
});

describe('frame codec', () => {
  it('frames small records whole and big ones as FIRST, MIDDLE…, LAST', () => {
    expect(framedSize(0)).toBe(HEADER_BYTES);
    expect(framedSize(MAX_FRAGMENT)).toBe(HEADER_BYTES + MAX_FRAGMENT);
    expect(framedSize(MAX_FRAGMENT + 1)).toBe(2 * HEADER_BYTES + MAX_FRAGMENT + 1);
    const big = rec(3 * MAX_FRAGMENT + 5, 1);
    const { units, stop, types } = decode(encode([[rec(0, 0), big]]));
    expect(stop).toBe('end');
    expect(types).toEqual([KIND_FULL, KIND_FIRST, KIND_MIDDLE, KIND_MIDDLE, KIND_LAST | COMMIT_FLAG]);
    expect(b64(units)).toEqual(b64([[rec(0, 0), big]]));
  });

  it('stores the zlib CRC32 of type, length and payload, big-endian, before them', () => {
    for (const size of [0, 5, 88, 89, 90, 200, MAX_FRAGMENT]) {
      const bytes = encode([[rec(size, 3)]]);
      const stored = Buffer.from(bytes).readUInt32BE(0);
      expect(stored).toBe(zlib.crc32(bytes.subarray(4)) >>> 0);
      expect(bytes[4]).toBe(KIND_FULL | COMMIT_FLAG);
      expect(Buffer.from(bytes).readUInt16BE(5)).toBe(size);
    }
  });

  it('round-trips any units of any records', () => {
    const sizes = fc.oneof(fc.nat(200), fc.integer({ min: MAX_FRAGMENT - 3, max: 2 * MAX_FRAGMENT + 3 }));
    fc.assert(
      fc.property(fc.array(fc.array(sizes, { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (shape) => {
        const units = shape.map((u, i) => u.map((s, j) => rec(s, i * 10 + j)));
        const got = decode(encode(units));
        expect(got.stop).toBe('end');
        expect(b64(got.units)).toEqual(b64(units));
      }),
      { numRuns: 60 },
    );
  });

  it('never yields a partial unit from a prefix', () => {
    const units = [[rec(3, 1)], [rec(10, 2), rec(0, 3), rec(MAX_FRAGMENT + 9, 4)], [rec(5, 5)]];
    const bytes = encode(units);
    const ends = [unitSize(units[0]!), unitSize(units[0]!) + unitSize(units[1]!), bytes.length];
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = decode(bytes.subarray(0, cut));
      const whole = ends.filter((e) => e <= cut).length;
      expect(b64(got.units)).toEqual(b64(units.slice(0, whole)));
    }
  });

  it('detects every single-bit flip', () => {
    const units = [[rec(40, 1), rec(0, 2)], [rec(17, 3)]];
    const bytes = encode(units);
    for (let i = 0; i < bytes.length; i++) {
      for (let b = 0; b < 8; b++) {
        const copy = bytes.slice();
        copy[i]! ^= 1 << b;
        const got = decode(copy);
        // The flipped unit and everything after it are lost; the units before it survive untouched.
        const firstEnd = unitSize(units[0]!);
        expect(b64(got.units)).toEqual(b64(i < firstEnd ? [] : units.slice(0, 1)));
        expect(got.stop).not.toBe('end');
      }
    }
  });

  it('rejects fragments out of order and bad type bytes', () => {
    const asm = new UnitAssembler(false);
    const none = new Uint8Array(0);
    expect(asm.accept(KIND_MIDDLE, none, 0, 0)).toBe(Accept.BadSequence);
    expect(asm.accept(KIND_LAST | COMMIT_FLAG, none, 0, 0)).toBe(Accept.BadSequence);
    expect(asm.accept(0, none, 0, 0)).toBe(Accept.BadType);
    expect(asm.accept(KIND_FIRST | COMMIT_FLAG, none, 0, 0)).toBe(Accept.BadType);
    expect(asm.accept(KIND_FIRST, none, 0, 0)).toBe(Accept.Pending);
    expect(asm.accept(KIND_FULL, none, 0, 0)).toBe(Accept.BadSequence);
    expect(asm.accept(KIND_MIDDLE | COMMIT_FLAG, none, 0, 0)).toBe(Accept.BadType);
    expect(asm.accept(KIND_LAST | COMMIT_FLAG, none, 0, 0)).toBe(Accept.Commit);
    expect(asm.count).toBe(1);
  });
});
