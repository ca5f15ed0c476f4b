/**
 * WAL record encodings of the head. The WAL itself only frames opaque byte records; these are the payloads.
 *
 * Every record starts with an 8-byte header: `type u8 | 0 u8 | 0 u16 | count u32 LE`.
 *
 * - Series (type 1): `count` entries of `ref f64 LE | nlabels u16 LE | (nameLen u32 | name utf8 | valueLen u32 |
 *   value utf8) × nlabels`. Refs are the head's SeriesRef numbers (integers below 2^53).
 * - Samples, column layout (type 2): three column arrays of `count` float64 LE each: refs, timestamps (ms), values.
 *   Written by earlier versions and still read; now only a fallback (see below).
 * - Samples, compact layout (type 3): `baseT f64 LE | values: count × f64 LE | refs: count zigzag varints |
 *   timestamps: count zigzag varints`. A ref is stored as the difference to the previous sample's ref (the first to
 *   0), a timestamp as the difference to the previous sample's (the first to baseT, which is the first sample's).
 *   Varints are unsigned LEB128 of zigzag(d) = 2d for d >= 0, -2d - 1 for d < 0. A scrape (one timestamp, refs
 *   mostly consecutive) takes 10 bytes per sample instead of 24; values stay raw float64, so NaN payloads such as
 *   the stale marker survive and encoding the column is one copy. A batch with a step of 2^52 or more between
 *   refs or timestamps is written in the column layout instead.
 *
 * Decoders validate sizes and throw RecordDecodeError with the record's type, size and the offending position.
 */
import type { Label, Labels } from '../model/labels.js';

export const enum RecordType {
  Series = 1,
  /** Column layout, 24 bytes per sample; still read, written only where the compact layout cannot hold a batch. */
  Samples = 2,
  /** Compact layout, about 10 bytes per sample. */
  SamplesCompact = 3,
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

/**
 * Remembers recently decoded label strings by their UTF-8 bytes, so that decoding many series records (a replay)
 * hands out one string object per repeated name or value instead of a fresh copy each time: fewer allocations,
 * and the head's symbol table finds a string it has already hashed. Direct-mapped: a collision just replaces.
 */
export class LabelStringCache {
  private static readonly SLOTS = 8192;
  /** Strings longer than this (bytes) are decoded every time: long values are rarely shared. */
  private static readonly MAX_BYTES = 96;
  /** Slot i's bytes are arena[i * MAX_BYTES, i * MAX_BYTES + lens[i]); lens[i] = -1 while empty. */
  private readonly arena = new Uint8Array(LabelStringCache.SLOTS * LabelStringCache.MAX_BYTES);
  private readonly lens = new Int32Array(LabelStringCache.SLOTS).fill(-1);
  private readonly strs: string[] = new Array<string>(LabelStringCache.SLOTS).fill('');

  /** The string of buf[start, end) (UTF-8). */
  decode(buf: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n > LabelStringCache.MAX_BYTES) return buf.toString('utf8', start, end);
    let h = 0x811c9dc5 ^ n;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h >>> 0) & (LabelStringCache.SLOTS - 1);
    const at = slot * LabelStringCache.MAX_BYTES;
    const arena = this.arena;
    if (this.lens[slot] === n) {
      let i = 0;
      while (i < n && arena[at + i] === buf[start + i]) i++;
      if (i === n) return this.strs[slot]!;
    }
    const s = buf.toString('utf8', start, end);
    for (let i = 0; i < n; i++) arena[at + i] = buf[start + i]!;
    this.lens[slot] = n;
    this.strs[slot] = s;
    return s;
  }
}

/**
 * Decodes a series record (type must be Series). `strings` (optional, reused across records) shares the strings of
 * repeated label names and values.
 */
export function decodeSeriesRecord(rec: Uint8Array, strings?: LabelStringCache): SeriesEntry[] {
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
      const name = strings === undefined ? buf.toString('utf8', p + 4, p + 4 + n) : strings.decode(buf, p + 4, p + 4 + n);
      p += 4 + n;
      need(4, 'label value length');
      const vn = buf.readUInt32LE(p);
      need(4 + vn, 'label value');
      const value = strings === undefined ? buf.toString('utf8', p + 4, p + 4 + vn) : strings.decode(buf, p + 4, p + 4 + vn);
      p += 4 + vn;
      labels.push({ name, value });
    }
    out.push({ ref, labels });
  }
  if (p !== buf.length) throw new RecordDecodeError(`${buf.length - p} trailing bytes after ${count} entries`, type, rec.length);
  return out;
}

