/**
 * A Querier over several resolutions of the same data: raw (head and raw blocks) and downsampled tiers. For each
 * select it splits [mint, maxt] into stretches and serves each from the most suitable tier that holds data there:
 * first the coarsest tier not coarser than `hints.resolution`, then finer tiers (finest last but one), then coarser
 * ones (where raw data expired). So a query never comes back empty where some tier has the data, and never reads
 * two tiers for the same instant. Each series' pieces are joined in time order; counter pieces are stitched into
 * one monotonic chain (aggregate.ts), so `rate` over a stretch served partly raw and partly downsampled is right.
 */
import { compareLabels, labelsKey, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { newSampleBuffer } from '../chunkenc/samples.js';
import { appendBlockSeries, blockSeriesBound, type Block } from '../block/index.js';
import { MergeQuerier, type QuerySource } from '../querier.js';
import type { Querier, SampleBuffer, SelectHints, Series } from '../types.js';
import { appendAfter, avgOf, CounterChain, type ReadAggregate } from './aggregate.js';
import { AGGR_LABEL, readAggregate } from './block-io.js';

/** Half-open time interval [from, to) in ms. */
export type Interval = readonly [number, number];

export interface TierSet {
  /** Head and raw blocks, merged (a MergeQuerier). */
  raw: QuerySource;
  /** Where raw data exists (sorted, may overlap). The head's stretch usually ends at +Infinity. */
  rawCoverage: readonly Interval[];
  /** Downsampled blocks by resolution (ms), each list sorted by minTime. */
  downsampled: ReadonlyMap<number, readonly Block[]>;
}

/** One stretch of a select and the tier (resolution, 0 = raw) serving it; [from, to] inclusive. */
export interface Stretch {
  resolution: number;
  from: number;
  to: number;
}

function covers(iv: readonly Interval[], t: number): boolean {
  for (const [a, b] of iv) if (a <= t && t < b) return true;
  return false;
}

/** Tier resolutions in order of preference for a caller happy with `wanted` ms. */
export function preferenceOrder(available: readonly number[], wanted: number): number[] {
  const sorted = [...new Set([0, ...available])].sort((a, b) => a - b);
  let chosen = 0;
  for (const r of sorted) if (r <= wanted) chosen = r;
  const finer = sorted.filter((r) => r < chosen).reverse();
  const coarser = sorted.filter((r) => r > chosen);
  return [chosen, ...finer, ...coarser];
}

/**
 * Splits [mint, maxt] (inclusive) into stretches each served by the first tier in `order` covering it. Stretches
 * no tier covers are left out. Pure.
 */
export function planStretches(
  mint: number, maxt: number, order: readonly number[], coverage: ReadonlyMap<number, readonly Interval[]>,
): Stretch[] {
  const cuts = new Set<number>([mint, maxt + 1]);
  for (const r of order) {
    for (const [a, b] of coverage.get(r) ?? []) {
      if (a > mint && a <= maxt) cuts.add(a);
      if (b > mint && b <= maxt) cuts.add(b);
    }
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const out: Stretch[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = bounds[i]!, b = bounds[i + 1]! - 1;
    const r = order.find((res) => covers(coverage.get(res) ?? [], a));
    if (r === undefined) continue;
    const prev = out[out.length - 1];
    if (prev && prev.resolution === r && prev.to + 1 === a) prev.to = b;
    else out.push({ resolution: r, from: a, to: b });
  }
  return out;
}

type Piece =
  | { kind: 'raw'; series: Series }
  /** `source`: the block series the points are read from as they are stored, when they are (not for avg). */
  | { kind: 'aggr'; samples: () => SampleBuffer; counterLast: () => number; source?: Series };

/** Where stored aggregate pieces are decoded, one at a time, before being copied into their series' buffer. */
const scratch = newSampleBuffer(1024);

/** A stored piece's points, decoded into `scratch` when they come straight from a block. */
function pieceSamples(p: Piece): SampleBuffer {
  if (p.kind === 'raw') return p.series.samples();
  if (p.source !== undefined) {
    scratch.length = 0;
    if (appendBlockSeries(p.source, scratch)) return scratch;
  }
  return p.samples();
}

function ones(b: SampleBuffer): SampleBuffer {
  const out = newSampleBuffer(Math.max(1, b.length));
  out.t.set(b.t.subarray(0, b.length));
  out.v.fill(1, 0, b.length);
  out.length = b.length;
  return out;
}

class TieredSeries implements Series {
  private cached: SampleBuffer | null = null;
  constructor(
    readonly labels: Labels,
    private readonly pieces: Piece[],
    readonly aggregate: ReadAggregate,
  ) {}
  private get aggr(): ReadAggregate {
    return this.aggregate;
  }

  samples(): SampleBuffer {
    if (this.cached) return this.cached;
    // Sized once, from the stored pieces' chunk headers and the other pieces' buffers, so that the stored pieces
    // need no buffer of their own and `out` never grows.
    let bound = 0;
    const own: (SampleBuffer | null)[] = this.pieces.map((p) => {
      const b = p.kind === 'aggr' && p.source !== undefined ? blockSeriesBound(p.source) : -1;
      if (b >= 0) {
        bound += b;
        return null;
      }
      const s = p.kind === 'raw' ? p.series.samples() : p.samples();
      bound += s.length;
      return s;
    });
    const out = newSampleBuffer(bound);
    const chain = this.aggr === 'counter' ? new CounterChain(out) : null;
    this.pieces.forEach((p, i) => {
      const s = own[i] ?? pieceSamples(p);
      if (chain) chain.add({ t: s.t, v: s.v, length: s.length, adjusted: p.kind === 'aggr', rawLast: p.kind === 'aggr' ? p.counterLast() : NaN });
      else appendAfter(out, p.kind === 'raw' && this.aggr === 'count' ? ones(s) : s);
    });
    this.cached = out;
    return out;
  }
}

/**
 * The Querier over a TierSet. `servedResolutions()` tells which tiers answered the selects so far.
 * `onClose` runs once, on the first close().
 */
export class TieredQuerier implements Querier {
  private closed = false;
  private readonly served = new Set<number>();
  private readonly coverage = new Map<number, readonly Interval[]>();

  constructor(private readonly tiers: TierSet, private readonly onClose?: () => void) {
    this.coverage.set(0, tiers.rawCoverage);
    for (const [r, blocks] of tiers.downsampled) {
      if (blocks.length > 0) this.coverage.set(r, blocks.map((b) => [b.meta.minTime, b.meta.maxTime] as const));
    }
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[] {
    this.checkOpen();
    const order = preferenceOrder([...this.coverage.keys()], hints?.resolution ?? 0);
    const stretches = planStretches(mint, maxt, order, this.coverage);
    // Everything raw (the usual case for recent data): exactly the raw querier's answer.
    if (stretches.every((s) => s.resolution === 0)) {
      this.served.add(0);
      return this.tiers.raw.select(matchers, mint, maxt, hints);
    }
    const aggr: ReadAggregate = hints?.aggregate ?? 'avg';
    const bySeries = new Map<string, { labels: Labels; pieces: Piece[] }>();
    const add = (labels: Labels, piece: Piece) => {
      const k = labelsKey(labels);
      let e = bySeries.get(k);
      if (!e) bySeries.set(k, (e = { labels, pieces: [] }));
      e.pieces.push(piece);
    };
    for (const st of stretches) {
      this.served.add(st.resolution);
      if (st.resolution === 0) {
        for (const s of this.tiers.raw.select(matchers, st.from, st.to, hints)) add(s.labels, { kind: 'raw', series: s });
        continue;
      }
      for (const b of this.tiers.downsampled.get(st.resolution) ?? []) {
        if (b.meta.maxTime <= st.from || b.meta.minTime > st.to) continue;
        const from = Math.max(st.from, b.meta.minTime), to = Math.min(st.to, b.meta.maxTime - 1);
        if (hints?.labelsOnly) {
          for (const s of readAggregate(b, matchers, from, to, 'count')) add(s.labels, { kind: 'aggr', samples: emptyBuffer, counterLast: nan });
        } else if (aggr === 'avg') {
          const sums = new Map(readAggregate(b, matchers, from, to, 'sum').map((s) => [labelsKey(s.labels), s] as const));
          for (const c of readAggregate(b, matchers, from, to, 'count')) {
            const s = sums.get(labelsKey(c.labels));
            if (s) add(c.labels, { kind: 'aggr', samples: () => avgOf(s.samples(), c.samples()), counterLast: nan });
          }
        } else {
          for (const s of readAggregate(b, matchers, from, to, aggr)) {
            add(s.labels, { kind: 'aggr', samples: s.samples, counterLast: s.counterLast, source: s.source });
          }
        }
      }
    }
    const out: Series[] = [];
    for (const { labels, pieces } of bySeries.values()) {
      out.push(new TieredSeries(labels, pieces, aggr));
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    this.checkOpen();
    const set = new Set(this.tiers.raw.labelNames(matchers, mint, maxt));
    for (const blocks of this.tiers.downsampled.values()) {
      for (const b of blocks) for (const n of b.labelNames(matchers, mint, maxt)) if (n !== AGGR_LABEL) set.add(n);
    }
    return [...set].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[] {
    this.checkOpen();
    const set = new Set(this.tiers.raw.labelValues(name, matchers, mint, maxt));
    if (name !== AGGR_LABEL) {
      for (const blocks of this.tiers.downsampled.values()) {
        for (const b of blocks) for (const v of b.labelValues(name, matchers, mint, maxt)) set.add(v);
      }
    }
    return [...set].sort();
  }

  /** Resolutions (ms, 0 = raw) that served at least one select of this querier, ascending. */
  servedResolutions(): number[] {
    return [...this.served].sort((a, b) => a - b);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('querier used after close()');
  }
}

/**
 * The TierSet of a store: `rawSources` (raw blocks and the head, in MergeQuerier precedence order), the time ranges
 * of the raw blocks, the head's oldest sample time (Infinity when empty), and the downsampled blocks. Raw data is
 * taken to cover its blocks and everything from the head's start (or the newest raw block's end) on.
 */
export function tierSet(
  rawSources: readonly QuerySource[],
  rawBlocks: readonly { minTime: number; maxTime: number }[],
  headMinTime: number,
  downsampledBlocks: readonly Block[],
): TierSet {
  const downsampled = new Map<number, Block[]>();
  for (const b of [...downsampledBlocks].sort((x, y) => x.meta.minTime - y.meta.minTime)) {
    let l = downsampled.get(b.meta.resolution);
    if (!l) downsampled.set(b.meta.resolution, (l = []));
    l.push(b);
  }
  const rawCoverage: Interval[] = rawBlocks.map((b) => [b.minTime, b.maxTime] as const);
  const newestRawEnd = rawBlocks.length > 0 ? Math.max(...rawBlocks.map((b) => b.maxTime)) : Infinity;
  rawCoverage.push([Math.min(headMinTime, newestRawEnd), Infinity]);
  return { raw: new MergeQuerier(rawSources), rawCoverage, downsampled };
}

const emptyBuffer = (): SampleBuffer => newSampleBuffer(1);
const nan = (): number => NaN;
