/**
 * The scrape loop's series cache: raw series bytes (`name{labels}` exactly as the target wrote them) → the head's
 * series ref and the loop's bookkeeping, without decoding a string per sample.
 *
 * Layout: entries are indexes into typed arrays (ref, last two iterations seen, flags, hash, key offset/length);
 * keys live back to back in one byte arena; an open-addressing table (linear probing, power-of-two size, at most
 * half full) maps an FNV-1a hash of the key bytes to entry index + 1, and a hit is confirmed by comparing bytes, so
 * hash collisions cost a comparison, never a wrong ref. No JavaScript object per series.
 *
 * A scrape usually lists its series in the same order as the last one: `lookup()` first tries the entry that held
 * the same position last time (one byte comparison, no hashing) before hashing.
 */
import { resized } from '../model/typed-arrays.js';

/** Entry flag: metric relabeling dropped the series (ref is 0). */
export const DROPPED = 1;
/** Entry flag: the last sample carried its own timestamp (no staleness marker for it, as in Prometheus). */
export const EXPLICIT_TS = 2;

const EMPTY = 0;
const TOMBSTONE = -1;

/** FNV-1a over b[s..e). */
export function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

export class SeriesCache {
  /** Head series ref per entry; 0 for dropped series. */
  ref = new Float64Array(0);
  /** Iteration in which the entry was last seen, and the one before (restored when a scrape fails). */
  seen = new Int32Array(0);
  prev = new Int32Array(0);
  flags = new Uint8Array(0);

  private hash = new Uint32Array(0);
  private keyOff = new Int32Array(0);
  private keyLen = new Int32Array(0);
  /** Non-zero while the entry is in use: 1, or 2 if its key holds a line break (no parser fast path for it). */
  private live = new Uint8Array(0);
  private cap = 0;
  /** Entries ever used: every live entry is below this. */
  private top = 0;
  private free: number[] = [];
  private count = 0;

  private table = new Int32Array(0);
  private mask = 0;
  /** Table cells that are not EMPTY (live entries and tombstones). */
  private used = 0;

  private arena = new Uint8Array(0);
  /** Views for comparing keys 4 bytes at a time (DataView loads may be unaligned). */
  private arenaView = new DataView(new ArrayBuffer(0));
  private body: Uint8Array | null = null;
  private bodyView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private arenaUsed = 0;
  private arenaLive = 0;

  /** Entry order of the previous scrape (position → entry), and this scrape's, swapped by `startScrape()`. */
  private lastOrder = new Int32Array(0);
  private lastOrderLen = 0;
  private order = new Int32Array(64);
  private orderLen = 0;

  constructor(initialEntries = 256) {
    this.growEntries(Math.max(16, initialEntries));
    this.rehash(Math.max(32, nextPow2(initialEntries * 2)));
    this.arena = new Uint8Array(Math.max(1024, initialEntries * 64));
    this.arenaView = new DataView(this.arena.buffer);
  }

  /** Number of live entries. */
  get size(): number {
    return this.count;
  }

  /** Upper bound (exclusive) of live entry indexes, for `for (i < end) if (has(i))` scans. */
  get end(): number {
    return this.top;
  }

  has(i: number): boolean {
    return this.live[i] !== 0;
  }

  /**
   * The entry at position `pos` of the previous body, as a candidate for the parser's known-key fast path
   * (`ExpositionParser.nextKnownSeries` with `keyBytes`, `keyStart(i)`, `keyLength(i)`), or -1. Report a match
   * with `hit(pos, i)`, which makes it the hint for the next body.
   */
  hint(pos: number): number {
    if (pos >= this.lastOrderLen) return -1;
    const i = this.lastOrder[pos]!;
    return this.live[i] === 1 ? i : -1;
  }

  hit(pos: number, i: number): void {
    this.noteOrder(pos, i);
  }

  /** The arena holding every key; replaced by inserts (read it again after one). */
  get keyBytes(): Uint8Array {
    return this.arena;
  }

  /** A DataView over `keyBytes`. */
  get keyView(): DataView {
    return this.arenaView;
  }

  keyStart(i: number): number {
    return this.keyOff[i]!;
  }

  keyLength(i: number): number {
    return this.keyLen[i]!;
  }

  /** Starts a new scrape body: position hints come from the body last started. */
  startScrape(): void {
    const t = this.lastOrder;
    this.lastOrder = this.order;
    this.lastOrderLen = this.orderLen;
    this.order = t.length >= 64 ? t : new Int32Array(64);
    this.orderLen = 0;
  }

  /**
   * The entry for key b[s..e), or -1. `pos` is the series' position in the current body (0, 1, 2, … per series
   * line); a found entry is recorded at that position as the hint for the next scrape.
   */
  lookup(b: Uint8Array, s: number, e: number, pos: number): number {
    let i = pos < this.lastOrderLen ? this.lastOrder[pos]! : -1;
    if (i < 0 || this.live[i] === 0 || !this.sameKey(i, b, s, e)) i = this.find(b, s, e, hashBytes(b, s, e));
    if (i >= 0) this.noteOrder(pos, i);
    return i;
  }

