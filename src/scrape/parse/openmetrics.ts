/**
 * OpenMetrics 1.0 text, scanned as Prometheus 2.42's parser (model/textparse/openmetricslex.l) reads it:
 * - every line ends with `\n`; single spaces separate the parts of a line and nothing else is whitespace;
 *   no blank lines, no leading spaces, no comments other than `# HELP`, `# TYPE`, `# UNIT` and `# EOF`;
 * - `# HELP name text` (escapes `\\`, `\"`, `\n`), `# TYPE name type` (counter, gauge, histogram,
 *   gaugehistogram, summary, info, stateset, unknown), `# UNIT name unit` (a non-empty unit must end the name
 *   after an `_`);
 * - `name{label="value",...} value [timestamp] [# {label="value",...} value [timestamp]]`: no trailing comma, no
 *   raw line break in a label value, timestamps are float seconds (read as whole milliseconds, truncated);
 *   exemplars only on `_total` and `_bucket` series;
 * - `# EOF` ends the body, optionally followed by one `\n` and nothing more.
 * Family suffixes (`_total`, `_created`, `_bucket`, `_count`, `_sum`, `_gcount`, `_gsum`, `_info`) are not checked
 * against the declared type and every one of them, `_created` included, is an ordinary series, as in Prometheus.
 */
import { isUtf8 } from 'node:buffer';
import { CHAR_CLASS, LABEL_CHAR, LABEL_START, METRIC_CHAR, METRIC_START, type Cursor } from './cursor.js';
import { FloatStatus, floatValue, scanFloat } from './float.js';
import { failValue, lineEndFrom, matches } from './text.js';
import { Entry, type MetricType } from './types.js';

const SP = 32, LF = 10, HASH = 35, QUOTE = 34, BSLASH = 92, LBRACE = 123, RBRACE = 125, EQ = 61, COMMA = 44,
  UNDERSCORE = 95;

const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset',
  'unknown'];

/** Scans to the next entry of an OpenMetrics body. Throws ParseError on malformed input. */
export function nextOpenMetrics(c: Cursor): Entry {
  const b = c.b, end = c.end;
  const p = c.pos;
  c.entryLine = c.lineNo + c.lineOffset;
  c.hasExemplar = false;
  if (p >= end) {
    if (c.requireEof) c.fail(p, 'expected "# EOF" at the end of the data');
    c.done = true;
    return Entry.EOF;
  }
  const ch = b[p]!;
  if (ch === HASH) return scanHash(c, p);
  if ((CHAR_CLASS[ch]! & METRIC_START) !== 0) return scanSeries(c, p);
  if (ch === LF) c.fail(p, 'expected a metric name or "#" (OpenMetrics does not allow blank lines)');
  return c.fail(p, 'expected a metric name or "#" at the start of a line');
}

