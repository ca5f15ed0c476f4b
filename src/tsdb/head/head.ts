/**
 * The in-memory head: every active series with its recent samples, appended through HeadAppender, read through
 * HeadQuerier, and cut down by truncate() once the oldest range is persisted in a block.
 *
 * Memory layout: a series is a slot index into typed arrays (time bounds, last sample, chunk list ends, label
 * offsets); its labels are pairs of symbol ids in one shared Int32Array arena; its open chunk is a slot of the
 * XorChunkArena and its completed chunks are in the ChunkStore. No JavaScript object per series.
 *
 * Refs: the SeriesRef handed out is `generation × 2^26 + slot`. A slot freed by garbage collection is reused under
 * the next generation, so a stale ref held by a caller (or written in an old WAL segment) never names another
 * series. Refs are stable across restarts: WAL replay re-creates each series at its logged slot and generation.
 */
import { XorAppender, decodeXorInto } from '../chunkenc/xor.js';
import { XorChunkArena } from '../chunkenc/xor-arena.js';
import { newSampleBuffer, pushSample } from '../chunkenc/samples.js';
import { resized } from '../../model/typed-arrays.js';
import { METRIC_NAME, compareLabels, hashLabels, type Label, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { AppendStatus, type SampleBuffer, type SelectHints, type Series, type SeriesRef } from '../types.js';
import { encodeSamplesRecord, encodeSeriesRecord, samplesRecordSize, type SamplesColumns, type SeriesEntry } from '../records.js';
import { tsdbMetrics, type TsdbMetrics } from '../metrics.js';
import { ChunkStore } from './chunk-store.js';
import type { PersistedChunks } from './chunk-disk.js';
import { MemPostings } from './postings.js';
import { SeriesIndex } from './series-index.js';
import { SymbolTable } from './symbols.js';

/** Slots per generation in a SeriesRef (2^26 = 67 M series). */
export const SLOT_SPACE = 2 ** 26;
const MAX_GENERATION = 2 ** 27 - 1;
/** Internal status of check(): same timestamp and bit-identical value, accepted and not stored again. */
const SAME_SAMPLE = -2;

/** Where the head writes each committed batch before applying it (the WAL). */
export interface BatchLog {
  /**
   * Writes the records as one unit; throws if they could not be written (the batch is then not applied).
   * `maxT` is the newest sample time in the batch (lets the Db know which segments a checkpoint may drop).
   * The records' bytes are valid only during the call (the head reuses their buffer): copy what you keep.
   */
  logBatch(records: Uint8Array[], maxT: number): void;
}

export interface HeadOptions {
  /** Block range, ms: chunks never span a multiple of it, so truncation at an aligned time drops whole chunks. */
  chunkRangeMs: number;
  /** WAL to log committed batches to; none in tests of the head alone. */
  log?: BatchLog | null;
  /** Label-set hash; injectable to exercise collisions. Defaults to hashLabels. */
  hashFn?: (labels: Labels) => number;
  /** Samples per chunk before a new chunk is cut. Default 120, as Prometheus. */
  samplesPerChunk?: number;
}

/** A series of a select(), with its samples decoded up front (so truncation cannot pull them away later). */
export class BufferedSeries implements Series {
  constructor(readonly labels: Labels, private readonly buf: SampleBuffer) {}
  samples(): SampleBuffer {
    return this.buf;
  }
}

/** Receives encoded head chunks from Head.readChunks (bytes are views valid only during the call). */
export interface HeadChunkSink {
  chunk(bytes: Uint8Array, minT: number, maxT: number, numSamples: number): void;
}

/** The head's interned label strings by id (see HeadSeriesSink). */
export interface SymbolLookup {
  str(id: number): string;
}

/** Receives a series from Head.readSeries: its chunks, then its labels as symbol ids. */
export interface HeadSeriesSink extends HeadChunkSink {
  /**
   * The labels of the series whose chunks were just handed over (possibly none): `pairs` name/value pairs of symbol
   * ids at `ids[from]`, `ids[from + 1]`, … resolved by `symbols`. Valid only during the call: the head reuses the
   * ids of dropped series' strings, so a sink keeping ids across calls must check the string an id resolves to.
   */
  seriesSymbols(ids: Int32Array, from: number, pairs: number, symbols: SymbolLookup): void;
}

export interface HeadStats {
  numSeries: number;
  numSamples: number;
  /** Completed chunks plus non-empty open chunks. */
  numChunks: number;
  /** Encoded bytes of completed and open chunks. */
  chunkBytes: number;
  /** Oldest and newest sample time in the head; Infinity / -Infinity when empty. */
  minTime: number;
  maxTime: number;
  numSymbols: number;
}

/** Top-N lists of /api/v1/status/tsdb, each `{name, value}` sorted by value, largest first. */
export interface HeadCardinality {
  seriesCountByMetricName: { name: string; value: number }[];
  labelValueCountByLabelName: { name: string; value: number }[];
  memoryInBytesByLabelName: { name: string; value: number }[];
  seriesCountByLabelValuePair: { name: string; value: number }[];
}

export interface TruncateResult {
  removedSeries: number;
  removedChunks: number;
}

/** Samples per decoding arena of Head.select (8 MiB per array). */
const ARENA_SAMPLES = 1 << 20;
const EMPTY_F64 = new Float64Array(0);

const scratchF64 = new Float64Array(2);
const scratchU32 = new Uint32Array(scratchF64.buffer);

/** True if two floats have identical bits (NaN payloads included), as Prometheus compares duplicates. */
function sameBits(a: number, b: number): boolean {
  if (a === b) return a !== 0 || 1 / a === 1 / b;
  if (a === a || b === b) return false;
  scratchF64[0] = a;
  scratchF64[1] = b;
  return scratchU32[0] === scratchU32[2] && scratchU32[1] === scratchU32[3];
}

export class Head {
  readonly symbols = new SymbolTable();
  readonly postings = new MemPostings();
  readonly chunks = new ChunkStore();
  /** WAL for committed batches; the Db sets it after replay so replayed samples are not logged again. */
  log: BatchLog | null;
  /** Samples older than this are out of bounds (already persisted in a block). */
  minValidTime = -Infinity;
  /** Receives each completed chunk as it is cut (chunk-disk.ts persists them); `bytes` is a view: copy to keep. */
  chunkSink: ((ref: SeriesRef, minT: number, maxT: number, lastV: number, numSamples: number, bytes: Uint8Array) => void) | null = null;
  /**
   * Chunks loaded from disk for WAL replay: replaySeries gives a series created for a ref the chunks persisted
   * under that ref, and replaySamples then skips the samples they hold. Set by the Db for the replay only.
   */
  persisted: PersistedChunks | null = null;
  /** During replay: hand each chunk attached from `persisted` to chunkSink again (its file is being replaced). */
  rewritePersisted = false;

  private readonly index = new SeriesIndex(1024);
  private readonly hashFn: (labels: Labels) => number;
  private readonly chunkRange: number;
  private readonly perChunk: number;
  private readonly metrics: TsdbMetrics;

  // Per-slot state, indexed by slot (0 unused).
  private cap = 0;
  private gens = new Int32Array(0);
  private alive = new Uint8Array(0);
  /** 1 once the series record is in the WAL; 2 while it rides in a batch being written. */
  private logged = new Uint8Array(0);
  private hashes = new Float64Array(0);
  private lblOff = new Int32Array(0);
  private lblLen = new Uint16Array(0);
  private firstT = new Float64Array(0);
  private lastT = new Float64Array(0);
  private lastV = new Float64Array(0);
  /** End of the open chunk's time range (exclusive), set when its first sample arrives. */
  private openEnd = new Float64Array(0);
  private chunkFirst = new Int32Array(0);
  private chunkLast = new Int32Array(0);
  private readonly open = new XorChunkArena();
  /** Newest queued sample of an uncommitted appender (owner id), so append() can check order within a batch. */
  private pendT = new Float64Array(0);
  private pendV = new Float64Array(0);
  private pendOwner = new Int32Array(0);

  private arena = new Int32Array(4096);
  private arenaUsed = 0;
  private arenaLive = 0;
  private nextSlot = 1;
  private freeSlots: number[] = [];
  private numSeries = 0;
  /** Open chunks holding at least one sample. */
  private openChunks = 0;
  private minT = Infinity;
  private maxT = -Infinity;

  private nextAppenderId = 1;
  private readonly openAppenders = new Set<number>();
  /** WAL refs replay met under labels that already had another ref (see replaySeries). */
  private replayAliases = new Map<number, number>();
  private refScratch = new Float64Array(256);
  /** Scratch chunk readChunks hands out for a series' newest sample (sinks copy what they keep). */
  private readonly oneSample = new XorAppender(32);
  /** Reused buffer of the samples record logged per commit (BatchLog consumes it within the call). */
  private recordScratch = new Uint8Array(0);

  constructor(opts: HeadOptions) {
    if (!(opts.chunkRangeMs > 0)) throw new RangeError(`chunkRangeMs must be positive, got ${opts.chunkRangeMs}`);
    this.chunkRange = opts.chunkRangeMs;
    this.log = opts.log ?? null;
    this.hashFn = opts.hashFn ?? hashLabels;
    this.perChunk = opts.samplesPerChunk ?? 120;
    this.metrics = tsdbMetrics();
    this.grow(1024);
  }

  // ---- series identity ----

  /** Ref of the series with these (normalized) labels, creating it if needed. */
  getOrCreate(labels: Labels): SeriesRef {
    const h = this.hashFn(labels);
    let s = this.find(h, labels);
    if (s === 0) s = this.create(h, labels, 0, 0);
    return this.gens[s]! * SLOT_SPACE + s;
  }

  /** Ref of an existing series, or 0. */
  lookup(labels: Labels): SeriesRef {
    const s = this.find(this.hashFn(labels), labels);
    return s === 0 ? 0 : this.gens[s]! * SLOT_SPACE + s;
  }

  /** The live slot a ref names, or -1 if the series is gone (or the ref was never valid). */
  slotOf(ref: SeriesRef): number {
    const s = ref % SLOT_SPACE;
    if (!(s > 0) || s >= this.nextSlot || this.alive[s] === 0) return -1;
    return this.gens[s]! * SLOT_SPACE + s === ref ? s : -1;
  }

  /** The labels of a live slot, as a fresh Labels value. */
  labelsOf(slot: number): Label[] {
    const off = this.lblOff[slot]!, n = this.lblLen[slot]!;
    const out: Label[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = { name: this.symbols.str(this.arena[off + 2 * i]!), value: this.symbols.str(this.arena[off + 2 * i + 1]!) };
    }
    return out;
  }

  private find(h: number, labels: Labels): number {
    for (let p = this.index.start(h); ; p = this.index.next(p)) {
      const s = this.index.slotAt(p);
      if (s === 0) return 0;
      if (this.index.keyAt(p) === h && this.sameLabels(s, labels)) return s;
    }
  }

  private sameLabels(s: number, labels: Labels): boolean {
    const n = this.lblLen[s]!;
    if (n !== labels.length) return false;
    const off = this.lblOff[s]!;
    for (let i = 0; i < n; i++) {
      const l = labels[i]!;
      if (this.symbols.str(this.arena[off + 2 * i]!) !== l.name) return false;
      if (this.symbols.str(this.arena[off + 2 * i + 1]!) !== l.value) return false;
    }
    return true;
  }

  /** Creates a series at `slot` (0 = any free slot) under generation `gen` (0 = the slot's next one). */
  private create(h: number, labels: Labels, slot: number, gen: number): number {
    if (labels.length > 0xffff) throw new RangeError(`series has ${labels.length} labels, more than 65535`);
    let s = slot;
    if (s === 0) s = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot;
    if (s >= SLOT_SPACE) throw new RangeError(`head is full: ${SLOT_SPACE - 1} series`);
    if (s >= this.cap) this.grow(s + 1);
    if (s >= this.nextSlot) this.nextSlot = s + 1;
    const g = gen === 0 ? this.gens[s]! + 1 : gen;
    if (g > MAX_GENERATION) throw new RangeError(`BUG: slot ${s} exhausted its generations`);
    this.gens[s] = g;
    this.alive[s] = 1;
    this.logged[s] = 0;
    this.hashes[s] = h;
    const need = this.arenaUsed + 2 * labels.length;
    if (need > this.arena.length) {
      let c = this.arena.length * 2;
      while (c < need) c *= 2;
      const a = new Int32Array(c);
      a.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = a;
    }
    const off = this.arenaUsed;
    for (let i = 0; i < labels.length; i++) {
      this.arena[off + 2 * i] = this.symbols.intern(labels[i]!.name);
      this.arena[off + 2 * i + 1] = this.symbols.intern(labels[i]!.value);
    }
    this.arenaUsed = need;
    this.arenaLive += 2 * labels.length;
    this.lblOff[s] = off;
    this.lblLen[s] = labels.length;
    this.firstT[s] = Infinity;
    this.lastT[s] = -Infinity;
    this.lastV[s] = 0;
    this.chunkFirst[s] = -1;
    this.chunkLast[s] = -1;
    this.open.release(s);
    this.pendOwner[s] = 0;
    this.index.insert(h, s);
    this.postings.add(s, labels);
    this.numSeries++;
    return s;
  }

  private grow(min: number): void {
    let c = Math.max(this.cap, 1024);
    while (c < min) c *= 2;
    this.gens = resized(this.gens, c);
    this.alive = resized(this.alive, c);
    this.logged = resized(this.logged, c);
    this.hashes = resized(this.hashes, c);
    this.lblOff = resized(this.lblOff, c);
    this.lblLen = resized(this.lblLen, c);
    this.firstT = resized(this.firstT, c);
    this.lastT = resized(this.lastT, c);
    this.lastV = resized(this.lastV, c);
    this.openEnd = resized(this.openEnd, c);
    this.chunkFirst = resized(this.chunkFirst, c);
    this.chunkLast = resized(this.chunkLast, c);
    this.pendT = resized(this.pendT, c);
    this.pendV = resized(this.pendV, c);
    this.pendOwner = resized(this.pendOwner, c);
    this.open.reserve(c);
    this.cap = c;
  }

  /** Removes a series: index, postings (via `dead`), symbols, chunks, slot. Postings are fixed up by the caller. */
  private drop(s: number, dead: Uint8Array, pairs: [string, string][]): void {
    this.index.remove(this.hashes[s]!, s);
    const off = this.lblOff[s]!, n = this.lblLen[s]!;
    for (let i = 0; i < n; i++) {
      const nameId = this.arena[off + 2 * i]!, valueId = this.arena[off + 2 * i + 1]!;
      pairs.push([this.symbols.str(nameId), this.symbols.str(valueId)]);
      this.symbols.release(nameId);
      this.symbols.release(valueId);
    }
    this.arenaLive -= 2 * n;
    for (let c = this.chunkFirst[s]!; c !== -1; ) c = this.chunks.release(c);
    this.chunkFirst[s] = -1;
    this.chunkLast[s] = -1;
    if (this.open.numSamples(s) > 0) this.openChunks--;
    this.open.release(s);
    this.alive[s] = 0;
    this.logged[s] = 0;
    dead[s] = 1;
    this.freeSlots.push(s);
    this.numSeries--;
  }

  private compactArena(): void {
    const a = new Int32Array(Math.max(4096, this.arenaLive * 2));
    let p = 0;
    for (let s = 1; s < this.nextSlot; s++) {
      if (this.alive[s] === 0) continue;
      const off = this.lblOff[s]!, n = 2 * this.lblLen[s]!;
      a.set(this.arena.subarray(off, off + n), p);
      this.lblOff[s] = p;
      p += n;
    }
    this.arena = a;
    this.arenaUsed = p;
  }

  // ---- appending ----

  /** A new appender: a batch that commits atomically. */
  appender(): HeadAppender {
    return new HeadAppender(this);
  }

  /** @internal Registers an appender batch and returns its owner id. */
  openBatch(): number {
    const id = this.nextAppenderId;
    this.nextAppenderId = id >= 0x7fffffff ? 1 : id + 1;
    this.openAppenders.add(id);
    return id;
  }

  /** @internal */
  closeBatch(id: number): void {
    this.openAppenders.delete(id);
  }

  /** Lowest timestamp append accepts now: the persisted boundary, and at most half a block range behind the newest sample (as Prometheus). */
  appendMinValidTime(): number {
    return Math.max(this.minValidTime, this.maxT - this.chunkRange / 2);
  }

  /**
   * @internal Validates a sample for slot `s` against its newest committed sample, or against the owner's newest
   * queued one. Returns an AppendStatus, or SAME_SAMPLE for a bit-identical repeat.
   */
  check(s: number, t: number, v: number, owner: number): number {
    if (t < this.appendMinValidTime()) return AppendStatus.OutOfBounds;
    let lt: number, lv: number;
    if (owner !== 0 && this.pendOwner[s] === owner) {
      lt = this.pendT[s]!;
      lv = this.pendV[s]!;
    } else {
      lt = this.lastT[s]!;
      lv = this.lastV[s]!;
    }
    if (t > lt) return AppendStatus.OK;
    if (t < lt) return AppendStatus.OutOfOrder;
    return sameBits(v, lv) ? SAME_SAMPLE : AppendStatus.DuplicateTimestamp;
  }

  /** @internal Remembers the owner's newest queued sample of slot `s`. */
  queued(s: number, t: number, v: number, owner: number): void {
    this.pendT[s] = t;
    this.pendV[s] = v;
    this.pendOwner[s] = owner;
  }

  /** @internal Counts rejected samples by reason. */
  countRejected(status: number, n: number): void {
    if (n === 0) return;
    if (status === AppendStatus.OutOfOrder) this.metrics.outOfOrder.inc(n);
    else if (status === AppendStatus.DuplicateTimestamp) this.metrics.duplicate.inc(n);
    else if (status === AppendStatus.OutOfBounds) this.metrics.outOfBounds.inc(n);
  }

  /**
   * @internal Commits queued samples (slot, generation, t, v; per slot in increasing time): re-validates them
   * against samples committed meanwhile, logs the survivors as one WAL batch (series records for series not yet
   * logged, then one samples record), then applies them. Returns the number of samples applied.
   */
  commitBatch(slots: Int32Array, gens: Int32Array, ts: Float64Array, vs: Float64Array, n: number): number {
    const minValid = this.appendMinValidTime();
    let w = 0, ooo = 0, dup = 0, oob = 0, batchMaxT = -Infinity;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!, t = ts[i]!, v = vs[i]!;
      // A series garbage-collected since append() has no place for its samples any more.
      if (this.alive[s] === 0 || this.gens[s] !== gens[i]) continue;
      if (t < minValid) {
        oob++;
        continue;
      }
      const lt = this.lastT[s]!;
      if (t < lt) {
        ooo++;
        continue;
      }
      if (t === lt) {
        if (!sameBits(v, this.lastV[s]!)) dup++;
        continue;
      }
      if (t > batchMaxT) batchMaxT = t;
      slots[w] = s;
      gens[w] = gens[i]!;
      ts[w] = t;
      vs[w] = v;
      w++;
    }
    this.countRejected(AppendStatus.OutOfOrder, ooo);
    this.countRejected(AppendStatus.DuplicateTimestamp, dup);
    this.countRejected(AppendStatus.OutOfBounds, oob);
    if (w === 0) return 0;

    if (this.log !== null) {
      if (this.refScratch.length < w) {
        let c = this.refScratch.length * 2;
        while (c < w) c *= 2;
        this.refScratch = new Float64Array(c);
      }
      const refs = this.refScratch;
      let newSeries: SeriesEntry[] | null = null;
      for (let i = 0; i < w; i++) {
        const s = slots[i]!;
        refs[i] = gens[i]! * SLOT_SPACE + s;
        if (this.logged[s] === 0) {
          this.logged[s] = 2;
          (newSeries ??= []).push({ ref: refs[i]!, labels: this.labelsOf(s) });
        }
      }
      const size = samplesRecordSize(w);
      if (this.recordScratch.length < size) {
        let c = Math.max(4096, this.recordScratch.length * 2);
        while (c < size) c *= 2;
        this.recordScratch = new Uint8Array(c);
      }
      const samples = encodeSamplesRecord(refs, ts, vs, w, this.recordScratch);
      try {
        this.log.logBatch(newSeries === null ? [samples] : [encodeSeriesRecord(newSeries), samples], batchMaxT);
      } catch (e) {
        for (let i = 0; i < w; i++) if (this.logged[slots[i]!] === 2) this.logged[slots[i]!] = 0;
        throw e;
      }
      if (newSeries !== null) for (const e of newSeries) this.logged[e.ref % SLOT_SPACE] = 1;
    }
    for (let i = 0; i < w; i++) this.applySample(slots[i]!, ts, vs, i);
    this.metrics.samplesAppended.inc(w);
    return w;
  }

  /** Applies sample `i` of the columns to slot `s` (columns and an index, so that no float64 is boxed per sample). */
  private applySample(s: number, ts: Float64Array, vs: Float64Array, i: number): void {
    const t = ts[i]!;
    const open = this.open;
    let n = open.numSamples(s);
    if (n > 0 && (n >= this.perChunk || t >= this.openEnd[s]!)) {
      this.cutChunk(s);
      n = 0;
    }
    if (n === 0) {
      this.openChunks++;
      this.openEnd[s] = Math.floor(t / this.chunkRange) * this.chunkRange + this.chunkRange;
    }
    open.append(s, ts, vs, i);
    if (this.lastT[s] === -Infinity) this.firstT[s] = t;
    this.lastT[s] = t;
    this.lastV[s] = vs[i]!;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
  }

  private cutChunk(s: number): void {
    const open = this.open;
    const minT = open.minT(s), maxT = open.maxT(s), n = open.numSamples(s);
    const id = this.chunks.add(open.bytes(s), minT, maxT, n); // copies out of the arena
    // lastV[s] is the chunk's last value: cutting happens before the next sample is applied.
    this.chunkSink?.(this.gens[s]! * SLOT_SPACE + s, minT, maxT, this.lastV[s]!, n, this.chunks.bytes(id));
    const last = this.chunkLast[s]!;
    if (last === -1) this.chunkFirst[s] = id;
    else this.chunks.setNext(last, id);
    this.chunkLast[s] = id;
    open.reset(s);
    this.openChunks--;
  }

  // ---- reading ----

  /** Oldest sample time in the head (Infinity when empty). */
  minTime(): number {
    return this.minT;
  }

  /** Newest sample time ever appended (-Infinity when nothing was). */
  maxTime(): number {
    return this.maxT;
  }

  /** Upper bound of the slot's samples in [mint, maxt] (whole overlapping chunks): a buffer size that never grows. */
  sampleBound(s: number, mint: number, maxt: number, latestOnly = false): number {
    if (latestOnly) {
      if (this.lastInRange(s, mint, maxt)) return 1;
      if (this.open.overlaps(s, mint, maxt)) return this.open.numSamples(s);
      const c = this.newestOverlapping(s, mint, maxt);
      return c === -1 ? 0 : this.chunks.numSamples(c);
    }
    let n = 0;
    for (let c = this.chunkFirst[s]!; c !== -1; c = this.chunks.next(c)) {
      if (this.chunks.maxT(c) < mint) continue;
      if (this.chunks.minT(c) > maxt) break;
      n += this.chunks.numSamples(c);
    }
    if (this.open.overlaps(s, mint, maxt)) n += this.open.numSamples(s);
    return n;
  }

  /**
   * Appends the slot's samples with mint <= t <= maxt to `out`, in time order; with `latestOnly`, only those of the
   * newest chunk overlapping the range (which hold the newest sample in it).
   */
  samplesInto(s: number, mint: number, maxt: number, out: SampleBuffer, latestOnly = false): void {
    if (latestOnly) {
      if (this.lastInRange(s, mint, maxt)) {
        pushSample(out, this.lastT[s]!, this.lastV[s]!);
        return;
      }
      if (this.open.overlaps(s, mint, maxt)) {
        decodeXorInto(this.open.bytes(s), mint, maxt, out);
        return;
      }
      const c = this.newestOverlapping(s, mint, maxt);
      if (c !== -1) decodeXorInto(this.chunks.bytes(c), mint, maxt, out);
      return;
    }
    for (let c = this.chunkFirst[s]!; c !== -1; c = this.chunks.next(c)) {
      if (this.chunks.maxT(c) < mint) continue;
      if (this.chunks.minT(c) > maxt) return;
      decodeXorInto(this.chunks.bytes(c), mint, maxt, out);
    }
    if (this.open.overlaps(s, mint, maxt)) decodeXorInto(this.open.bytes(s), mint, maxt, out);
  }

  /**
   * True if the slot's newest sample lies in [mint, maxt] and is the open chunk's last one: then it is the newest
   * sample in the range, readable from lastT/lastV without decoding (the common read of an instant query at "now").
   */
  private lastInRange(s: number, mint: number, maxt: number): boolean {
    const lt = this.lastT[s]!;
    if (lt > maxt || lt < mint) return false;
    return this.open.numSamples(s) > 0 && this.open.maxT(s) === lt;
  }

  /**
   * Series matching all matchers with samples in [mint, maxt], sorted by labels, samples decoded. With
   * `hints.labelsOnly`, series whose time span overlaps the range are returned with no samples.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): BufferedSeries[] {
    const slots = this.postings.select(matchers);
    const out: BufferedSeries[] = [];
    if (hints?.labelsOnly === true) {
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i]!;
        if (this.firstT[s]! > maxt || this.lastT[s]! < mint) continue;
        out.push(new BufferedSeries(this.labelsOf(s), newSampleBuffer(1)));
      }
      return out.sort((a, b) => compareLabels(a.labels, b.labels));
    }
    const latestOnly = hints?.latestOnly === true;
    // Every series decodes into its exactly sized share of an arena of up to ARENA_SAMPLES samples: a few typed
    // arrays per select, not two per series (allocating those dominated selects of many short series), and never
    // one huge allocation for a select of the whole head (compaction).
    const bounds = new Int32Array(slots.length);
    let left = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (this.firstT[s]! > maxt || this.lastT[s]! < mint) continue;
      bounds[i] = this.sampleBound(s, mint, maxt, latestOnly);
      left += bounds[i]!;
    }
    let arenaT = EMPTY_F64, arenaV = EMPTY_F64, at = 0;
    for (let i = 0; i < slots.length; i++) {
      const n = bounds[i]!;
      if (n === 0) continue;
      if (at + n > arenaT.length) {
        const size = Math.min(left, Math.max(n, ARENA_SAMPLES));
        arenaT = new Float64Array(size);
        arenaV = new Float64Array(size);
        at = 0;
      }
      left -= n;
      const s = slots[i]!;
      const buf: SampleBuffer = { t: arenaT.subarray(at, at + n), v: arenaV.subarray(at, at + n), length: 0 };
      at += n;
      this.samplesInto(s, mint, maxt, buf, latestOnly);
      if (buf.length === 0) continue;
      out.push(new BufferedSeries(this.labelsOf(s), buf));
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /**
   * Refs of the live series matching all `matchers` whose samples span overlaps [mint, maxt], in slot order: the
   * first step of a read that copies chunks series by series (readChunks) and may yield to the event loop between
   * series. Refs, not slots, so a series garbage-collected meanwhile is recognized instead of read under another's
   * labels.
   */
  matchingRefs(matchers: readonly Matcher[], mint: number, maxt: number): Float64Array {
    const slots = this.postings.select(matchers);
    const out = new Float64Array(slots.length);
    let n = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (this.alive[s] === 0 || this.firstT[s]! > maxt || this.lastT[s]! < mint) continue;
      out[n++] = this.gens[s]! * SLOT_SPACE + s;
    }
    return out.subarray(0, n);
  }

  /**
   * Hands `sink` the encoded chunks of series `ref` that overlap [mint, maxt], oldest first: completed chunks, then
   * the open chunk. The bytes are views valid only during the call (the open chunk changes with the next append):
   * the sink copies what it keeps. With `latestOnly`, only the newest overlapping chunk (see SelectHints). Returns
   * the series' labels, or null if the ref no longer names a live series.
   */
  readChunks(ref: SeriesRef, mint: number, maxt: number, sink: HeadChunkSink, latestOnly = false): Label[] | null {
    const s = this.chunksOf(ref, mint, maxt, sink, latestOnly);
    return s < 0 ? null : this.labelsOf(s);
  }

  /**
   * readChunks for a sink that takes labels as symbol ids: no Label objects are built (for a query copying tens of
   * thousands of series, building them was the larger part of the copy). False if the ref no longer names a live
   * series.
   */
  readSeries(ref: SeriesRef, mint: number, maxt: number, sink: HeadSeriesSink, latestOnly = false): boolean {
    const s = this.chunksOf(ref, mint, maxt, sink, latestOnly);
    if (s < 0) return false;
    sink.seriesSymbols(this.arena, this.lblOff[s]!, this.lblLen[s]!, this.symbols);
    return true;
  }

  /** Hands `sink` the chunks of readChunks; the series' slot, or -1 if the ref names no live series. */
  private chunksOf(ref: SeriesRef, mint: number, maxt: number, sink: HeadChunkSink, latestOnly: boolean): number {
    const s = this.slotOf(ref);
    if (s < 0) return -1;
    const open = this.open;
    const openOverlaps = open.overlaps(s, mint, maxt);
    if (latestOnly) {
      if (this.lastInRange(s, mint, maxt)) {
        // The newest sample alone, as a one-sample chunk: the reader then copies and decodes one sample, not 120.
        const one = this.oneSample;
        one.reset();
        one.append(this.lastT[s]!, this.lastV[s]!);
        sink.chunk(one.bytes(), this.lastT[s]!, this.lastT[s]!, 1);
        return s;
      }
      // Only the newest overlapping chunk: it holds the series' newest sample in [mint, maxt].
      if (openOverlaps) {
        sink.chunk(open.bytes(s), open.minT(s), open.maxT(s), open.numSamples(s));
        return s;
      }
      const c = this.newestOverlapping(s, mint, maxt);
      if (c !== -1) sink.chunk(this.chunks.bytes(c), this.chunks.minT(c), this.chunks.maxT(c), this.chunks.numSamples(c));
      return s;
    }
    for (let c = this.chunkFirst[s]!; c !== -1; c = this.chunks.next(c)) {
      if (this.chunks.maxT(c) < mint) continue;
      if (this.chunks.minT(c) > maxt) break;
      sink.chunk(this.chunks.bytes(c), this.chunks.minT(c), this.chunks.maxT(c), this.chunks.numSamples(c));
    }
    if (openOverlaps) sink.chunk(open.bytes(s), open.minT(s), open.maxT(s), open.numSamples(s));
    return s;
  }

  /** The newest completed chunk of slot `s` overlapping [mint, maxt], or -1. */
  private newestOverlapping(s: number, mint: number, maxt: number): number {
    let found = -1;
    for (let c = this.chunkFirst[s]!; c !== -1; c = this.chunks.next(c)) {
      if (this.chunks.minT(c) > maxt) break;
      if (this.chunks.maxT(c) >= mint) found = c;
    }
    return found;
  }

  /** Sorted label names of series matching `matchers` with data in the range. */
  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    if (!this.overlaps(mint, maxt)) return [];
    const names = new Set<string>();
    if (matchers.length === 0) for (const n of this.postings.names()) names.add(n);
    else for (const s of this.select(matchers, mint, maxt, { labelsOnly: true })) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  /** Sorted values of label `name` over series matching `matchers` with data in the range. */
  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    if (!this.overlaps(mint, maxt)) return [];
    const values = new Set<string>();
    if (matchers.length === 0) {
      for (const v of this.postings.values(name)) values.add(v);
    } else {
      for (const s of this.select(matchers, mint, maxt, { labelsOnly: true })) {
        for (const l of s.labels) if (l.name === name) values.add(l.value);
      }
    }
    return [...values].sort();
  }

  private overlaps(mint: number, maxt: number): boolean {
    return this.numSeries > 0 && this.minT <= maxt && this.maxT >= mint;
  }

  /** True if slot `s` is live and its samples span overlaps [mint, maxt]. */
  seriesOverlaps(s: number, mint: number, maxt: number): boolean {
    return this.alive[s] !== 0 && this.firstT[s]! <= maxt && this.lastT[s]! >= mint;
  }

  /** Live series slots, in slot order (for compaction and checkpoints). */
  *liveSlots(): IterableIterator<number> {
    for (let s = 1; s < this.nextSlot; s++) if (this.alive[s] !== 0) yield s;
  }

  /** The ref of a live slot. */
  refOfSlot(s: number): SeriesRef {
    return this.gens[s]! * SLOT_SPACE + s;
  }

  /**
   * Calls `fn` with every non-empty open chunk (ref, bounds, count, bytes as a view valid during the call). At a
   * clean shutdown the Db persists them, so the next start loads them instead of re-encoding their WAL samples.
   */
  forEachOpenChunk(
    fn: (ref: SeriesRef, minT: number, maxT: number, lastV: number, numSamples: number, bytes: Uint8Array) => void,
  ): void {
    const open = this.open;
    for (let s = 1; s < this.nextSlot; s++) {
      if (this.alive[s] === 0 || open.numSamples(s) === 0) continue;
      fn(this.gens[s]! * SLOT_SPACE + s, open.minT(s), open.maxT(s), this.lastV[s]!, open.numSamples(s), open.bytes(s));
    }
  }

  /** One past the highest slot in use: live slots lie in [1, slotLimit). */
  get slotLimit(): number {
    return this.nextSlot;
  }

  /**
   * Series records for every live series that has been logged: the content of a WAL checkpoint. `from`/`to` limit
   * it to slots in [from, to), so a checkpoint of many series can be built in slices.
   */
  seriesEntries(from = 1, to = this.nextSlot): SeriesEntry[] {
    const out: SeriesEntry[] = [];
    const end = Math.min(to, this.nextSlot);
    for (let s = Math.max(1, from); s < end; s++) {
      if (this.alive[s] !== 0 && this.logged[s] === 1) out.push({ ref: this.refOfSlot(s), labels: this.labelsOf(s) });
    }
    return out;
  }

  stats(): HeadStats {
    let samples = 0, openChunks = 0, openBytes = 0;
    for (let s = 1; s < this.nextSlot; s++) {
      if (this.alive[s] === 0) continue;
      for (let c = this.chunkFirst[s]!; c !== -1; c = this.chunks.next(c)) samples += this.chunks.numSamples(c);
      const n = this.open.numSamples(s);
      if (n > 0) {
        samples += n;
        openChunks++;
        openBytes += this.open.byteLength(s);
      }
    }
    return {
      numSeries: this.numSeries,
      numSamples: samples,
      numChunks: this.chunks.size + openChunks,
      chunkBytes: this.chunks.byteLength + openBytes,
      minTime: this.minT,
      maxTime: this.maxT,
      numSymbols: this.symbols.size,
    };
  }

  /**
   * The head's cardinality as Prometheus's /api/v1/status/tsdb reports it: the `limit` largest entries of series
   * per metric name, values per label name, bytes of label values per label name, and series per label pair.
   */
  cardinality(limit = 10): HeadCardinality {
    const top = (entries: { name: string; value: number }[]) =>
      entries.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)).slice(0, limit);
    const byMetric: { name: string; value: number }[] = [];
    for (const v of this.postings.values(METRIC_NAME)) byMetric.push({ name: v, value: this.postings.count(METRIC_NAME, v) });
    const valueCounts: { name: string; value: number }[] = [];
    const memory: { name: string; value: number }[] = [];
    const pairs: { name: string; value: number }[] = [];
    for (const name of this.postings.names()) {
      valueCounts.push({ name, value: this.postings.valueCount(name) });
      let bytes = 0;
      for (const v of this.postings.values(name)) {
        const n = this.postings.count(name, v);
        bytes += v.length * n;
        pairs.push({ name: `${name}=${v}`, value: n });
      }
      memory.push({ name, value: bytes });
    }
    return {
      seriesCountByMetricName: top(byMetric),
      labelValueCountByLabelName: top(valueCounts),
      memoryInBytesByLabelName: top(memory),
      seriesCountByLabelValuePair: top(pairs),
    };
  }

  /** Number of live series. */
  get seriesCount(): number {
    return this.numSeries;
  }

  /** Completed chunks plus non-empty open chunks. */
  chunkCount(): number {
    return this.chunks.size + this.openChunks;
  }

  // ---- truncation ----

  /**
   * Drops every sample older than `boundary` (which must be a multiple of the chunk range, so no chunk straddles
   * it), raises minValidTime to it, and garbage-collects series left without samples (except series an open
   * appender has queued samples for). Freed slots are reused under a new generation.
   */
  truncate(boundary: number): TruncateResult {
    if (boundary % this.chunkRange !== 0) {
      throw new RangeError(`truncation boundary ${boundary} is not a multiple of the chunk range ${this.chunkRange}`);
    }
    if (boundary > this.minValidTime) this.minValidTime = boundary;
    const chunksBefore = this.chunks.size;
    const dead = new Uint8Array(this.nextSlot);
    const pairs: [string, string][] = [];
    let removed = 0;
    let minT = Infinity;
    const open = this.open;
    for (let s = 1; s < this.nextSlot; s++) {
      if (this.alive[s] === 0) continue;
      let c = this.chunkFirst[s]!;
      while (c !== -1 && this.chunks.maxT(c) < boundary) c = this.chunks.release(c);
      this.chunkFirst[s] = c;
      if (c === -1) this.chunkLast[s] = -1;
      if (open.numSamples(s) > 0 && open.maxT(s) < boundary) {
        open.reset(s);
        this.openChunks--;
      }
      const first = c !== -1 ? this.chunks.minT(c) : open.numSamples(s) > 0 ? open.minT(s) : Infinity;
      this.firstT[s] = first;
      if (first === Infinity) {
        const owner = this.pendOwner[s]!;
        if (owner !== 0 && this.openAppenders.has(owner)) continue;
        this.drop(s, dead, pairs);
        removed++;
      } else if (first < minT) minT = first;
    }
    if (removed > 0) this.postings.remove(dead, pairs);
    if (this.arenaLive < this.arenaUsed / 2) this.compactArena();
    this.minT = minT;
    return { removedSeries: removed, removedChunks: chunksBefore - this.chunks.size };
  }

  // ---- WAL replay ----

  /**
   * Re-creates a logged series at its ref's slot and generation. A newer generation replaces an older series in
   * the slot (the old one was garbage-collected before the newer was logged). A label set already present under
   * another ref keeps its existing series if that has samples; the new ref becomes an alias for replaying samples.
   */
  replaySeries(entries: readonly SeriesEntry[]): void {
    for (const { ref, labels } of entries) {
      const s = ref % SLOT_SPACE;
      const g = (ref - s) / SLOT_SPACE;
      if (!(s > 0) || !Number.isInteger(g) || g < 1 || g > MAX_GENERATION) continue;
      const h = this.hashFn(labels);
      const existing = this.find(h, labels);
      if (existing !== 0) {
        if (existing === s && this.gens[s] === g) {
          this.logged[s] = 1;
          continue;
        }
        if (this.lastT[existing] !== -Infinity) {
          this.replayAliases.set(ref, existing);
          continue;
        }
        this.dropForReplay(existing);
      }
      if (s < this.nextSlot && this.alive[s] !== 0) {
        if (this.gens[s]! >= g) continue;
        this.dropForReplay(s);
      }
      this.create(h, labels, s, g);
      this.logged[s] = 1;
      if (this.persisted !== null) this.attachPersisted(s, ref, this.persisted);
    }
  }

  /**
   * Gives the new series in slot `s` its chunks persisted under `ref` (those not older than minValidTime), as
   * completed chunks; its last sample comes from the newest one. Chunks of one ref are contiguous in cut order, so
   * the WAL samples replay skips (not newer than the last chunk) are exactly the ones they hold.
   */
  private attachPersisted(s: number, ref: number, p: PersistedChunks): void {
    let last = -1;
    for (let i = p.firstOf(ref); i !== -1; i = p.next(i)) {
      if (p.refOf(i) !== ref || p.maxT(i) < this.minValidTime) continue;
      // A chunk must start after the previous one ended: anything else is not what this head cut.
      if (!(p.minT(i) > this.lastT[s]!) || !(p.maxT(i) >= p.minT(i)) || p.numSamples(i) === 0) break;
      const id = this.chunks.add(p.bytesOf(i), p.minT(i), p.maxT(i), p.numSamples(i));
      if (this.chunkLast[s] === -1) {
        this.chunkFirst[s] = id;
        this.firstT[s] = p.minT(i);
      } else this.chunks.setNext(this.chunkLast[s]!, id);
      this.chunkLast[s] = id;
      this.lastT[s] = p.maxT(i);
      last = i;
      if (this.rewritePersisted) this.chunkSink?.(ref, p.minT(i), p.maxT(i), p.lastV(i), p.numSamples(i), p.bytesOf(i));
    }
    if (last === -1) return;
    this.lastV[s] = p.lastV(last);
    if (this.firstT[s]! < this.minT) this.minT = this.firstT[s]!;
    if (this.lastT[s]! > this.maxT) this.maxT = this.lastT[s]!;
  }

  private dropForReplay(s: number): void {
    const dead = new Uint8Array(s + 1);
    const pairs: [string, string][] = [];
    this.drop(s, dead, pairs);
    this.postings.remove(dead, pairs);
  }

  /**
   * Applies replayed samples: unknown refs, samples below minValidTime and samples not newer than the series'
   * last one (already applied, e.g. from a checkpoint) are skipped. Returns the number applied.
   */
  replaySamples(cols: SamplesColumns): number {
    let applied = 0;
    for (let i = 0; i < cols.length; i++) {
      const ref = cols.refs[i]!;
      let s = this.slotOf(ref);
      if (s < 0) {
        const alias = this.replayAliases.get(ref);
        if (alias === undefined || this.alive[alias] === 0) continue;
        s = alias;
      }
      const t = cols.t[i]!;
      if (t < this.minValidTime || t <= this.lastT[s]!) continue;
      this.applySample(s, cols.t, cols.v, i);
      applied++;
    }
    return applied;
  }

  /** Ends replay: drops series that got no samples and rebuilds the free-slot list. */
  finishReplay(): void {
    this.replayAliases.clear();
    const dead = new Uint8Array(this.nextSlot);
    const pairs: [string, string][] = [];
    for (let s = 1; s < this.nextSlot; s++) if (this.alive[s] !== 0 && this.lastT[s] === -Infinity) this.drop(s, dead, pairs);
    if (pairs.length > 0) this.postings.remove(dead, pairs);
    this.freeSlots = [];
    for (let s = this.nextSlot - 1; s >= 1; s--) if (this.alive[s] === 0) this.freeSlots.push(s);
    let minT = Infinity;
    for (let s = 1; s < this.nextSlot; s++) if (this.alive[s] !== 0 && this.firstT[s]! < minT) minT = this.firstT[s]!;
    this.minT = minT;
  }
}

