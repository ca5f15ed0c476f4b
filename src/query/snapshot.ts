/**
 * The head's data for one query, packed for a worker thread: encoded chunk bytes (copied on the main thread, decoded
 * in the worker) and their time bounds in typed arrays that are transferred, not cloned, plus the series' labels.
 *
 * Layout: series i owns label strings [labelEnd[i-1], labelEnd[i]) of `labels` (name, value, name, value, …) and
 * chunks [chunkEnd[i-1], chunkEnd[i]); chunk j's bytes are bytes[byteEnd[j-1], byteEnd[j]) (index -1 reads 0).
 */
import type { Label, Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { chunkNumSamples, decodeChunkInto, newSampleBuffer } from '../tsdb/chunkenc/index.js';
import type { QuerySource } from '../tsdb/querier.js';
import type { HeadSeriesSink, SymbolLookup } from '../tsdb/head/head.js';
import type { SampleBuffer, SelectHints, Series } from '../tsdb/types.js';
import { StringPacker, packedTransfer, stringTable, type PackedStrings } from './strings.js';
import { resized } from '../model/typed-arrays.js';

export interface HeadSnapshot {
  labels: PackedStrings;
  labelEnd: Int32Array;
  chunkEnd: Int32Array;
  minT: Float64Array;
  maxT: Float64Array;
  byteEnd: Int32Array;
  bytes: Uint8Array;
}

/** The buffers of a snapshot, for postMessage's transfer list. */
export function snapshotTransfer(s: HeadSnapshot): ArrayBuffer[] {
  return [...[s.labelEnd, s.chunkEnd, s.minT, s.maxT, s.byteEnd, s.bytes].map((a) => a.buffer as ArrayBuffer), ...packedTransfer(s.labels)];
}

/**
 * Collects chunks series by series (a HeadSeriesSink): call `chunk()` for each chunk of a series, then
 * `endSeries(labels)` — or let Head.readSeries hand over both, the labels as symbol ids. Chunk bytes are copied at
 * once (the head's open chunk changes with the next append). Arrays grow by doubling.
 */
export class SnapshotBuilder implements HeadSeriesSink {
  private readonly labels = new StringPacker();
  /** By head symbol id: the string it stood for when last seen, and that string's index in `labels`. */
  private readonly symbolStr: (string | undefined)[] = [];
  private symbolIdx: Int32Array = new Int32Array(0);
  private labelEnd: Int32Array = new Int32Array(256);
  private chunkEnd: Int32Array = new Int32Array(256);
  private minT: Float64Array = new Float64Array(512);
  private maxT: Float64Array = new Float64Array(512);
  private byteEnd: Int32Array = new Int32Array(512);
  private bytes: Uint8Array = new Uint8Array(64 * 1024);
  private nSeries = 0;
  private nChunks = 0;
  private nBytes = 0;
  /** Samples in the chunks collected so far (whole chunks: an upper bound of what the query decodes). */
  samples = 0;

  chunk(bytes: Uint8Array, minT: number, maxT: number, numSamples: number): void {
    if (this.nChunks === this.minT.length) {
      const c = this.nChunks * 2;
      this.minT = resized(this.minT, c);
      this.maxT = resized(this.maxT, c);
      this.byteEnd = resized(this.byteEnd, c);
    }
    const need = this.nBytes + bytes.length;
    if (need > this.bytes.length) {
      let c = this.bytes.length * 2;
      while (c < need) c *= 2;
      const b = new Uint8Array(c);
      b.set(this.bytes.subarray(0, this.nBytes));
      this.bytes = b;
    }
    this.bytes.set(bytes, this.nBytes);
    this.nBytes = need;
    this.minT[this.nChunks] = minT;
    this.maxT[this.nChunks] = maxT;
    this.byteEnd[this.nChunks] = need;
    this.nChunks++;
    this.samples += numSamples;
  }

  /** Closes the series whose chunks were just added; a series without chunks is dropped. */
  endSeries(labels: Labels): void {
    if (!this.hasChunks()) return;
    for (const l of labels) {
      this.labels.push(l.name);
      this.labels.push(l.value);
    }
    this.close();
  }

  /**
   * endSeries with the labels as the head's symbol ids (HeadSeriesSink): each distinct string is looked up once per
   * snapshot, not once per occurrence.
   */
  seriesSymbols(ids: Int32Array, from: number, pairs: number, symbols: SymbolLookup): void {
    if (!this.hasChunks()) return;
    for (let j = from, to = from + 2 * pairs; j < to; j++) {
      const id = ids[j]!;
      const str = symbols.str(id);
      // The head reuses ids of dropped strings (possibly between two calls, while the prefetch yields): an id
      // stands for the string seen before only if it still resolves to it.
      if (id < this.symbolIdx.length && this.symbolStr[id] === str) {
        this.labels.pushId(this.symbolIdx[id]!);
        continue;
      }
      if (id >= this.symbolIdx.length) {
        let c = Math.max(256, this.symbolIdx.length * 2);
        while (c <= id) c *= 2;
        this.symbolIdx = resized(this.symbolIdx, c);
        // Filled, not assigned past its end: a sparse array would fall back to slow dictionary elements.
        while (this.symbolStr.length < c) this.symbolStr.push(undefined);
      }
      this.symbolIdx[id] = this.labels.push(str);
      this.symbolStr[id] = str;
    }
    this.close();
  }

  private hasChunks(): boolean {
    return this.nChunks > (this.nSeries === 0 ? 0 : this.chunkEnd[this.nSeries - 1]!);
  }

  /** Ends the series whose chunks and label strings were just added. */
  private close(): void {
    if (this.nSeries === this.chunkEnd.length) {
      this.chunkEnd = resized(this.chunkEnd, this.nSeries * 2);
      this.labelEnd = resized(this.labelEnd, this.nSeries * 2);
    }
    this.labelEnd[this.nSeries] = this.labels.length;
    this.chunkEnd[this.nSeries] = this.nChunks;
    this.nSeries++;
  }

  get seriesCount(): number {
    return this.nSeries;
  }

  /** The packed snapshot (trimmed copies; the builder must not be used afterwards). */
  finish(): HeadSnapshot {
    return {
      labels: this.labels.finish(),
      labelEnd: this.labelEnd.slice(0, this.nSeries),
      chunkEnd: this.chunkEnd.slice(0, this.nSeries),
      minT: this.minT.slice(0, this.nChunks),
      maxT: this.maxT.slice(0, this.nChunks),
      byteEnd: this.byteEnd.slice(0, this.nChunks),
      bytes: this.bytes.slice(0, this.nBytes),
    };
  }
}


class DecodedSeries implements Series {
  constructor(readonly labels: Labels, private readonly buf: SampleBuffer) {}
  samples(): SampleBuffer {
    return this.buf;
  }
}

/**
 * A QuerySource over a snapshot, answering like the head did when the snapshot was taken: series matching all
 * matchers with samples in [mint, maxt], sorted by labels, samples decoded on select. Only ranges within the ones
 * the snapshot was taken for have complete data.
 */
export class SnapshotSource implements QuerySource {
  private readonly seriesLabels: Labels[];
  private sorted: Int32Array | null = null;

  constructor(private readonly snap: HeadSnapshot) {
    const n = snap.chunkEnd.length;
    const table = stringTable(snap.labels), ids = snap.labels.ids;
    this.seriesLabels = new Array<Labels>(n);
    for (let i = 0; i < n; i++) {
      const from = i === 0 ? 0 : snap.labelEnd[i - 1]!, to = snap.labelEnd[i]!;
      const ls: Label[] = [];
      for (let j = from; j < to; j += 2) ls.push({ name: table[ids[j]!]!, value: table[ids[j + 1]!]! });
      this.seriesLabels[i] = ls;
    }
  }

  get seriesCount(): number {
    return this.seriesLabels.length;
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[] {
    const { chunkEnd, minT, maxT, byteEnd, bytes } = this.snap;
    const labelsOnly = hints?.labelsOnly === true;
    const latestOnly = hints?.latestOnly === true;
    const order = this.labelOrder();
    // Pass 1: the matching series and the chunks each needs, so that all samples fit one exactly sized arena.
    const picked = new Int32Array(order.length), firstChunk = new Int32Array(order.length);
    let n = 0, total = 0;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (!matchesAll(this.seriesLabels[i]!, matchers)) continue;
      const c0 = i === 0 ? 0 : chunkEnd[i - 1]!, c1 = chunkEnd[i]!;
      let first = -1;
      for (let c = c0; c < c1; c++) {
        if (maxT[c]! < mint || minT[c]! > maxt) continue;
        // Chunks are in time order: with latestOnly the newest overlapping chunk holds the newest sample in range.
        if (first < 0 || latestOnly) first = c;
      }
      if (first < 0) continue;
      picked[n] = i;
      firstChunk[n++] = first;
      if (labelsOnly) continue;
      for (let c = first; c < c1; c++) {
        if (minT[c]! > maxt) break;
        total += chunkNumSamples(bytes.subarray(c === 0 ? 0 : byteEnd[c - 1]!, byteEnd[c]!));
      }
    }
    const out: Series[] = [];
    if (labelsOnly) {
      const empty = newSampleBuffer(1);
      for (let k = 0; k < n; k++) out.push(new DecodedSeries(this.seriesLabels[picked[k]!]!, empty));
      return out;
    }
    // Pass 2: decode every series into the shared arena; each series gets views of its stretch. (Should a corrupt
    // header undercount, the decoder grows the arena: earlier views keep the old arrays, which stay valid.)
    const arena = newSampleBuffer(total);
    for (let k = 0; k < n; k++) {
      const i = picked[k]!, c1 = chunkEnd[i]!, from = arena.length;
      for (let c = firstChunk[k]!; c < c1; c++) {
        if (minT[c]! > maxt) break;
        if (maxT[c]! < mint) continue;
        decodeChunkInto(bytes.subarray(c === 0 ? 0 : byteEnd[c - 1]!, byteEnd[c]!), mint, maxt, arena);
      }
      const to = arena.length;
      if (to === from) continue;
      const buf: SampleBuffer = { t: arena.t.subarray(from, to), v: arena.v.subarray(from, to), length: to - from };
      out.push(new DecodedSeries(this.seriesLabels[i]!, buf));
    }
    return out;
  }

  /** Series indexes sorted by labels, computed on first use (selects then return sorted results without sorting). */
  private labelOrder(): Int32Array {
    if (this.sorted === null) {
      // Compares label sets as compareLabels does, but on each string's rank in the sorted table of distinct
      // strings: integer comparisons instead of string comparisons of long shared prefixes.
      const { labels, labelEnd } = this.snap;
      const table = stringTable(labels), ids = labels.ids;
      const byString = Array.from({ length: table.length }, (_, i) => i);
      byString.sort((a, b) => (table[a]! < table[b]! ? -1 : table[a]! > table[b]! ? 1 : 0));
      const rank = new Int32Array(table.length);
      for (let r = 0; r < byString.length; r++) {
        const id = byString[r]!;
        rank[id] = r > 0 && table[id] === table[byString[r - 1]!] ? rank[byString[r - 1]!]! : r;
      }
      const compare = (a: number, b: number): number => {
        const a0 = a === 0 ? 0 : labelEnd[a - 1]!, a1 = labelEnd[a]!;
        const b0 = b === 0 ? 0 : labelEnd[b - 1]!, b1 = labelEnd[b]!;
        const n = Math.min(a1 - a0, b1 - b0);
        for (let j = 0; j < n; j++) {
          const d = rank[ids[a0 + j]!]! - rank[ids[b0 + j]!]!;
          if (d !== 0) return d;
        }
        return (a1 - a0) - (b1 - b0);
      };
      const idx = Array.from({ length: this.seriesLabels.length }, (_, i) => i);
      idx.sort(compare);
      this.sorted = Int32Array.from(idx);
    }
    return this.sorted;
  }

  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    const names = new Set<string>();
    for (const s of this.select(matchers, mint, maxt, { labelsOnly: true })) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    const values = new Set<string>();
    for (const s of this.select(matchers, mint, maxt, { labelsOnly: true })) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }
}

function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) {
    let v = '';
    for (const l of labels) {
      if (l.name === m.name) {
        v = l.value;
        break;
      }
    }
    if (!m.matches(v)) return false;
  }
  return true;
}
