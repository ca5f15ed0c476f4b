/**
 * The WAL's frame codec (pure: bytes in, bytes out). See FORMAT.md for the diagrams.
 *
 * A record is stored as one or more frames; the frames of one `log()`/`logBatch()` call form a *unit*, and only
 * the unit's last frame carries the COMMIT flag. A reader delivers a unit's records only once it has seen that
 * flag, which is what makes a batch all-or-nothing after a crash.
 */
import * as zlib from 'node:zlib';

/** crc32 u32 BE | type u8 | length u16 BE. The CRC covers type, length and payload. */
export const HEADER_BYTES = 7;
/** Largest payload of one frame; bigger records are split into FIRST, MIDDLE…, LAST frames. */
export const MAX_FRAGMENT = 32 * 1024;

export const KIND_FULL = 1;
export const KIND_FIRST = 2;
export const KIND_MIDDLE = 3;
export const KIND_LAST = 4;
/** Set on the last frame of a unit (only valid on FULL or LAST frames). */
export const COMMIT_FLAG = 0x80;

/** Bytes one record takes on disk once framed. */
export function framedSize(recordBytes: number): number {
  const frames = recordBytes === 0 ? 1 : Math.ceil(recordBytes / MAX_FRAGMENT);
  return frames * HEADER_BYTES + recordBytes;
}

/** Bytes a unit of these records takes on disk. */
export function unitSize(records: readonly Uint8Array[]): number {
  let n = 0;
  for (let i = 0; i < records.length; i++) n += framedSize(records[i]!.length);
  return n;
}

