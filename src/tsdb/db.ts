/**
 * The storage engine as one object: the head with its WAL, the persisted blocks, and head compaction, behind the
 * `Storage` interface. Data directory layout: `lock` (the owning pid), `wal/` (segments and checkpoints),
 * `chunks_head/` (completed head chunks, a restart accelerator: head/chunk-disk.ts), one directory per block.
 */
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { nopLogger, type Logger } from '../log/index.js';
import { newSampleBuffer } from './chunkenc/samples.js';
import { Block, listTieredBlocks, removeBlockLeftovers, writeBlock, type BlockMeta, type SeriesInput } from './block/index.js';
import { DEFAULT_SLICE_MS, Slicer } from './block/slicer.js';
import { Head, type HeadCardinality, type HeadStats } from './head/head.js';
import { CHUNKS_HEAD_DIR, HeadChunkWriter, PersistedChunks, readPersistedChunks } from './head/chunk-disk.js';
import { setBlocksLoaded, registerHeadGauges, tsdbMetrics, unregisterHeadGauges } from './metrics.js';
import { MergeQuerier, type QuerySource } from './querier.js';
import { compactDir, removeObsoleteBlocks, type CompactorOptions, type StepReport } from './compact/run.js';
import { TieredQuerier, tierSet } from './downsample/tiered-querier.js';
import {
  decodeSamplesRecord,
  decodeSeriesRecord,
  encodeSeriesRecord,
  LabelStringCache,
  newSamplesColumns,
  recordType,
  RecordType,
  type SeriesEntry,
} from './records.js';
import type { Appender, Querier, Storage } from './types.js';
import { Wal } from './wal/index.js';

export const DEFAULT_BLOCK_RANGE_MS = 2 * 3600 * 1000;
/** Series per record in a checkpoint: bounds the size of one record. */
const CHECKPOINT_SERIES_PER_RECORD = 10_000;
/** Series handled between yields to the event loop while a head range is persisted. */
const SERIES_PER_SLICE = 2_000;
/** Longest wait for queriers opened before a new block to close before the head is truncated anyway. */
const READER_WAIT_MS = 30_000;

export interface DbOptions {
  /** Default: discard. */
  logger?: Logger;
  /** Blocks ending before now − retentionMs are deleted after a head compaction. Default: keep everything. */
  retentionMs?: number;
  /** Time range of a block cut from the head, ms. Default 2h. */
  blockRangeMs?: number;
  /** Clock for retention, ms. Default Date.now. */
  now?: () => number;
  /** fsync interval of the WAL, ms (0 = fsync on every commit). Default 1000. */
  walSyncIntervalMs?: number;
  /**
   * Longest stretch of head-compaction work between two yields to the event loop, ms. Default 10; 0 yields at
   * every pause point (tests use it to interleave appends with a compaction deterministically).
   */
  compactionSliceMs?: number;
  /**
   * The cold tier's directory (compact/cold.ts): its blocks are opened and served like those of the data dir, and
   * compactBlocks moves blocks there when given `cold`. Default: none.
   */
  coldDir?: string;
}

/** Another live process (or another Db in this one) holds the data directory. */
export class DbLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`data directory ${dir} is locked by process ${pid} (${join(dir, 'lock')}); stop it or use another --data-dir`);
    this.name = 'DbLockedError';
  }
}

export interface DbStats {
  head: HeadStats;
  /** Top-10 cardinality lists of the head, for /api/v1/status/tsdb. */
  cardinality: HeadCardinality;
  blocks: BlockMeta[];
}

/** See Db.readView. */
export interface DbReadView {
  /** Raw blocks, oldest first. */
  readonly blocks: readonly BlockMeta[];
  /** Downsampled blocks (resolution > 0), oldest first: read them through downsample/tiered-querier.ts's tierSet. */
  readonly downsampled: readonly BlockMeta[];
  readonly head: Head;
  /** Ends the view; idempotent. */
  release(): void;
}

