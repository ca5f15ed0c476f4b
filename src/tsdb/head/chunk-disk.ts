/**
 * Completed head chunks on disk (`<dataDir>/chunks_head/`), as Prometheus keeps them: each chunk the head cuts is
 * appended to a file, so a restart loads the chunks instead of re-encoding every sample of the WAL; WAL replay then
 * only applies samples newer than a series' last persisted chunk.
 *
 * The files are a cache of what the WAL already holds: every chunk is cut from samples whose WAL record was written
 * first, and the WAL keeps every sample the head still needs. So a lost, torn or stale file only costs replay time.
 * Writes are buffered and not fsynced; the WAL is fsynced before each write, so after a power loss no chunk file
 * holds a chunk (or a series ref) that the WAL lost.
 *
 * File `NNNNNNNN` (8 digits, ascending in write order): a sequence of entries
 *   `ref f64 LE | minT f64 LE | maxT f64 LE | lastV f64 LE | numSamples u16 LE | len u32 LE | chunk bytes[len] |
 *    crc32 u32 LE`
 * (lastV, the chunk's last value, spares replay decoding the chunk to continue the series)
 * where the CRC (IEEE) covers everything before it in the entry. Reading stops at the first entry that is cut short
 * or fails its CRC; later files are then ignored too, so the chunks of a series loaded are always a prefix of the
 * ones cut (no gap that WAL replay, which skips samples older than the last loaded chunk, could not fill).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../wal/frame.js';
import { resized } from '../../model/typed-arrays.js';

/** Directory name under the data directory. */
export const CHUNKS_HEAD_DIR = 'chunks_head';
const ENTRY_HEADER = 38;
const ENTRY_CRC = 4;
const FILE_RE = /^\d{8}$/;
/** Buffered bytes before a write to the file. */
const FLUSH_BYTES = 1 << 20;
/** A new file is started beyond this size, so files whose chunks all went to blocks can be deleted. */
const FILE_BYTES = 64 << 20;

function fileName(index: number): string {
  return String(index).padStart(8, '0');
}

function listFiles(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.filter((n) => FILE_RE.test(n)).map(Number).sort((a, b) => a - b);
}

/** Slots per generation in a SeriesRef (head.ts's SLOT_SPACE; not imported to keep this module below the head). */
const SLOT_SPACE = 2 ** 26;

/**
 * Chunks read from disk, chained per series slot in the order they were cut. A slot's chain may hold chunks of
 * several generations of the slot: readers match the exact ref (`refOf`).
 */
export class PersistedChunks {
  /** Per entry: ref, time bounds, last value, sample count, bytes (a view into the file's buffer), next entry. */
  private refs = new Float64Array(1024);
  private minTs = new Float64Array(1024);
  private maxTs = new Float64Array(1024);
  private lastVs = new Float64Array(1024);
  private counts = new Uint16Array(1024);
  private nexts = new Int32Array(1024);
  private readonly data: Uint8Array[] = [];
  /** Per slot: first and last entry of its chain, -1 if none (typed arrays, not maps: a million series). */
  private firsts = new Int32Array(1024).fill(-1);
  private lasts = new Int32Array(1024).fill(-1);
  private n = 0;
  /** Where reading stopped early, if it did (file index, offset, reason). */
  damage: { file: number; offset: number; reason: string } | undefined;
  /** Files read and bytes of chunks loaded. */
  files = 0;
  bytes = 0;
  /** Newest chunk end per file read (-Infinity for a file without chunks). */
  readonly fileMaxT = new Map<number, number>();

  /** Number of chunks loaded. */
  get size(): number {
    return this.n;
  }

