/**
 * The Prometheus text format 0.0.4, scanned the way Prometheus's own lexer (model/textparse/promlex.l) reads it:
 * - spaces and tabs may surround every token of a series line, and may lead any line; blank lines are skipped;
 * - `# HELP name text` and `# TYPE name type` (any run of spaces/tabs after `#` and after the keyword); any other
 *   line starting with `#` is a comment; a NUL byte at the start of a line ends the input;
 * - `name{label="value",...} value [timestamp]`: a trailing comma and missing commas between labels are accepted,
 *   label values may hold any byte but an unescaped `"` (raw line breaks included), `\\`, `\"` and `\n` are
 *   escapes; the value is a float token, the timestamp an integer of milliseconds;
 * - the last line needs no line break. `\r` is not whitespace: CRLF bodies fail on their first sample.
 */
import { isUtf8 } from 'node:buffer';
import { CHAR_CLASS, LABEL_CHAR, LABEL_START, METRIC_CHAR, METRIC_START, type Cursor } from './cursor.js';
import { FloatStatus, floatValue, scanFloat } from './float.js';
import { Entry } from './types.js';

const SP = 32, TAB = 9, LF = 10, HASH = 35, QUOTE = 34, BSLASH = 92, LBRACE = 123, RBRACE = 125, EQ = 61,
  COMMA = 44;
// Timestamps are Go int64s in Prometheus.
const INT64_LIMIT = 9223372036854775807;

function skipBlanks(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = b[p]!;
    if (c !== SP && c !== TAB) break;
    p++;
  }
  return p;
}

/** Finds the line break ending the line that contains `p`, or `end`. */
export function lineEndFrom(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== LF) p++;
  return p;
}

/** Advances the cursor past the line break at `lf` (or to the end). */
function finishLine(c: Cursor, lf: number): void {
  if (lf < c.end) {
    c.pos = lf + 1;
    c.lineNo++;
    c.lineStart = lf + 1;
  } else {
    c.pos = c.end;
  }
}

/** Scans to the next entry of a text-format body. Throws ParseError on malformed input. */
export function nextText(c: Cursor): Entry {
  const b = c.b, end = c.end;
  c.hasExemplar = false;
  c.keyScanned = true;
  for (;;) {
    let p = skipBlanks(b, c.pos, end);
    c.entryLine = c.lineNo + c.lineOffset;
    if (p >= end || b[p] === 0) {
      c.pos = end;
      c.done = true;
      return Entry.EOF;
    }
    const ch = b[p]!;
    if (ch === LF) {
      finishLine(c, p);
      continue;
    }
    if (ch === HASH) return scanHash(c, p);
    if ((CHAR_CLASS[ch]! & METRIC_START) === 0) c.fail(p, 'expected a metric name or "#" at the start of a line');
    return scanSeries(c, p);
  }
}

function isKeyword(b: Uint8Array, p: number, end: number, k0: number, k1: number, k2: number, k3: number): boolean {
  if (p + 4 >= end) return false;
  const after = b[p + 4];
  return b[p] === k0 && b[p + 1] === k1 && b[p + 2] === k2 && b[p + 3] === k3 && (after === SP || after === TAB);
}

function scanHash(c: Cursor, hash: number): Entry {
  const b = c.b, end = c.end;
  let p = hash + 1;
  let kind = Entry.Comment;
  if (p < end && (b[p] === SP || b[p] === TAB)) {
    p = skipBlanks(b, p, end);
    if (isKeyword(b, p, end, 72, 69, 76, 80)) kind = Entry.Help; // HELP
    else if (isKeyword(b, p, end, 84, 89, 80, 69)) kind = Entry.Type; // TYPE
  }
  if (kind === Entry.Comment) {
    const lf = lineEndFrom(b, p, end);
    c.textStart = hash;
    c.textEnd = lf;
    c.textEsc = false;
    finishLine(c, lf);
    return Entry.Comment;
  }
  p = skipBlanks(b, p + 4, end);
  if (p >= end || (CHAR_CLASS[b[p]!]! & METRIC_START) === 0) {
    c.fail(p, `expected metric name after ${kind === Entry.Help ? 'HELP' : 'TYPE'}`);
  }
  c.nameStart = p;
  while (p < end && (CHAR_CLASS[b[p]!]! & METRIC_CHAR) !== 0) p++;
  c.nameEnd = p;
  const lf = lineEndFrom(b, p, end);
  // Prometheus's lexer takes the rest of the line minus its first byte as the text, and an all-blank rest as "".
  let allBlank = true, esc = false, high = 0;
  for (let i = p; i < lf; i++) {
    const x = b[i]!;
    if (x !== SP && x !== TAB) allBlank = false;
    if (x === BSLASH) esc = true;
    high |= x;
  }
  c.textStart = allBlank ? lf : p + 1;
  c.textEnd = lf;
  c.textEsc = esc;
  if (kind === Entry.Type) {
    const t = textType(b, c.textStart, c.textEnd);
    if (t === undefined) c.failToken(c.textStart, `invalid metric type ${JSON.stringify(c.utf8(c.textStart, c.textEnd))}`);
    c.mtype = t;
  } else if (high >= 0x80 && !isUtf8(b.subarray(c.textStart, c.textEnd))) {
    // ASCII text (no byte >= 0x80) is valid UTF-8: only other text pays for a view and the check.
    c.failToken(c.textStart, 'help text is not valid UTF-8');
  }
  finishLine(c, lf);
  return kind;
}

