/**
 * The head's inverted index: label name → value → sorted list of series slots, plus the list of all series.
 * Lists are growable Int32Arrays; adds are appends (a reused, smaller slot only marks the list unsorted, and it is
 * sorted on its next read), so indexing a new series costs O(labels).
 */
import type { Matcher } from '../../model/matcher.js';

const EMPTY = new Int32Array(0);

/** A growable list of series slots, sorted ascending when read. */
export class PostingList {
  private refs: Int32Array;
  private n = 0;
  private sorted = true;

  constructor(capacity = 2) {
    this.refs = new Int32Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  add(slot: number): void {
    if (this.n === this.refs.length) {
      const grown = new Int32Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    if (this.n > 0 && slot < this.refs[this.n - 1]!) this.sorted = false;
    this.refs[this.n++] = slot;
  }

  /** The slots in ascending order. The view is only valid until the list changes. */
  view(): Int32Array {
    if (!this.sorted) {
      this.refs.subarray(0, this.n).sort();
      this.sorted = true;
    }
    return this.refs.subarray(0, this.n);
  }

  /** Removes every slot with `dead[slot] !== 0`; shrinks the backing array when it is mostly empty. */
  removeMarked(dead: Uint8Array): void {
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      const s = this.refs[r]!;
      if (dead[s] === 0) this.refs[w++] = s;
    }
    this.n = w;
    if (this.refs.length > 16 && w < this.refs.length / 4) this.refs = this.refs.slice(0, Math.max(2, w * 2));
  }
}

/** Slots present in both sorted lists. */
export function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!, y = b[j]!;
    if (x === y) {
      out[k++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, k);
}

/** Slots of sorted list `a` that are not in sorted list `b`. */
export function subtract(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) {
      i++;
      continue;
    }
    out[k++] = x;
    i++;
  }
  return out.subarray(0, k);
}

/** Sorted union without duplicates of sorted lists. */
export function union(lists: readonly Int32Array[]): Int32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Int32Array(total);
  let p = 0;
  for (const l of lists) {
    all.set(l, p);
    p += l.length;
  }
  all.sort();
  let k = 0;
  for (let i = 0; i < total; i++) if (k === 0 || all[k - 1] !== all[i]) all[k++] = all[i]!;
  return all.subarray(0, k);
}

/**
 * One value's postings: a bare slot number while a single series has the value (labels unique per series are
 * common, and a list object per series would cost more than the rest of the series' index), a list beyond that.
 */
type Entry = PostingList | number;

function entryView(e: Entry): Int32Array {
  return typeof e === 'number' ? Int32Array.of(e) : e.view();
}

function entrySize(e: Entry): number {
  return typeof e === 'number' ? 1 : e.length;
}

/** Label name → value → postings over the head's series slots. */
export class MemPostings {
  private readonly byName = new Map<string, Map<string, Entry>>();
  private readonly allSeries = new PostingList(1024);

  /** Indexes a new series under each of its (name, value) pairs. */
  add(slot: number, pairs: readonly { name: string; value: string }[]): void {
    this.allSeries.add(slot);
    for (const l of pairs) {
      let values = this.byName.get(l.name);
      if (values === undefined) {
        values = new Map();
        this.byName.set(l.name, values);
      }
      const e = values.get(l.value);
      if (e === undefined) values.set(l.value, slot);
      else if (typeof e === 'number') {
        const list = new PostingList(4);
        list.add(e);
        list.add(slot);
        values.set(l.value, list);
      } else e.add(slot);
    }
  }

  /**
   * Removes the slots marked in `dead` from the lists of `pairs` (the labels of the removed series) and from the
   * all-series list; drops lists and names left empty.
   */
  remove(dead: Uint8Array, pairs: Iterable<readonly [string, string]>): void {
    const touched = new Set<PostingList>();
    const maybeEmpty: [string, string][] = [];
    for (const [name, value] of pairs) {
      const values = this.byName.get(name);
      const e = values?.get(value);
      if (e === undefined) continue;
      if (typeof e === 'number') {
        if (dead[e] !== 0) values!.delete(value);
        if (values!.size === 0) this.byName.delete(name);
      } else if (!touched.has(e)) {
        touched.add(e);
        maybeEmpty.push([name, value]);
      }
    }
    for (const list of touched) list.removeMarked(dead);
    this.allSeries.removeMarked(dead);
    for (const [name, value] of maybeEmpty) {
      const values = this.byName.get(name)!;
      const list = values.get(value) as PostingList;
      if (list.length === 0) values.delete(value);
      else if (list.length === 1) values.set(value, list.view()[0]!);
      if (values.size === 0) this.byName.delete(name);
    }
  }

  /** Sorted slots with label `name` = `value` (empty if none). */
  get(name: string, value: string): Int32Array {
    const e = this.byName.get(name)?.get(value);
    return e === undefined ? EMPTY : entryView(e);
  }

  /** Values of one label name that at least one series has (empty if none). */
  values(name: string): IterableIterator<string> {
    return (this.byName.get(name) ?? new Map<string, Entry>()).keys();
  }

  /** Number of series with label `name` = `value`. */
  count(name: string, value: string): number {
    const e = this.byName.get(name)?.get(value);
    return e === undefined ? 0 : entrySize(e);
  }

  /** Label names with at least one series. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** Number of distinct values of label `name`. */
  valueCount(name: string): number {
    return this.byName.get(name)?.size ?? 0;
  }

  /** Every series slot, sorted. */
  all(): Int32Array {
    return this.allSeries.view();
  }

  /**
   * Resolves matchers to the sorted slots of series that satisfy all of them, as Prometheus does: a matcher that
   * accepts the empty string also accepts series without the label, so it subtracts the series whose value it
   * rejects; any other matcher intersects with the union of the values it accepts; with no such matcher the
   * result starts from all series.
   */
  select(matchers: readonly Matcher[]): Int32Array {
    let result: Int32Array | null = null;
    const subtracts: Int32Array[] = [];
    // Intersections first: they shrink the candidate set the fastest.
    for (const m of matchers) {
      if (m.matchesEmpty()) continue;
      let lists: Int32Array[];
      if (m.type === '=') lists = [this.get(m.name, m.value)];
      else {
        lists = [];
        const values = this.byName.get(m.name);
        if (values !== undefined) for (const [v, e] of values) if (m.matches(v)) lists.push(entryView(e));
      }
      const u = union(lists);
      result = result === null ? u : intersect(result, u);
      if (result.length === 0) return EMPTY;
    }
    for (const m of matchers) {
      if (!m.matchesEmpty()) continue;
      const values = this.byName.get(m.name);
      if (values === undefined) continue;
      const lists: Int32Array[] = [];
      for (const [v, e] of values) if (!m.matches(v)) lists.push(entryView(e));
      if (lists.length > 0) subtracts.push(union(lists));
    }
    if (result === null) result = this.all();
    for (const s of subtracts) result = subtract(result, s);
    // Never hand out a view of a live list: the caller may hold the result across appends.
    return subtracts.length > 0 ? result : result.slice();
  }
}
