/**
 * The open XOR chunks of many series in shared memory, one slot per series.
 *
 * Why not an XorAppender per series: each one is four heap objects (appender, bit writer, Uint8Array, ArrayBuffer)
 * plus a malloc'd backing store, ~300 bytes of overhead per series before any sample. Every full GC marks all of
 * them, and each time a chunk's buffer doubled the old one became garbage. Here a series' encoder state lives in
 * typed arrays indexed by slot, and its bytes in a region of a shared 64 KiB segment. Regions come in power-of-two
 * size classes, each carved from segments of its own. A region that fills up moves to the next class, into a free
 * region or a new one, and its old place is reused. Series of one daemon tend to grow in step (all of them start
 * when their targets are first scraped), so whole segments of the small classes empty out together: an empty
 * segment is handed back for any class to reuse. Appending a sample allocates nothing.
 */
import { BitWriter } from './bitstream.js';
import {
  newXorTimeState,
  patchXorCount,
  writeXorHeader,
  writeXorSample,
  XOR_HEADER_BYTES,
  XOR_MAX_SAMPLE_BYTES,
} from './xor.js';
import { newXorValueState } from './xor-values.js';
import { resized } from '../../model/typed-arrays.js';

/**
 * Bytes a region keeps free before an append: the sample's own, plus the 5 bytes BitWriter.writeBits wants free
 * after its position before each write. With that room a write never reaches the segment's end, so the writer
 * never replaces the segment with a grown copy.
 */
const ROOM = XOR_MAX_SAMPLE_BYTES + 5;
/** Smallest region, 2^5 = 32 bytes: a header and room for the first sample. */
const MIN_CLASS = 5;
const MAX_CLASS = 30;
/** Segment size for regions up to this size; a larger region gets a segment of its own size. */
const SEGMENT_BYTES = 64 * 1024;

/**
 * Open XOR chunks (the same bytes an XorAppender writes) for slots 0, 1, 2, …. A slot's chunk starts empty; append
 * grows it, `reset` empties it keeping its region (the next chunk of a series is about as big as the last),
 * `release` gives the region back.
 *
 * @example
 * const a = new XorChunkArena();
 * a.append(7, ts, vs, 0);               // sample 0 of the columns into slot 7's chunk
 * decodeXorInto(a.bytes(7), mint, maxt, out);
 */
export class XorChunkArena {
  private segments: Uint8Array[] = [];
  /** Per segment: regions in use. */
  private segLive = new Int32Array(16);
  /** Indices of reclaimed segments, for the next new one; and emptied 64 KiB buffers kept for reuse. */
  private readonly spareIds: number[] = [];
  private readonly spareBufs: Uint8Array[] = [];
  private slots = 0;
  // Per slot.
  /** Segment index of the slot's region, -1 without one. */
  private seg = new Int32Array(0);
  private off = new Int32Array(0);
  /** Size class: the region holds 2^cls bytes. */
  private cls = new Uint8Array(0);
  /** Bytes written, header included. */
  private len = new Int32Array(0);
  /** Unwritten bits of the last byte written. */
  private free = new Uint8Array(0);
  private count = new Int32Array(0);
  /** Per slot: firstT, last t and tDelta (XorTimeState). */
  private times = new Float64Array(0);
  /** Per slot: hi, lo, leading, trailing (XorValueState). */
  private vals = new Int32Array(0);
  // Per size class.
  /** Segment being carved for the class, -1 for none, and the offset of its next free byte. */
  private readonly bumpSeg = new Int32Array(MAX_CLASS + 1).fill(-1);
  private readonly bumpOff = new Int32Array(MAX_CLASS + 1);
  /** Released regions of each class, as a stack of (segment, offset) pairs. */
  private readonly freed: Int32Array[] = Array.from({ length: MAX_CLASS + 1 }, () => new Int32Array(0));
  private readonly freedN = new Int32Array(MAX_CLASS + 1);
  private reserved = 0;
  // Cursors: the encoder works on these, loaded from and stored back to the slot's arrays around each append.
  private readonly w = new BitWriter(8);
  private readonly ts = newXorTimeState();
  private readonly vs = newXorValueState();

