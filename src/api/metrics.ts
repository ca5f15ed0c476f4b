import client from 'prom-client';

interface HttpMetrics {
  requests: client.Counter<'handler' | 'code'>;
  duration: client.Histogram<'handler'>;
}
let cached: HttpMetrics | undefined;

/** The HTTP server's self-metrics, registered once per process on prom-client's default registry. */
export function httpMetrics(): HttpMetrics {
  cached ??= {
    requests: new client.Counter({
      name: 'vigil_http_requests_total',
      help: 'HTTP requests served, by handler and status code.',
      labelNames: ['handler', 'code'],
    }),
    duration: new client.Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'Time to serve an HTTP request, by handler.',
      labelNames: ['handler'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2, 10, 60],
    }),
  };
  return cached;
}
