/**
 * Completed (immutable) head chunks: XOR-encoded bytes packed into large shared segments, and each chunk's place
 * (segment, offset, length) and time bounds in typed arrays indexed by chunk id. A series keeps its chunks as a
 * singly linked list in time order (`next(id)`, -1 ends it); ids of freed chunks are reused.
 *
 * Why segments: one Uint8Array per chunk costs an ArrayBuffer, a backing store and a malloc block each (about as
 * much as the ~200 bytes of data), and millions of objects for every full GC to mark. Segments are append-only and
 * a segment is dropped when its last live chunk is released; the head releases chunks roughly in cut order (the
 * oldest of every series at truncation), so whole segments empty out together, as Prometheus's head-chunk files do.
 * Bytes once written are never overwritten: a released chunk's space is not reused until its whole segment is.
 *
 * Chunks released out of cut order (after a WAL replay a segment holds every age of a few series' chunks, and
 * truncation frees only the old ones) would leave segments mostly dead yet held. So when the dead space in held
 * segments exceeds 1.5 × the stored bytes plus a slack, the live chunks of every segment less than half live are
 * copied to the segment being written and those segments dropped. reservedBytes thus stays below
 * 2.5 × byteLength + slack + one segment (+ the unfillable tails of closed segments, under a chunk each).
 */
import { resized } from '../../model/typed-arrays.js';

/** Size of the first segments, bytes. */
export const MIN_SEGMENT_BYTES = 64 * 1024;
/** Segments grow with the stored bytes up to this size; a chunk larger than it gets a segment of its own. */
export const MAX_SEGMENT_BYTES = 1024 * 1024;

const NO_SEGMENT = -1;

/** Options of a ChunkStore. */
export interface ChunkStoreOptions {
  /**
   * Dead bytes tolerated beyond byteLength before sparse segments are compacted (default 4 MiB: a small store never
   * compacts, and a large one does so rarely).
   */
  compactSlackBytes?: number;
}

/**
 * The head's completed chunks (see the module comment for the layout and its memory bounds). Not thread-safe; ids
 * are small integers, reused after release.
 *
 * @example
 * const store = new ChunkStore();
 * const id = store.add(appender.bytes(), minT, maxT, n); // copies: the appender may be reset at once
 * decodeXorInto(store.bytes(id), mint, maxt, out);      // a view: read it now, copy it to keep it
 * const next = store.release(id);
 */
export class ChunkStore {
  // Per chunk id. segOf is NO_SEGMENT for a free id.
  private segOf = new Int32Array(1024).fill(NO_SEGMENT);
  private offs = new Uint32Array(1024);
  private lens = new Uint32Array(1024);
  private minTs = new Float64Array(1024);
  private maxTs = new Float64Array(1024);
  private nexts = new Int32Array(1024);
  private counts = new Uint16Array(1024);
  /** Ids below this have been handed out at least once. */
  private highId = 0;
  /** Stack of free ids below highId. */
  private freeIds = new Int32Array(256);
  private nFreeIds = 0;

  // Per segment index. A dropped segment's slot is reused for a new segment (its index, never its bytes).
  private segs: (Uint8Array | undefined)[] = [];
  private segUsed = new Uint32Array(16);
  private segLive = new Int32Array(16);
  private segLiveBytes = new Uint32Array(16);
  /** 1 for the segments a running compaction empties. */
  private segSparse = new Uint8Array(16);
  private readonly freeSegs: number[] = [];
  /** The segment new chunks go to, or NO_SEGMENT. */
  private cur = NO_SEGMENT;

  private live = 0;
  private bytesTotal = 0;
  private reserved = 0;
  private segCount = 0;
  private moved = 0;
  private readonly compactSlack: number;

  constructor(options: ChunkStoreOptions = {}) {
    this.compactSlack = options.compactSlackBytes ?? 4 * MAX_SEGMENT_BYTES;
  }

  /** Number of stored chunks. */
  get size(): number {
    return this.live;
  }

  /** Sum of the chunks' encoded sizes. */
  get byteLength(): number {
    return this.bytesTotal;
  }

