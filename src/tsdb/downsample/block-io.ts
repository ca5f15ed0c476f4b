/**
 * Downsampled blocks on disk: ordinary blocks (meta.resolution > 0) in which each input series is stored as six
 * series, its labels plus a reserved `__aggr__` label naming the aggregate: count, sum, min, max, counter, and
 * counter_last (one point: the raw value of the block's last sample, see aggregate.ts). Readers select with an
 * added `__aggr__` matcher and strip the label again. See block/FORMAT.md.
 */
import { compareLabels, labelsKey, type Label, type Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { newSampleBuffer } from '../chunkenc/samples.js';
import type { Block, SeriesInput } from '../block/index.js';
import type { SampleBuffer, Series } from '../types.js';
import { AGGREGATES, type AggrSeries, type Aggregate } from './aggregate.js';

/** The reserved label naming the aggregate of a series in a downsampled block. */
export const AGGR_LABEL = '__aggr__';
const COUNTER_LAST = 'counter_last';

function withAggr(labels: Labels, aggr: string): Labels {
  const out: Label[] = [];
  let placed = false;
  for (const l of labels) {
    if (!placed && l.name > AGGR_LABEL) {
      out.push({ name: AGGR_LABEL, value: aggr });
      placed = true;
    }
    out.push(l);
  }
  if (!placed) out.push({ name: AGGR_LABEL, value: aggr });
  return out;
}

/** Removes the `__aggr__` label; returns the aggregate name it had ('' if none). */
export function splitAggr(labels: Labels): { labels: Labels; aggr: string } {
  let aggr = '';
  const out: Label[] = [];
  for (const l of labels) {
    if (l.name === AGGR_LABEL) aggr = l.value;
    else out.push(l);
  }
  return { labels: out, aggr };
}

/** The block-writer inputs of one downsampled series (labels without `__aggr__`). */
export function aggrSeriesInputs(labels: Labels, a: AggrSeries): SeriesInput[] {
  const out: SeriesInput[] = [];
  for (const k of AGGREGATES) if (a[k].length > 0) out.push({ labels: withAggr(labels, k), samples: a[k] });
  const c = a.counter;
  if (c.length > 0 && a.counterLast === a.counterLast) {
    const last = newSampleBuffer(1);
    last.t[0] = c.t[c.length - 1]!;
    last.v[0] = a.counterLast;
    last.length = 1;
    out.push({ labels: withAggr(labels, COUNTER_LAST), samples: last });
  }
  return out;
}

/** A series of a downsampled block; `read()` decodes its aggregates (restricted to the read's time range). */
export interface AggrRead {
  labels: Labels;
  read(): AggrSeries;
}

/**
 * The series matching `matchers` in [mint, maxt] of a downsampled block, grouped by the labels without `__aggr__`,
 * sorted by labels; nothing is decoded until `read()`, so callers can slice the work. `counterLast` is the block's
 * raw last value when the range reaches the block's last counter point, else NaN (unknown at a cut).
 */
export function readAggregates(block: Block, matchers: readonly Matcher[], mint: number, maxt: number): AggrRead[] {
  const byKey = new Map<string, { labels: Labels; parts: Map<string, Series> }>();
  for (const s of block.select([...matchers, new Matcher('=~', AGGR_LABEL, '.+')], block.meta.minTime, block.meta.maxTime)) {
    const { labels, aggr } = splitAggr(s.labels);
    const key = labelsKey(labels);
    let r = byKey.get(key);
    if (!r) byKey.set(key, (r = { labels, parts: new Map() }));
    r.parts.set(aggr, s);
  }
  const out: AggrRead[] = [];
  for (const { labels, parts } of byKey.values()) {
    out.push({
      labels,
      read: () => {
        const get = (a: string) => {
          const s = parts.get(a);
          return s ? clip(s.samples(), mint, maxt) : newSampleBuffer(1);
        };
        const lastBuf = parts.get(COUNTER_LAST)?.samples();
        return {
          count: get('count'), sum: get('sum'), min: get('min'), max: get('max'), counter: get('counter'),
          counterLast: lastBuf && lastBuf.length > 0 && lastBuf.t[0]! <= maxt ? lastBuf.v[0]! : NaN,
        };
      },
    });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Reads one aggregate; returns series without `__aggr__`, sorted. For 'counter', also the block's raw last value. */
export function readAggregate(
  block: Block, matchers: readonly Matcher[], mint: number, maxt: number, aggr: Aggregate,
): { labels: Labels; samples: () => SampleBuffer; counterLast: () => number; source: Series }[] {
  const sel = block.select([...matchers, new Matcher('=', AGGR_LABEL, aggr)], mint, maxt);
  const lasts = aggr === 'counter'
    ? new Map(block.select([...matchers, new Matcher('=', AGGR_LABEL, COUNTER_LAST)], block.meta.minTime, block.meta.maxTime)
      .map((s) => [labelsKey(splitAggr(s.labels).labels), s] as const))
    : undefined;
  const out = sel.map((s) => {
    const labels = splitAggr(s.labels).labels;
    return {
      labels,
      source: s,
      samples: () => s.samples(),
      counterLast: () => {
        const ls = lasts?.get(labelsKey(labels))?.samples();
        return ls && ls.length > 0 && ls.t[0]! <= maxt ? ls.v[0]! : NaN;
      },
    };
  });
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

function clip(buf: SampleBuffer, mint: number, maxt: number): SampleBuffer {
  let a = 0, b = buf.length;
  while (a < b && buf.t[a]! < mint) a++;
  while (b > a && buf.t[b - 1]! > maxt) b--;
  if (a === 0 && b === buf.length) return buf;
  return { t: buf.t.subarray(a, b), v: buf.v.subarray(a, b), length: b - a };
}
