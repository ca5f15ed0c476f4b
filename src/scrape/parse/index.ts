/**
 * Exposition-format parsers: the Prometheus text format 0.0.4 and OpenMetrics 1.0, read as Prometheus 2.42 reads
 * them, plus the text-format writer used by /federate. The scrape loop and `vigil import openmetrics` use this.
 */
export * from './types.js';
export { ExpositionParser, type Exemplar } from './parser.js';
export { ParseError } from './errors.js';
export { NORMAL_NAN } from './float.js';
export { formatFromContentType, SCRAPE_ACCEPT_HEADER } from './content-type.js';
export { TextWriter, formatValue, escapeLabelValue, escapeHelp } from './writer.js';
