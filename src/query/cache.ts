/**
 * Results cache for range queries, in front of any QueryRunner (as Thanos's and Cortex's query frontends do).
 *
 * A range query's value at a step depends only on the expression, the step time and the data, so results are kept
 * as extents: runs of consecutive steps on the query's step grid, keyed by (expression, step, the grid's phase
 * start mod step, max_source_resolution). A request is answered from the cached extents it overlaps plus range
 * queries for only the missing runs, merged. What may still change is never stored:
 * - steps newer than now − `freshnessMs` (default 5m): samples for them may still arrive (late scrapes,
 *   remote-write, rule results);
 * - queries using `@ start()` / `@ end()`: their steps depend on the query's range, not only on the step time.
 * Older data changing under the cache (a backfill whose blocks are loaded into a running daemon) is not noticed:
 * `clear()` drops everything.
 *
 * Memory is bounded by an approximate byte count over all entries (default 256 MiB), evicting least recently used
 * queries first.
 */
import { compareLabels, labelsKey, type Labels } from '../model/labels.js';
import { exprType, type Expr } from '../promql/index.js';
import { parseCached } from './parsed.js';
import type { MatrixSeries } from '../promql/index.js';
import type { QueryOptions, QueryResult, QueryRunner } from '../api/query-runner.js';
import { queryMetrics } from './metrics.js';
import { dependsOnQueryRange } from './plan.js';

export interface ResultsCacheOptions {
  /** Bound of the approximate bytes held. Default 256 MiB. */
  maxBytes?: number;
  /** Steps newer than now − freshnessMs are never cached, ms. Default 5m. */
  freshnessMs?: number;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

interface CachedSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
}

/** Results for every step in [start, end] (both on the grid). A series absent from `series` had no value there. */
interface Extent {
  readonly start: number;
  readonly end: number;
  readonly series: ReadonlyMap<string, CachedSeries>;
  /** Warnings of the evaluations behind it (e.g. which downsampled resolutions served it). */
  readonly warnings: readonly string[];
  readonly bytes: number;
}

interface Entry {
  /** Sorted by start, disjoint and not adjacent (adjacent ones are merged). Replaced, never mutated. */
  extents: readonly Extent[];
  bytes: number;
}

/** Fixed overheads in the byte estimate: per extent, per series, per label pair. */
const EXTENT_OVERHEAD = 96;
const SERIES_OVERHEAD = 160;
const LABEL_OVERHEAD = 48;

function seriesBytes(labels: Labels, points: number): number {
  let b = SERIES_OVERHEAD + 16 * points;
  for (const l of labels) b += LABEL_OVERHEAD + 2 * (l.name.length + l.value.length);
  return b;
}

function makeExtent(start: number, end: number, series: Map<string, CachedSeries>, warnings: readonly string[]): Extent {
  let bytes = EXTENT_OVERHEAD;
  for (const s of series.values()) bytes += seriesBytes(s.labels, s.t.length);
  for (const w of warnings) bytes += 2 * w.length;
  return { start, end, series, warnings, bytes };
}

/** Points of `s` with lo <= t <= hi (t is sorted). */
function slicePoints(s: CachedSeries, lo: number, hi: number): CachedSeries {
  let a = 0;
  while (a < s.t.length && s.t[a]! < lo) a++;
  let b = a;
  while (b < s.t.length && s.t[b]! <= hi) b++;
  if (a === 0 && b === s.t.length) return s;
  return { labels: s.labels, t: s.t.subarray(a, b), v: s.v.subarray(a, b) };
}

/** The part of an extent within [lo, hi], or null if none. Trimmed arrays are copies, so the original can be freed. */
function trimExtent(x: Extent, lo: number, hi: number): Extent | null {
  const start = Math.max(x.start, lo), end = Math.min(x.end, hi);
  if (end < start) return null;
  if (start === x.start && end === x.end) return x;
  const series = new Map<string, CachedSeries>();
  for (const [k, s] of x.series) {
    const p = slicePoints(s, start, end);
    if (p.t.length > 0) series.set(k, { labels: p.labels, t: p.t.slice(), v: p.v.slice() });
  }
  return makeExtent(start, end, series, x.warnings);
}