function scanHash(c: Cursor, hash: number): Entry {
  const b = c.b, end = c.end;
  let p = hash + 2;
  if (hash + 1 >= end || b[hash + 1] !== SP) c.fail(hash + 1, 'expected a space after "#"');
  if (p + 3 <= end && matches(b, p, 'EOF')) {
    p += 3;
    if (p < end && b[p] === LF) {
      p++;
      c.lineNo++;
      c.lineStart = p;
    }
    if (p < end) c.fail(p, 'expected nothing after "# EOF"');
    c.pos = end;
    c.done = true;
    return Entry.EOF;
  }
  let kind: Entry;
  if (p + 5 <= end && matches(b, p, 'HELP ')) kind = Entry.Help;
  else if (p + 5 <= end && matches(b, p, 'TYPE ')) kind = Entry.Type;
  else if (p + 5 <= end && matches(b, p, 'UNIT ')) kind = Entry.Unit;
  else return c.fail(p, 'expected HELP, TYPE, UNIT or EOF after "# " (OpenMetrics has no other comments)');
  const word = kind === Entry.Help ? 'HELP' : kind === Entry.Type ? 'TYPE' : 'UNIT';
  p += 5;
  if (p >= end || (CHAR_CLASS[b[p]!]! & METRIC_START) === 0) c.fail(p, `expected metric name after ${word}`);
  c.nameStart = p;
  while (p < end && (CHAR_CLASS[b[p]!]! & METRIC_CHAR) !== 0) p++;
  c.nameEnd = p;
  if (p >= end || b[p] !== SP) c.fail(p, `expected a space and text after the metric name in ${word}`);
  const lf = lineEndFrom(b, ++p, end);
  if (lf >= end) c.fail(lf, `expected a line break at the end of the ${word} line`);
  let esc = false, high = 0;
  for (let i = p; i < lf; i++) {
    const x = b[i]!;
    if (x === BSLASH) esc = true;
    high |= x;
  }
  c.textStart = p;
  c.textEnd = lf;
  c.textEsc = esc;
  if (kind === Entry.Type) {
    let t: MetricType | undefined;
    for (const name of TYPES) if (name.length === lf - p && matches(b, p, name)) t = name;
    if (t === undefined) c.failToken(p, `invalid metric type ${JSON.stringify(c.utf8(p, lf))}`);
    c.mtype = t;
  } else if (kind === Entry.Help) {
    if (high >= 0x80 && !isUtf8(b.subarray(p, lf))) c.failToken(p, 'help text is not valid UTF-8');
  } else if (lf > p) {
    // A unit must be the name's last `_`-separated part(s): "seconds" for foo_seconds.
    const n = lf - p, nameLen = c.nameEnd - c.nameStart;
    let ok = nameLen > n && b[c.nameEnd - n - 1] === UNDERSCORE;
    for (let i = 0; ok && i < n; i++) ok = b[c.nameEnd - n + i] === b[p + i];
    if (!ok) {
      c.failToken(p, `unit ${JSON.stringify(c.utf8(p, lf))} is not a suffix of metric ${JSON.stringify(c.metricName())}`);
    }
  }
  c.pos = lf + 1;
  c.lineNo++;
  c.lineStart = lf + 1;
  return kind;
}

/** Fails unless `p` is at a line break; at the end of the data that means "# EOF" is missing. */
function expectLineEnd(c: Cursor, p: number, what: string): void {
  if (p < c.end && c.b[p] === LF) return;
  if (p >= c.end && !c.requireEof) return;
  c.fail(p, p >= c.end ? `expected a line break and "# EOF" at the end of the data` : what);
}

function endLine(c: Cursor, p: number): Entry {
  if (p < c.end) {
    c.pos = p + 1;
    c.lineNo++;
    c.lineStart = p + 1;
  } else {
    c.pos = p;
  }
  return Entry.Series;
}

/** True if ` # {` starts at `p`. */
function exemplarAhead(b: Uint8Array, p: number, end: number): boolean {
  return p + 3 < end && b[p] === SP && b[p + 1] === HASH && b[p + 2] === SP && b[p + 3] === LBRACE;
}

/** Scans a space-led token `[^ \n]+` at `p` (the space); returns its end. */
function spacedToken(c: Cursor, p: number, what: string): number {
  const b = c.b, end = c.end;
  if (p >= end || b[p] !== SP) c.fail(p, `expected a space and ${what}`);
  let q = p + 1;
  while (q < end && b[q] !== SP && b[q] !== LF) q++;
  if (q === p + 1) c.fail(q, `expected ${what}`);
  return q;
}

function scanSeries(c: Cursor, start: number): Entry {
  const b = c.b, end = c.end;
  let p = start;
  c.nameStart = p;
  while (p < end && (CHAR_CLASS[b[p]!]! & METRIC_CHAR) !== 0) p++;
  c.nameEnd = p;
  c.nLabels = 0;
  if (p < end && b[p] === LBRACE) p = scanLabels(c, p + 1, false);
  c.seriesEnd = p;

  let q = spacedToken(c, p, 'a value after the metric');
  const st = scanFloat(b, p + 1, q);
  if (st !== FloatStatus.Ok) failValue(c, p + 1, q, st);
  c.value = floatValue[0]!;
  p = q;
  c.hasTs = false;
  if (p < end && b[p] !== LF && !exemplarAhead(b, p, end)) {
    q = spacedToken(c, p, 'a timestamp');
    c.ts = timestampMs(c, p + 1, q);
    c.hasTs = true;
    p = q;
  }
  if (exemplarAhead(b, p, end)) p = scanExemplar(c, p);
  else expectLineEnd(c, p, c.hasTs ? 'expected end of line or exemplar after timestamp' : 'expected end of line');
  return endLine(c, p);
}

