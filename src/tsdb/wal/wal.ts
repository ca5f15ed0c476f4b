/**
 * The write-ahead log: durable, ordered storage of opaque records in numbered segment files, with checkpoints
 * that replace old segments. Layout and crash semantics: FORMAT.md.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { nopLogger, type Logger } from '../../log/index.js';
import {
  checkpointName,
  listCheckpoints,
  removeCheckpointDir,
  writeCheckpointFiles,
  type CheckpointStep,
} from './checkpoint.js';
import { WalCorruptionError } from './errors.js';
import { encodeUnit, unitSize } from './frame.js';
import { walMetrics } from './metrics.js';
import { SegmentFile, SegmentScanner, listSegments, segmentName, syncDir } from './segment.js';

export interface WalOptions {
  /** Size at which a new segment is started (default 128 MiB). A unit larger than this gets a segment of its own. */
  segmentBytes?: number;
  /** fsync of the open segment on this timer, when something was written (default 1000; 0 = fsync in every log). */
  syncIntervalMs?: number;
  /** Default: discard. */
  logger?: Logger;
  /**
   * Repair damage in any segment, not only the last: the damaged segment is cut at its last good unit and all later
   * segments are deleted (their records could depend on the lost ones). Default false: such damage throws.
   */
  repairAll?: boolean;
  /** Called before each step of `checkpoint()`; a throw there simulates a crash at that point (tests). */
  onCheckpointStep?: (step: CheckpointStep) => void;
}

/** The repair done by `Wal.open` on a damaged tail. */
export interface WalTruncation {
  segment: number;
  /** Offset of the first bad frame. */
  offset: number;
  /** The file was cut to this size (the end of its last committed unit). */
  truncatedTo: number;
  /** Bytes removed from that segment. */
  droppedBytes: number;
  /** Later segments deleted (only with `repairAll`). */
  deletedSegments: number;
  reason: string;
}

export interface ReplayStats {
  records: number;
  /** Payload bytes of the replayed records. */
  bytes: number;
  /** Files read: checkpoint segments plus WAL segments. */
  segments: number;
  /** Index of the checkpoint replayed first, if there was one. */
  checkpoint?: number;
  /** Set if `open` had to cut off a torn or corrupt tail. */
  truncated?: WalTruncation;
}

const DEFAULT_SEGMENT_BYTES = 128 * 1024 * 1024;
const DEFAULT_SYNC_INTERVAL_MS = 1000;
/** The write buffer is dropped back to this size after a larger unit, so one huge batch does not pin memory. */
const WRITE_BUFFER_BYTES = 64 * 1024;
const WRITE_BUFFER_KEEP_MAX = 8 * 1024 * 1024;

/**
 * A write-ahead log in one directory. Not safe for two processes on the same directory.
 *
 * @example
 * const wal = Wal.open('data/wal');
 * wal.replay((rec) => head.apply(rec.slice()));
 * wal.logBatch([seriesRecord, samplesRecord]);
 * wal.close();
 */