  /** @internal Adds an entry; false (ignored) if its ref is not a valid SeriesRef. */
  add(ref: number, minT: number, maxT: number, lastV: number, count: number, bytes: Uint8Array): boolean {
    const slot = ref % SLOT_SPACE;
    if (!(slot > 0) || !Number.isInteger(ref)) return false;
    if (this.n === this.refs.length) this.grow();
    if (slot >= this.firsts.length) this.growSlots(slot + 1);
    const i = this.n++;
    this.refs[i] = ref;
    this.minTs[i] = minT;
    this.maxTs[i] = maxT;
    this.lastVs[i] = lastV;
    this.counts[i] = count;
    this.nexts[i] = -1;
    this.data.push(bytes);
    this.bytes += bytes.length;
    const tail = this.lasts[slot]!;
    if (tail === -1) this.firsts[slot] = i;
    else this.nexts[tail] = i;
    this.lasts[slot] = i;
    return true;
  }

  /**
   * First entry of the chain of `ref`'s slot, or -1; follow with next(). Entries are in cut (time) order and may
   * belong to other generations of the slot: compare refOf(i) with the ref wanted.
   */
  firstOf(ref: number): number {
    const slot = ref % SLOT_SPACE;
    return slot > 0 && slot < this.firsts.length ? this.firsts[slot]! : -1;
  }
  next(i: number): number {
    return this.nexts[i]!;
  }
  refOf(i: number): number {
    return this.refs[i]!;
  }
  lastV(i: number): number {
    return this.lastVs[i]!;
  }
  minT(i: number): number {
    return this.minTs[i]!;
  }
  maxT(i: number): number {
    return this.maxTs[i]!;
  }
  numSamples(i: number): number {
    return this.counts[i]!;
  }
  bytesOf(i: number): Uint8Array {
    return this.data[i]!;
  }

  private grow(): void {
    const c = this.refs.length * 2;
    this.refs = resized(this.refs, c);
    this.minTs = resized(this.minTs, c);
    this.maxTs = resized(this.maxTs, c);
    this.lastVs = resized(this.lastVs, c);
    this.counts = resized(this.counts, c);
    this.nexts = resized(this.nexts, c);
  }

  private growSlots(min: number): void {
    let c = this.firsts.length * 2;
    while (c < min) c *= 2;
    const firsts = new Int32Array(c).fill(-1), lasts = new Int32Array(c).fill(-1);
    firsts.set(this.firsts);
    lasts.set(this.lasts);
    this.firsts = firsts;
    this.lasts = lasts;
  }
}

/**
 * Reads every chunk file of `dir` (the chunks_head directory), oldest first, stopping at the first damaged entry
 * (see the module comment). Missing directory: nothing loaded.
 */
export function readPersistedChunks(dir: string): PersistedChunks {
  const out = new PersistedChunks();
  for (const idx of listFiles(dir)) {
    const buf = fs.readFileSync(join(dir, fileName(idx)));
    out.files++;
    let fileMax = -Infinity;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let p = 0;
    while (p < buf.length) {
      if (p + ENTRY_HEADER > buf.length) {
        out.damage = { file: idx, offset: p, reason: `entry header cut short (${buf.length - p} bytes left)` };
        break;
      }
      const len = dv.getUint32(p + 34, true);
      const end = p + ENTRY_HEADER + len;
      if (end + ENTRY_CRC > buf.length) {
        out.damage = { file: idx, offset: p, reason: `chunk of ${len} bytes cut short` };
        break;
      }
      if (crc32(buf.subarray(p, end)) !== dv.getUint32(end, true)) {
        out.damage = { file: idx, offset: p, reason: 'CRC32 mismatch' };
        break;
      }
      const maxT = dv.getFloat64(p + 16, true);
      const added = out.add(dv.getFloat64(p, true), dv.getFloat64(p + 8, true), maxT, dv.getFloat64(p + 24, true),
        dv.getUint16(p + 32, true), buf.subarray(p + ENTRY_HEADER, end));
      if (added && maxT > fileMax) fileMax = maxT;
      p = end + ENTRY_CRC;
    }
    out.fileMaxT.set(idx, fileMax);
    if (out.damage) break;
  }
  return out;
}

/**
 * Appends cut head chunks to the files of one chunks_head directory. Not safe for two writers on one directory
 * (the Db's lock guards it).
 */
export class HeadChunkWriter {
  private buf = new Uint8Array(FLUSH_BYTES + 4096);
  private len = 0;
  private fd = -1;
  private index: number;
  private fileSize = 0;
  /** Newest chunk end written to each file, to know which files truncation may delete. */
  private readonly fileMaxT = new Map<number, number>();
  private closed = false;

