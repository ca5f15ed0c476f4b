import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { labelsFromObject } from '../model/labels.js';
import { STALE_NAN, isStaleNaN } from '../model/sample.js';
import {
  RecordDecodeError,
  RecordType,
  decodeSamplesRecord,
  decodeSeriesRecord,
  encodeColumnSamplesRecord,
  encodeSamplesRecord,
  encodeSeriesRecord,
  LabelStringCache,
  newSamplesColumns,
  recordType,
  samplesRecordSize,
} from './records.js';

describe('series records', () => {
  it('round-trip refs and labels, including non-ASCII text', () => {
    const entries = [
      { ref: 2 ** 26 + 5, labels: labelsFromObject({ __name__: 'up', job: 'nöde', path: '/ä/€/😀' }) },
      { ref: 7 * 2 ** 26 + 2 ** 26 - 1, labels: labelsFromObject({}) },
    ];
    const rec = encodeSeriesRecord(entries);
    expect(recordType(rec)).toBe(RecordType.Series);
    expect(decodeSeriesRecord(rec)).toEqual(entries);
  });

  it('rejects truncated and trailing bytes with the size in the message', () => {
    const rec = encodeSeriesRecord([{ ref: 1, labels: labelsFromObject({ a: 'b' }) }]);
    expect(() => decodeSeriesRecord(rec.subarray(0, rec.length - 1))).toThrow(RecordDecodeError);
    expect(() => decodeSeriesRecord(rec.subarray(0, rec.length - 1))).toThrow(/label value at offset 23 needs 5 bytes, 4 left/);
    const longer = new Uint8Array(rec.length + 2);
    longer.set(rec);
    expect(() => decodeSeriesRecord(longer)).toThrow(/2 trailing bytes/);
    expect(() => recordType(new Uint8Array(3))).toThrow(/header/);
  });
});

describe('series records decoded through a LabelStringCache', () => {
  it('decode exactly as without it, across records, colliding slots, multi-byte and long strings', () => {
    const text = fc.oneof(
      fc.constantFrom('job', 'node', '__name__', 'up', ''),
      fc.string({ maxLength: 6 }),
      fc.fullUnicodeString({ maxLength: 8 }),
      fc.string({ minLength: 90, maxLength: 120 }),
    );
    const entry = fc.record({
      ref: fc.integer({ min: 1, max: 2 ** 40 }),
      labels: fc.array(fc.record({ name: text, value: text }), { maxLength: 6 }),
    });
    const cache = new LabelStringCache();
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 20 }), { maxLength: 5 }), (records) => {
        for (const entries of records) {
          const rec = encodeSeriesRecord(entries);
          expect(decodeSeriesRecord(rec, cache)).toEqual(decodeSeriesRecord(rec));
          expect(decodeSeriesRecord(rec, cache)).toEqual(entries);
        }
      }),
    );
  });
});

describe('samples records, column layout (type 2)', () => {
  it('round-trip the first n columns entries bit-exactly, also from unaligned buffers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.double()), { maxLength: 50 }),
        fc.integer({ min: 0, max: 7 }),
        (rows, shift) => {
          const n = rows.length;
          const refs = new Float64Array(n + 3), t = new Float64Array(n + 3), v = new Float64Array(n + 3);
          rows.forEach(([r, ts, val], i) => {
            refs[i] = r;
            t[i] = ts;
            v[i] = val;
          });
          const rec = encodeColumnSamplesRecord(refs, t, v, n);
          expect(recordType(rec)).toBe(RecordType.Samples);
          expect(rec.length).toBe(8 + 24 * n);
          const shifted = new Uint8Array(rec.length + shift).subarray(shift);
          shifted.set(rec);
          const out = decodeSamplesRecord(shifted, newSamplesColumns(1));
          expect(out.length).toBe(n);
          expect([...out.refs.subarray(0, n)]).toEqual([...refs.subarray(0, n)]);
          expect([...out.t.subarray(0, n)]).toEqual([...t.subarray(0, n)]);
          expect(Buffer.from(out.v.buffer, 0, 8 * n)).toEqual(Buffer.from(v.buffer, 0, 8 * n));
        },
      ),
    );
  });

  it('keeps the stale-marker payload', () => {
    // Set element-wise: a JS array literal of doubles may canonicalize the NaN before it reaches the typed array.
    const v = new Float64Array(1);
    v[0] = STALE_NAN;
    const rec = encodeSamplesRecord(new Float64Array([1]), new Float64Array([5]), v, 1);
    expect(isStaleNaN(decodeSamplesRecord(rec).v[0]!)).toBe(true);
  });

  it('rejects a size that does not match the count', () => {
    const rec = encodeColumnSamplesRecord(new Float64Array(2), new Float64Array(2), new Float64Array(2), 2);
    expect(() => decodeSamplesRecord(rec.subarray(0, rec.length - 8))).toThrow(/2 samples need 56 bytes/);
    expect(() => decodeSeriesRecord(rec)).toThrow(/not a series record/);
  });

  it('decodes a record laid out by hand as earlier versions wrote it', () => {
    // Independent of the encoder: header, then the refs, timestamps and values columns as float64 LE.
    const buf = Buffer.alloc(8 + 24 * 2);
    buf[0] = 2;
    buf.writeUInt32LE(2, 4);
    [67108865, 67108866, 1000, 1015, 0.25, -3].forEach((x, i) => buf.writeDoubleLE(x, 8 + 8 * i));
    const out = decodeSamplesRecord(buf);
    expect(out.length).toBe(2);
    expect([...out.refs.subarray(0, 2)]).toEqual([67108865, 67108866]);
    expect([...out.t.subarray(0, 2)]).toEqual([1000, 1015]);
    expect([...out.v.subarray(0, 2)]).toEqual([0.25, -3]);
  });
});