const CRC_TABLE = ((): Int32Array => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Table-driven IEEE CRC32, used only where node:zlib lacks `crc32` (Node < 20.15). */
function crc32Fallback(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** IEEE CRC32 (the zlib/PNG polynomial) of `data`, as an unsigned 32-bit number. */
export const crc32: (data: Uint8Array) => number =
  typeof nativeCrc32 === 'function' ? (d) => nativeCrc32(d) >>> 0 : crc32Fallback;

/** IEEE CRC32 of `data`, always by the table (exported so tests can check it against node:zlib). */
export { crc32Fallback as crc32Table };

/** Below this many bytes the JS table beats a native call plus the view it needs (measured on Node 20). */
const SMALL_CRC_BYTES = 96;

/** IEEE CRC32 of `buf[start..end)` without allocating a view for short ranges. */
function crc32Range(buf: Uint8Array, start: number, end: number): number {
  if (end - start >= SMALL_CRC_BYTES) return crc32(buf.subarray(start, end));
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function writeFrame(out: Uint8Array, at: number, type: number, src: Uint8Array, start: number, end: number): number {
  const len = end - start;
  out[at + 4] = type;
  out[at + 5] = len >>> 8;
  out[at + 6] = len & 0xff;
  if (len > 0) out.set(start === 0 && end === src.length ? src : src.subarray(start, end), at + HEADER_BYTES);
  const crc = crc32Range(out, at + 4, at + HEADER_BYTES + len);
  out[at] = crc >>> 24;
  out[at + 1] = (crc >>> 16) & 0xff;
  out[at + 2] = (crc >>> 8) & 0xff;
  out[at + 3] = crc & 0xff;
  return at + HEADER_BYTES + len;
}

/**
 * Frames `records` as one unit into `out` starting at `at`; returns the offset after the unit. `out` must have
 * room for `unitSize(records)` bytes from `at`. `records` must not be empty.
 */
export function encodeUnit(records: readonly Uint8Array[], out: Uint8Array, at: number): number {
  if (records.length === 0) throw new Error('BUG: encodeUnit of an empty unit');
  const lastIdx = records.length - 1;
  for (let r = 0; r <= lastIdx; r++) {
    const rec = records[r]!;
    const commit = r === lastIdx ? COMMIT_FLAG : 0;
    if (rec.length <= MAX_FRAGMENT) {
      at = writeFrame(out, at, KIND_FULL | commit, rec, 0, rec.length);
      continue;
    }
    at = writeFrame(out, at, KIND_FIRST, rec, 0, MAX_FRAGMENT);
    let pos = MAX_FRAGMENT;
    while (rec.length - pos > MAX_FRAGMENT) {
      at = writeFrame(out, at, KIND_MIDDLE, rec, pos, pos + MAX_FRAGMENT);
      pos += MAX_FRAGMENT;
    }
    at = writeFrame(out, at, KIND_LAST | commit, rec, pos, rec.length);
  }
  return at;
}

/** Outcome of reading one frame header+payload from a byte range. */
export enum FrameStatus {
  Ok = 0,
  /** Fewer bytes than the frame needs: more data, or a torn tail if this is the end of the file. */
  NeedMore = 1,
  BadLength = 2,
  BadCrc = 3,
}

/** Where the last frame read by `readFrame` lies; reused by the caller to avoid an object per frame. */
export interface FrameCursor {
  type: number;
  payloadStart: number;
  payloadEnd: number;
}

/** Reads the frame at `buf[pos..end)` into `cur`, checking its length bound and CRC (not its type). */
export function readFrame(buf: Uint8Array, pos: number, end: number, cur: FrameCursor): FrameStatus {
  if (end - pos < HEADER_BYTES) return FrameStatus.NeedMore;
  const len = (buf[pos + 5]! << 8) | buf[pos + 6]!;
  if (len > MAX_FRAGMENT) return FrameStatus.BadLength;
  const frameEnd = pos + HEADER_BYTES + len;
  if (frameEnd > end) return FrameStatus.NeedMore;
  const stored = ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
  if (crc32Range(buf, pos + 4, frameEnd) !== stored) return FrameStatus.BadCrc;
  cur.type = buf[pos + 4]!;
  cur.payloadStart = pos + HEADER_BYTES;
  cur.payloadEnd = frameEnd;
  return FrameStatus.Ok;
}

/** What `UnitAssembler.accept` made of a frame. */
export enum Accept {
  /** Frame taken; the unit is not complete yet. */
  Pending = 0,
  /** Frame taken and it closed the unit: its records are ready. */
  Commit = 1,
  /** Unknown type byte. */
  BadType = 2,
  /** A fragment that cannot follow the previous one (e.g. MIDDLE without FIRST). */
  BadSequence = 3,
}

/**
 * Reassembles frames into records and holds a unit's records until its COMMIT frame. With `collect` false it
 * only checks the frame sequence and counts (verification without copying payloads).
 */
export class UnitAssembler {
  private buf: Uint8Array = new Uint8Array(64 * 1024);
  private len = 0;
  private ends: Int32Array = new Int32Array(16);
  /** Records completed in the current unit (all of them once `accept` returned Commit). */
  count = 0;
  /** Frames accepted since the unit began; > 0 means a unit is open. */
  frames = 0;
  /** Payload bytes accepted in the current unit. */
  bytes = 0;
  private inRecord = false;

  constructor(private readonly collect: boolean) {}

  /** Starts a new unit (call after consuming a committed one). */
  reset(): void {
    this.len = 0;
    this.count = 0;
    this.frames = 0;
    this.bytes = 0;
    this.inRecord = false;
  }

  accept(type: number, src: Uint8Array, start: number, end: number): Accept {
    const commit = (type & COMMIT_FLAG) !== 0;
    const kind = type & ~COMMIT_FLAG;
    if (kind === KIND_FULL || kind === KIND_FIRST) {
      if (this.inRecord) return Accept.BadSequence;
      if (kind === KIND_FIRST && commit) return Accept.BadType;
    } else if (kind === KIND_MIDDLE || kind === KIND_LAST) {
      if (kind === KIND_MIDDLE && commit) return Accept.BadType;
      if (!this.inRecord) return Accept.BadSequence;
    } else {
      return Accept.BadType;
    }
    const n = end - start;
    if (this.collect && n > 0) {
      if (this.len + n > this.buf.length) this.grow(this.len + n);
      this.buf.set(src.subarray(start, end), this.len);
    }
    this.len += n;
    this.bytes += n;
    this.frames++;
    this.inRecord = kind === KIND_FIRST || kind === KIND_MIDDLE;
    if (!this.inRecord) {
      if (this.count === this.ends.length) {
        const e = new Int32Array(this.ends.length * 2);
        e.set(this.ends);
        this.ends = e;
      }
      this.ends[this.count++] = this.len;
    }
    return commit ? Accept.Commit : Accept.Pending;
  }

  /** Record `i` of a committed unit: a view into the assembler's reused buffer (empty when not collecting). */
  record(i: number): Uint8Array {
    const start = i === 0 ? 0 : this.ends[i - 1]!;
    return this.collect ? this.buf.subarray(start, this.ends[i]!) : this.buf.subarray(0, 0);
  }

  /** Length of record `i` of a committed unit. */
  recordLength(i: number): number {
    return this.ends[i]! - (i === 0 ? 0 : this.ends[i - 1]!);
  }

  private grow(need: number): void {
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
}