export class Wal {
  private seg: SegmentFile;
  private first: number;
  private checkpointIndex: number;
  private buf = new Uint8Array(WRITE_BUFFER_BYTES);
  private readonly one: Uint8Array[] = [new Uint8Array(0)];
  private dirty = false;
  private closed = false;
  private failure: Error | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly metrics = walMetrics();

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly syncIntervalMs: number,
    private readonly logger: Logger,
    private readonly onCheckpointStep: ((step: CheckpointStep) => void) | undefined,
    seg: SegmentFile,
    first: number,
    checkpointIndex: number,
    private readonly truncation: WalTruncation | undefined,
  ) {
    this.seg = seg;
    this.first = first;
    this.checkpointIndex = checkpointIndex;
    this.metrics.segmentCurrent.set(seg.index);
    if (syncIntervalMs > 0) {
      this.timer = setInterval(() => this.syncOnTimer(), syncIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Opens the WAL in `dir` (creating it), after cleaning up what an interrupted checkpoint left and verifying every
   * frame. A torn or corrupt tail of the LAST segment is repaired by cutting the file at the start of the unit that
   * holds the first bad frame (a warning names segment, offset and reason; `replay` reports it too). Damage in an
   * older segment throws `WalCorruptionError` unless `opts.repairAll`; damage in the checkpoint or a gap in
   * segment numbers always throws it. Appends go to the last segment. Cost: one sequential read of every file
   * (CRC checks, no copying), before `replay` reads them again.
   */
  static open(dir: string, opts: WalOptions = {}): Wal {
    const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const syncIntervalMs = opts.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    if (!Number.isInteger(segmentBytes) || segmentBytes < 1) {
      throw new RangeError(`WAL segmentBytes must be a positive integer, got ${segmentBytes}`);
    }
    if (!(syncIntervalMs >= 0) || !Number.isFinite(syncIntervalMs)) {
      throw new RangeError(`WAL syncIntervalMs must be a finite number >= 0, got ${syncIntervalMs}`);
    }
    const logger = opts.logger ?? nopLogger;
    const metrics = walMetrics();
    fs.mkdirSync(dir, { recursive: true });

    // Leftovers of an interrupted checkpoint: a temp dir (never renamed), older checkpoints and covered segments.
    const { complete, temporary } = listCheckpoints(dir);
    for (const name of temporary) {
      logger.info('removing incomplete WAL checkpoint', { dir, name });
      removeCheckpointDir(dir, name);
    }
    const checkpoint = complete.length > 0 ? complete[complete.length - 1]! : -1;
    for (const idx of complete) if (idx < checkpoint) removeCheckpointDir(dir, checkpointName(idx));
    const found = listSegments(dir);
    for (const idx of found) if (idx <= checkpoint) fs.rmSync(join(dir, segmentName(idx)));
    let segs = found.filter((idx) => idx > checkpoint);
    if (temporary.length > 0 || complete.length > 1 || segs.length < found.length) syncDir(dir);

    const scanner = new SegmentScanner(false);
    if (checkpoint >= 0) verifyCheckpoint(dir, checkpoint, scanner, metrics);

    for (let i = 0; i < segs.length; i++) {
      const want = i > 0 ? segs[i - 1]! + 1 : checkpoint >= 0 ? checkpoint + 1 : segs[0]!;
      if (segs[i] !== want) {
        metrics.corruptions.inc();
        throw new WalCorruptionError(
          join(dir, segmentName(want)),
          want,
          0,
          `segment missing (found ${segs.slice(0, 5).map(segmentName).join(', ')}${segs.length > 5 ? ', …' : ''}` +
            `${checkpoint >= 0 ? ` after checkpoint ${checkpoint}` : ''})`,
        );
      }
    }

    let truncation: WalTruncation | undefined;
    for (let i = 0; i < segs.length; i++) {
      const idx = segs[i]!;
      const path = join(dir, segmentName(idx));
      const r = scanner.scan(path, null);
      if (!r.damage) continue;
      metrics.corruptions.inc();
      const isLast = i === segs.length - 1;
      if (!isLast && !opts.repairAll) throw new WalCorruptionError(path, idx, r.damage.offset, r.damage.reason);
      const later = segs.slice(i + 1);
      truncation = {
        segment: idx,
        offset: r.damage.offset,
        truncatedTo: r.validEnd,
        droppedBytes: r.size - r.validEnd,
        deletedSegments: later.length,
        reason: r.damage.reason,
      };
      logger.warn('repairing WAL: cutting segment at last committed unit', { dir, ...truncation });
      for (const l of later) fs.rmSync(join(dir, segmentName(l)));
      if (later.length > 0) syncDir(dir);
      segs = segs.slice(0, i + 1);
      break;
    }

    const index = segs.length > 0 ? segs[segs.length - 1]! : checkpoint + 1;
    const seg = SegmentFile.open(dir, index);
    try {
      if (segs.length === 0) syncDir(dir);
      if (truncation) seg.truncate(truncation.truncatedTo);
    } catch (err) {
      seg.close();
      throw err;
    }
    const first = segs.length > 0 ? segs[0]! : index;
    return new Wal(dir, segmentBytes, syncIntervalMs, logger, opts.onCheckpointStep, seg, first, checkpoint, truncation);
  }

  /**
   * Appends one record as its own unit. When this returns the bytes are in the OS (they survive `kill -9` of this
   * process); fsync follows on the timer. Throws if the write failed (nothing of the record is then in the log).
   */
  log(record: Uint8Array): void {
    this.one[0] = record;
    try {
      this.logBatch(this.one);
    } finally {
      this.one[0] = EMPTY;
    }
  }

  /**
   * Appends `records` as one unit with a single `writeSync`: after a crash, replay sees all of them or none.
   * An empty batch is a no-op. Same durability as `log`.
   */
  logBatch(records: readonly Uint8Array[]): void {
    this.checkUsable();
    if (records.length === 0) return;
    const size = unitSize(records);
    if (this.seg.size > 0 && this.seg.size + size > this.segmentBytes) this.cut();
    if (size > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < size) cap *= 2;
      this.buf = new Uint8Array(cap);
    }
    const end = encodeUnit(records, this.buf, 0);
    if (end !== size) throw new Error(`BUG: WAL unit encoded to ${end} bytes, expected ${size}`);
    this.seg.append(this.buf, size);
    if (this.buf.length > WRITE_BUFFER_KEEP_MAX) this.buf = new Uint8Array(WRITE_BUFFER_BYTES);
    this.dirty = true;
    this.metrics.records.inc(records.length);
    this.metrics.bytesWritten.inc(size);
    if (this.syncIntervalMs === 0) this.sync();
  }

  /** The repair `open` made to a damaged tail (also reported by `replay`), or undefined. */
  get repair(): WalTruncation | undefined {
    return this.truncation;
  }

  /** fsyncs the open segment now. */
  sync(): void {
    this.checkUsable();
    const stop = this.metrics.fsyncDuration.startTimer();
    try {
      this.seg.sync();
    } catch (err) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written since is trustworthy.
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    stop();
    this.dirty = false;
  }

  /** Starts a new segment (fsyncing the current one) and returns its index; later records go to it. */
  cut(): number {
    this.checkUsable();
    this.sync();
    const next = SegmentFile.open(this.dir, this.seg.index + 1);
    try {
      syncDir(this.dir);
    } catch (err) {
      next.close();
      throw err;
    }
    this.seg.close();
    this.seg = next;
    this.metrics.segmentCurrent.set(next.index);
    return next.index;
  }

  /**
   * Calls `fn` for every record of the last checkpoint (if any) and then of every segment after it, in the order
   * logged. The record may be a view into a reused buffer: copy what you keep. Throws `WalCorruptionError` if a file
   * went bad since `open` verified it.
   */
  replay(fn: (record: Uint8Array) => void): ReplayStats {
    this.checkUsable();
    const scanner = new SegmentScanner(true);
    const stats: ReplayStats = { records: 0, bytes: 0, segments: 0 };
    if (this.checkpointIndex >= 0) {
      stats.checkpoint = this.checkpointIndex;
      const cpDir = join(this.dir, checkpointName(this.checkpointIndex));
      for (const idx of listSegments(cpDir)) replayFile(scanner, join(cpDir, segmentName(idx)), idx, fn, stats);
    }
    for (let idx = this.first; idx <= this.seg.index; idx++) {
      replayFile(scanner, join(this.dir, segmentName(idx)), idx, fn, stats);
    }
    if (this.truncation) stats.truncated = this.truncation;
    return stats;
  }

  /**
   * Writes checkpoint `through` holding `records` (what the head still needs from segments <= `through`), then
   * deletes those segments and older checkpoints. Steps: write `checkpoint.N.tmp` and fsync it, rename it to
   * `checkpoint.N` and fsync the directory, delete segments <= N, delete older checkpoints. A crash at any point
   * leaves a directory that `open` + `replay` reads correctly (old checkpoint + all segments before the rename,
   * new checkpoint + segments > N after it). `through` must be a segment that exists and is not the open one
   * (`cut()` first); it is then above the current checkpoint, since segments <= a checkpoint are gone.
   */
  checkpoint(through: number, records: Iterable<Uint8Array>): void {
    this.checkUsable();
    if (!Number.isInteger(through) || through >= this.seg.index || through < this.first) {
      throw new RangeError(
        `WAL checkpoint through ${through}: must be an integer from the first segment (${this.first}) ` +
          `to below the open segment (${this.seg.index})`,
      );
    }
    const name = checkpointName(through);
    const tmp = join(this.dir, `${name}.tmp`);
    this.onCheckpointStep?.('write-temp');
    fs.rmSync(tmp, { recursive: true, force: true });
    const count = writeCheckpointFiles(tmp, records, this.segmentBytes);
    this.onCheckpointStep?.('rename');
    fs.renameSync(tmp, join(this.dir, name));
    syncDir(this.dir);
    const previous = this.checkpointIndex;
    this.checkpointIndex = through;
    this.onCheckpointStep?.('delete-segments');
    // Oldest first: if we crash midway, what is left is still a suffix that replay skips (<= N).
    for (let idx = this.first; idx <= through; idx++) fs.rmSync(join(this.dir, segmentName(idx)), { force: true });
    this.first = Math.max(this.first, through + 1);
    this.onCheckpointStep?.('delete-old-checkpoints');
    for (const idx of listCheckpoints(this.dir).complete) {
      if (idx < through) removeCheckpointDir(this.dir, checkpointName(idx));
    }
    syncDir(this.dir);
    this.metrics.truncations.inc();
    this.logger.info('WAL checkpoint written', { dir: this.dir, through, records: count, previous });
  }

  /** Indices of the first and last (open) segment. */
  segmentRange(): { first: number; last: number } {
    return { first: this.first, last: this.seg.index };
  }

  /** fsyncs (if anything was written) and closes. Idempotent; the Wal is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    try {
      if (this.dirty && !this.failure) {
        const stop = this.metrics.fsyncDuration.startTimer();
        this.seg.sync();
        stop();
        this.dirty = false;
      }
    } finally {
      this.seg.close();
    }
  }

  private syncOnTimer(): void {
    if (!this.dirty || this.closed || this.failure) return;
    try {
      this.sync();
    } catch (err) {
      this.logger.error('WAL fsync failed; the WAL refuses further writes', { dir: this.dir, err });
    }
  }

  private checkUsable(): void {
    if (this.closed) throw new Error(`WAL ${this.dir} is closed`);
    if (this.failure) throw new Error(`WAL ${this.dir} failed earlier: ${this.failure.message}`, { cause: this.failure });
  }
}

const EMPTY = new Uint8Array(0);

function verifyCheckpoint(
  dir: string,
  checkpoint: number,
  scanner: SegmentScanner,
  metrics: ReturnType<typeof walMetrics>,
): void {
  const cpDir = join(dir, checkpointName(checkpoint));
  const segs = listSegments(cpDir);
  for (let i = 0; i < segs.length; i++) {
    const path = join(cpDir, segmentName(segs[i]!));
    if (segs[i] !== i) {
      metrics.corruptions.inc();
      throw new WalCorruptionError(path, segs[i]!, 0, `checkpoint segment ${i} missing`);
    }
    const r = scanner.scan(path, null);
    if (r.damage) {
      metrics.corruptions.inc();
      throw new WalCorruptionError(path, segs[i]!, r.damage.offset, `checkpoint ${checkpoint}: ${r.damage.reason}`);
    }
  }
}

function replayFile(
  scanner: SegmentScanner,
  path: string,
  index: number,
  fn: (record: Uint8Array) => void,
  stats: ReplayStats,
): void {
  const r = scanner.scan(path, fn);
  if (r.damage) throw new WalCorruptionError(path, index, r.damage.offset, r.damage.reason);
  stats.records += r.records;
  stats.bytes += r.bytes;
  stats.segments++;
}