  /**
   * Bytes of the segments held: the stored chunks, space left behind by released chunks in segments that still hold
   * a live chunk, and the unfilled rest of the segment being written. A segment other than the one being written is
   * dropped (and leaves this count) as soon as its last chunk is released.
   */
  get reservedBytes(): number {
    return this.reserved;
  }

  /** Number of segments held (see reservedBytes). */
  get segmentCount(): number {
    return this.segCount;
  }

  /** Bytes copied by compactions so far. */
  get compactedBytes(): number {
    return this.moved;
  }

  /**
   * Stores a chunk and returns its id; its `next` is -1. `bytes` is COPIED into the store, so the caller may pass a
   * view of a buffer it reuses or changes afterwards.
   */
  add(bytes: Uint8Array, minT: number, maxT: number, numSamples: number): number {
    const len = bytes.length;
    let id: number;
    if (this.nFreeIds > 0) id = this.freeIds[--this.nFreeIds]!;
    else {
      id = this.highId++;
      if (id >= this.segOf.length) this.growIds();
    }
    this.place(id, bytes);
    this.minTs[id] = minT;
    this.maxTs[id] = maxT;
    this.counts[id] = numSamples;
    this.nexts[id] = -1;
    this.live++;
    this.bytesTotal += len;
    return id;
  }

  /** Frees a chunk id; returns the id that followed it. Throws on an id that is not stored. */
  release(id: number): number {
    const seg = id >= 0 && id < this.highId ? this.segOf[id]! : NO_SEGMENT;
    if (seg === NO_SEGMENT) throw new Error(`BUG: chunk ${id} released but not stored (released twice?)`);
    this.segOf[id] = NO_SEGMENT;
    this.bytesTotal -= this.lens[id]!;
    this.live--;
    this.segLiveBytes[seg] -= this.lens[id]!;
    if (this.nFreeIds === this.freeIds.length) this.freeIds = resized(this.freeIds, this.freeIds.length * 2);
    this.freeIds[this.nFreeIds++] = id;
    const next = this.nexts[id]!;
    if (--this.segLive[seg]! === 0 && seg !== this.cur) this.dropSegment(seg);
    else if (this.deadBytes() > 1.5 * this.bytesTotal + this.compactSlack) this.compact();
    return next;
  }

  /**
   * The bytes of a stored chunk: a fresh view into its segment on every call (compare ids, not views). The bytes stay
   * intact while the chunk is stored; they are never overwritten afterwards either, but a view kept past the chunk's
   * release keeps its whole segment (up to MAX_SEGMENT_BYTES) from being collected, so copy what you keep.
   */
  bytes(id: number): Uint8Array {
    const seg = id >= 0 && id < this.highId ? this.segOf[id]! : NO_SEGMENT;
    if (seg === NO_SEGMENT) throw new Error(`BUG: bytes of chunk ${id}, which is not stored`);
    const at = this.offs[id]!;
    return this.segs[seg]!.subarray(at, at + this.lens[id]!);
  }
  minT(id: number): number {
    return this.minTs[id]!;
  }
  maxT(id: number): number {
    return this.maxTs[id]!;
  }
  numSamples(id: number): number {
    return this.counts[id]!;
  }
  next(id: number): number {
    return this.nexts[id]!;
  }
  setNext(id: number, next: number): void {
    this.nexts[id] = next;
  }

  /** Copies `bytes` into a segment and makes them chunk `id`'s. */
  private place(id: number, bytes: Uint8Array): void {
    const len = bytes.length;
    const seg = this.segmentFor(len);
    const at = this.segUsed[seg]!;
    this.segs[seg]!.set(bytes, at);
    this.segUsed[seg] = at + len;
    this.segLive[seg]!++;
    this.segLiveBytes[seg] += len;
    this.segOf[id] = seg;
    this.offs[id] = at;
    this.lens[id] = len;
  }

  /** Held bytes that are neither a stored chunk nor the room left in the segment being written. */
  private deadBytes(): number {
    const room = this.cur === NO_SEGMENT ? 0 : this.segs[this.cur]!.length - this.segUsed[this.cur]!;
    return this.reserved - this.bytesTotal - room;
  }

