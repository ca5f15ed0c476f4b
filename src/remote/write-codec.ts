/**
 * A hand-written codec for the hot message, `WriteRequest` (remote-write 1.0), byte-compatible with the
 * protobufjs reflection definition in proto.ts (the tests check both against each other).
 *
 * Why not protobufjs here: its decoder allocates one object per sample and its encoder needs one per sample as
 * input; on a 2,000-sample request that is several times slower than this codec (see remote.bench.ts). Here
 * samples go straight between the wire and typed arrays, and values are copied as raw bytes, so NaN payloads (the
 * stale marker) survive bit for bit.
 *
 * Wire layout (proto3): WriteRequest{1: repeated TimeSeries}; TimeSeries{1: repeated Label, 2: repeated Sample,
 * 3: exemplars, 4: histograms (both skipped)}; Label{1: name, 2: value}; Sample{1: double value, 2: int64 timestamp}.
 * A remote-read QueryResult{1: repeated TimeSeries} has exactly WriteRequest's layout, so ReadResponse{1: repeated
 * QueryResult} is framed around the same codec.
 */
import type { Label } from '../model/labels.js';
import type { WireSeries } from './proto.js';

/** Malformed protobuf: the message, the byte offset and the buffer size say where. */
export class ProtoError extends Error {
  constructor(detail: string, readonly offset: number, readonly size: number) {
    super(`${detail} at byte ${offset} of ${size}`);
    this.name = 'ProtoError';
  }
}

const TWO32 = 4294967296;

/** Decoding cursor over one buffer; `end` bounds the current (sub)message. */
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  fail(detail: string): never {
    throw new ProtoError(detail, this.pos, this.buf.length);
  }

  /** A varint of at most 32 significant bits (tags, lengths). */
  uint32(end: number): number {
    let v = 0, shift = 0;
    for (;;) {
      if (this.pos >= end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 28) v |= (b & 0x7f) << shift;
      else if (shift === 28) v = (v >>> 0) + (b & 0x0f) * 0x10000000;
      if (b < 0x80) return v;
      shift += 7;
      if (shift > 63) this.fail('varint longer than 10 bytes');
    }
  }

  /** An int64 varint as a number (exact within ±2^53; two's complement negatives included). */
  int64(end: number): number {
    let lo = 0, hi = 0, shift = 0;
    for (;;) {
      if (this.pos >= end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) break;
      shift += 7;
      if (shift > 63) this.fail('varint longer than 10 bytes');
    }
    if (hi & 0x80000000) {
      // Negative: value = -(~(hi:lo) + 1).
      const nlo = ~lo >>> 0, nhi = ~hi >>> 0;
      return -(nhi * TWO32 + nlo + 1);
    }
    return (hi >>> 0) * TWO32 + (lo >>> 0);
  }

  /** The end offset of a length-delimited field starting here. */
  lengthEnd(end: number): number {
    const n = this.uint32(end);
    const e = this.pos + n;
    if (e > end) this.fail(`length ${n} runs past the end of the enclosing message`);
    return e;
  }

  skip(wireType: number, end: number): void {
    switch (wireType) {
      case 0: this.int64(end); return;
      case 1: this.pos += 8; break;
      case 2: this.pos = this.lengthEnd(end); return;
      case 5: this.pos += 4; break;
      default: this.fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > end) this.fail('truncated fixed-size field');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Label names and values repeat across series and requests, so short ASCII strings are interned: a hash of the
 * bytes finds the string built last time (checked byte by byte), which costs less than building a new one.
 */
const INTERN_MAX_LEN = 64;
const INTERN_MAX_ENTRIES = 1 << 16;
const interned = new Map<number, string>();

function readString(r: Reader, end: number): string {
  const e = r.lengthEnd(end);
  const s = r.pos;
  r.pos = e;
  const b = r.buf;
  const n = e - s;
  if (n === 0) return '';
  if (n > INTERN_MAX_LEN) return utf8.decode(b.subarray(s, e));
  let h = 0x811c9dc5 ^ n;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 0x80) return utf8.decode(b.subarray(s, e));
    h = Math.imul(h ^ c, 0x01000193);
  }
  const hit = interned.get(h);
  if (hit !== undefined && hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit.charCodeAt(i) !== b[s + i]) { same = false; break; }
    }
    if (same) return hit;
  }
  const str = String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
  if (interned.size >= INTERN_MAX_ENTRIES) interned.clear();
  interned.set(h, str);
  return str;
}

