/**
 * Label-set operations the evaluator needs per sample. Series label sets are shared, immutable arrays, so derived
 * values (key, name-dropped form) are memoized by array identity: a range query touches each series once per step.
 */
import { type Label, type Labels, labelsKey, METRIC_NAME } from '../model/labels.js';

const keyCache = new WeakMap<Labels, string>();
const droppedCache = new WeakMap<Labels, Labels>();

/** labelsKey, memoized per label-set array. */
export function keyOf(ls: Labels): string {
  let k = keyCache.get(ls);
  if (k === undefined) {
    k = labelsKey(ls);
    keyCache.set(ls, k);
  }
  return k;
}

/** The label set without `__name__` (the same array if it had none), memoized. */
export function dropMetricName(ls: Labels): Labels {
  let d = droppedCache.get(ls);
  if (d === undefined) {
    d = ls.some((l) => l.name === METRIC_NAME) ? ls.filter((l) => l.name !== METRIC_NAME) : ls;
    droppedCache.set(ls, d);
  }
  return d;
}

/** Only the named labels. */
export function keepLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter((l) => names.has(l.name));
}

/** All labels but the named ones. */
export function removeLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter((l) => !names.has(l.name));
}

/** Sets (or, for an empty value, deletes) one label, keeping the set sorted. */
export function setLabel(ls: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of ls) {
    if (!done && l.name >= name) {
      done = true;
      if (value !== '') out.push({ name, value });
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== '') out.push({ name, value });
  return out;
}

/** Prometheus's `Labels.String()`: `{a="b", c="d"}`, `__name__` included as a plain label. */
export function labelsString(ls: Labels): string {
  return `{${ls.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

/** Label names Prometheus accepts (model.LabelName.IsValid). */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