  /** Makes room for slots [0, n). */
  reserve(n: number): void {
    if (n <= this.slots) return;
    const from = this.slots;
    this.seg = resized(this.seg, n);
    this.seg.fill(-1, from);
    this.off = resized(this.off, n);
    this.cls = resized(this.cls, n);
    this.len = resized(this.len, n);
    this.free = resized(this.free, n);
    this.count = resized(this.count, n);
    this.times = resized(this.times, 3 * n);
    this.vals = resized(this.vals, 4 * n);
    this.slots = n;
  }

  /** Samples in the slot's chunk. */
  numSamples(s: number): number {
    return s < this.slots ? this.count[s]! : 0;
  }

  /** First timestamp of the slot's chunk; NaN while empty. */
  minT(s: number): number {
    return this.numSamples(s) === 0 ? NaN : this.times[3 * s]!;
  }

  /** Last timestamp of the slot's chunk; NaN while empty. */
  maxT(s: number): number {
    return this.numSamples(s) === 0 ? NaN : this.times[3 * s + 1]!;
  }

  /** True if the slot's chunk has samples and its time range meets [mint, maxt]. */
  overlaps(s: number, mint: number, maxt: number): boolean {
    return this.numSamples(s) > 0 && this.times[3 * s + 1]! >= mint && this.times[3 * s]! <= maxt;
  }

  /** Encoded size of the slot's chunk (0 without a region). */
  byteLength(s: number): number {
    return s < this.slots && this.seg[s]! >= 0 ? this.len[s]! : 0;
  }

  /** Bytes held by the arena's segments (regions in use, free and not yet carved). */
  get reservedBytes(): number {
    return this.reserved;
  }

  /**
   * The slot's chunk as a view of arena memory: valid until the slot's next append, reset or release. An empty
   * chunk if the slot has none.
   */
  bytes(s: number): Uint8Array {
    const g = s < this.slots ? this.seg[s]! : -1;
    if (g < 0) return EMPTY_CHUNK;
    const seg = this.segments[g]!;
    const off = this.off[s]!;
    // The sample count is written here rather than on every append: appends far outnumber reads.
    patchXorCount(seg, off, this.count[s]!);
    return seg.subarray(off, off + this.len[s]!);
  }

  /**
   * Appends sample `i` of the columns `ts`/`vs` to the slot's chunk. The timestamp must exceed the chunk's last
   * (not checked beyond what the encoding needs; see writeXorSample). Slots beyond `reserve` are made room for.
   */
  append(s: number, ts: Float64Array, vs: Float64Array, i: number): void {
    if (s >= this.slots) this.reserve(Math.max(s + 1, 2 * this.slots, 64));
    if (this.seg[s]! < 0) this.place(s, MIN_CLASS, false);
    else if (this.len[s]! + ROOM > 1 << this.cls[s]!) this.place(s, this.cls[s]! + 1, true);
    const segment = this.segments[this.seg[s]!]!;
    const off = this.off[s]!;
    const w = this.w;
    w.attach(segment, off + this.len[s]!, this.free[s]!);
    const st = this.ts, vst = this.vs, tb = 3 * s, vb = 4 * s;
    const n = this.count[s]!;
    st.n = n;
    if (n > 0) {
      st.firstT = this.times[tb]!;
      st.t = this.times[tb + 1]!;
      st.tDelta = this.times[tb + 2]!;
      vst.hi = this.vals[vb]!;
      vst.lo = this.vals[vb + 1]!;
      vst.leading = this.vals[vb + 2]!;
      vst.trailing = this.vals[vb + 3]!;
    }
    writeXorSample(w, st, vst, ts, vs, i);
    if (w.buffer !== segment) throw new Error('BUG: XOR chunk outgrew its arena region');
    this.len[s] = w.byteLength - off;
    this.free[s] = w.freeBits;
    this.count[s] = st.n;
    this.times[tb] = st.firstT;
    this.times[tb + 1] = st.t;
    this.times[tb + 2] = st.tDelta;
    this.vals[vb] = vst.hi;
    this.vals[vb + 1] = vst.lo;
    this.vals[vb + 2] = vst.leading;
    this.vals[vb + 3] = vst.trailing;
  }

  /** Empties the slot's chunk; its region stays with it. */
  reset(s: number): void {
    if (s >= this.slots) return;
    this.count[s] = 0; // the next append starts the chunk afresh, encoder state included (writeXorSample)
    if (this.seg[s]! >= 0) {
      this.len[s] = XOR_HEADER_BYTES;
      this.free[s] = 0;
    }
  }