function textType(b: Uint8Array, s: number, e: number): 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown' | undefined {
  switch (e - s) {
    case 5: return matches(b, s, 'gauge') ? 'gauge' : undefined;
    case 7: return matches(b, s, 'counter') ? 'counter' : matches(b, s, 'summary') ? 'summary' : matches(b, s, 'untyped') ? 'unknown' : undefined;
    case 9: return matches(b, s, 'histogram') ? 'histogram' : undefined;
    default: return undefined;
  }
}

/** True if the bytes at `s` are exactly the ASCII `word` (length checked by the caller). */
export function matches(b: Uint8Array, s: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (b[s + i] !== word.charCodeAt(i)) return false;
  return true;
}

function scanSeries(c: Cursor, start: number): Entry {
  const b = c.b, end = c.end;
  let p = start;
  c.nameStart = p;
  while (p < end && (CHAR_CLASS[b[p]!]! & METRIC_CHAR) !== 0) p++;
  c.nameEnd = p;
  c.seriesEnd = p;
  c.nLabels = 0;
  p = skipBlanks(b, p, end);
  if (p < end && b[p] === LBRACE) {
    p = scanLabels(c, p + 1);
    c.seriesEnd = p;
    p = skipBlanks(b, p, end);
  }
  scanSampleRest(c, p);
  return Entry.Series;
}

/** Scans the value, optional timestamp and line end of a series line from `p` (just after the series key's blanks). */
function scanSampleRest(c: Cursor, p: number): void {
  const b = c.b, end = c.end;
  const vs = p;
  while (p < end) {
    const x = b[p]!;
    if (x === SP || x === TAB || x === LF || x === LBRACE) break;
    p++;
  }
  if (p === vs) c.fail(p, 'expected value after metric');
  const st = scanFloat(b, vs, p);
  if (st !== FloatStatus.Ok) failValue(c, vs, p, st);
  c.value = floatValue[0]!;
  p = skipBlanks(b, p, end);
  c.hasTs = false;
  if (p < end && b[p] !== LF) {
    const x = b[p]!;
    if (x < 48 || x > 57) c.fail(p, 'expected timestamp or end of line after value');
    const ts0 = p;
    let ts = 0;
    while (p < end && b[p]! >= 48 && b[p]! <= 57) ts = ts * 10 + (b[p++]! - 48);
    if (ts > INT64_LIMIT) c.failToken(ts0, `timestamp ${c.latin1(ts0, p)} is out of range`);
    c.ts = ts;
    c.hasTs = true;
    p = skipBlanks(b, p, end);
    if (p < end && b[p] !== LF) c.fail(p, 'expected end of line after timestamp');
  }
  finishLine(c, p);
}

/** Reports why a value (or `what`) token is not a float; `status` is what scanFloat returned for it. */
export function failValue(c: Cursor, s: number, e: number, status: FloatStatus, what = 'value'): never {
  const tok = JSON.stringify(c.utf8(s, e));
  const why = status === FloatStatus.Unsupported
    ? 'unsupported character in float (hex floats and "_" are not accepted)'
    : status === FloatStatus.Range ? 'value out of range' : 'expected a float, NaN, +Inf or -Inf';
  c.failToken(s, `invalid ${what} ${tok}: ${why}`);
}

const UNTERMINATED = 'expected label value with a closing quote';
const BAD_UTF8 = 'invalid UTF-8 label value';