/** Growable sample columns shared by all series of one request. */
class Columns {
  t = new Float64Array(256);
  v = new Float64Array(256);
  vb = new Uint8Array(this.v.buffer);
  n = 0;
  reserve(): void {
    if (this.n < this.t.length) return;
    const t = new Float64Array(this.t.length * 2), v = new Float64Array(this.t.length * 2);
    t.set(this.t);
    v.set(this.v);
    this.t = t;
    this.v = v;
    this.vb = new Uint8Array(v.buffer);
  }
}

function readSample(r: Reader, end: number, cols: Columns): void {
  cols.reserve();
  const i = cols.n++;
  cols.t[i] = 0;
  cols.v[i] = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === 0x09) {
      if (r.pos + 8 > end) r.fail('truncated double');
      const o = i * 8, b = r.buf, p = r.pos;
      cols.vb[o] = b[p]!; cols.vb[o + 1] = b[p + 1]!; cols.vb[o + 2] = b[p + 2]!; cols.vb[o + 3] = b[p + 3]!;
      cols.vb[o + 4] = b[p + 4]!; cols.vb[o + 5] = b[p + 5]!; cols.vb[o + 6] = b[p + 6]!; cols.vb[o + 7] = b[p + 7]!;
      r.pos += 8;
    } else if (tag === 0x10) cols.t[i] = r.int64(end);
    else r.skip(tag & 7, end);
  }
}

function readLabel(r: Reader, end: number): Label {
  let name = '', value = '';
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === 0x0a) name = readString(r, end);
    else if (tag === 0x12) value = readString(r, end);
    else r.skip(tag & 7, end);
  }
  return { name, value };
}

/**
 * Decodes an uncompressed WriteRequest. Series keep their order; each series' samples are views into two shared
 * typed arrays. Throws ProtoError on malformed input.
 */
export function decodeWriteRequestRaw(buf: Uint8Array): WireSeries[] {
  const r = new Reader(buf);
  const cols = new Columns();
  const labelSets: Label[][] = [];
  const starts: number[] = [];
  const size = buf.length;
  while (r.pos < size) {
    const tag = r.uint32(size);
    if (tag !== 0x0a) { r.skip(tag & 7, size); continue; }
    const tsEnd = r.lengthEnd(size);
    const labels: Label[] = [];
    starts.push(cols.n);
    while (r.pos < tsEnd) {
      const t = r.uint32(tsEnd);
      if (t === 0x0a) labels.push(readLabel(r, r.lengthEnd(tsEnd)));
      else if (t === 0x12) {
        const e = r.lengthEnd(tsEnd);
        readSample(r, e, cols);
        r.pos = e;
      } else r.skip(t & 7, tsEnd);
    }
    labelSets.push(labels);
  }
  const out: WireSeries[] = new Array<WireSeries>(labelSets.length);
  for (let i = 0; i < labelSets.length; i++) {
    const s = starts[i]!, e = i + 1 < starts.length ? starts[i + 1]! : cols.n;
    out[i] = { labels: labelSets[i]!, timestamps: cols.t.subarray(s, e), values: cols.v.subarray(s, e) };
  }
  return out;
}

function varintLen(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 128) { v = Math.floor(v / 128); n++; }
  return n;
}

