/**
 * Query results on their way back from a worker: a vector or matrix travels as flat typed arrays (transferred,
 * not copied) plus one array of label strings, because cloning tens of thousands of small objects would block the
 * main thread while it deserializes them. The main thread rebuilds the Value in slices that yield to the event
 * loop; series share the transferred arrays (subarray views) instead of copying them.
 *
 * Layout: series i has label strings [labelEnd[i-1], labelEnd[i]) of the packed `labels` (name, value, …) and points
 * [pointEnd[i-1], pointEnd[i]) of t and v (index -1 reads 0).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Label, Labels } from '../model/labels.js';
import type { InstantSample } from '../model/sample.js';
import type { MatrixSeries, Value } from '../promql/index.js';
import { StringPacker, packedTransfer, stringTable, type PackedStrings } from './strings.js';

export type WireValue =
  | { type: 'scalar'; t: number; v: number }
  | { type: 'string'; t: number; v: string }
  | { type: 'vector' | 'matrix'; labels: PackedStrings; labelEnd: Int32Array; pointEnd: Int32Array; t: Float64Array; v: Float64Array };

/** Packs a value for postMessage. */
export function packValue(value: Value): WireValue {
  if (value.type === 'scalar' || value.type === 'string') return value;
  const labels = new StringPacker();
  const push = (ls: Labels) => {
    for (const l of ls) {
      labels.push(l.name);
      labels.push(l.value);
    }
  };
  if (value.type === 'vector') {
    const n = value.samples.length;
    const labelEnd = new Int32Array(n), pointEnd = new Int32Array(n), t = new Float64Array(n), v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = value.samples[i]!;
      push(s.labels);
      labelEnd[i] = labels.length;
      pointEnd[i] = i + 1;
      t[i] = s.t;
      v[i] = s.v;
    }
    return { type: 'vector', labels: labels.finish(), labelEnd, pointEnd, t, v };
  }
  const n = value.series.length;
  let points = 0;
  for (const s of value.series) points += s.t.length;
  const labelEnd = new Int32Array(n), pointEnd = new Int32Array(n), t = new Float64Array(points), v = new Float64Array(points);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const s = value.series[i]!;
    push(s.labels);
    labelEnd[i] = labels.length;
    t.set(s.t, at);
    v.set(s.v, at);
    at += s.t.length;
    pointEnd[i] = at;
  }
  return { type: 'matrix', labels: labels.finish(), labelEnd, pointEnd, t, v };
}

/** The buffers of a packed value, for postMessage's transfer list. */
export function wireTransfer(w: WireValue): ArrayBuffer[] {
  if (w.type === 'scalar' || w.type === 'string') return [];
  return [...[w.labelEnd, w.pointEnd, w.t, w.v].map((a) => a.buffer as ArrayBuffer), ...packedTransfer(w.labels)];
}

/** Series rebuilt between yields to the event loop. */
const SERIES_PER_SLICE = 512;

/** Rebuilds a packed value, yielding to the event loop every few hundred series. */
export async function unpackValue(w: WireValue): Promise<Value> {
  if (w.type === 'scalar' || w.type === 'string') return w;
  const n = w.labelEnd.length;
  const table = stringTable(w.labels), ids = w.labels.ids;
  const labelsAt = (i: number): Labels => {
    const out: Label[] = [];
    for (let j = i === 0 ? 0 : w.labelEnd[i - 1]!; j < w.labelEnd[i]!; j += 2) out.push({ name: table[ids[j]!]!, value: table[ids[j + 1]!]! });
    return out;
  };
  if (w.type === 'vector') {
    const samples: InstantSample[] = new Array<InstantSample>(n);
    for (let i = 0; i < n; i++) {
      samples[i] = { labels: labelsAt(i), t: w.t[i]!, v: w.v[i]! };
      if ((i + 1) % SERIES_PER_SLICE === 0) await yieldToLoop();
    }
    return { type: 'vector', samples };
  }
  const series: MatrixSeries[] = new Array<MatrixSeries>(n);
  for (let i = 0; i < n; i++) {
    const a = i === 0 ? 0 : w.pointEnd[i - 1]!, b = w.pointEnd[i]!;
    series[i] = { labels: labelsAt(i), t: w.t.subarray(a, b), v: w.v.subarray(a, b) };
    if ((i + 1) % SERIES_PER_SLICE === 0) await yieldToLoop();
  }
  return { type: 'matrix', series };
}
