/**
 * The query path's self-metrics on prom-client's default registry, created once per process (several runners in
 * one process, as in tests, share them).
 */
import client from 'prom-client';

export interface QueryMetrics {
  duration: client.Histogram<'kind'>;
  inFlight: client.Gauge;
  samples: client.Histogram;
  cacheHits: client.Counter;
  cacheMisses: client.Counter;
  cacheBytes: client.Gauge;
}

let cached: QueryMetrics | undefined;

function existing<T>(name: string): T | undefined {
  return client.register.getSingleMetric(name) as T | undefined;
}

/** The metrics, registered on first use. */
export function queryMetrics(): QueryMetrics {
  if (cached !== undefined) return cached;
  cached = {
    duration:
      existing<client.Histogram<'kind'>>('vigil_query_duration_seconds') ??
      new client.Histogram({
        name: 'vigil_query_duration_seconds',
        help: 'Time from receiving a query to its result, queueing and head reads included, by kind (instant, range).',
        labelNames: ['kind'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      }),
    inFlight:
      existing<client.Gauge>('vigil_queries_in_flight') ??
      new client.Gauge({ name: 'vigil_queries_in_flight', help: 'Queries received and not yet answered (running or queued).' }),
    samples:
      existing<client.Histogram>('vigil_query_samples') ??
      new client.Histogram({
        name: 'vigil_query_samples',
        help: 'Samples a query was estimated to load from storage before it ran.',
        buckets: [100, 1e3, 1e4, 1e5, 1e6, 1e7, 5e7],
      }),
    cacheHits:
      existing<client.Counter>('vigil_query_cache_hits_total') ??
      new client.Counter({ name: 'vigil_query_cache_hits_total', help: 'Range queries answered at least in part from the results cache.' }),
    cacheMisses:
      existing<client.Counter>('vigil_query_cache_misses_total') ??
      new client.Counter({ name: 'vigil_query_cache_misses_total', help: 'Cacheable range queries for which the results cache held nothing.' }),
    cacheBytes:
      existing<client.Gauge>('vigil_query_cache_bytes') ??
      new client.Gauge({ name: 'vigil_query_cache_bytes', help: 'Approximate memory held by the query results cache.' }),
  };
  return cached;
}