function writeVarint(buf: Uint8Array, p: number, v: number): number {
  if (v < 0) return writeNegative(buf, p, v);
  while (v >= 128) {
    buf[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

/** Two's complement over 64 bits, 10 bytes, as protobuf encodes a negative int64. */
function writeNegative(buf: Uint8Array, p: number, v: number): number {
  const abs = -v;
  let lo = ~(abs % TWO32) >>> 0, hi = ~Math.floor(abs / TWO32) >>> 0;
  lo = (lo + 1) >>> 0;
  if (lo === 0) hi = (hi + 1) >>> 0;
  for (let i = 0; i < 9; i++) {
    buf[p++] = (lo & 0x7f) | 0x80;
    lo = (lo >>> 7) | ((hi & 0x7f) << 25);
    hi >>>= 7;
  }
  buf[p++] = lo & 0x01;
  return p;
}

/** UTF-8 length of a JS string, as Buffer would encode it (lone surrogates become 3-byte U+FFFD). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 2; i++; }
    else n += 2;
  }
  return n;
}

/** Writes a length-prefixed string field (tag already written); ASCII is copied directly, the rest by Buffer. */
function writeString(buf: Buffer, p: number, s: string, len: number): number {
  p = writeVarint(buf, p, len);
  if (len === s.length) {
    for (let i = 0; i < len; i++) buf[p + i] = s.charCodeAt(i);
  } else buf.write(s, p, len, 'utf8');
  return p + len;
}

/** Encodes series as an uncompressed WriteRequest, sized exactly in a first pass. */
export function encodeWriteRequestRaw(series: readonly WireSeries[]): Uint8Array {
  // Pass 1: sizes. String byte lengths are kept for pass 2.
  let nStrings = 0;
  for (const s of series) nStrings += 2 * s.labels.length;
  const strLen = new Int32Array(nStrings);
  const tsSizes = new Float64Array(series.length);
  let total = 0, k = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    let size = 0;
    for (const l of s.labels) {
      const nl = (strLen[k++] = utf8Length(l.name)), vl = (strLen[k++] = utf8Length(l.value));
      const lsz = 1 + varintLen(nl) + nl + 1 + varintLen(vl) + vl;
      size += 1 + varintLen(lsz) + lsz;
    }
    for (let j = 0; j < s.timestamps.length; j++) {
      const ssz = 9 + 1 + varintLen(s.timestamps[j]!);
      size += 1 + varintLen(ssz) + ssz;
    }
    tsSizes[i] = size;
    total += 1 + varintLen(size) + size;
  }
  // Pass 2: bytes.
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  k = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    buf[p++] = 0x0a;
    p = writeVarint(buf, p, tsSizes[i]!);
    for (let j = 0; j < s.labels.length; j++) {
      const l = s.labels[j]!;
      const nl = strLen[k++]!, vl = strLen[k++]!;
      buf[p++] = 0x0a;
      p = writeVarint(buf, p, 1 + varintLen(nl) + nl + 1 + varintLen(vl) + vl);
      buf[p++] = 0x0a;
      p = writeString(buf, p, l.name, nl);
      buf[p++] = 0x12;
      p = writeString(buf, p, l.value, vl);
    }
    const vbytes = new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength);
    for (let j = 0; j < s.timestamps.length; j++) {
      const t = s.timestamps[j]!;
      buf[p++] = 0x12;
      p = writeVarint(buf, p, 9 + 1 + varintLen(t));
      buf[p++] = 0x09;
      const o = j * 8;
      for (let b = 0; b < 8; b++) buf[p++] = vbytes[o + b]!;
      buf[p++] = 0x10;
      p = writeVarint(buf, p, t);
    }
  }
  if (p !== total) throw new Error(`BUG: WriteRequest encoder wrote ${p} bytes, sized ${total}`);
  return buf;
}

/** Encodes one QueryResult per query as an uncompressed ReadResponse. */
export function encodeReadResponseRaw(results: readonly (readonly WireSeries[])[]): Uint8Array {
  const bodies = results.map(encodeWriteRequestRaw);
  let total = 0;
  for (const b of bodies) total += 1 + varintLen(b.length) + b.length;
  const buf = new Uint8Array(total);
  let p = 0;
  for (const b of bodies) {
    buf[p++] = 0x0a;
    p = writeVarint(buf, p, b.length);
    buf.set(b, p);
    p += b.length;
  }
  return buf;
}

/** Decodes an uncompressed ReadResponse into one series list per query. Throws ProtoError on malformed input. */
export function decodeReadResponseRaw(buf: Uint8Array): WireSeries[][] {
  const r = new Reader(buf);
  const out: WireSeries[][] = [];
  while (r.pos < buf.length) {
    const tag = r.uint32(buf.length);
    if (tag !== 0x0a) { r.skip(tag & 7, buf.length); continue; }
    const end = r.lengthEnd(buf.length);
    out.push(decodeWriteRequestRaw(buf.subarray(r.pos, end)));
    r.pos = end;
  }
  return out;
}