/** What one head compaction did. */
export interface CompactionResult {
  minTime: number;
  maxTime: number;
  /** The new block, or undefined if the range held no samples. */
  block?: BlockMeta;
  removedSeries: number;
  removedChunks: number;
  /** Wall time of writing the block and of truncating the head, ms. */
  writeMs: number;
  truncateMs: number;
  /** WAL segments up to this index were replaced by a checkpoint (-1: none). */
  checkpointThrough: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files held by Dbs of this process (a lock naming our own pid but not in here is a previous run's). */
const heldLocks = new Set<string>();

/**
 * Creates `dir/lock` holding our pid; takes over a lock whose pid is dead, or whose pid is ours while no Db of this
 * process holds it (a restarted container often runs as the same pid).
 */
function acquireLock(dir: string, logger: Logger): string {
  const file = resolve(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      heldLocks.add(file);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch {
      // Vanished or unreadable: treat as stale.
    }
    const ours = pid === process.pid && !heldLocks.has(file);
    if (Number.isInteger(pid) && pid > 0 && !ours && pidAlive(pid)) throw new DbLockedError(dir, pid);
    logger.warn('taking over stale lock file', { file, pid: Number.isNaN(pid) ? null : pid });
    fs.rmSync(file, { force: true });
  }
  throw new DbLockedError(dir, -1);
}

/**
 * The storage engine. Open with `Db.open`; append through `appender()`, read through `querier()`, call
 * `compactHead()` on a timer, and `close()` at shutdown.
 *
 * @example
 * const db = await Db.open('./data', { logger });
 * const app = db.appender();
 * app.append(app.ref(labels), Date.now(), 1);
 * app.commit();
 * await db.close();
 */
export class Db implements Storage {
  private readonly blockList: Block[] = [];
  private readonly readers = new Map<number, number>();
  private nextReaderId = 1;
  /** Bumped each time a block is added; a querier remembers the epoch it was opened in. */
  private epoch = 0;
  /** Newest sample time logged to each WAL segment (to know which segments a checkpoint may replace). */
  private readonly segmentMaxT = new Map<number, number>();
  private compacting: Promise<CompactionResult[]> | null = null;
  private blockWork: Promise<StepReport[]> | null = null;
  private closed = false;
  private sliceMs = DEFAULT_SLICE_MS;
  /** Persists the head's completed chunks (chunks_head/), so a restart replays only the WAL newer than them. */
  private chunkWriter: HeadChunkWriter | null = null;
  /** Absolute cold-tier directory, if any. */
  private coldDir: string | undefined;

  private constructor(
    readonly dir: string,
    readonly head: Head,
    private readonly wal: Wal,
    private readonly lockFile: string,
    private readonly logger: Logger,
    private readonly blockRange: number,
    private readonly retentionMs: number | undefined,
    private readonly now: () => number,
  ) {}

  /**
   * Opens (creating if needed) the data directory: takes the lock (DbLockedError if a live process holds it),
   * opens the blocks, replays the WAL into a new head. Samples older than the newest block's end are skipped.
   */
  static async open(dir: string, opts: DbOptions = {}): Promise<Db> {
    const logger = opts.logger ?? nopLogger;
    const blockRange = opts.blockRangeMs ?? DEFAULT_BLOCK_RANGE_MS;
    fs.mkdirSync(dir, { recursive: true });
    const lockFile = acquireLock(dir, logger);
    const coldDir = opts.coldDir === undefined ? undefined : resolve(opts.coldDir);
    const blocks: Block[] = [];
    let wal: Wal | undefined;
    let chunkWriter: HeadChunkWriter | undefined;
    try {
      // Under the lock: what a crash left half-written or half-deleted goes before anything is read.
      removeBlockLeftovers(dir);
      // Also finishes interrupted moves to the cold tier (the cold copy wins: list.ts removeColdDuplicates).
      // Inputs of a block merge that finished before a crash (their data is in the merged block) must not be read twice.
      for (const gone of removeObsoleteBlocks(dir, coldDir)) logger.info('removed block superseded by a finished compaction', { dir: gone });
      for (const bdir of listTieredBlocks(dir, coldDir)) blocks.push(Block.open(bdir));
      const walDir = join(dir, 'wal');
      const walFresh = !fs.existsSync(walDir) || fs.readdirSync(walDir).length === 0;
      wal = Wal.open(walDir, { syncIntervalMs: opts.walSyncIntervalMs, logger });
      const head = new Head({ chunkRangeMs: blockRange });
      for (const b of blocks) if (b.meta.resolution === 0 && b.meta.maxTime > head.minValidTime) head.minValidTime = b.meta.maxTime;
      const db = new Db(dir, head, wal, lockFile, logger, blockRange, opts.retentionMs, opts.now ?? Date.now);
      db.sliceMs = opts.compactionSliceMs ?? DEFAULT_SLICE_MS;
      db.coldDir = coldDir;
      db.blockList.push(...blocks);
      const t0 = performance.now();
      const chunksDir = join(dir, CHUNKS_HEAD_DIR);
      // Chunk files name series by WAL refs: without the WAL they belong to (a fresh or wiped wal/), ignore them.
      const persisted = walFresh ? new PersistedChunks() : readPersistedChunks(chunksDir);
      if (persisted.damage) logger.warn('head chunk files damaged: chunks after the damage come from the WAL', { ...persisted.damage });
      // The loaded files are rewritten (see HeadChunkWriter) when their refs may disagree with the WAL's.
      const walForChunks = wal;
      const rewrite = walFresh || persisted.damage !== undefined || wal.repair !== undefined;
      chunkWriter = new HeadChunkWriter(chunksDir, persisted, rewrite, () => walForChunks.sync());
      db.chunkWriter = chunkWriter;
      // Chunks cut while replaying are persisted too, so the next start need not cut them again.
      head.chunkSink = (ref, minT, maxT, lastV, n, bytes) => db.persistChunk(ref, minT, maxT, lastV, n, bytes);
      head.persisted = persisted;
      head.rewritePersisted = rewrite;
      let replayed: ReturnType<Db['replay']>;
      try {
        replayed = db.replay();
      } finally {
        head.persisted = null;
      }
      logger.info('WAL replayed', {
        ...replayed,
        persistedChunks: persisted.size,
        series: head.seriesCount,
        blocks: blocks.length,
        durationMs: Math.round(performance.now() - t0),
      });
      head.log = { logBatch: (recs, maxT) => db.logBatch(recs, maxT) };
      registerHeadGauges(head);
      setBlocksLoaded(db, blocks.length);
      return db;
    } catch (e) {
      wal?.close();
      chunkWriter?.disable();
      for (const b of blocks) b.close();
      fs.rmSync(lockFile, { force: true });
      heldLocks.delete(lockFile);
      throw e;
    }
  }

  private replay(): { records: number; samples: number; unknownRecords: number } {
    const cols = newSamplesColumns(1024);
    const strings = new LabelStringCache();
    let samples = 0, unknownRecords = 0, maxT = -Infinity;
    const stats = this.wal.replay((rec) => {
      const type = recordType(rec);
      if (type === RecordType.Series) this.head.replaySeries(decodeSeriesRecord(rec, strings));
      else if (type === RecordType.SamplesCompact || type === RecordType.Samples) {
        decodeSamplesRecord(rec, cols);
        for (let i = 0; i < cols.length; i++) if (cols.t[i]! > maxT) maxT = cols.t[i]!;
        samples += this.head.replaySamples(cols);
      } else unknownRecords++;
    });
    this.head.finishReplay();
    // Which replayed segment held which times is not known: assume each may hold the newest replayed sample.
    const { first, last } = this.wal.segmentRange();
    for (let i = first; i <= last; i++) this.segmentMaxT.set(i, maxT);
    return { records: stats.records, samples, unknownRecords };
  }

  /** Head chunk sink: a failed write only disables persistence (the WAL holds the samples), never a commit. */
  private persistChunk(ref: number, minT: number, maxT: number, lastV: number, n: number, bytes: Uint8Array): void {
    const w = this.chunkWriter;
    if (w === null) return;
    try {
      w.append(ref, minT, maxT, lastV, n, bytes);
    } catch (e) {
      w.disable();
      this.chunkWriter = null;
      this.logger.warn('cannot write head chunk file: chunk persistence off until restart (the WAL has the samples)', { err: e });
    }
  }

  private truncateChunkFiles(boundary: number): void {
    const w = this.chunkWriter;
    if (w === null) return;
    try {
      w.truncate(boundary);
    } catch (e) {
      w.disable();
      this.chunkWriter = null;
      this.logger.warn('cannot truncate head chunk files: chunk persistence off until restart', { err: e });
    }
  }

  private logBatch(records: Uint8Array[], maxT: number): void {
    this.wal.logBatch(records);
    const seg = this.wal.segmentRange().last;
    const cur = this.segmentMaxT.get(seg);
    if (cur === undefined || maxT > cur) this.segmentMaxT.set(seg, maxT);
  }

  appender(): Appender {
    this.checkOpen();
    return this.head.appender();
  }

  /**
   * A read view over the blocks open now and the head. Blocks it reads stay open until it is closed. Raw data
   * answers unless the select's hints accept a downsampled resolution or raw data is missing for part of the range
   * (downsample/tiered-querier.ts); `servedResolutions()` tells which tiers answered.
   */
  querier(): Querier {
    this.checkOpen();
    const id = this.nextReaderId++;
    this.readers.set(id, this.epoch);
    const raw = this.blockList.filter((b) => b.meta.resolution === 0);
    const downsampled = this.blockList.filter((b) => b.meta.resolution !== 0);
    const tiers = tierSet([...raw, this.head], raw.map((b) => b.meta), this.head.minTime(), downsampled);
    return new TieredQuerier(tiers, () => this.readers.delete(id));
  }

  /**
   * Runs block compaction, downsampling and retention (compact/plan.ts) on this data directory until nothing is left
   * to do, after any running head compaction; blocks are reloaded after each step. Concurrent calls share one run.
   * Retention per resolution defaults to this Db's `retentionMs` for every resolution.
   */
  compactBlocks(opts: CompactorOptions = {}): Promise<StepReport[]> {
    this.checkOpen();
    if (this.blockWork === null) {
      const retention = opts.retentionMs ?? (this.retentionMs === undefined ? undefined
        : new Map([0, 300_000, 3_600_000].map((r) => [r, this.retentionMs!] as const)));
      let cold = opts.cold;
      if (cold !== undefined && (this.coldDir === undefined || resolve(cold.dir) !== this.coldDir)) {
        // Moving blocks where this Db does not look would hide them until a restart.
        this.logger.warn('cold tier not applied: the Db was opened with another cold dir (restart to change it)', { configured: cold.dir, open: this.coldDir ?? null });
        cold = undefined;
      }
      this.blockWork = (async () => {
        await this.compacting?.catch(() => undefined);
        return compactDir(this.dir, {
          ...opts,
          cold,
          retentionMs: retention,
          now: opts.now ?? this.now,
          logger: opts.logger ?? this.logger,
          afterStep: async (r) => {
            if (!this.closed) await this.reloadBlocks();
            await opts.afterStep?.(r);
          },
        });
      })().finally(() => {
        this.blockWork = null;
      });
    }
    return this.blockWork;
  }

  /**
   * A read view for a query evaluated outside this Db (in a worker thread): the metas of the raw blocks open now
   * and the head. Registered like a querier: until `release()` runs, those blocks are neither closed nor deleted
   * and the head is not truncated past data that only a newer block holds, so the blocks plus the head stay a
   * complete view even if a compaction runs meanwhile.
   */
  readView(): DbReadView {
    this.checkOpen();
    const id = this.nextReaderId++;
    this.readers.set(id, this.epoch);
    const blocks = this.blockList.filter((b) => b.meta.resolution === 0).map((b) => b.meta);
    const downsampled = this.blockList.filter((b) => b.meta.resolution !== 0).map((b) => b.meta);
    let released = false;
    return {
      blocks,
      downsampled,
      head: this.head,
      release: () => {
        if (released) return;
        released = true;
        this.readers.delete(id);
      },
    };
  }

  /**
   * Re-reads the block directories: opens blocks another component wrote (a compactor, downsampler or import) and
   * closes blocks whose directories are gone, once queriers that might read them are closed.
   */
  async reloadBlocks(): Promise<{ added: number; removed: number }> {
    this.checkOpen();
    const dirs = listTieredBlocks(this.dir, this.coldDir).map((d) => resolve(d));
    const present = new Set(dirs);
    const known = new Set(this.blockList.map((b) => resolve(b.meta.dir)));
    const added: Block[] = [];
    for (const d of dirs) if (!known.has(d)) added.push(Block.open(d));
    const removed = this.blockList.filter((b) => !present.has(resolve(b.meta.dir)));
    if (added.length === 0 && removed.length === 0) return { added: 0, removed: 0 };
    for (const b of removed) this.blockList.splice(this.blockList.indexOf(b), 1);
    this.blockList.push(...added);
    this.blockList.sort((a, b) => a.meta.minTime - b.meta.minTime);
    this.epoch++;
    setBlocksLoaded(this, this.blockList.length);
    if (removed.length > 0) {
      await this.waitForReaders(this.epoch);
      for (const b of removed) b.close();
    }
    this.logger.info('blocks reloaded', { added: added.length, removed: removed.length });
    return { added: added.length, removed: removed.length };
  }

  /** Metas of the open blocks, oldest first. */
  blocks(): BlockMeta[] {
    return this.blockList.map((b) => b.meta);
  }

  stats(): DbStats {
    return { head: this.head.stats(), cardinality: this.head.cardinality(10), blocks: this.blocks() };
  }

  /**
   * Persists the head's oldest block range while the head spans more than 1.5 block ranges (repeating if it still
   * does), then truncates the head, garbage-collects emptied series and checkpoints the WAL. Concurrent calls share
   * one run. Appends and queries keep being served in between: the block is built in slices that yield to the
   * event loop; only the truncation itself runs in one go.
   */
  compactHead(): Promise<CompactionResult[]> {
    this.checkOpen();
    if (this.compacting === null) {
      this.compacting = this.compactLoop().finally(() => {
        this.compacting = null;
      });
    }
    return this.compacting;
  }

  private async compactLoop(): Promise<CompactionResult[]> {
    const results: CompactionResult[] = [];
    for (;;) {
      const minT = this.head.minTime(), maxT = this.head.maxTime();
      if (!(maxT - minT > this.blockRange * 1.5)) break;
      const start = Math.floor(minT / this.blockRange) * this.blockRange;
      results.push(await this.compactRange(start, start + this.blockRange));
      if (this.closed) break;
    }
    if (results.length > 0) await this.applyRetention();
    return results;
  }

  private async compactRange(start: number, end: number): Promise<CompactionResult> {
    const head = this.head;
    // Nothing below `end` is accepted from here on, so the range is stable while it is written.
    if (end > head.minValidTime) head.minValidTime = end;
    const w0 = performance.now();
    let any = false;
    for (const s of head.liveSlots()) {
      if (head.seriesOverlaps(s, start, end - 1)) {
        any = true;
        break;
      }
    }
    let meta: BlockMeta | undefined;
    if (any) {
      meta = await writeBlock(this.dir, this.seriesInRange(start, end), {
        minTime: start, maxTime: end, slicer: new Slicer(this.sliceMs),
      });
      const block = Block.open(meta.dir);
      this.blockList.push(block);
      this.blockList.sort((a, b) => a.meta.minTime - b.meta.minTime);
      this.epoch++;
      setBlocksLoaded(this, this.blockList.length);
      // Queriers opened before the block existed read these samples from the head only: let them finish.
      await this.waitForReaders(this.epoch);
    }
    const writeMs = performance.now() - w0;
    const t0 = performance.now();
    const { removedSeries, removedChunks } = head.truncate(end);
    this.truncateChunkFiles(end);
    const truncateMs = performance.now() - t0;
    const metrics = tsdbMetrics();
    metrics.gcDuration.observe(truncateMs / 1000);
    if (meta !== undefined) metrics.compactions.inc();
    const checkpointThrough = await this.checkpoint(end);
    this.logger.info('head compacted', {
      minTime: start,
      maxTime: end,
      block: meta?.id,
      series: meta?.stats.numSeries ?? 0,
      removedSeries,
      writeMs: Math.round(writeMs),
      truncateMs: Math.round(truncateMs),
      checkpointThrough,
    });
    return { minTime: start, maxTime: end, block: meta, removedSeries, removedChunks, writeMs, truncateMs, checkpointThrough };
  }

  /** The head's series with samples in [start, end), decoded, yielding to the event loop every few thousand. */
  private async *seriesInRange(start: number, end: number): AsyncGenerator<SeriesInput> {
    const head = this.head;
    const slicer = new Slicer(this.sliceMs);
    let n = 0;
    for (const s of head.liveSlots()) {
      if ((++n & 63) === 0 && slicer.due()) await slicer.pause();
      // The slot may have been freed and reused while we yielded; its new series would have no samples < end.
      if (!head.seriesOverlaps(s, start, end - 1)) continue;
      const buf = newSampleBuffer(head.sampleBound(s, start, end - 1));
      head.samplesInto(s, start, end - 1, buf);
      if (buf.length > 0) yield { labels: head.labelsOf(s), samples: buf };
    }
  }

  /**
   * Cuts a new WAL segment and replaces the leading segments whose samples are all older than `boundary` by a
   * checkpoint of the head's series records. Returns the last replaced segment, or -1.
   */
  private async checkpoint(boundary: number): Promise<number> {
    const { first } = this.wal.segmentRange();
    const open = this.wal.cut();
    let through = -1;
    for (let i = first; i < open; i++) {
      if ((this.segmentMaxT.get(i) ?? -Infinity) >= boundary) break;
      through = i;
    }
    if (through < first) return -1;
    // Built in slices: series logged meanwhile went to the segment just cut, which the checkpoint keeps, and
    // garbage collection only runs inside compaction, so no entry can go stale while this yields.
    const slicer = new Slicer(this.sliceMs);
    const records: Uint8Array[] = [];
    let entries: SeriesEntry[] = [];
    for (let s = 1; s < this.head.slotLimit; s += SERIES_PER_SLICE) {
      for (const e of this.head.seriesEntries(s, s + SERIES_PER_SLICE)) entries.push(e);
      if (entries.length >= CHECKPOINT_SERIES_PER_RECORD) {
        records.push(encodeSeriesRecord(entries));
        entries = [];
      }
      await slicer.maybePause();
    }
    if (entries.length > 0) records.push(encodeSeriesRecord(entries));
    this.wal.checkpoint(through, records);
    for (const i of [...this.segmentMaxT.keys()]) if (i <= through) this.segmentMaxT.delete(i);
    return through;
  }

  private async waitForReaders(epoch: number): Promise<void> {
    const deadline = performance.now() + READER_WAIT_MS;
    for (;;) {
      let waiting = 0;
      for (const e of this.readers.values()) if (e < epoch) waiting++;
      if (waiting === 0) return;
      if (performance.now() > deadline) {
        this.logger.warn('truncating the head while old queriers are still open', { queriers: waiting });
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Deletes blocks that ended before now − retention (only once no querier can still read them). */
  private async applyRetention(): Promise<void> {
    if (this.retentionMs === undefined) return;
    const cutoff = this.now() - this.retentionMs;
    const expired = this.blockList.filter((b) => b.meta.maxTime <= cutoff);
    if (expired.length === 0) return;
    for (const b of expired) this.blockList.splice(this.blockList.indexOf(b), 1);
    this.epoch++;
    setBlocksLoaded(this, this.blockList.length);
    await this.waitForReaders(this.epoch);
    for (const b of expired) {
      b.close();
      // Rename first so a crash mid-delete never leaves a half-deleted block that listBlocks would open.
      const gone = `${b.meta.dir}.deleted`;
      try {
        fs.renameSync(b.meta.dir, gone);
      } catch (e) {
        // The block compactor's retention got there first.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      fs.rmSync(gone, { recursive: true, force: true });
      this.logger.info('block deleted by retention', { block: b.meta.id, maxTime: b.meta.maxTime });
    }
  }

  /** Waits for a running compaction, syncs and closes the WAL, closes the blocks, releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.compacting;
    } catch (e) {
      this.logger.error('head compaction failed during shutdown', { err: e });
    }
    try {
      await this.blockWork;
    } catch (e) {
      this.logger.error('block compaction failed during shutdown', { err: e });
    }
    try {
      const w = this.chunkWriter;
      if (w !== null) {
        // Nothing commits any more: the open chunks hold exactly the WAL's newest samples. Persisted as chunks, a
        // clean restart loads them like completed ones (Prometheus's snapshot on shutdown does the same job).
        this.head.forEachOpenChunk((ref, minT, maxT, lastV, n, bytes) => w.append(ref, minT, maxT, lastV, n, bytes));
        w.close();
      }
    } catch (e) {
      this.logger.warn('cannot write head chunk file at shutdown: the next start replays them from the WAL', { err: e });
    }
    try {
      this.wal.close();
    } finally {
      this.head.chunkSink = null;
      for (const b of this.blockList) b.close();
      this.blockList.length = 0;
      unregisterHeadGauges(this.head);
      setBlocksLoaded(this, 0);
      this.head.log = {
        logBatch: () => {
          throw new Error(`Db ${this.dir} is closed: cannot commit`);
        },
      };
      heldLocks.delete(this.lockFile);
      try {
        if (fs.readFileSync(this.lockFile, 'utf8').trim() === String(process.pid)) fs.rmSync(this.lockFile);
      } catch {
        // Already gone.
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`Db ${this.dir} is closed`);
  }
}
