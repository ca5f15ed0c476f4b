/**
 * Buffers imported samples per series until they are written as blocks. One growable pair of typed arrays per
 * series (no object per sample); series are found by the parser's raw series key first and by their normalized
 * labels on a miss, so two spellings of one label set (label order, quoting) share a series.
 */
import { labelsKey, type Labels } from '../../model/labels.js';
import type { SampleBuffer } from '../types.js';

/** Bytes one buffered sample costs (a float64 timestamp and a float64 value). */
export const BYTES_PER_BUFFERED_SAMPLE = 16;
const INITIAL_CAPACITY = 16;

const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer);
function sameBits(a: number, b: number): boolean {
  f64[0] = a; f64[1] = b;
  return u32[0] === u32[2] && u32[1] === u32[3];
}

/** A sample with the timestamp of the series' previous sample but another value: the input is ambiguous. */
export class ConflictingSampleError extends Error {
  constructor(readonly labels: Labels, readonly t: number, readonly previous: number, readonly value: number) {
    super(`conflicting sample for timestamp ${t}: value ${value} after ${previous}`);
    this.name = 'ConflictingSampleError';
  }
}

export class SampleCollector {
  private readonly byKey = new Map<string, number>();
  private readonly byLabels = new Map<string, number>();
  readonly labels: Labels[] = [];
  private t: Float64Array[] = [];
  private v: Float64Array[] = [];
  private len: number[] = [];
  /** Series whose samples arrived out of time order since the last flush: sorted before writing. */
  private unsorted = new Set<number>();
  /** Samples currently buffered. */
  buffered = 0;
  /** Bytes of the typed arrays holding them (capacity, so up to twice the samples' bytes after a doubling). */
  allocatedBytes = 0;
  /** Adjacent repeats of the same (t, v) dropped, and duplicates with other values dropped when sorting. */
  duplicatesDropped = 0;
  outOfOrder = 0;
  minT = Infinity;
  maxT = -Infinity;

  /** The raw key each series was first seen under, for the prediction in `lookup`. */
  private readonly firstKey: string[] = [];
  /** For each series, the series that followed it last time: files list a series' samples together, or cycle through a
   * fixed group of series (a histogram's buckets per timestamp), so this predicts the next key without hashing. */
  private successor: Int32Array = new Int32Array(16).fill(-1);
  private lastId = -1;

  /** The series id for a raw series key, or -1 if not seen yet (then call `addSeries`). */
  lookup(key: string): number {
    const last = this.lastId;
    if (last >= 0) {
      if (this.firstKey[last] === key) return last;
      const next = this.successor[last]!;
      if (next >= 0 && this.firstKey[next] === key) return (this.lastId = next);
    }
    const id = this.byKey.get(key);
    if (id === undefined) return -1;
    this.follow(id);
    return id;
  }

  private follow(id: number): void {
    if (this.lastId >= 0) this.successor[this.lastId] = id;
    this.lastId = id;
  }

  /** Registers `key` for `labels` (normalized), reusing the series if the label set is known under another key. */
  addSeries(key: string, labels: Labels): number {
    const lk = labelsKey(labels);
    let id = this.byLabels.get(lk);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(labels);
      this.t.push(new Float64Array(INITIAL_CAPACITY));
      this.v.push(new Float64Array(INITIAL_CAPACITY));
      this.allocatedBytes += INITIAL_CAPACITY * BYTES_PER_BUFFERED_SAMPLE;
      this.len.push(0);
      this.firstKey.push(key);
      this.byLabels.set(lk, id);
      if (id >= this.successor.length) {
        const next = new Int32Array(this.successor.length * 2).fill(-1);
        next.set(this.successor);
        this.successor = next;
      }
    }
    this.byKey.set(key, id);
    this.follow(id);
    return id;
  }

  /**
   * Buffers one sample. A repeat of the previous sample's timestamp with the same value (bit for bit) is dropped;
   * with another value it throws ConflictingSampleError. Older timestamps are accepted and sorted at flush.
   */
  add(id: number, t: number, v: number): void {
    let n = this.len[id]!;
    let ts = this.t[id]!;
    if (n > 0) {
      const last = ts[n - 1]!;
      if (t === last) {
        const prev = this.v[id]![n - 1]!;
        if (sameBits(prev, v)) { this.duplicatesDropped++; return; }
        throw new ConflictingSampleError(this.labels[id]!, t, prev, v);
      }
      if (t < last) { this.unsorted.add(id); this.outOfOrder++; }
    }
    if (n === ts.length) {
      const nt = new Float64Array(n * 2); nt.set(ts); this.t[id] = ts = nt;
      const nv = new Float64Array(n * 2); nv.set(this.v[id]!); this.v[id] = nv;
      this.allocatedBytes += n * BYTES_PER_BUFFERED_SAMPLE;
    }
    ts[n] = t;
    this.v[id]![n] = v;
    this.len[id] = n + 1;
    this.buffered++;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
  }

  /**
   * The buffered samples of every series with any, each in strictly increasing time order (out-of-order series
   * sorted; among equal timestamps the last one read wins). Views stay valid until `clear()`.
   */
  drain(): Array<{ labels: Labels; samples: SampleBuffer }> {
    for (const id of this.unsorted) this.sortSeries(id);
    this.unsorted.clear();
    const out: Array<{ labels: Labels; samples: SampleBuffer }> = [];
    for (let id = 0; id < this.labels.length; id++) {
      const n = this.len[id]!;
      if (n > 0) out.push({ labels: this.labels[id]!, samples: { t: this.t[id]!, v: this.v[id]!, length: n } });
    }
    return out;
  }

  /** Forgets buffered samples (series identities stay) and shrinks the buffers back. */
  clear(): void {
    for (let id = 0; id < this.labels.length; id++) {
      if (this.len[id] === 0) continue;
      this.len[id] = 0;
      this.allocatedBytes -= (this.t[id]!.length - INITIAL_CAPACITY) * BYTES_PER_BUFFERED_SAMPLE;
      this.t[id] = new Float64Array(INITIAL_CAPACITY);
      this.v[id] = new Float64Array(INITIAL_CAPACITY);
    }
    this.buffered = 0;
    this.minT = Infinity;
    this.maxT = -Infinity;
  }

  private sortSeries(id: number): void {
    const n = this.len[id]!;
    const t = this.t[id]!, v = this.v[id]!;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // Stable by arrival for equal timestamps, so "last one read wins" below is well defined.
    order.sort((a, b) => t[a]! - t[b]! || a - b);
    const nt = new Float64Array(t.length), nv = new Float64Array(t.length);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      if (k > 0 && nt[k - 1] === t[j]) { nv[k - 1] = v[j]!; this.duplicatesDropped++; this.buffered--; continue; }
      nt[k] = t[j]!; nv[k] = v[j]!; k++;
    }
    this.t[id] = nt; this.v[id] = nv; this.len[id] = k;
  }
}
