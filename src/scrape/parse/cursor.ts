import { Buffer } from 'node:buffer';
import { METRIC_NAME, type Label, type Labels } from '../../model/labels.js';
import { parseErrorAt, tokenErrorAt, type ParseError } from './errors.js';
import type { ExpositionFormat, MetricType } from './types.js';
import { resized } from '../../model/typed-arrays.js';

// Node's Buffer has undocumented but long-stable slice decoders that skip toString()'s argument handling.
interface FastSlices {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}

/** Character classes of the name grammars, one bit each, indexed by byte. */
export const METRIC_START = 1, METRIC_CHAR = 2, LABEL_START = 4, LABEL_CHAR = 8;
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  const set = (lo: number, hi: number, bits: number): void => { for (let c = lo; c <= hi; c++) t[c]! |= bits; };
  set(0x61, 0x7a, METRIC_START | METRIC_CHAR | LABEL_START | LABEL_CHAR); // a-z
  set(0x41, 0x5a, METRIC_START | METRIC_CHAR | LABEL_START | LABEL_CHAR); // A-Z
  set(0x5f, 0x5f, METRIC_START | METRIC_CHAR | LABEL_START | LABEL_CHAR); // _
  set(0x30, 0x39, METRIC_CHAR | LABEL_CHAR); // 0-9
  set(0x3a, 0x3a, METRIC_START | METRIC_CHAR); // :
  return t;
})();

const NAME_LABEL = new TextEncoder().encode(METRIC_NAME);
const MAX_LABELS_INITIAL = 16;