  /** Empties the slot's chunk and gives its region back. */
  release(s: number): void {
    if (s >= this.slots) return;
    this.reset(s);
    if (this.seg[s]! < 0) return;
    this.pushFreed(this.cls[s]!, this.seg[s]!, this.off[s]!);
    this.seg[s] = -1;
  }

  /**
   * Gives the slot a region of class `c`, moving the bytes written so far into it when `move` (else writing a fresh
   * header), and frees the old region.
   */
  private place(s: number, c: number, move: boolean): void {
    if (c > MAX_CLASS) throw new RangeError(`XOR chunk of slot ${s} exceeds ${2 ** MAX_CLASS} bytes`);
    let g: number, o: number;
    if (this.freedN[c]! > 0) {
      const k = --this.freedN[c]!;
      g = this.freed[c]![2 * k]!;
      o = this.freed[c]![2 * k + 1]!;
    } else {
      const size = 2 ** c;
      g = this.bumpSeg[c]!;
      o = this.bumpOff[c]!;
      if (g < 0 || o + size > this.segments[g]!.length) {
        // The class's full segment may have emptied while it was still being carved.
        if (g >= 0 && this.segLive[g] === 0) this.reclaim(g, c);
        g = this.newSegment(c);
        o = 0;
      }
      this.bumpSeg[c] = g;
      this.bumpOff[c] = o + size;
    }
    this.segLive[g]!++;
    const to = this.segments[g]!;
    if (move) {
      const from = this.segments[this.seg[s]!]!;
      const src = this.off[s]!;
      const n = this.len[s]!;
      // A byte loop: no view object per move, and a region is at most a few KiB.
      for (let k = 0; k < n; k++) to[o + k] = from[src + k]!;
      this.pushFreed(this.cls[s]!, this.seg[s]!, src);
    } else {
      this.w.attach(to, o, 0);
      writeXorHeader(this.w);
      this.len[s] = XOR_HEADER_BYTES;
      this.free[s] = 0;
    }
    this.seg[s] = g;
    this.off[s] = o;
    this.cls[s] = c;
  }

  private pushFreed(c: number, g: number, o: number): void {
    const k = this.freedN[c]!;
    if (2 * k + 2 > this.freed[c]!.length) this.freed[c] = resized(this.freed[c]!, Math.max(16, 4 * k));
    this.freed[c]![2 * k] = g;
    this.freed[c]![2 * k + 1] = o;
    this.freedN[c] = k + 1;
    if (--this.segLive[g]! === 0 && g !== this.bumpSeg[c]) this.reclaim(g, c);
  }

  private newSegment(c: number): number {
    let buf: Uint8Array;
    if (2 ** c <= SEGMENT_BYTES && this.spareBufs.length > 0) buf = this.spareBufs.pop()!;
    else {
      buf = new Uint8Array(Math.max(SEGMENT_BYTES, 2 ** c));
      this.reserved += buf.length;
    }
    let g: number;
    if (this.spareIds.length > 0) {
      g = this.spareIds.pop()!;
      this.segments[g] = buf;
    } else {
      g = this.segments.length;
      this.segments.push(buf);
      if (g >= this.segLive.length) this.segLive = resized(this.segLive, 2 * g);
    }
    this.segLive[g] = 0;
    return g;
  }

  /** Takes an emptied segment of class `c` out of the class's free regions and keeps it for any class. */
  private reclaim(g: number, c: number): void {
    const list = this.freed[c]!;
    let k = 0;
    for (let j = 0; j < this.freedN[c]!; j++) {
      if (list[2 * j] === g) continue;
      list[2 * k] = list[2 * j]!;
      list[2 * k + 1] = list[2 * j + 1]!;
      k++;
    }
    this.freedN[c] = k;
    const buf = this.segments[g]!;
    // A few spare buffers spare the allocator a round trip; more would only keep freed memory resident.
    if (buf.length === SEGMENT_BYTES && this.spareBufs.length < 4) this.spareBufs.push(buf);
    else this.reserved -= buf.length;
    this.segments[g] = NO_SEGMENT;
    this.spareIds.push(g);
  }
}

const NO_SEGMENT = new Uint8Array(0);

/** What `bytes` returns for a slot without a region: a valid XOR chunk of no samples. */
const EMPTY_CHUNK: Uint8Array = (() => {
  const w = new BitWriter(XOR_HEADER_BYTES);
  writeXorHeader(w);
  return w.copy();
})();
