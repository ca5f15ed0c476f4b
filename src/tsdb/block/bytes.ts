/**
 * Growable byte writer and bounds-checked reader for the block index and chunks-file headers.
 * Varints are LEB128 over plain numbers (exact up to 2^53, no BigInt); signed values use zigzag.
 * Not a per-sample path: the chunk payloads themselves are produced by src/tsdb/chunkenc.
 */
import { BlockFormatError } from './errors.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Appends into one Uint8Array that doubles when full; `finish()` returns a view of the written bytes. */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(Math.max(16, initial));
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  u32(x: number): void {
    this.ensure(4);
    const b = this.buf;
    b[this.pos++] = x >>> 24;
    b[this.pos++] = (x >>> 16) & 0xff;
    b[this.pos++] = (x >>> 8) & 0xff;
    b[this.pos++] = x & 0xff;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  uvarint(x: number): void {
    if (!(x >= 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x)) {
      throw new Error(`BUG: uvarint of ${x} (must be a non-negative safe integer)`);
    }
    this.ensure(8);
    const b = this.buf;
    while (x >= 0x80000000) {
      b[this.pos++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    while (x >= 0x80) {
      b[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[this.pos++] = x;
  }

  /** Zigzag + LEB128 of an integer with |x| < 2^52. */
  varint(x: number): void {
    if (!(Math.abs(x) < 2 ** 52 && Math.floor(x) === x)) throw new Error(`BUG: varint of ${x} (|x| must be < 2^52)`);
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Length-prefixed UTF-8 string. */
  string(s: string): void {
    const enc = textEncoder.encode(s);
    this.uvarint(enc.length);
    this.bytes(enc);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Sequential reader; every read past the end throws BlockFormatError naming `what` (usually the file). */
export class ByteReader {
  pos: number;

  constructor(private readonly buf: Uint8Array, private readonly what: string, start = 0) {
    this.pos = start;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private fail(msg: string): never {
    throw new BlockFormatError(this.what, `${msg} at byte ${this.pos} of ${this.buf.length}`);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end of data');
    return this.buf[this.pos++]!;
  }

  u32(): number {
    if (this.pos + 4 > this.buf.length) this.fail('unexpected end of data reading u32');
    const b = this.buf, p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  uvarint(): number {
    let x = 0, mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) this.fail('unexpected end of data in varint');
      const b = this.buf[this.pos++]!;
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
    return this.fail('varint longer than 8 bytes');
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`cannot read ${n} bytes`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const b = this.bytes(this.uvarint());
    try {
      return textDecoder.decode(b);
    } catch {
      return this.fail('invalid UTF-8 in string');
    }
  }
}

/**
 * CRC tables for slicing by four: CRC_TABLES[0] is the byte-at-a-time table, CRC_TABLES[k][n] the CRC of byte n
 * followed by k zero bytes, so four bytes fold into the CRC with four look-ups.
 */
const CRC_TABLES = (() => {
  const t = [new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256)] as const;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0][n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) t[k][n] = (t[k - 1][n]! >>> 8) ^ t[0][t[k - 1][n]! & 0xff]!;
  }
  return t;
})();

/** CRC-32 (IEEE, as zlib/gzip) of `data`; node:zlib's crc32 is not in every Node 20 release. */
export function crc32(data: Uint8Array): number {
  const [t0, t1, t2, t3] = CRC_TABLES;
  let c = -1;
  let i = 0;
  const n4 = data.length - (data.length & 3);
  for (; i < n4; i += 4) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c = t3[c & 0xff]! ^ t2[(c >>> 8) & 0xff]! ^ t1[(c >>> 16) & 0xff]! ^ t0[c >>> 24]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