/**
 * A batch of samples for the head. append() checks each sample right away (against committed data and this
 * batch's earlier samples) and returns why it is rejected; commit() re-checks against batches committed meanwhile,
 * writes one WAL batch and makes the samples visible; rollback() forgets the batch. Reusable after either.
 */
export class HeadAppender {
  private slots = new Int32Array(64);
  private gens = new Int32Array(64);
  private ts = new Float64Array(64);
  private vs = new Float64Array(64);
  private n = 0;
  /** Owner id of the current batch in the head, 0 before the first append. */
  private id = 0;

  constructor(private readonly head: Head) {}

  ref(labels: Labels): SeriesRef {
    return this.head.getOrCreate(labels);
  }

  append(ref: SeriesRef, t: number, v: number): AppendStatus | -1 {
    const head = this.head;
    const s = head.slotOf(ref);
    if (s < 0) return -1;
    if (!Number.isSafeInteger(t)) throw new RangeError(`sample timestamp must be an integer number of ms, got ${t}`);
    if (this.id === 0) this.id = head.openBatch();
    const st = head.check(s, t, v, this.id);
    if (st === SAME_SAMPLE) return AppendStatus.OK;
    if (st !== AppendStatus.OK) {
      head.countRejected(st, 1);
      return st as AppendStatus;
    }
    if (this.n === this.ts.length) this.growBatch();
    const i = this.n++;
    this.slots[i] = s;
    this.gens[i] = (ref - s) / SLOT_SPACE;
    this.ts[i] = t;
    this.vs[i] = v;
    head.queued(s, t, v, this.id);
    return AppendStatus.OK;
  }

  /** Number of samples queued in the current batch. */
  get pending(): number {
    return this.n;
  }

  commit(): void {
    try {
      this.head.commitBatch(this.slots, this.gens, this.ts, this.vs, this.n);
    } finally {
      this.reset();
    }
  }

  rollback(): void {
    this.reset();
  }

  private reset(): void {
    this.n = 0;
    if (this.id !== 0) this.head.closeBatch(this.id);
    this.id = 0;
  }

  private growBatch(): void {
    const c = this.ts.length * 2;
    const slots = new Int32Array(c), gens = new Int32Array(c), ts = new Float64Array(c), vs = new Float64Array(c);
    slots.set(this.slots);
    gens.set(this.gens);
    ts.set(this.ts);
    vs.set(this.vs);
    this.slots = slots;
    this.gens = gens;
    this.ts = ts;
    this.vs = vs;
  }
}