  /** Adds key b[s..e) (which must not be present) with ref 0 and no flags; returns the entry. */
  insert(b: Uint8Array, s: number, e: number, pos: number): number {
    const h = hashBytes(b, s, e);
    const len = e - s;
    if (this.used + 1 > (this.table.length >>> 1)) this.rehash(this.count + 1 > this.table.length >>> 2 ? this.table.length * 2 : this.table.length);
    let i = this.free.pop();
    if (i === undefined) {
      if (this.top === this.cap) this.growEntries(this.cap * 2);
      i = this.top++;
    }
    if (this.arenaUsed + len > this.arena.length) this.makeRoom(len);
    // A byte loop: subarray() of a Node Buffer costs more than copying a key this short.
    const a = this.arena, o = this.arenaUsed - s;
    let lineBreak = false;
    for (let k = s; k < e; k++) {
      const x = b[k]!;
      a[o + k] = x;
      if (x === 10) lineBreak = true;
    }
    this.keyOff[i] = this.arenaUsed;
    this.keyLen[i] = len;
    this.arenaUsed += len;
    this.arenaLive += len;
    this.hash[i] = h;
    this.live[i] = lineBreak ? 2 : 1;
    this.ref[i] = 0;
    this.seen[i] = 0;
    this.prev[i] = 0;
    this.flags[i] = 0;
    this.count++;
    let p = h & this.mask;
    while (this.table[p]! > 0) p = (p + 1) & this.mask;
    if (this.table[p] === EMPTY) this.used++;
    this.table[p] = i + 1;
    this.noteOrder(pos, i);
    return i;
  }

  /** Removes entry `i` (its index may be reused by a later insert). */
  delete(i: number): void {
    if (this.live[i] === 0) return;
    let p = this.hash[i]! & this.mask;
    while (this.table[p] !== i + 1) {
      if (this.table[p] === EMPTY) throw new Error(`BUG: series cache entry ${i} missing from its table`);
      p = (p + 1) & this.mask;
    }
    this.table[p] = TOMBSTONE;
    this.live[i] = 0;
    this.arenaLive -= this.keyLen[i]!;
    this.free.push(i);
    this.count--;
  }

  /** The key bytes of entry `i`: a view valid until the next insert. */
  key(i: number): Uint8Array {
    return this.arena.subarray(this.keyOff[i]!, this.keyOff[i]! + this.keyLen[i]!);
  }

  private noteOrder(pos: number, i: number): void {
    if (pos >= this.order.length) {
      let c = this.order.length * 2;
      while (c <= pos) c *= 2;
      const o = new Int32Array(c);
      o.set(this.order.subarray(0, this.orderLen));
      this.order = o;
    }
    this.order[pos] = i;
    if (pos >= this.orderLen) this.orderLen = pos + 1;
  }

  private find(b: Uint8Array, s: number, e: number, h: number): number {
    for (let p = h & this.mask; ; p = (p + 1) & this.mask) {
      const x = this.table[p]!;
      if (x === EMPTY) return -1;
      if (x > 0 && this.hash[x - 1] === h && this.sameKey(x - 1, b, s, e)) return x - 1;
    }
  }

  private sameKey(i: number, b: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    if (this.keyLen[i] !== len) return false;
    if (b !== this.body) {
      this.body = b;
      this.bodyView = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const av = this.arenaView, bv = this.bodyView, o = this.keyOff[i]! - s;
    let k = s;
    for (const e4 = e - 3; k < e4; k += 4) if (av.getInt32(o + k) !== bv.getInt32(k)) return false;
    const a = this.arena;
    for (; k < e; k++) if (a[o + k] !== b[k]) return false;
    return true;
  }

  private rehash(size: number): void {
    const t = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.top; i++) {
      if (this.live[i] === 0) continue;
      let p = this.hash[i]! & mask;
      while (t[p] !== EMPTY) p = (p + 1) & mask;
      t[p] = i + 1;
    }
    this.table = t;
    this.mask = mask;
    this.used = this.count;
  }

  /** Compacts the arena if half of it is dead keys, else doubles it, until `len` more bytes fit. */
  private makeRoom(len: number): void {
    let c = this.arena.length;
    if (this.arenaLive + len > c / 2) c *= 2;
    while (this.arenaLive + len > c) c *= 2;
    const a = new Uint8Array(c);
    let p = 0;
    for (let i = 0; i < this.top; i++) {
      if (this.live[i] === 0) continue;
      const o = this.keyOff[i]!, n = this.keyLen[i]!;
      a.set(this.arena.subarray(o, o + n), p);
      this.keyOff[i] = p;
      p += n;
    }
    this.arena = a;
    this.arenaView = new DataView(a.buffer);
    this.arenaUsed = p;
  }

  private growEntries(c: number): void {
    this.ref = resized(this.ref, c);
    this.seen = resized(this.seen, c);
    this.prev = resized(this.prev, c);
    this.flags = resized(this.flags, c);
    this.hash = resized(this.hash, c);
    this.keyOff = resized(this.keyOff, c);
    this.keyLen = resized(this.keyLen, c);
    this.live = resized(this.live, c);
    this.cap = c;
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