  /**
   * Starts a new file after the highest existing one. `loaded` is what readPersistedChunks found there: its files
   * stay until a truncation passes their newest chunk. With `dropExisting` (the files were damaged, or the WAL was
   * repaired or is new, so their refs may not match the WAL's) every existing file is deleted instead; the head
   * then re-persists the chunks it loaded from them, so each series' chunks on disk stay a gap-free prefix.
   */
  constructor(
    private readonly dir: string,
    loaded: PersistedChunks | undefined,
    dropExisting: boolean,
    /** Runs before each write to a file: the Db fsyncs the WAL, so no chunk reaches the disk before its samples. */
    private readonly beforeWrite: () => void = () => undefined,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    const existing = listFiles(dir);
    this.index = existing.length > 0 ? existing[existing.length - 1]! + 1 : 0;
    for (const idx of existing) {
      const maxT = dropExisting ? undefined : loaded?.fileMaxT.get(idx);
      if (maxT === undefined) fs.rmSync(join(dir, fileName(idx)), { force: true });
      else this.fileMaxT.set(idx, maxT);
    }
  }

  /**
   * Appends one chunk (copied). Buffered: written to the file when a megabyte is pending, at truncate() and at
   * close(). Throws only on I/O errors of that write.
   */
  append(ref: number, minT: number, maxT: number, lastV: number, numSamples: number, bytes: Uint8Array): void {
    if (this.closed) return;
    const need = ENTRY_HEADER + bytes.length + ENTRY_CRC;
    if (this.len + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = new Uint8Array(need);
    }
    const at = this.len;
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + at, need);
    dv.setFloat64(0, ref, true);
    dv.setFloat64(8, minT, true);
    dv.setFloat64(16, maxT, true);
    dv.setFloat64(24, lastV, true);
    dv.setUint16(32, numSamples, true);
    dv.setUint32(34, bytes.length, true);
    this.buf.set(bytes, at + ENTRY_HEADER);
    const end = at + ENTRY_HEADER + bytes.length;
    dv.setUint32(end - at, crc32(this.buf.subarray(at, end)), true);
    this.len = end + ENTRY_CRC;
    const cur = this.fileMaxT.get(this.index);
    if (cur === undefined || maxT > cur) this.fileMaxT.set(this.index, maxT);
    if (this.len >= FLUSH_BYTES) this.flush();
  }

  /** Writes the buffered entries to the current file (no fsync: see the module comment). */
  flush(): void {
    if (this.len === 0 || this.closed) return;
    this.beforeWrite();
    if (this.fd < 0) {
      this.fd = fs.openSync(join(this.dir, fileName(this.index)), 'a');
      this.fileSize = fs.fstatSync(this.fd).size;
    }
    let off = 0;
    while (off < this.len) off += fs.writeSync(this.fd, this.buf, off, this.len - off);
    this.fileSize += this.len;
    this.len = 0;
    if (this.fileSize >= FILE_BYTES) this.nextFile();
  }

  private nextFile(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.fileSize = 0;
    this.index++;
  }

  /**
   * After the head dropped its chunks older than `boundary`: writes what is buffered, moves to a new file and
   * deletes every file whose chunks all end before `boundary`.
   */
  truncate(boundary: number): number {
    if (this.closed) return 0;
    this.flush();
    this.nextFile();
    let deleted = 0;
    for (const [idx, maxT] of [...this.fileMaxT]) {
      if (idx >= this.index || !(maxT < boundary)) continue;
      fs.rmSync(join(this.dir, fileName(idx)), { force: true });
      this.fileMaxT.delete(idx);
      deleted++;
    }
    return deleted;
  }

  /** Stops writing (after a failed write): drops the buffer, closes the file; later appends are ignored. */
  disable(): void {
    if (this.closed) return;
    this.closed = true;
    this.len = 0;
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already unusable.
      }
    }
    this.fd = -1;
  }

  /** Writes what is buffered and closes the file; later appends are ignored. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}