/** Joins extents that overlap or touch (b.start <= a.end + step); where they overlap, `a`'s points are kept. */
function joinExtents(a: Extent, b: Extent): Extent {
  const series = new Map<string, CachedSeries>();
  for (const k of new Set([...a.series.keys(), ...b.series.keys()])) {
    const x = a.series.get(k), y = b.series.get(k);
    const tail = y === undefined ? undefined : slicePoints(y, a.end + 1, Infinity);
    if (x === undefined) {
      if (tail !== undefined && tail.t.length > 0) series.set(k, { labels: tail.labels, t: tail.t.slice(), v: tail.v.slice() });
    } else if (tail === undefined || tail.t.length === 0) series.set(k, x);
    else {
      const t = new Float64Array(x.t.length + tail.t.length), v = new Float64Array(t.length);
      t.set(x.t);
      t.set(tail.t, x.t.length);
      v.set(x.v);
      v.set(tail.v, x.v.length);
      series.set(k, { labels: x.labels, t, v });
    }
  }
  return makeExtent(Math.min(a.start, b.start), Math.max(a.end, b.end), series, [...new Set([...a.warnings, ...b.warnings])]);
}

/** Runs of grid steps in [start, last] that no extent covers. */
function missingRuns(extents: readonly Extent[], start: number, last: number, step: number): [number, number][] {
  const runs: [number, number][] = [];
  let cur = start;
  for (const x of extents) {
    if (x.end < cur) continue;
    if (x.start > last) break;
    if (x.start > cur) runs.push([cur, Math.min(last, x.start - step)]);
    cur = x.end + step;
    if (cur > last) break;
  }
  if (cur <= last) runs.push([cur, last]);
  return runs;
}

function extentOfResult(start: number, end: number, res: QueryResult): Extent {
  if (res.value.type !== 'matrix') throw new Error(`BUG: range query returned a ${res.value.type}`);
  const series = new Map<string, CachedSeries>();
  for (const s of res.value.series) series.set(labelsKey(s.labels), { labels: s.labels, t: s.t, v: s.v });
  return makeExtent(start, end, series, res.warnings ?? []);
}