  /**
   * Moves the chunks of every segment less than half live (except the one being written) to the segment being
   * written; the emptied segments are dropped. Afterwards every held segment is at least half live, so dead bytes are
   * at most byteLength plus the unfillable tails of closed segments, and the next compaction waits until at least
   * (byteLength / 2 + slack) / 2.5 more bytes are released. Its cost, one pass over the ids plus the bytes moved (at
   * most the bytes held), is thus amortized over released bytes in proportion.
   */
  private compact(): void {
    let any = false;
    for (let seg = 0; seg < this.segs.length; seg++) {
      const b = this.segs[seg];
      const sparse = b !== undefined && seg !== this.cur && 2 * this.segLiveBytes[seg]! < b.length;
      this.segSparse[seg] = sparse ? 1 : 0;
      if (sparse) any = true;
    }
    if (!any) return;
    for (let id = 0; id < this.highId; id++) {
      const seg = this.segOf[id]!;
      if (seg === NO_SEGMENT || this.segSparse[seg] === 0) continue;
      const at = this.offs[id]!;
      const len = this.lens[id]!;
      // The old segment is not written again, so the source stays intact while it is copied and after.
      this.place(id, this.segs[seg]!.subarray(at, at + len));
      this.moved += len;
      this.segLiveBytes[seg] -= len;
      if (--this.segLive[seg]! === 0) this.dropSegment(seg);
    }
  }

  /** The segment with room for `len` more bytes: the current one, a new current one, or (if large) a dedicated one. */
  private segmentFor(len: number): number {
    const cur = this.cur;
    if (cur !== NO_SEGMENT && this.segUsed[cur]! + len <= this.segs[cur]!.length) return cur;
    const size = this.nextSegmentSize();
    if (len > size) return this.newSegment(len); // the current segment keeps its remaining room
    if (cur !== NO_SEGMENT && this.segLive[cur] === 0) this.dropSegment(cur);
    this.cur = this.newSegment(size);
    return this.cur;
  }

  /**
   * Segments scale with the data (about an eighth of the stored bytes, a power of two within the bounds): a small
   * head reserves little, and the unfilled tail of the current segment stays a small fraction of a large one.
   */
  private nextSegmentSize(): number {
    let size = MIN_SEGMENT_BYTES;
    while (size < MAX_SEGMENT_BYTES && size * 8 < this.bytesTotal) size *= 2;
    return size;
  }

  private newSegment(size: number): number {
    let seg = this.freeSegs.pop();
    if (seg === undefined) {
      seg = this.segs.length;
      this.segs.push(undefined);
      if (seg >= this.segUsed.length) {
        this.segUsed = resized(this.segUsed, this.segUsed.length * 2);
        this.segLive = resized(this.segLive, this.segLive.length * 2);
        this.segLiveBytes = resized(this.segLiveBytes, this.segLiveBytes.length * 2);
        this.segSparse = resized(this.segSparse, this.segSparse.length * 2);
      }
    }
    this.segs[seg] = new Uint8Array(size);
    this.segUsed[seg] = 0;
    this.segLive[seg] = 0;
    this.segLiveBytes[seg] = 0;
    this.segSparse[seg] = 0;
    this.reserved += size;
    this.segCount++;
    return seg;
  }

  private dropSegment(seg: number): void {
    this.reserved -= this.segs[seg]!.length;
    this.segs[seg] = undefined;
    this.segCount--;
    this.freeSegs.push(seg);
    if (seg === this.cur) this.cur = NO_SEGMENT;
  }

  private growIds(): void {
    const n = this.segOf.length * 2;
    const segOf = new Int32Array(n).fill(NO_SEGMENT);
    segOf.set(this.segOf);
    this.segOf = segOf;
    this.offs = resized(this.offs, n);
    this.lens = resized(this.lens, n);
    this.minTs = resized(this.minTs, n);
    this.maxTs = resized(this.maxTs, n);
    this.nexts = resized(this.nexts, n);
    this.counts = resized(this.counts, n);
  }
}