/**
 * Largest size of a samples record holding `n` samples, whatever its layout: a buffer of this size always fits
 * what encodeSamplesRecord writes.
 */
export function samplesRecordSize(n: number): number {
  return COMPACT_FIXED + COMPACT_MAX_PER_SAMPLE * n;
}

/** Largest |delta| written as a zigzag varint: 2·|d| + 1 must stay an exact double. */
const MAX_DELTA = 2 ** 52 - 1;
/** Header + base timestamp. */
const COMPACT_FIXED = HEADER + 8;
/** Value (8) + two varints of at most 8 bytes (7 bits each, values below 2^53). */
const COMPACT_MAX_PER_SAMPLE = 24;

/** `size` bytes to encode into: the start of `scratch` (checked: large enough, 8-byte aligned), or a new array. */
function recordBuffer(size: number, scratch: Uint8Array | undefined): Uint8Array {
  if (scratch === undefined) return new Uint8Array(size);
  if (scratch.length < size || (scratch.byteOffset & 7) !== 0) {
    throw new RangeError(`samples record scratch of ${scratch.length} bytes at offset ${scratch.byteOffset} cannot hold ${size} aligned bytes`);
  }
  return scratch.subarray(0, size);
}

/**
 * Encodes the first `n` entries of the three columns as one samples record, in the compact layout (type 3; about 10
 * bytes per sample for a scrape: same timestamp and consecutive refs), or in the column layout (type 2) if a ref or
 * timestamp step is too large for it. Writes into `scratch` (returning a view of its start) when given, which must
 * start 8-byte aligned and hold samplesRecordSize(n) bytes; else into a new array.
 */
export function encodeSamplesRecord(
  refs: Float64Array,
  t: Float64Array,
  v: Float64Array,
  n: number,
  scratch?: Uint8Array,
): Uint8Array {
  const out = recordBuffer(samplesRecordSize(n), scratch);
  writeHeader(out, RecordType.SamplesCompact, n);
  const base = n > 0 ? t[0]! : 0;
  const dv = new DataView(out.buffer, out.byteOffset, COMPACT_FIXED);
  dv.setFloat64(HEADER, base, true);
  // The buffer starts 8-aligned, so the value column can be written as a typed-array view.
  new Float64Array(out.buffer, out.byteOffset + COMPACT_FIXED, n).set(v.subarray(0, n));
  let p = putDeltas(out, COMPACT_FIXED + 8 * n, refs, n, 0);
  if (p < 0) return encodeColumnSamplesRecord(refs, t, v, n, scratch);
  // A scrape's batch has one timestamp: all steps 0, one fill instead of a loop of checks.
  let same = 0;
  while (same < n && t[same] === base) same++;
  if (same === n) {
    out.fill(0, p, p + n);
    p += n;
  } else {
    p = putDeltas(out, p, t, n, base);
    if (p < 0) return encodeColumnSamplesRecord(refs, t, v, n, scratch);
  }
  return scratch === undefined ? out.slice(0, p) : out.subarray(0, p);
}

/**
 * Writes the steps between consecutive `col[0..n)` values, starting from `prev`, as one byte each where they are
 * small and non-negative, else as zigzag varints, from position `p`. Returns the position after them, or -1 if a
 * step is not an integer of at most MAX_DELTA (the batch then needs the column layout).
 */
function putDeltas(out: Uint8Array, p: number, col: Float64Array, n: number, prev: number): number {
  for (let i = 0; i < n; i++) {
    const d = col[i]! - prev;
    prev = col[i]!;
    if ((d | 0) === d && d >= 0 && d < 64) out[p++] = d << 1;
    else if (Number.isInteger(d) && d >= -MAX_DELTA && d <= MAX_DELTA) p = putZigzag(out, p, d);
    else return -1;
  }
  return p;
}