/** Resolves the exposition escapes `\\`, `\"` (unless `helpOnly`) and `\n`; any other backslash stays as written. */
export function unescapeExposition(s: string, helpOnly: boolean): string {
  let out = '';
  let from = 0;
  for (let i = s.indexOf('\\'); i >= 0 && i < s.length - 1; i = s.indexOf('\\', i)) {
    const n = s.charCodeAt(i + 1);
    let rep: string | undefined;
    if (n === 92) rep = '\\';
    else if (n === 110) rep = '\n';
    else if (n === 34 && !helpOnly) rep = '"';
    if (rep === undefined) { i++; continue; }
    out += s.slice(from, i) + rep;
    i += 2;
    from = i;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * The scanning state shared by the format scanners (text.ts, openmetrics.ts) and the accessors that decode the
 * current entry on demand. Positions are byte offsets into `b`; nothing is decoded until an accessor asks.
 * Internal to this folder: the public face is `ExpositionParser`.
 */
export class Cursor {
  end: number;
  /** Next unread byte. */
  pos = 0;
  /** 1-based number (before lineOffset) of the line containing `pos`, and where that line starts. */
  lineNo = 1;
  lineStart = 0;
  /** Set once the end (or OpenMetrics `# EOF`) has been reached: next() keeps returning EOF. */
  done = false;

  /** 1-based line number of the current entry, lineOffset included. */
  entryLine = 0;
  nameStart = 0;
  nameEnd = 0;
  /** Series: end of `name{labels}`. */
  seriesEnd = 0;
  /** Series labels, 4 offsets each: name start/end, value start/end (value without its quotes). */
  labelOffs: Int32Array = new Int32Array(MAX_LABELS_INITIAL * 4);
  labelEsc: Uint8Array = new Uint8Array(MAX_LABELS_INITIAL);
  nLabels = 0;
  private bodyView: DataView | null = null;
  /** False after a series line read by its known key (text `nextKnownSeries`): name and labels not scanned yet. */
  keyScanned = true;
  value = 0;
  ts = 0;
  hasTs = false;

  /** Help/Type/Unit/Comment text span; `textEsc` if it holds a backslash. */
  textStart = 0;
  textEnd = 0;
  textEsc = false;
  mtype: MetricType = 'unknown';

  hasExemplar = false;
  exOffs: Int32Array = new Int32Array(8 * 4);
  exEsc: Uint8Array = new Uint8Array(8);
  nEx = 0;
  exValue = 0;
  exTs = 0;
  exHasTs = false;

  /** A Buffer over the body for decoding, made on first use (a scrape whose series are all cached decodes nothing). */
  private fastBuf: (FastSlices & Buffer) | null = null;

  constructor(
    public b: Uint8Array,
    public format: ExpositionFormat,
    public lineOffset: number,
    public requireEof: boolean,
  ) {
    this.end = b.length;
  }

  /**
   * Starts over on another body, keeping the label offset arrays at their grown size: what a parser reused from
   * scrape to scrape saves. Resets what describes the body and the read position. An entry's fields need no reset:
   * each scanner sets those of the entry it reads before an accessor may look at them. The exception is
   * `keyScanned`, which only the text format's scanner clears and sets.
   */
  reset(b: Uint8Array, format: ExpositionFormat, lineOffset: number, requireEof: boolean): void {
    this.b = b;
    this.format = format;
    this.lineOffset = lineOffset;
    this.requireEof = requireEof;
    this.end = b.length;
    this.pos = 0;
    this.lineNo = 1;
    this.lineStart = 0;
    this.done = false;
    this.keyScanned = true;
    // Kept when the new body starts where the old one did in the same memory (a scrape loop's reused buffer).
    const v = this.bodyView;
    if (v !== null && (v.buffer !== b.buffer || v.byteOffset !== b.byteOffset || v.byteLength < b.byteLength)) {
      this.bodyView = null;
    }
    this.fastBuf = null;
  }

  /**
   * A DataView from the body's first byte to the end of its ArrayBuffer (made on first use): it may reach past the
   * body, so reads through it must stay below `end`. Reaching to the end lets `reset()` keep it for the next body
   * in the same buffer.
   */
  view(): DataView {
    const b = this.b;
    return (this.bodyView ??= new DataView(b.buffer, b.byteOffset, b.buffer.byteLength - b.byteOffset));
  }

  private get fast(): FastSlices & Buffer {
    return (this.fastBuf ??= Buffer.from(this.b.buffer, this.b.byteOffset, this.b.byteLength) as FastSlices & Buffer);
  }

  latin1(s: number, e: number): string {
    const f = this.fast;
    return f.latin1Slice ? f.latin1Slice(s, e) : f.toString('latin1', s, e);
  }

  utf8(s: number, e: number): string {
    const f = this.fast;
    return f.utf8Slice ? f.utf8Slice(s, e) : f.toString('utf8', s, e);
  }

  /** Throws a ParseError for a grammar problem at `offset` (on the current line). */
  fail(offset: number, expected: string): never {
    throw this.error(offset, expected, false);
  }

  /** Throws a ParseError about the token starting at `offset` (a bad number, an unknown type, ...). */
  failToken(offset: number, message: string): never {
    throw this.error(offset, message, true);
  }

  private error(offset: number, text: string, token: boolean): ParseError {
    const line = this.lineNo + this.lineOffset;
    const make = token ? tokenErrorAt : parseErrorAt;
    return make(this.b, this.end, offset, line, this.lineStart, text);
  }

  /** True if b[s1..e1) equals b[s2..s2+(e1-s1)). */
  private sameBytes(s1: number, e1: number, s2: number, e2: number): boolean {
    if (e1 - s1 !== e2 - s2) return false;
    const b = this.b;
    for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
    return true;
  }

  private isNameLabel(s: number, e: number): boolean {
    if (e - s !== NAME_LABEL.length) return false;
    for (let i = 0; i < NAME_LABEL.length; i++) if (this.b[s + i] !== NAME_LABEL[i]) return false;
    return true;
  }

  /** Records a series label; a name seen before on this line (or `__name__`) is an error. */
  pushLabel(ns: number, ne: number, vs: number, ve: number, esc: boolean): void {
    const n = this.nLabels;
    let offs = this.labelOffs;
    if (this.isNameLabel(ns, ne)) this.failDuplicate(ns, ne);
    for (let k = 0; k < n; k++) if (this.sameBytes(offs[4 * k]!, offs[4 * k + 1]!, ns, ne)) this.failDuplicate(ns, ne);
    if (4 * n + 4 > offs.length) {
      offs = this.labelOffs = resized(offs, 2 * offs.length);
      this.labelEsc = resized(this.labelEsc, 2 * this.labelEsc.length);
    }
    offs[4 * n] = ns; offs[4 * n + 1] = ne; offs[4 * n + 2] = vs; offs[4 * n + 3] = ve;
    this.labelEsc[n] = esc ? 1 : 0;
    this.nLabels = n + 1;
  }

  /** Records an exemplar label; repeated names are an error. */
  pushExemplarLabel(ns: number, ne: number, vs: number, ve: number, esc: boolean): void {
    const n = this.nEx;
    let offs = this.exOffs;
    for (let k = 0; k < n; k++) if (this.sameBytes(offs[4 * k]!, offs[4 * k + 1]!, ns, ne)) this.failDuplicate(ns, ne);
    if (4 * n + 4 > offs.length) {
      offs = this.exOffs = resized(offs, 2 * offs.length);
      this.exEsc = resized(this.exEsc, 2 * this.exEsc.length);
    }
    offs[4 * n] = ns; offs[4 * n + 1] = ne; offs[4 * n + 2] = vs; offs[4 * n + 3] = ve;
    this.exEsc[n] = esc ? 1 : 0;
    this.nEx = n + 1;
  }

  private failDuplicate(ns: number, ne: number): never {
    this.failToken(ns, `label name ${JSON.stringify(this.latin1(ns, ne))} is not unique`);
  }

  // ---- accessors (allocate; called by ExpositionParser on demand) ----

  seriesKey(): string {
    return this.latin1(this.nameStart, this.seriesEnd);
  }

  metricName(): string {
    return this.latin1(this.nameStart, this.nameEnd);
  }

  labels(): Labels {
    return this.decodeLabels(this.labelOffs, this.labelEsc, this.nLabels, this.metricName());
  }

  exemplarLabels(): Labels {
    return this.decodeLabels(this.exOffs, this.exEsc, this.nEx, undefined);
  }

  private decodeLabels(offs: Int32Array, esc: Uint8Array, n: number, name: string | undefined): Labels {
    const out: Label[] = [];
    if (name !== undefined) out.push({ name: METRIC_NAME, value: name });
    for (let k = 0; k < n; k++) {
      const vs = offs[4 * k + 2]!, ve = offs[4 * k + 3]!;
      if (vs === ve) continue; // an empty value means the label is absent
      let value = this.utf8(vs, ve);
      if (esc[k]) value = unescapeExposition(value, false);
      const label: Label = { name: this.latin1(offs[4 * k]!, offs[4 * k + 1]!), value };
      // Insertion sort: label sets are short and usually already sorted.
      let i = out.length;
      while (i > 0 && out[i - 1]!.name > label.name) i--;
      out.splice(i, 0, label);
    }
    return out;
  }

  /** Raw text of the current Help/Type/Unit/Comment entry, escapes resolved for Help. */
  text(helpEscapes: 'text' | 'openmetrics' | 'none'): string {
    const s = this.utf8(this.textStart, this.textEnd);
    if (!this.textEsc || helpEscapes === 'none') return s;
    return unescapeExposition(s, helpEscapes === 'text');
  }
}

