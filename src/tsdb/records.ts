/**
 * WAL record encodings of the head. The WAL itself only frames opaque byte records; these are the payloads.
 *
 * Every record starts with an 8-byte header: `type u8 | 0 u8 | 0 u16 | count u32 LE`.
 *
 * - Series (type 1): `count` entries of `ref f64 LE | nlabels u16 LE | (nameLen u32 | name utf8 | valueLen u32 |
 *   value utf8) × nlabels`. Refs are the head's SeriesRef numbers (integers below 2^53).
 * - Samples (type 2): three column arrays of `count` float64 LE each: refs, timestamps (ms), values. Columns keep
 *   encoding a plain `Float64Array.set` (no per-sample work) and preserve NaN payloads such as the stale marker.
 *
 * Decoders validate sizes and throw RecordDecodeError with the record's type, size and the offending position.
 */
import type { Label, Labels } from '../model/labels.js';

export const enum RecordType {
  Series = 1,
  Samples = 2,
}

const HEADER = 8;

/** A record whose bytes don't match its declared layout. */
export class RecordDecodeError extends Error {
  constructor(message: string, readonly type: number, readonly size: number) {
    super(`cannot decode WAL record (type ${type}, ${size} bytes): ${message}`);
    this.name = 'RecordDecodeError';
  }
}

/** One series record entry: the head's ref for the series and its normalized labels. */
export interface SeriesEntry {
  ref: number;
  labels: Labels;
}

/** Samples decoded from a samples record; only the first `length` entries of each column are valid. */
export interface SamplesColumns {
  refs: Float64Array;
  t: Float64Array;
  v: Float64Array;
  length: number;
}

/** The record's type byte, or throws if the record is too short to carry a header. */
export function recordType(rec: Uint8Array): number {
  if (rec.length < HEADER) throw new RecordDecodeError(`shorter than the ${HEADER}-byte header`, rec[0] ?? -1, rec.length);
  return rec[0]!;
}

function writeHeader(out: Uint8Array, type: RecordType, count: number): void {
  out[0] = type;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  new DataView(out.buffer, out.byteOffset, HEADER).setUint32(4, count, true);
}

/** Encodes series entries into one record. Labels longer than 65535 pairs are rejected. */
export function encodeSeriesRecord(entries: readonly SeriesEntry[]): Uint8Array {
  let size = HEADER;
  for (const e of entries) {
    if (e.labels.length > 0xffff) throw new RangeError(`series ${e.ref} has ${e.labels.length} labels, more than 65535`);
    size += 10;
    for (const l of e.labels) size += 8 + Buffer.byteLength(l.name) + Buffer.byteLength(l.value);
  }
  const out = Buffer.allocUnsafe(size);
  writeHeader(out, RecordType.Series, entries.length);
  let p = HEADER;
  for (const e of entries) {
    out.writeDoubleLE(e.ref, p);
    out.writeUInt16LE(e.labels.length, p + 8);
    p += 10;
    for (const l of e.labels) {
      const n = out.write(l.name, p + 4, 'utf8');
      out.writeUInt32LE(n, p);
      p += 4 + n;
      const v = out.write(l.value, p + 4, 'utf8');
      out.writeUInt32LE(v, p);
      p += 4 + v;
    }
  }
  return out;
}

/** Decodes a series record (type must be Series). */
export function decodeSeriesRecord(rec: Uint8Array): SeriesEntry[] {
  const type = recordType(rec);
  if (type !== RecordType.Series) throw new RecordDecodeError('not a series record', type, rec.length);
  const buf = Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength);
  const count = buf.readUInt32LE(4);
  const out: SeriesEntry[] = [];
  let p = HEADER;
  const need = (n: number, what: string): void => {
    if (p + n > buf.length) {
      throw new RecordDecodeError(`${what} at offset ${p} needs ${n} bytes, ${buf.length - p} left`, type, rec.length);
    }
  };
  for (let i = 0; i < count; i++) {
    need(10, `series entry ${i}`);
    const ref = buf.readDoubleLE(p);
    const nl = buf.readUInt16LE(p + 8);
    p += 10;
    const labels: Label[] = [];
    for (let j = 0; j < nl; j++) {
      need(4, 'label name length');
      const n = buf.readUInt32LE(p);
      need(4 + n, 'label name');
      const name = buf.toString('utf8', p + 4, p + 4 + n);
      p += 4 + n;
      need(4, 'label value length');
      const vn = buf.readUInt32LE(p);
      need(4 + vn, 'label value');
      const value = buf.toString('utf8', p + 4, p + 4 + vn);
      p += 4 + vn;
      labels.push({ name, value });
    }
    out.push({ ref, labels });
  }
  if (p !== buf.length) throw new RecordDecodeError(`${buf.length - p} trailing bytes after ${count} entries`, type, rec.length);
  return out;
}

/** Encodes the first `n` entries of the three columns as one samples record. */
export function encodeSamplesRecord(refs: Float64Array, t: Float64Array, v: Float64Array, n: number): Uint8Array {
  const out = new Uint8Array(HEADER + 24 * n);
  writeHeader(out, RecordType.Samples, n);
  // A fresh ArrayBuffer is 8-aligned, so the columns can be written as typed-array views.
  const cols = new Float64Array(out.buffer, HEADER, 3 * n);
  cols.set(refs.subarray(0, n), 0);
  cols.set(t.subarray(0, n), n);
  cols.set(v.subarray(0, n), 2 * n);
  return out;
}

/** Returns empty, growable sample columns for decodeSamplesRecord to fill. */
export function newSamplesColumns(capacity = 256): SamplesColumns {
  return { refs: new Float64Array(capacity), t: new Float64Array(capacity), v: new Float64Array(capacity), length: 0 };
}

/**
 * Decodes a samples record into `into` (reused across calls; its columns grow by doubling), replacing its contents.
 */
export function decodeSamplesRecord(rec: Uint8Array, into: SamplesColumns = newSamplesColumns(0)): SamplesColumns {
  const type = recordType(rec);
  if (type !== RecordType.Samples) throw new RecordDecodeError('not a samples record', type, rec.length);
  const n = new DataView(rec.buffer, rec.byteOffset, HEADER).getUint32(4, true);
  if (rec.length !== HEADER + 24 * n) {
    throw new RecordDecodeError(`${n} samples need ${HEADER + 24 * n} bytes`, type, rec.length);
  }
  if (into.refs.length < n) {
    let cap = Math.max(16, into.refs.length);
    while (cap < n) cap *= 2;
    into.refs = new Float64Array(cap);
    into.t = new Float64Array(cap);
    into.v = new Float64Array(cap);
  }
  let body = rec.subarray(HEADER);
  // Typed-array views need 8-byte alignment; WAL readers may hand out records at any offset.
  if ((body.byteOffset & 7) !== 0) body = body.slice();
  const cols = new Float64Array(body.buffer, body.byteOffset, 3 * n);
  into.refs.set(cols.subarray(0, n));
  into.t.set(cols.subarray(n, 2 * n));
  into.v.set(cols.subarray(2 * n, 3 * n));
  into.length = n;
  return into;
}
