import type { ExpositionFormat } from './types.js';

/**
 * The Accept header Prometheus 2.42 sends when scraping (without the native-histogram protobuf preference):
 * OpenMetrics 1.0.0 first, then 0.0.1, then the text format, then anything.
 */
export const SCRAPE_ACCEPT_HEADER =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/**
 * Picks the parser for a response's Content-Type as Prometheus does: the media type `application/openmetrics-text`
 * (any case, any parameters or version) means OpenMetrics; anything else, a missing header included, the text format.
 * @example formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8') === 'openmetrics'
 */
export function formatFromContentType(ct: string | undefined): ExpositionFormat {
  if (!ct) return 'text';
  const semi = ct.indexOf(';');
  const media = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return media === 'application/openmetrics-text' ? 'openmetrics' : 'text';
}
