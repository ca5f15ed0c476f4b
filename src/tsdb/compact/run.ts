/**
 * Executes the planner's steps on a data directory until nothing is left to do: merges, downsamples and deletes
 * blocks. Every output is a complete block (writeBlock: written to `<id>.tmp`, fsynced, renamed) before any input is
 * deleted, and deletion renames before removing, so a crash at any point leaves a directory that opens with all data
 * present once: a finished output whose inputs survive makes them obsolete (plan.ts), and the next run removes them.
 */
import { renameSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { labelsKey, type Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { nopLogger, type Logger } from '../../log/index.js';
import { Block, listTieredBlocks, readMeta, removeBlockLeftovers, removeColdDuplicates, writeBlock, type BlockMeta, type SeriesInput } from '../block/index.js';
import { MergeQuerier } from '../querier.js';
import { downsampleAggr, downsampleRaw, mergeAggr, type AggrSeries } from '../downsample/aggregate.js';
import { aggrSeriesInputs, readAggregates } from '../downsample/block-io.js';
import { copyBlockToCold, nextColdMove, type ColdStep, type ColdTier } from './cold.js';
import { DEFAULT_RANGES, DEFAULT_TIERS, obsoleteBlocks, planNext, type PlanBlock, type PlanOptions, type Step } from './plan.js';

/** Series handled between yields to the event loop. */
const SERIES_PER_SLICE = 500;
const ALL = [new Matcher('=~', '__name__', '.*')];

export interface CompactorOptions {
  now?: () => number;
  logger?: Logger;
  /** Retention per resolution, ms (resolutions not listed: kept forever). */
  retentionMs?: ReadonlyMap<number, number>;
  retentionBytes?: number;
  ranges?: PlanOptions['ranges'];
  tiers?: PlanOptions['tiers'];
  /** Most steps in one run (default unlimited): a daemon may prefer to spread work over runs. */
  maxSteps?: number;
  /** Blocks older than `afterMs` move to `dir` once the planner has nothing left to do (cold.ts). Default: none. */
  cold?: ColdTier;
  /** Called after each step that changed the directory (the Db reloads its blocks). */
  afterStep?: (step: StepReport) => Promise<void> | void;
}

/** A planner step, or a move to the cold tier. */
export type CompactorStep = Step | ColdStep;

export interface StepReport {
  step: CompactorStep;
  /** The block written, if any. */
  output?: BlockMeta;
  durationMs: number;
}

/**
 * Test hook: `VIGIL_TEST_CRASH_AT=<point>[@<n>]` makes the process SIGKILL itself the n-th time (default first) it
 * reaches `point` (before-write, after-write, after-compact, after-downsample, after-cold-copy, mid-delete). Deterministic crash points for the kill -9 tests.
 */
const crashCounts = new Map<string, number>();
function crashPoint(point: string): void {
  const spec = process.env.VIGIL_TEST_CRASH_AT;
  if (!spec) return;
  const [name, nth] = spec.split('@');
  if (name !== point) return;
  const n = (crashCounts.get(point) ?? 0) + 1;
  crashCounts.set(point, n);
  if (n === Number(nth ?? '1')) process.kill(process.pid, 'SIGKILL');
}

function toPlanBlock(m: BlockMeta): PlanBlock {
  return { id: m.id, minTime: m.minTime, maxTime: m.maxTime, resolution: m.resolution, sources: m.compaction.sources, bytes: m.stats.bytes ?? 0 };
}

/** Metas of the complete blocks in `dataDir` and its optional cold dir, oldest first. */
export function readBlockMetas(dataDir: string, coldDir?: string): BlockMeta[] {
  return listTieredBlocks(dataDir, coldDir).map((d) => readMeta(d));
}

/**
 * Removes, synchronously, the blocks whose sources another block of the same resolution holds (inputs of a merge
 * that completed before a crash), and the leftovers of interrupted writes and deletions. Only while no other writer
 * runs (the Db calls it at open, holding the lock). Returns the removed block directories.
 */
export function removeObsoleteBlocks(dataDir: string, coldDir?: string): string[] {
  removeBlockLeftovers(dataDir);
  const out: string[] = [];
  if (coldDir !== undefined) {
    removeBlockLeftovers(coldDir);
    out.push(...removeColdDuplicates(dataDir, coldDir));
  }
  const metas = readBlockMetas(dataDir, coldDir);
  const byId = new Map(metas.map((m) => [m.id, m]));
  for (const id of obsoleteBlocks(metas.map(toPlanBlock))) {
    const dir = byId.get(id)!.dir;
    renameSync(dir, `${dir}.deleted`);
    rmSync(`${dir}.deleted`, { recursive: true, force: true });
    out.push(dir);
  }
  return out;
}

/** Deletes blocks: each is renamed to `<id>.deleted` first, so a crash never leaves a half-removed block. */
async function deleteBlocks(metas: readonly BlockMeta[]): Promise<void> {
  let i = 0;
  for (const m of metas) {
    if (i++ === 1) crashPoint('mid-delete');
    const gone = `${m.dir}.deleted`;
    try {
      await rename(m.dir, gone);
    } catch (e) {
      // Deleted meanwhile by the Db's own retention.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    await rm(gone, { recursive: true, force: true });
  }
}

/**
 * Runs the planner's steps on `dataDir` until it has nothing left (or `maxSteps`); returns what was done. The caller
 * must own the directory (hold the Db's lock, or be the Db).
 *
 * @example const done = await compactDir('./data', { retentionMs: new Map([[0, 365 * 86_400_000]]) });
 */
export async function compactDir(dataDir: string, o: CompactorOptions = {}): Promise<StepReport[]> {
  const logger = o.logger ?? nopLogger;
  const now = o.now ?? Date.now;
  const cold = o.cold;
  removeBlockLeftovers(dataDir);
  if (cold !== undefined) removeBlockLeftovers(cold.dir);
  const reports: StepReport[] = [];
  for (let n = 0; o.maxSteps === undefined || n < o.maxSteps; n++) {
    const metas = readBlockMetas(dataDir, cold?.dir);
    const byId = new Map(metas.map((m) => [m.id, m]));
    const planned = planNext(metas.map(toPlanBlock), {
      now: now(),
      retentionMs: o.retentionMs ?? new Map(),
      retentionBytes: o.retentionBytes,
      ranges: o.ranges ?? DEFAULT_RANGES,
      tiers: o.tiers ?? DEFAULT_TIERS,
    });
    // Cold moves come last, so merges and downsampling read their inputs from the fast disk.
    const step: CompactorStep | null = planned ?? (cold === undefined ? null : nextColdMove(metas, cold, now()));
    if (step === null) break;
    const t0 = performance.now();
    const inputs = step.ids.map((id) => byId.get(id)!);
    let output: BlockMeta | undefined;
    if (step.kind === 'delete') {
      await deleteBlocks(inputs);
    } else if (step.kind === 'cold') {
      for (const m of inputs) await copyBlockToCold(m, cold!.dir);
      crashPoint('after-cold-copy');
      await deleteBlocks(inputs);
    } else {
      crashPoint('before-write');
      output = step.kind === 'compact' ? await mergeBlocks(dataDir, inputs, step) : await downsampleBlock(dataDir, inputs[0]!, step.to);
      crashPoint('after-write');
      crashPoint(`after-${step.kind}`);
      if (step.kind === 'compact') await deleteBlocks(inputs);
    }
    const report: StepReport = { step, output, durationMs: performance.now() - t0 };
    reports.push(report);
    logger.info(`compaction step: ${describeStep(step)}`, { output: output?.id, durationMs: Math.round(report.durationMs) });
    await o.afterStep?.(report);
  }
  return reports;
}

/** One line for people: what a step did. */
export function describeStep(s: CompactorStep): string {
  const res = (r: number) => (r === 0 ? 'raw' : r % 3_600_000 === 0 ? `${r / 3_600_000}h` : `${r / 60_000}m`);
  const range = (a: number, b: number) => `${new Date(a).toISOString()} .. ${new Date(b).toISOString()}`;
  switch (s.kind) {
    case 'delete': return `deleted ${s.ids.length} block(s) (${s.reason}): ${s.ids.slice(0, 4).join(', ')}${s.ids.length > 4 ? ', …' : ''}`;
    case 'compact': return `merged ${s.ids.length} ${res(s.resolution)} blocks, ${range(s.minTime, s.maxTime)}`;
    case 'cold': return `moved ${s.ids.length} block(s) to the cold tier, ${range(s.minTime, s.maxTime)}: ${s.ids.join(', ')}`;
    case 'downsample': return `downsampled ${res(s.from)} to ${res(s.to)}, ${range(s.minTime, s.maxTime)}`;
  }
}

function unionSources(inputs: readonly BlockMeta[]): string[] {
  return [...new Set(inputs.flatMap((m) => m.compaction.sources))].sort();
}

async function mergeBlocks(dataDir: string, inputs: readonly BlockMeta[], step: { resolution: number; minTime: number; maxTime: number }): Promise<BlockMeta> {
  const blocks = [...inputs].sort((a, b) => a.minTime - b.minTime).map((m) => Block.open(m.dir));
  try {
    const opts = {
      minTime: step.minTime, maxTime: step.maxTime, resolution: step.resolution,
      level: Math.max(...inputs.map((m) => m.compaction.level)) + 1, sources: unionSources(inputs),
    };
    if (step.resolution === 0) {
      const q = new MergeQuerier(blocks);
      return await writeBlock(dataDir, sliced(q.select(ALL, step.minTime, step.maxTime - 1).map((s) => () => ({ labels: s.labels, samples: s.samples() }))), opts);
    }
    const bySeries = new Map<string, { labels: Labels; parts: (() => AggrSeries)[] }>();
    for (const b of blocks) {
      for (const r of readAggregates(b, ALL, b.meta.minTime, b.meta.maxTime - 1)) {
        const k = labelsKey(r.labels);
        let e = bySeries.get(k);
        if (!e) bySeries.set(k, (e = { labels: r.labels, parts: [] }));
        e.parts.push(r.read);
      }
    }
    const gens = [...bySeries.values()].map((e) => () => aggrSeriesInputs(e.labels, mergeAggr(e.parts.map((read) => read()), step.resolution)));
    return await writeBlock(dataDir, slicedMany(gens), opts);
  } finally {
    for (const b of blocks) b.close();
  }
}

async function downsampleBlock(dataDir: string, input: BlockMeta, to: number): Promise<BlockMeta> {
  const block = Block.open(input.dir);
  try {
    const opts = { minTime: input.minTime, maxTime: input.maxTime, resolution: to, level: input.compaction.level, sources: unionSources([input]) };
    if (input.resolution === 0) {
      const gens = block.select(ALL, input.minTime, input.maxTime - 1).map((s) => () => {
        const b = s.samples();
        return aggrSeriesInputs(s.labels, downsampleRaw(b.t, b.v, b.length, to));
      });
      return await writeBlock(dataDir, slicedMany(gens), opts);
    }
    const gens = readAggregates(block, ALL, input.minTime, input.maxTime - 1).map((r) => () => aggrSeriesInputs(r.labels, downsampleAggr(r.read(), to)));
    return await writeBlock(dataDir, slicedMany(gens), opts);
  } finally {
    block.close();
  }
}

/** Produces the inputs lazily, yielding to the event loop every few hundred series. */
async function* sliced(makers: readonly (() => SeriesInput)[]): AsyncGenerator<SeriesInput> {
  for (let i = 0; i < makers.length; i++) {
    if (i > 0 && i % SERIES_PER_SLICE === 0) await yieldToLoop();
    yield makers[i]!();
  }
}

async function* slicedMany(makers: readonly (() => SeriesInput[])[]): AsyncGenerator<SeriesInput> {
  for (let i = 0; i < makers.length; i++) {
    if (i > 0 && i % SERIES_PER_SLICE === 0) await yieldToLoop();
    yield* makers[i]!();
  }
}

