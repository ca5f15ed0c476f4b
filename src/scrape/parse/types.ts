/** The two exposition formats vigil scrapes and imports. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** What `ExpositionParser.next()` stopped on. */
export const enum Entry {
  EOF = 0,
  Series = 1,
  Type = 2,
  Help = 3,
  Unit = 4,
  Comment = 5,
}

/**
 * Metric family types. The text format's `untyped` is reported as `unknown`, as Prometheus does, so metadata looks
 * the same whichever format a target chose.
 */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'gaugehistogram'
  | 'stateset'
  | 'info';

export interface ParserOptions {
  /** Added to every reported line number: the number of lines before this body in a bigger file. Default 0. */
  lineOffset?: number;
  /**
   * OpenMetrics only: the body must end with `# EOF` (and nothing after it). Default true. Set false to parse a
   * piece of a big file that is split on line boundaries; a `# EOF` line, where present, still ends the input.
   */
  requireEof?: boolean;
}