/** Concatenates the series of time-ordered, disjoint pieces within [lo, hi] into one matrix sorted by labels. */
function assemble(pieces: readonly Extent[], lo: number, hi: number): MatrixSeries[] {
  const parts = new Map<string, CachedSeries[]>();
  for (const x of pieces) {
    for (const [k, s] of x.series) {
      const p = slicePoints(s, lo, hi);
      if (p.t.length === 0) continue;
      let list = parts.get(k);
      if (list === undefined) parts.set(k, (list = []));
      list.push(p);
    }
  }
  const out: MatrixSeries[] = [];
  for (const list of parts.values()) {
    if (list.length === 1) {
      out.push(list[0]!); // one piece: its (possibly sliced) arrays as they are
      continue;
    }
    let n = 0;
    for (const p of list) n += p.t.length;
    const t = new Float64Array(n), v = new Float64Array(n);
    let at = 0;
    for (const p of list) {
      t.set(p.t, at);
      v.set(p.v, at);
      at += p.t.length;
    }
    out.push({ labels: list[0]!.labels, t, v });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/**
 * The answer assemble() would build from `res` alone over [lo, hi], without copying: its series sorted by labels,
 * empty ones dropped. Null if a point lies outside [lo, hi] (assemble would trim it) or two series share labels
 * (assemble would merge them): the caller then assembles.
 */
function wholeAnswer(res: QueryResult, lo: number, hi: number): QueryResult | null {
  if (res.value.type !== 'matrix') return null;
  const series = res.value.series.filter((s) => s.t.length > 0);
  for (const s of series) if (s.t[0]! < lo || s.t[s.t.length - 1]! > hi) return null;
  let sorted = true;
  for (let i = 1; i < series.length && sorted; i++) sorted = compareLabels(series[i - 1]!.labels, series[i]!.labels) < 0;
  if (!sorted) {
    series.sort((a, b) => compareLabels(a.labels, b.labels));
    for (let i = 1; i < series.length; i++) if (compareLabels(series[i - 1]!.labels, series[i]!.labels) === 0) return null;
  }
  const value = { type: 'matrix' as const, series };
  const warnings = [...new Set(res.warnings ?? [])];
  return warnings.length > 0 ? { value, warnings } : { value };
}

/**
 * A QueryRunner that answers range queries from cached extents plus `inner` for the missing runs; instant queries
 * go straight to `inner`.
 *
 * @example
 * const runner = new ResultsCache(new WorkerQueryRunner(db));
 * await runner.range('sum(rate(x[5m]))', start, end, 15_000); // refresh: only the newest steps are evaluated
 */
export class ResultsCache implements QueryRunner {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly freshnessMs: number;
  private readonly now: () => number;

  constructor(private readonly inner: QueryRunner, opts: ResultsCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    this.freshnessMs = opts.freshnessMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Approximate bytes held. */
  get size(): number {
    return this.bytes;
  }

  /** Number of cached queries. */
  get entryCount(): number {
    return this.entries.size;
  }

  instant(expr: string, t: number, opts?: QueryOptions): Promise<QueryResult> {
    return this.inner.instant(expr, t, opts);
  }

  async range(expr: string, start: number, end: number, stepMs: number, opts?: QueryOptions): Promise<QueryResult> {
    let parsed: Expr;
    try {
      parsed = parseCached(expr);
    } catch {
      return this.inner.range(expr, start, end, stepMs, opts);
    }
    const ty = exprType(parsed);
    if (!(stepMs > 0) || end < start || (ty !== 'vector' && ty !== 'scalar') || dependsOnQueryRange(parsed)) {
      return this.inner.range(expr, start, end, stepMs, opts);
    }
    const last = start + Math.floor((end - start) / stepMs) * stepMs;
    const phase = ((start % stepMs) + stepMs) % stepMs;
    const key = `${stepMs}\u0000${phase}\u0000${opts?.maxSourceResolution ?? 'auto'}\u0000${expr.trim()}`;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    const cached = entry?.extents ?? [];
    const runs = missingRuns(cached, start, last, stepMs);
    const metrics = queryMetrics();
    let missingSteps = 0;
    for (const [a, b] of runs) missingSteps += (b - a) / stepMs + 1;
    if (missingSteps < (last - start) / stepMs + 1) metrics.cacheHits.inc();
    else metrics.cacheMisses.inc();

    const results: { a: number; b: number; res: QueryResult; extent?: Extent }[] = [];
    for (const [a, b] of runs) results.push({ a, b, res: await this.inner.range(expr, a, b, stepMs, opts) });
    const extentOf = (r: (typeof results)[number]): Extent => (r.extent ??= extentOfResult(r.a, r.b, r.res));
    // The newest step old enough to keep, on this query's grid: extents must start and end on it.
    const cut = start + Math.floor((this.now() - this.freshnessMs - start) / stepMs) * stepMs;
    for (const r of results) {
      if (r.a > cut) continue; // all fresh: nothing to keep, so no extent to build
      const keep = trimExtent(extentOf(r), -Infinity, cut);
      if (keep !== null) this.insert(key, keep, stepMs);
    }
    const used = cached.filter((x) => x.end >= start && x.start <= last);
    if (used.length === 0 && results.length === 1) {
      // Nothing cached was used, so one evaluation covered the whole range: its answer is the answer.
      const direct = wholeAnswer(results[0]!.res, start, last);
      if (direct !== null) return direct;
    }
    const computed = results.map(extentOf);
    const pieces = [...used, ...computed].sort((a, b) => a.start - b.start);
    const value = { type: 'matrix' as const, series: assemble(pieces, start, last) };
    const warnings = [...new Set(pieces.flatMap((x) => x.warnings))];
    return warnings.length > 0 ? { value, warnings } : { value };
  }

  /** Drops every cached result. */
  clear(): void {
    this.entries.clear();
    this.account(-this.bytes);
  }

  private insert(key: string, x: Extent, step: number): void {
    const old = this.entries.get(key);
    const list = [...(old?.extents ?? []), x].sort((a, b) => a.start - b.start);
    const merged: Extent[] = [];
    for (const e of list) {
      const prev = merged[merged.length - 1];
      if (prev !== undefined && e.start <= prev.end + step) merged[merged.length - 1] = joinExtents(prev, e);
      else merged.push(e);
    }
    let bytes = 0;
    for (const e of merged) bytes += e.bytes;
    this.entries.delete(key);
    this.entries.set(key, { extents: merged, bytes });
    this.account(bytes - (old?.bytes ?? 0));
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.account(-e.bytes);
    }
  }

  private account(delta: number): void {
    this.bytes += delta;
    const g = queryMetrics().cacheBytes;
    if (delta >= 0) g.inc(delta);
    else g.dec(-delta);
  }
}