/** Reads a float-seconds timestamp token as integer milliseconds (truncated, as Prometheus does). */
function timestampMs(c: Cursor, s: number, e: number): number {
  const st = scanFloat(c.b, s, e);
  if (st !== FloatStatus.Ok) failValue(c, s, e, st, 'timestamp');
  const v = floatValue[0]!;
  if (v !== v || v === Infinity || v === -Infinity) c.failToken(s, `invalid timestamp ${JSON.stringify(c.utf8(s, e))}`);
  return Math.trunc(v * 1000);
}

function nameEndsWith(c: Cursor, suffix: string): boolean {
  return c.nameEnd - c.nameStart >= suffix.length && matches(c.b, c.nameEnd - suffix.length, suffix);
}

/** Scans ` # {labels} value [timestamp]` at `p` (its leading space); returns the position of the line end. */
function scanExemplar(c: Cursor, p: number): number {
  const b = c.b;
  if (!nameEndsWith(c, '_total') && !nameEndsWith(c, '_bucket')) {
    c.failToken(p + 1, `metric name ${JSON.stringify(c.metricName())} does not support exemplars (only _total and _bucket series do)`);
  }
  c.nEx = 0;
  p = scanLabels(c, p + 4, true);
  let q = spacedToken(c, p, 'an exemplar value');
  const st = scanFloat(b, p + 1, q);
  if (st !== FloatStatus.Ok) failValue(c, p + 1, q, st, 'exemplar value');
  c.exValue = floatValue[0]!;
  p = q;
  c.exHasTs = false;
  if (p < c.end && b[p] !== LF) {
    q = spacedToken(c, p, 'an exemplar timestamp');
    c.exTs = timestampMs(c, p + 1, q);
    c.exHasTs = true;
    p = q;
  }
  expectLineEnd(c, p, 'expected end of line after exemplar');
  c.hasExemplar = true;
  return p;
}

/**
 * Scans `label="value",...}` from just after `{` (no spaces, no trailing comma); returns the position after `}`.
 */
function scanLabels(c: Cursor, p: number, exemplar: boolean): number {
  const b = c.b, end = c.end;
  if (p < end && b[p] === RBRACE) return p + 1;
  for (;;) {
    if (p >= end || (CHAR_CLASS[b[p]!]! & LABEL_START) === 0) {
      c.fail(p, p === 0 || b[p - 1] !== COMMA ? 'expected label name or "}"' : 'expected label name after ","');
    }
    const ns = p;
    while (p < end && (CHAR_CLASS[b[p]!]! & LABEL_CHAR) !== 0) p++;
    const ne = p;
    if (p >= end || b[p] !== EQ) c.fail(p, 'expected "=" after label name');
    p++;
    if (p >= end || b[p] !== QUOTE) c.fail(p, 'expected quoted label value');
    const open = p;
    const vs = ++p;
    let esc = false, high = 0;
    for (;;) {
      if (p >= end || b[p] === LF) c.fail(p, 'expected closing quote of label value before the end of the line');
      const x = b[p]!;
      if (x === QUOTE) break;
      if (x === BSLASH) {
        if (p + 1 >= end || b[p + 1] === LF) c.fail(p + 1, 'expected an escaped character after "\\"');
        esc = true;
        high |= b[p + 1]!;
        p += 2;
        continue;
      }
      high |= x;
      p++;
    }
    const ve = p++;
    if (high >= 0x80 && !isUtf8(b.subarray(vs, ve))) c.failToken(open, 'invalid UTF-8 label value');
    if (exemplar) c.pushExemplarLabel(ns, ne, vs, ve, esc);
    else c.pushLabel(ns, ne, vs, ve, esc);
    if (p < end && b[p] === COMMA) {
      p++;
      continue;
    }
    if (p < end && b[p] === RBRACE) return p + 1;
    c.fail(p, 'expected "," or "}" after label value');
  }
}
