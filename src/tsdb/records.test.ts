import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { labelsFromObject } from '../model/labels.js';
import { STALE_NAN, isStaleNaN } from '../model/sample.js';
import {
  RecordDecodeError,
  RecordType,
  decodeSamplesRecord,
  decodeSeriesRecord,
  encodeSamplesRecord,
  encodeSeriesRecord,
  newSamplesColumns,
  recordType,
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

describe('samples records', () => {
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
          const rec = encodeSamplesRecord(refs, t, v, n);
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
    const rec = encodeSamplesRecord(new Float64Array(2), new Float64Array(2), new Float64Array(2), 2);
    expect(() => decodeSamplesRecord(rec.subarray(0, rec.length - 8))).toThrow(/2 samples need 56 bytes/);
    expect(() => decodeSeriesRecord(rec)).toThrow(/not a series record/);
  });
});