/** Fails at a label value's opening quote, on its line (the value may have run over line breaks since). */
function failAtQuote(c: Cursor, open: number, line: number, lineStart: number, message: string): never {
  c.lineNo = line;
  c.lineStart = lineStart;
  if (message === BAD_UTF8) c.failToken(open, message);
  c.fail(open, message);
}

/** Scans `label="value", ...}` from just after `{`; returns the position after `}`. */
function scanLabels(c: Cursor, p: number): number {
  const b = c.b, end = c.end;
  for (;;) {
    p = skipBlanks(b, p, end);
    if (p >= end) c.fail(p, 'expected label name or "}"');
    let x = b[p]!;
    if (x === RBRACE) return p + 1;
    if ((CHAR_CLASS[x]! & LABEL_START) === 0) c.fail(p, 'expected label name or "}"');
    const ns = p;
    while (p < end && (CHAR_CLASS[b[p]!]! & LABEL_CHAR) !== 0) p++;
    const ne = p;
    p = skipBlanks(b, p, end);
    if (p >= end || b[p] !== EQ) c.fail(p, 'expected "=" after label name');
    p = skipBlanks(b, p + 1, end);
    if (p >= end || b[p] !== QUOTE) c.fail(p, 'expected quoted label value');
    const open = p, openLine = c.lineNo, openLineStart = c.lineStart;
    const vs = ++p;
    let esc = false, high = 0;
    for (;;) {
      if (p >= end) failAtQuote(c, open, openLine, openLineStart, UNTERMINATED);
      x = b[p]!;
      if (x === QUOTE) break;
      if (x === BSLASH) {
        // The lexer's `\\.`: a backslash escapes any byte but a line break.
        if (p + 1 >= end || b[p + 1] === LF) failAtQuote(c, open, openLine, openLineStart, UNTERMINATED);
        esc = true;
        high |= b[p + 1]!;
        p += 2;
        continue;
      }
      if (x === LF) {
        c.lineNo++;
        c.lineStart = p + 1;
      }
      high |= x;
      p++;
    }
    const ve = p++;
    if (high >= 0x80 && !isUtf8(b.subarray(vs, ve))) failAtQuote(c, open, openLine, openLineStart, BAD_UTF8);
    c.pushLabel(ns, ne, vs, ve, esc);
    p = skipBlanks(b, p, end);
    if (p < end && b[p] === COMMA) p++;
  }
}

/**
 * The fast path for a series line whose key the caller has seen before: if the line at the cursor starts with
 * exactly `key[off..off+len)` and then blanks and a value (not `{`), reads it as a Series entry without scanning the
 * key again (the bytes are identical to a key a full scan accepted, so it would read them the same way) and returns
 * true. Otherwise returns false with the cursor unchanged. Labels are scanned lazily (`rescanSeriesKey`). The key
 * must not contain a line break (line numbers would drift).
 */
export function nextKnownSeries(c: Cursor, key: Uint8Array, keyView: DataView, off: number, len: number): boolean {
  const b = c.b, end = c.end, start = c.pos;
  if (c.done || start + len >= end) return false;
  const after = b[start + len];
  if (after !== SP && after !== TAB) return false;
  // Four bytes at a time (DataView loads may be unaligned), then the tail.
  const bv = c.view(), d = off - start;
  let k = start;
  for (const e4 = start + len - 3; k < e4; k += 4) if (keyView.getInt32(k + d) !== bv.getInt32(k)) return false;
  for (const e = start + len; k < e; k++) if (b[k] !== key[k + d]) return false;
  const p = skipBlanks(b, start + len, end);
  if (p < end && b[p] === LBRACE) return false;
  c.hasExemplar = false;
  c.entryLine = c.lineNo + c.lineOffset;
  c.nameStart = start;
  c.seriesEnd = start + len;
  c.keyScanned = false;
  scanSampleRest(c, p);
  return true;
}

/** Scans the name and labels of the series key at `c.nameStart..c.seriesEnd` (after `nextKnownSeries`). */
export function rescanSeriesKey(c: Cursor): void {
  const b = c.b, end = c.seriesEnd;
  let p = c.nameStart;
  while (p < end && (CHAR_CLASS[b[p]!]! & METRIC_CHAR) !== 0) p++;
  c.nameEnd = p;
  c.nLabels = 0;
  p = skipBlanks(b, p, end);
  if (p < end && b[p] === LBRACE) scanLabels(c, p + 1);
  c.keyScanned = true;
}
