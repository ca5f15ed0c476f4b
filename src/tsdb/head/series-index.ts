/**
 * Open-addressing hash table from a label-set hash to series slots, in two typed arrays. Several slots may share
 * one hash (a collision): lookups walk every entry with that hash and the caller compares the labels, so a
 * collision costs a comparison, never a wrong series. Deletion shifts later entries back (no tombstones).
 */
export class SeriesIndex {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private n = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.n;
  }

  /** First probe position for `hash`. Walk with next() while slotAt() is not 0. */
  start(hash: number): number {
    return home(hash, this.mask);
  }

  next(pos: number): number {
    return (pos + 1) & this.mask;
  }

  /** Series slot stored at a probe position, 0 for an empty position. */
  slotAt(pos: number): number {
    return this.vals[pos]!;
  }

  keyAt(pos: number): number {
    return this.keys[pos]!;
  }

  /** Adds an entry; the same hash may be added for several slots. `slot` must be > 0. */
  insert(hash: number, slot: number): void {
    if ((this.n + 1) * 2 > this.vals.length) this.grow();
    let p = home(hash, this.mask);
    while (this.vals[p] !== 0) p = (p + 1) & this.mask;
    this.keys[p] = hash;
    this.vals[p] = slot;
    this.n++;
  }

  /** Removes the entry (hash, slot); returns false if it is not present. */
  remove(hash: number, slot: number): boolean {
    let p = home(hash, this.mask);
    for (;;) {
      const v = this.vals[p]!;
      if (v === 0) return false;
      if (v === slot && this.keys[p] === hash) break;
      p = (p + 1) & this.mask;
    }
    // Backward-shift deletion: move later entries of the cluster into the hole when their home allows it.
    let hole = p;
    let j = p;
    for (;;) {
      j = (j + 1) & this.mask;
      if (this.vals[j] === 0) break;
      const h = home(this.keys[j]!, this.mask);
      const stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
      if (stays) continue;
      this.keys[hole] = this.keys[j]!;
      this.vals[hole] = this.vals[j]!;
      hole = j;
    }
    this.vals[hole] = 0;
    this.keys[hole] = 0;
    this.n--;
    return true;
  }

  private grow(): void {
    const oldK = this.keys, oldV = this.vals;
    this.keys = new Float64Array(oldK.length * 2);
    this.vals = new Int32Array(oldV.length * 2);
    this.mask = this.vals.length - 1;
    this.n = 0;
    for (let i = 0; i < oldV.length; i++) if (oldV[i] !== 0) this.insert(oldK[i]!, oldV[i]!);
  }
}

/** Mixes both halves of a 53-bit hash so low bits of the position depend on all of it. */
function home(hash: number, mask: number): number {
  const lo = hash | 0;
  const hi = (hash / 4294967296) | 0;
  return (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 7) & mask;
}
