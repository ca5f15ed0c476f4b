/**
 * Label sets, the identity of a series everywhere in vigil.
 *
 * A `Labels` value is an array of pairs sorted by name, with unique names and no empty values (an empty value
 * means "label absent", as in Prometheus). Functions here never mutate their input.
 */
export interface Label {
  readonly name: string;
  readonly value: string;
}
export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

/** Builds sorted `Labels` from a plain object, dropping empty values. */
export function labelsFromObject(obj: Record<string, string>): Labels {
  const out: Label[] = [];
  for (const name of Object.keys(obj)) {
    const value = obj[name];
    if (value !== undefined && value !== '') out.push({ name, value });
  }
  return out.sort(compareLabelNames);
}

export function labelsToObject(ls: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of ls) out[l.name] = l.value;
  return out;
}

/** Sorts pairs by name and drops empty values; the last pair wins for a repeated name. */
export function normalizeLabels(pairs: readonly Label[]): Labels {
  const byName = new Map<string, string>();
  for (const l of pairs) byName.set(l.name, l.value);
  const out: Label[] = [];
  for (const [name, value] of byName) if (value !== '') out.push({ name, value });
  return out.sort(compareLabelNames);
}

function compareLabelNames(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function getLabel(ls: Labels, name: string): string {
  for (const l of ls) if (l.name === name) return l.value;
  return '';
}

/** Total order over label sets, the order Prometheus sorts series in. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}

/** A stable string key for maps: names and values joined by separators that cannot occur in UTF-8 text. */
export function labelsKey(ls: Labels): string {
  let s = '';
  for (const l of ls) s += l.name + '\xff' + l.value + '\xfe';
  return s;
}

/** 53-bit FNV-1a-style hash of a label set (two 32-bit lanes), stable across processes. */
export function hashLabels(ls: Labels): number {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (const l of ls) {
    h1 = hashString(l.name, h1); h2 = hashString(l.name, h2 ^ 0x5bd1e995);
    h1 = Math.imul(h1 ^ 0xff, 0x01000193); h2 = Math.imul(h2 ^ 0xff, 0x01000193);
    h1 = hashString(l.value, h1); h2 = hashString(l.value, h2 ^ 0x5bd1e995);
    h1 = Math.imul(h1 ^ 0xfe, 0x01000193); h2 = Math.imul(h2 ^ 0xfe, 0x01000193);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** Prometheus's text form: `name{a="b", c="d"}`. */
export function formatLabels(ls: Labels): string {
  let name = '';
  const parts: string[] = [];
  for (const l of ls) {
    if (l.name === METRIC_NAME) name = l.value;
    else parts.push(`${l.name}=${JSON.stringify(l.value)}`);
  }
  return parts.length || !name ? `${name}{${parts.join(', ')}}` : name;
}
