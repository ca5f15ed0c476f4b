/**
 * Segment files: naming, listing, sequential scanning and appending. A segment is a plain file named by its
 * zero-padded index holding a sequence of units (see frame.ts); units never span segments.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Accept, FrameStatus, HEADER_BYTES, MAX_FRAGMENT, UnitAssembler, readFrame, type FrameCursor } from './frame.js';

const SEGMENT_RE = /^\d{8}$/;

/** File name of segment `index`: 8 digits, zero-padded, so names sort like numbers. */
export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

/** Indices of the segment files in `dir`, ascending. Other entries are ignored. */
export function listSegments(dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync(dir)) if (SEGMENT_RE.test(name)) out.push(Number(name));
  return out.sort((a, b) => a - b);
}

/** fsyncs a directory so that created, renamed or deleted entries in it survive power loss. */
export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** What a scan of one segment found. */
export interface SegmentScan {
  /** File size when the scan started (bytes appended later are not read). */
  size: number;
  /** End of the last committed unit: where the file must be cut if `damage` is set, else `size`. */
  validEnd: number;
  records: number;
  /** Payload bytes of the delivered records. */
  bytes: number;
  /** First problem found; everything from `validEnd` on is unusable. */
  damage?: { offset: number; reason: string };
}

/** Read buffer: a whole frame of the largest size always fits, so a refill never needs to grow it. */
const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * Reusable state for scans (read buffer, assembler, frame cursor), so replaying many segments allocates once.
 * `collect` false skips copying payloads (verification only).
 */
export class SegmentScanner {
  private readonly buf = new Uint8Array(Math.max(READ_BUFFER_BYTES, 2 * (HEADER_BYTES + MAX_FRAGMENT)));
  private readonly asm: UnitAssembler;
  private readonly cur: FrameCursor = { type: 0, payloadStart: 0, payloadEnd: 0 };

  constructor(collect: boolean) {
    this.asm = new UnitAssembler(collect);
  }

  /**
   * Reads the segment at `path` front to back, calling `onRecord` for each record of each committed unit (the
   * view is only valid during the call). Stops at the first bad frame or at an uncommitted unit at the end; never
   * throws for damage (it is reported in the result), only for I/O errors or if `onRecord` throws.
   */
  scan(path: string, onRecord: ((record: Uint8Array) => void) | null): SegmentScan {
    const { buf, asm, cur } = this;
    asm.reset();
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      let fileOff = 0; // file offset of buf[0]
      let end = 0; // valid bytes in buf
      let pos = 0;
      let unitStart = 0;
      let records = 0;
      let bytes = 0;
      let damage: SegmentScan['damage'];
      for (;;) {
        const st = readFrame(buf, pos, end, cur);
        if (st === FrameStatus.NeedMore) {
          const want = size - (fileOff + end);
          if (want <= 0) {
            if (pos < end) damage = { offset: fileOff + pos, reason: `torn frame: ${end - pos} bytes at end of file` };
            break;
          }
          buf.copyWithin(0, pos, end);
          fileOff += pos;
          end -= pos;
          pos = 0;
          const n = fs.readSync(fd, buf, end, Math.min(buf.length - end, want), fileOff + end);
          if (n === 0) {
            if (end > 0) damage = { offset: fileOff, reason: `torn frame: file shrank while reading` };
            break;
          }
          end += n;
          continue;
        }
        if (st === FrameStatus.BadLength) {
          damage = { offset: fileOff + pos, reason: `frame length exceeds ${MAX_FRAGMENT} bytes` };
          break;
        }
        if (st === FrameStatus.BadCrc) {
          damage = { offset: fileOff + pos, reason: 'frame CRC32 mismatch' };
          break;
        }
        const acc = asm.accept(cur.type, buf, cur.payloadStart, cur.payloadEnd);
        if (acc === Accept.BadType || acc === Accept.BadSequence) {
          const what = acc === Accept.BadType ? 'invalid frame type' : 'fragment out of sequence, type';
          damage = { offset: fileOff + pos, reason: `${what} 0x${cur.type.toString(16).padStart(2, '0')}` };
          break;
        }
        pos = cur.payloadEnd;
        if (acc === Accept.Commit) {
          for (let i = 0; i < asm.count; i++) {
            bytes += asm.recordLength(i);
            if (onRecord) onRecord(asm.record(i));
          }
          records += asm.count;
          asm.reset();
          unitStart = fileOff + pos;
        }
      }
      if (!damage && asm.frames > 0) {
        damage = { offset: unitStart, reason: `unit of ${asm.frames} frame(s) not committed at end of file` };
      }
      return { size, validEnd: damage ? unitStart : size, records, bytes, ...(damage ? { damage } : {}) };
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * An open segment being appended to. Writes are synchronous and all-or-nothing from the reader's point of view:
 * a failed write is cut back off the file so later units never follow a partial one.
 */
export class SegmentFile {
  private fd: number;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly index: number,
    fd: number,
    /** Bytes in the file. */
    public size: number,
  ) {
    this.fd = fd;
  }

  /** Opens segment `index` in `dir` for appending, creating it if missing. */
  static open(dir: string, index: number): SegmentFile {
    const path = join(dir, segmentName(index));
    const fd = fs.openSync(path, 'a');
    try {
      return new SegmentFile(path, index, fd, fs.fstatSync(fd).size);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /**
   * Appends `buf[0..len)` with as many `writeSync` calls as the OS needs (normally one). On error, truncates the
   * file back to its previous size and rethrows; if even that fails, the error says so and the file is unusable.
   */
  append(buf: Uint8Array, len: number): void {
    let off = 0;
    try {
      while (off < len) off += fs.writeSync(this.fd, buf, off, len - off);
    } catch (err) {
      if (off > 0) {
        try {
          fs.ftruncateSync(this.fd, this.size);
        } catch (truncErr) {
          throw new Error(
            `WAL segment ${this.path}: write of ${len} bytes failed after ${off} and the partial unit could not be removed`,
            { cause: truncErr },
          );
        }
      }
      throw err;
    }
    this.size += len;
  }

  sync(): void {
    fs.fsyncSync(this.fd);
  }

  /** Cuts the file to `size` bytes (repair of a torn tail) and fsyncs. */
  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
    fs.fsyncSync(this.fd);
    this.size = size;
  }

  /** Closes the file descriptor; idempotent. Does not fsync. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
