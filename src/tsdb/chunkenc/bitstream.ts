import { resized } from '../../model/typed-arrays.js';
import { ChunkDecodeError } from './errors.js';

/** Largest integer the varint helpers accept: 2^53 (every safe integer and its zigzag up to 2^52 magnitude). */
const VARINT_MAX = 2 ** 53;

/**
 * Big-endian bit writer over a byte buffer that grows by doubling. Bits fill each byte from the most significant
 * end; byte-level writes (`writeByte`, varints) first pad the partial byte with zeros.
 * Values are passed as uint32 halves: a field wider than 32 bits is written as two calls.
 */
export class BitWriter {
  private buf: Uint8Array;
  private len = 0;
  /** Free bits left in the last byte (0 = the next bit starts a new byte). */
  private free = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(8, initialBytes | 0));
  }

  /** Bytes written so far, including a partly filled last byte. */
  get byteLength(): number {
    return this.len;
  }

  /** A view of the bytes written so far; valid until the next write or reset. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of the bytes written so far, sized exactly. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Forgets everything written; keeps the buffer. */
  reset(): void {
    this.len = 0;
    this.free = 0;
  }

  /**
   * Points the writer at `buf`, where `len` bytes are written and the last has `free` unwritten bits: one writer
   * then serves many chunks that live in shared memory (XorChunkArena). The writer grows `buf` (into a new
   * buffer) only when a write reaches its end, so a caller that keeps room in `buf` sees every write land in it.
   */
  attach(buf: Uint8Array, len: number, free: number): void {
    this.buf = buf;
    this.len = len;
    this.free = free;
  }

  /** The buffer written to (replaced when the writer grows it). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /** Unwritten bits left in the last byte. */
  get freeBits(): number {
    return this.free;
  }

  private newByte(): void {
    if (this.len === this.buf.length) this.buf = resized(this.buf, this.buf.length * 2);
    this.buf[this.len++] = 0;
    this.free = 8;
  }

  writeBit(bit: number): void {
    if (this.free === 0) this.newByte();
    this.free--;
    if (bit) this.buf[this.len - 1]! |= 1 << this.free;
  }

  /** Writes the low `n` bits (0 ≤ n ≤ 32) of `v`, most significant first. */
  writeBits(v: number, n: number): void {
    let free = this.free;
    if (n <= free) {
      // Fits the partial byte (the common case for Gorilla's short control codes), so n ≤ 8.
      free -= n;
      this.buf[this.len - 1]! |= (v & ((1 << n) - 1)) << free;
      this.free = free;
      return;
    }
    // At most 5 new bytes: make room once instead of checking per byte.
    if (this.len + 5 > this.buf.length) this.buf = resized(this.buf, this.buf.length * 2);
    const buf = this.buf;
    let len = this.len;
    if (free > 0) {
      n -= free;
      buf[len - 1]! |= (v >>> n) & ((1 << free) - 1);
    }
    // Whole bytes: a Uint8Array store keeps the low 8 bits.
    while (n >= 8) {
      n -= 8;
      buf[len++] = v >>> n;
    }
    if (n > 0) {
      free = 8 - n;
      buf[len++] = v << free;
    } else free = 0;
    this.len = len;
    this.free = free;
  }

  /** Pads the current byte with zero bits so that the next write starts on a byte boundary. */
  align(): void {
    this.free = 0;
  }

  writeByte(b: number): void {
    this.free = 0;
    this.newByte();
    this.buf[this.len - 1] = b;
    this.free = 0;
  }

  /** Writes a uint32 as 4 bytes, big-endian, byte-aligned. */
  writeU32(v: number): void {
    this.writeByte(v >>> 24);
    this.writeByte((v >>> 16) & 0xff);
    this.writeByte((v >>> 8) & 0xff);
    this.writeByte(v & 0xff);
  }

  /** LEB128 varint of an integer 0 ≤ x ≤ 2^53, byte-aligned. */
  writeUvarint(x: number): void {
    if (!(x >= 0 && x <= VARINT_MAX) || Math.floor(x) !== x) {
      throw new RangeError(`BUG: uvarint needs an integer in [0, 2^53], got ${x}`);
    }
    while (x >= 128) {
      this.writeByte((x % 128) | 0x80);
      x = Math.floor(x / 128);
    }
    this.writeByte(x);
  }

  /** Zigzag varint of an integer with |x| ≤ 2^52. */
  writeVarint(x: number): void {
    this.writeUvarint(x >= 0 ? 2 * x : -2 * x - 1);
  }
}

