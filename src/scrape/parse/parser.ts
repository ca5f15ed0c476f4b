import type { Labels } from '../../model/labels.js';
import { Cursor } from './cursor.js';
import { nextOpenMetrics } from './openmetrics.js';
import { nextKnownSeries, nextText, rescanSeriesKey } from './text.js';
import { Entry, type ExpositionFormat, type MetricType, type ParserOptions } from './types.js';

/** An OpenMetrics exemplar attached to the current series. Timestamp in milliseconds. */
export interface Exemplar {
  labels: Labels;
  value: number;
  timestamp?: number;
}

/**
 * Pull parser over one exposition body. `next()` advances; the accessors describe the current entry and are valid
 * until the next call. Throws `ParseError` (line, column, byte offset, snippet) on malformed input; after an error
 * the parser must not be used again until `reset()`.
 *
 * Cost: `next()` scans bytes without allocating. `seriesKey()`, `metricName()`, `labels()`, `help()` and
 * `exemplar()` each decode a string or build objects: call what you need (the scrape cache calls `seriesKey()` on
 * every sample and `labels()` only on a miss).
 * @example
 * const p = new ExpositionParser(body, 'text');
 * for (let e = p.next(); e !== Entry.EOF; e = p.next()) if (e === Entry.Series) add(p.seriesKey(), p.value());
 */
export class ExpositionParser {
  private readonly c: Cursor;
  private om: boolean;

  constructor(body: Uint8Array, format: ExpositionFormat, opts: ParserOptions = {}) {
    this.om = format === 'openmetrics';
    this.c = new Cursor(body, format, opts.lineOffset ?? 0, opts.requireEof ?? this.om);
  }

  /**
   * Starts over on another body, as a new parser with these arguments would, but keeping this one's scratch
   * arrays: for a caller that parses one body after another (a scrape loop), so no parser is allocated per body.
   * Also the way to go on after a ParseError.
   */
  reset(body: Uint8Array, format: ExpositionFormat, opts?: ParserOptions): void {
    this.om = format === 'openmetrics';
    this.c.reset(body, format, opts?.lineOffset ?? 0, opts?.requireEof ?? this.om);
  }

  /** Advances to the next entry; `Entry.EOF` at the end (and on every call after it). */
  next(): Entry {
    if (this.c.done) return Entry.EOF;
    return this.om ? nextOpenMetrics(this.c) : nextText(this.c);
  }

  /** Series: the raw bytes of `name{labels}` as a (latin1) string, identical for identical input bytes. */
  seriesKey(): string {
    return this.c.seriesKey();
  }

  /**
   * Series: byte offsets in the body of `name{labels}` (the span seriesKey() decodes), for callers that key on the
   * raw bytes without decoding a string.
   */
  seriesKeyStart(): number {
    return this.c.nameStart;
  }

  seriesKeyEnd(): number {
    return this.c.seriesEnd;
  }

  /** Series: `__name__` and the labels, escapes resolved, sorted by name; empty values are left out. */
  labels(): Labels {
    if (!this.c.keyScanned) rescanSeriesKey(this.c);
    return this.c.labels();
  }

  /** Series: the metric name. */
  metricName(): string {
    if (!this.c.keyScanned) rescanSeriesKey(this.c);
    return this.c.metricName();
  }

  /**
   * Text format: reads the next line as a Series entry if it starts with exactly the series key `key[off..off+len)`
   * (raw bytes a previous Series entry spanned, with no line break in them; `keyView` is a DataView over the same
   * bytes as `key`, for comparing words) followed by its value; returns false
   * with nothing consumed otherwise (then call `next()`). The hit skips scanning the key: a scrape cache that knows
   * which series usually comes next saves most of the parse. OpenMetrics bodies always return false.
   */
  nextKnownSeries(key: Uint8Array, keyView: DataView, off: number, len: number): boolean {
    return !this.om && nextKnownSeries(this.c, key, keyView, off, len);
  }

  /** Series: the sample value; NaN has Prometheus's canonical bit pattern (never the stale marker's). */
  value(): number {
    return this.c.value;
  }

  /** Series: the sample's timestamp in ms, if the line has one (OpenMetrics seconds are truncated to ms). */
  timestamp(): number | undefined {
    return this.c.hasTs ? this.c.ts : undefined;
  }

  /** Series (OpenMetrics): the exemplar after ` # `, if any. */
  exemplar(): Exemplar | undefined {
    const c = this.c;
    if (!c.hasExemplar) return undefined;
    const e: Exemplar = { labels: c.exemplarLabels(), value: c.exValue };
    if (c.exHasTs) e.timestamp = c.exTs;
    return e;
  }

  /** Type/Help/Unit: the metric family name the line names. */
  family(): string {
    return this.c.metricName();
  }

  /**
   * Type/Help/Unit: byte offsets in the body of the span from the family name to the end of the text. Two entries
   * of the same kind and format whose spans hold the same bytes have the same family, type, help and unit, so a
   * caller can compare raw bytes with an earlier body's instead of decoding strings again.
   */
  metadataStart(): number {
    return this.c.nameStart;
  }

  metadataEnd(): number {
    return this.c.textEnd;
  }

  /** Type: the declared type (text format `untyped` reads as `unknown`, as in Prometheus). */
  type(): MetricType {
    return this.c.mtype;
  }

  /** Help: the help text, escapes resolved (`\\`, `\n`; OpenMetrics also `\"`). */
  help(): string {
    return this.c.text(this.om ? 'openmetrics' : 'text');
  }

  /** Unit (OpenMetrics): the unit, possibly empty. */
  unit(): string {
    return this.c.text('none');
  }

  /** Comment (text format): the whole comment line from its `#`. */
  comment(): string {
    return this.c.text('none');
  }

  /** 1-based line number where the current entry starts, plus `lineOffset`. */
  line(): number {
    return this.c.entryLine;
  }
}