/** Float64Array holding the given bit patterns (hi, lo u32 pairs), so NaN payloads reach the encoder untouched. */
function fromBits(pairs: readonly [number, number][]): Float64Array {
  const out = new Float64Array(pairs.length);
  const u32 = new Uint32Array(out.buffer);
  pairs.forEach(([hi, lo], i) => {
    u32[2 * i] = lo;
    u32[2 * i + 1] = hi;
  });
  return out;
}

describe('samples records, compact layout (type 3)', () => {
  it('lays out a scrape batch as header, base time, values, zigzag ref and timestamp steps', () => {
    const rec = encodeSamplesRecord(
      new Float64Array([5, 6, 4]), new Float64Array([1000, 1000, 1015]), new Float64Array([1.5, 2, -1]), 3,
    );
    const b = Buffer.from(rec);
    expect(b.length).toBe(16 + 24 + 6);
    expect([...b.subarray(0, 8)]).toEqual([3, 0, 0, 0, 3, 0, 0, 0]);
    expect(b.readDoubleLE(8)).toBe(1000);
    expect([b.readDoubleLE(16), b.readDoubleLE(24), b.readDoubleLE(32)]).toEqual([1.5, 2, -1]);
    // refs: 5 → zigzag 10, +1 → 2, −2 → 3; timestamps: 0, 0, +15 → 30.
    expect([...b.subarray(40)]).toEqual([10, 2, 3, 0, 0, 30]);
  });

  it('writes steps of 64 and more as multi-byte LEB128 varints, up to 2^52', () => {
    const rec = encodeSamplesRecord(
      new Float64Array([300, 300]), new Float64Array([2 ** 41, 0]), new Float64Array(2), 2,
    );
    const b = Buffer.from(rec);
    // refs: +300 → 600 = 0x258 → d8 04, then 0; timestamps: 0, then −2^41 → 2^42 − 1: six 7-bit groups of ones.
    expect([...b.subarray(16 + 16)]).toEqual([0xd8, 0x04, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    const out = decodeSamplesRecord(rec);
    expect([...out.refs.subarray(0, 2)]).toEqual([300, 300]);
    expect([...out.t.subarray(0, 2)]).toEqual([2 ** 41, 0]);
  });

  it('falls back to the column layout when a step does not fit', () => {
    const rec = encodeSamplesRecord(new Float64Array([1, 2 ** 53 - 1]), new Float64Array([0, 1]), new Float64Array(2), 2);
    expect(recordType(rec)).toBe(RecordType.Samples);
    expect([...decodeSamplesRecord(rec).refs.subarray(0, 2)]).toEqual([1, 2 ** 53 - 1]);
  });

  it('round-trips any refs, safe-integer timestamps and value bits, also from unaligned buffers and into scratch', () => {
    const safe = Number.MAX_SAFE_INTEGER;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: safe })),
            fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }), fc.integer({ min: -safe, max: safe })),
            fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (rows, shift, useScratch) => {
          const n = rows.length;
          const refs = new Float64Array(rows.map((r) => r[0]));
          const t = new Float64Array(rows.map((r) => r[1]));
          const v = fromBits(rows.map((r) => r[2]));
          const scratch = useScratch ? new Uint8Array(samplesRecordSize(n) + 5) : undefined;
          const rec = encodeSamplesRecord(refs, t, v, n, scratch);
          expect(rec.length).toBeLessThanOrEqual(samplesRecordSize(n));
          const shifted = new Uint8Array(rec.length + shift).subarray(shift);
          shifted.set(rec);
          const out = decodeSamplesRecord(shifted, newSamplesColumns(1));
          expect(out.length).toBe(n);
          expect([...out.refs.subarray(0, n)]).toEqual([...refs]);
          expect([...out.t.subarray(0, n)]).toEqual([...t]);
          expect(Buffer.from(out.v.buffer, 0, 8 * n)).toEqual(Buffer.from(v.buffer, 0, 8 * n));
        },
      ),
    );
  });

  it('takes 10 bytes per sample for a scrape of consecutive series', () => {
    const n = 1000;
    const refs = new Float64Array(n).map((_, i) => 2 ** 26 + 1 + i);
    const rec = encodeSamplesRecord(refs, new Float64Array(n).fill(1_700_000_000_000), new Float64Array(n), n);
    // 16 fixed bytes, the first ref's step (2^26 + 1: four varint bytes), then 1 + 1 + 8 per sample.
    expect(rec.length).toBe(16 + 4 + (n - 1) + n + 8 * n);
  });

  it('rejects truncated, cut-short and padded records with the position', () => {
    const rec = encodeSamplesRecord(new Float64Array([1, 2]), new Float64Array([10, 300]), new Float64Array(2), 2);
    // Fixed part 16 + 16 values, refs at 32–33 [2, 2], timestamps at 34–36 [0, 0xc4 0x04] (step 290 → 580).
    expect(rec.length).toBe(16 + 16 + 2 + 3);
    expect(() => decodeSamplesRecord(rec.subarray(0, 20))).toThrow(/2 samples need at least 36 bytes/);
    expect(() => decodeSamplesRecord(rec.subarray(0, rec.length - 1))).toThrow(/varint of timestamp 1 at offset 36 is cut short/);
    const padded = new Uint8Array(rec.length + 3);
    padded.set(rec);
    expect(() => decodeSamplesRecord(padded)).toThrow(/3 trailing bytes after 2 samples/);
    const unaligned = new Uint8Array(samplesRecordSize(2) + 1).subarray(1);
    expect(() => encodeSamplesRecord(new Float64Array(2), new Float64Array(2), new Float64Array(2), 2, unaligned)).toThrow(RangeError);
  });
});
