import client from 'prom-client';

interface ScrapeMetrics {
  scrapes: client.Counter<'job' | 'result'>;
  duration: client.Histogram<'job'>;
  rejected: client.Counter<'job' | 'reason'>;
  duplicates: client.Counter<'job'>;
  exemplars: client.Counter<'job'>;
}
let cached: ScrapeMetrics | undefined;

/** Scrape self-metrics, registered once per process on prom-client's default registry. */
export function scrapeMetrics(): ScrapeMetrics {
  cached ??= {
    scrapes: new client.Counter({ name: 'vigil_scrapes_total', help: 'Scrapes run, by job and result.', labelNames: ['job', 'result'] }),
    duration: new client.Histogram({
      name: 'vigil_scrape_duration_seconds',
      help: 'Time to fetch, parse and append one scrape.',
      labelNames: ['job'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    }),
    rejected: new client.Counter({
      name: 'vigil_scrape_samples_rejected_total',
      help: 'Scraped samples the engine rejected, by reason (out_of_order, duplicate_timestamp, out_of_bounds).',
      labelNames: ['job', 'reason'],
    }),
    duplicates: new client.Counter({
      name: 'vigil_scrape_duplicate_series_total',
      help: 'Series exposed more than once in one scrape body (all but the first are dropped).',
      labelNames: ['job'],
    }),
    exemplars: new client.Counter({
      name: 'vigil_scrape_exemplars_parsed_total',
      help: 'Exemplars parsed from OpenMetrics bodies (vigil does not store exemplars yet).',
      labelNames: ['job'],
    }),
  };
  return cached;
}
