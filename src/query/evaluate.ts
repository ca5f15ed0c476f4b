/**
 * The worker's side of a query, as a plain function so it can also run in-process: open (or reuse) the blocks the
 * main thread named, estimate the samples the query loads from them, refuse it over budget, and evaluate with the
 * Engine over the blocks merged with the head snapshot.
 */
import { BadDataError, ExecutionError, TimeoutError } from '../model/errors.js';
import { Engine, parseExpr } from '../promql/index.js';
import { Block } from '../tsdb/block/index.js';
import { TieredQuerier, parseMaxSourceResolution, tierSet } from '../tsdb/downsample/index.js';
import type { QuerySource } from '../tsdb/querier.js';
import type { Queryable, SelectHints } from '../tsdb/types.js';
import { TOO_MANY_SAMPLES } from './prefetch.js';
import { selectorRanges, type PlanOptions } from './plan.js';
import { SnapshotSource, type HeadSnapshot } from './snapshot.js';
import { packValue, type WireValue } from './wire.js';

/** A block as the main thread describes it: enough to open it and to estimate reads without opening it. */
export interface BlockRef {
  id: string;
  dir: string;
  minTime: number;
  /** Exclusive. */
  maxTime: number;
  numSeries: number;
  numSamples: number;
  /** Sample spacing of a downsampled block, ms; 0 = raw. */
  resolution: number;
}

export interface EvalRequest extends PlanOptions {
  id: number;
  kind: 'instant' | 'range';
  expr: string;
  start: number;
  end: number;
  stepMs: number;
  /** Raw blocks of the Db's read view, oldest first. */
  blocks: BlockRef[];
  /** Downsampled blocks of the read view, oldest first. */
  downsampled: BlockRef[];
  head: HeadSnapshot;
  /** The head's oldest sample time when the snapshot was taken (where raw data from the head begins). */
  headMinTime: number;
  /** `max_source_resolution`: raw | 5m | 1h | auto (default). */
  maxSourceResolution?: string;
  /** Samples in the head snapshot (counted on the main thread). */
  headSamples: number;
  maxSamples: number;
  /** Time left for evaluation, ms. */
  timeoutMs: number;
}

export type ErrorKind = 'bad_data' | 'execution' | 'timeout' | 'internal';

export type EvalResponse =
  | { id: number; ok: true; value: WireValue; samples: number; warnings?: string[] }
  | { id: number; ok: false; error: { kind: ErrorKind; message: string } };

/** Blocks opened by this thread, by id; blocks the Db no longer lists are closed on the next retain(). */
export class BlockCache {
  private readonly open = new Map<string, Block>();

  get(ref: BlockRef): Block {
    let b = this.open.get(ref.id);
    if (b === undefined) {
      b = Block.open(ref.dir);
      this.open.set(ref.id, b);
    }
    return b;
  }

  /** Closes cached blocks not among `current` (deleted or replaced by compaction). */
  retain(current: readonly BlockRef[]): void {
    const keep = new Set(current.map((r) => r.id));
    for (const [id, b] of this.open) {
      if (keep.has(id)) continue;
      b.close();
      this.open.delete(id);
    }
  }

  get size(): number {
    return this.open.size;
  }

  close(): void {
    for (const b of this.open.values()) b.close();
    this.open.clear();
  }
}

/**
 * Samples the query would load from the blocks: per selector and overlapping block, the matching series times the
 * block's mean samples per series, scaled by the share of the block's time range the selector reads.
 */
export function estimateBlockSamples(req: EvalRequest, blocks: readonly Block[], ranges: ReturnType<typeof selectorRanges>): number {
  let total = 0;
  for (const r of ranges) {
    for (let i = 0; i < blocks.length; i++) {
      const meta = req.blocks[i]!;
      const lo = Math.max(r.mint, meta.minTime), hi = Math.min(r.maxt + 1, meta.maxTime);
      if (hi <= lo || meta.numSeries === 0) continue;
      const series = blocks[i]!.select(r.matchers, r.mint, r.maxt, { labelsOnly: true }).length;
      const span = Math.max(1, meta.maxTime - meta.minTime);
      total += (series * (meta.numSamples / meta.numSeries) * (hi - lo)) / span;
    }
  }
  return Math.ceil(total);
}

/** Evaluates one request; every failure comes back as an error response, never as a throw. */
export function evaluate(req: EvalRequest, cache: BlockCache): EvalResponse {
  try {
    cache.retain([...req.blocks, ...req.downsampled]);
    const hints = selectHints(req.maxSourceResolution);
    const expr = parseExpr(req.expr);
    const blocks = req.blocks.map((r) => cache.get(r));
    const ranges = selectorRanges(expr, req.start, req.kind === 'instant' ? req.start : req.end, req);
    const samples = req.headSamples + estimateBlockSamples(req, blocks, ranges);
    if (samples > req.maxSamples) throw new ExecutionError(TOO_MANY_SAMPLES);
    // The same tiers as Db.querier(): raw blocks and the head merged, downsampled blocks where they serve better.
    const raw: QuerySource[] = [...blocks, new SnapshotSource(req.head)];
    const tiers = tierSet(raw, req.blocks, req.headMinTime, req.downsampled.map((r) => cache.get(r)));
    const storage: Queryable = { querier: () => new TieredQuerier(tiers) };
    const engine = new Engine({
      maxSamples: req.maxSamples,
      timeoutMs: req.timeoutMs,
      lookbackDeltaMs: req.lookbackMs,
      defaultSubqueryStepMs: req.defaultSubqueryStepMs,
    });
    const value =
      req.kind === 'instant'
        ? engine.instantQuery(storage, expr, req.start, hints)
        : engine.rangeQuery(storage, expr, req.start, req.end, req.stepMs, hints);
    const warnings = resolutionWarnings(engine.servedResolutions);
    return { id: req.id, ok: true, value: packValue(value), samples, ...(warnings.length > 0 ? { warnings } : {}) };
  } catch (e) {
    return { id: req.id, ok: false, error: { kind: errorKind(e), message: e instanceof Error ? e.message : String(e) } };
  }
}

/** `max_source_resolution` as select hints (none for auto: the engine picks per selector). */
export function selectHints(maxSourceResolution: string | undefined): SelectHints | undefined {
  let r: number | undefined;
  try {
    r = parseMaxSourceResolution(maxSourceResolution);
  } catch (e) {
    throw new BadDataError((e as Error).message);
  }
  return r === undefined ? undefined : { resolution: r };
}

/** Names the downsampled resolutions that served a query, as the in-process runner's warnings do. */
export function resolutionWarnings(served: readonly number[]): string[] {
  const coarse = served.filter((r) => r > 0);
  if (coarse.length === 0) return [];
  const name = (r: number) => (r % 3_600_000 === 0 ? `${r / 3_600_000}h` : `${r / 60_000}m`);
  return [`served from downsampled data at resolution ${coarse.map(name).join(', ')}${served.includes(0) ? ' and raw data' : ''}`];
}

function errorKind(e: unknown): ErrorKind {
  if (e instanceof BadDataError) return 'bad_data';
  if (e instanceof ExecutionError) return 'execution';
  if (e instanceof TimeoutError) return 'timeout';
  return 'internal';
}

/** The error a response stands for, as the typed error the API maps to a status. */
export function responseError(kind: ErrorKind, message: string): Error {
  switch (kind) {
    case 'bad_data': return new BadDataError(message);
    case 'execution': return new ExecutionError(message);
    case 'timeout': return new TimeoutError(message);
    case 'internal': return new Error(message);
  }
}