/** Writes zigzag(d) as an unsigned LEB128 varint at `p`; returns the position after it. |d| <= MAX_DELTA. */
function putZigzag(out: Uint8Array, p: number, d: number): number {
  let x = d >= 0 ? 2 * d : -2 * d - 1;
  while (x >= 0x80000000) {
    out[p++] = (x % 128) | 0x80;
    x = Math.floor(x / 128);
  }
  while (x >= 0x80) {
    out[p++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  out[p++] = x;
  return p;
}

/**
 * Encodes the samples in the column layout (type 2: three float64 columns, 24 bytes per sample). Replay reads both
 * layouts; the head writes this one only when the compact one cannot hold the batch.
 */
export function encodeColumnSamplesRecord(
  refs: Float64Array,
  t: Float64Array,
  v: Float64Array,
  n: number,
  scratch?: Uint8Array,
): Uint8Array {
  const out = recordBuffer(HEADER + 24 * n, scratch);
  writeHeader(out, RecordType.Samples, n);
  const cols = new Float64Array(out.buffer, out.byteOffset + HEADER, 3 * n);
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
 * Decodes a samples record of either layout (type 2 or 3) into `into` (reused across calls; its columns grow by
 * doubling), replacing its contents.
 */
export function decodeSamplesRecord(rec: Uint8Array, into: SamplesColumns = newSamplesColumns(0)): SamplesColumns {
  const type = recordType(rec);
  if (type !== RecordType.Samples && type !== RecordType.SamplesCompact) {
    throw new RecordDecodeError('not a samples record', type, rec.length);
  }
  const n = new DataView(rec.buffer, rec.byteOffset, HEADER).getUint32(4, true);
  const minSize = type === RecordType.Samples ? HEADER + 24 * n : COMPACT_FIXED + 10 * n;
  if (type === RecordType.Samples ? rec.length !== minSize : rec.length < minSize) {
    throw new RecordDecodeError(`${n} samples need ${type === RecordType.Samples ? '' : 'at least '}${minSize} bytes`, type, rec.length);
  }
  if (into.refs.length < n) {
    let cap = Math.max(16, into.refs.length);
    while (cap < n) cap *= 2;
    into.refs = new Float64Array(cap);
    into.t = new Float64Array(cap);
    into.v = new Float64Array(cap);
  }
  if (type === RecordType.SamplesCompact) {
    decodeCompact(rec, n, into);
    into.length = n;
    return into;
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

/** Fills the first n entries of `into` from a compact record whose size was checked against its fixed part. */
function decodeCompact(rec: Uint8Array, n: number, into: SamplesColumns): void {
  const base = new DataView(rec.buffer, rec.byteOffset, COMPACT_FIXED).getFloat64(HEADER, true);
  // Values: one byte copy into the (aligned) value column, whatever the record's alignment.
  new Uint8Array(into.v.buffer, into.v.byteOffset, 8 * n).set(rec.subarray(COMPACT_FIXED, COMPACT_FIXED + 8 * n));
  const end = rec.length;
  let p = COMPACT_FIXED + 8 * n;
  const refs = into.refs, ts = into.t;
  for (let col = 0; col < 2; col++) {
    const out = col === 0 ? refs : ts;
    let acc = col === 0 ? 0 : base;
    for (let i = 0; i < n; i++) {
      if (p >= end) {
        throw new RecordDecodeError(`${col === 0 ? 'ref' : 'timestamp'} ${i} of ${n} at offset ${p}: record ends`, RecordType.SamplesCompact, end);
      }
      let b = rec[p++]!;
      let x: number;
      if (b < 0x80) x = b;
      else {
        // Multi-byte varint: arithmetic rather than bit operations, values reach 2^53.
        x = b & 0x7f;
        let mul = 128;
        for (;;) {
          if (p >= end || mul > 2 ** 49) {
            throw new RecordDecodeError(`varint of ${col === 0 ? 'ref' : 'timestamp'} ${i} at offset ${p} is cut short or too long`, RecordType.SamplesCompact, end);
          }
          b = rec[p++]!;
          x += (b & 0x7f) * mul;
          if (b < 0x80) break;
          mul *= 128;
        }
      }
      // Zigzag: even = non-negative, odd = negative.
      acc += x % 2 === 0 ? x / 2 : -(x + 1) / 2;
      out[i] = acc;
    }
  }
  if (p !== end) throw new RecordDecodeError(`${end - p} trailing bytes after ${n} samples`, RecordType.SamplesCompact, end);
}