/**
 * Reader for what BitWriter wrote. Every read checks bounds and throws ChunkDecodeError (with the chunk size and
 * offset) instead of reading past the end, so corrupt chunks fail loudly rather than decode garbage forever.
 */
export class BitReader {
  private readonly buf: Uint8Array;
  /** Position in bits from the start of `buf`. */
  private pos: number;
  private readonly endBits: number;
  private readonly encoding: number;

  constructor(buf: Uint8Array, byteOffset: number, encoding: number) {
    this.buf = buf;
    this.pos = byteOffset * 8;
    this.endBits = buf.length * 8;
    this.encoding = encoding;
  }

  /** Current position in whole bytes (rounded down). */
  get byteOffset(): number {
    return this.pos >>> 3;
  }

  /** True if every byte has been consumed (ignoring padding bits of the last one). */
  get atEnd(): boolean {
    return ((this.pos + 7) >>> 3) >= this.buf.length;
  }

  fail(message: string): never {
    throw new ChunkDecodeError(message, { encoding: this.encoding, size: this.buf.length, offset: this.pos >>> 3 });
  }

  private truncated(n: number): never {
    this.fail(`truncated: need ${n} more bits at bit ${this.pos}, chunk ends at bit ${this.endBits}`);
  }

  readBit(): number {
    const p = this.pos;
    if (p >= this.endBits) this.truncated(1);
    this.pos = p + 1;
    return (this.buf[p >>> 3]! >>> (7 - (p & 7))) & 1;
  }

  /**
   * Reads `n` bits (0 ≤ n ≤ 32). Returned as an int32 so that it never needs a heap box: for n < 32 that is the
   * unsigned value; for n = 32 callers apply `>>> 0` if they need it unsigned.
   */
  readBits(n: number): number {
    if (this.pos + n > this.endBits) this.truncated(n);
    let r = 0;
    let p = this.pos;
    while (n > 0) {
      const avail = 8 - (p & 7);
      const take = n < avail ? n : avail;
      const bits = (this.buf[p >>> 3]! >>> (avail - take)) & ((1 << take) - 1);
      r = (r << take) | bits;
      p += take;
      n -= take;
    }
    this.pos = p;
    return r | 0;
  }

  /**
   * Counts 1 bits up to the first 0 (which is consumed) or until `max` ones were read (then nothing more is
   * consumed). Returns the count.
   */
  readUnary(max: number): number {
    let q = 0;
    while (q < max) {
      if (this.readBit() === 0) return q;
      q++;
    }
    return q;
  }

  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }

  /** The bytes read from, for decoders that read many codes in a local loop (see readRiceRun). */
  get bytes(): Uint8Array {
    return this.buf;
  }

  /** Position in bits from the start of `bytes`. */
  get bitPosition(): number {
    return this.pos;
  }

  /** Moves to bit `p`, which must lie within the buffer (a local decoding loop hands its position back). */
  seekBit(p: number): void {
    if (!(p >= 0 && p <= this.endBits)) this.fail(`BUG: seek to bit ${p} outside 0..${this.endBits}`);
    this.pos = p;
  }

  readByte(): number {
    this.align();
    if (this.pos + 8 > this.endBits) this.truncated(8);
    const b = this.buf[this.pos >>> 3]!;
    this.pos += 8;
    return b;
  }

  readU32(): number {
    this.align();
    if (this.pos + 32 > this.endBits) this.truncated(32);
    const i = this.pos >>> 3;
    const b = this.buf;
    this.pos += 32;
    return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }

  readUvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.readByte();
      x += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (x > VARINT_MAX) this.fail(`varint ${x} exceeds 2^53`);
        return x;
      }
      mul *= 128;
    }
    this.fail('varint longer than 8 bytes');
  }

  readVarint(): number {
    const z = this.readUvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}
