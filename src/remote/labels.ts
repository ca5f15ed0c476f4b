/**
 * Label sets arriving over the wire (remote-write bodies) are untrusted: they are checked and normalized here
 * before they reach the engine, whose `Appender.ref` requires normalized labels.
 */
import { BadDataError } from '../model/errors.js';
import { METRIC_NAME, type Label, type Labels } from '../model/labels.js';
import { isValidLabelName } from '../scrape/relabel/index.js';

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A series' label set that vigil refuses to store; the message names the offending label. */
export class InvalidLabelsError extends BadDataError {
  constructor(detail: string, readonly labels: readonly Label[]) {
    super(`invalid labels ${describe(labels)}: ${detail}`);
    this.name = 'InvalidLabelsError';
  }
}

function describe(labels: readonly Label[]): string {
  const parts = labels.slice(0, 20).map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return `{${parts.join(', ')}${labels.length > 20 ? `, … (${labels.length} labels)` : ''}}`;
}

/**
 * Returns the labels sorted by name with empty values dropped (an empty value means "absent"). Throws
 * InvalidLabelsError for a repeated name, a name that is not a valid Prometheus label name, or a missing, empty
 * or invalid `__name__`. Never mutates `pairs`.
 */
export function normalizeWireLabels(pairs: readonly Label[]): Labels {
  let out: Label[] = pairs.slice();
  let sorted = true, empty = false;
  for (let i = 0; i < out.length; i++) {
    const l = out[i]!;
    if (!isValidLabelName(l.name)) throw new InvalidLabelsError(`invalid label name ${JSON.stringify(l.name)}`, pairs);
    if (l.value === '') empty = true;
    if (i > 0 && out[i - 1]!.name >= l.name) sorted = false;
  }
  if (!sorted) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.name === out[i - 1]!.name) throw new InvalidLabelsError(`duplicate label name ${JSON.stringify(out[i]!.name)}`, pairs);
  }
  if (empty) out = out.filter((l) => l.value !== '');
  let name: string | undefined;
  for (const l of out) if (l.name === METRIC_NAME) name = l.value;
  if (name === undefined) throw new InvalidLabelsError('missing or empty metric name (__name__)', pairs);
  if (!METRIC_NAME_RE.test(name)) throw new InvalidLabelsError(`invalid metric name ${JSON.stringify(name)}`, pairs);
  return out;
}

/**
 * Adds `external` labels a series lacks (its own labels win), as Prometheus does for remote read, federation and
 * remote write. Both inputs sorted; the result is sorted.
 */
export function withExternalLabels(series: Labels, external: Labels): Labels {
  if (external.length === 0) return series;
  const out: Label[] = [];
  let i = 0, j = 0;
  while (i < series.length || j < external.length) {
    const a = series[i], b = external[j];
    if (b === undefined || (a !== undefined && a.name < b.name)) { out.push(a!); i++; }
    else if (a === undefined || b.name < a.name) { out.push(b); j++; }
    else { out.push(a); i++; j++; }
  }
  return out;
}
