/**
 * vigil's HTTP server: the Prometheus API v1, the lifecycle endpoints (`/-/healthy`, `/-/ready`, `/-/reload`),
 * `/metrics` and the UI. Stages contribute routes through `Router`; this module only serves them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router, send, toRequest } from './router.js';
import { apiError, errorResponse } from './errors.js';
import type { Logger } from '../log/index.js';
import { httpMetrics } from './metrics.js';

export interface HttpServer {
  readonly router: Router;
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createHttpServer(logger: Logger): HttpServer {
  const router = new Router();
  const server = http.createServer((raw, res) => {
    const started = process.hrtime.bigint();
    void (async () => {
      let path = '/';
      try {
        const req = await toRequest(raw);
        path = req.path;
        const m = router.match(req.method, req.path);
        if (m === undefined) return send(res, { status: 404, body: '404 page not found\n' });
        if (m === null) return send(res, apiError('bad_data', `method ${req.method} not allowed for ${req.path}`));
        req.pathParams = m.pathParams;
        send(res, await m.handler(req));
      } catch (e) {
        logger.error('http handler failed', { path, err: e });
        if (!res.headersSent) send(res, errorResponse(e));
        else res.destroy();
      } finally {
        const secs = Number(process.hrtime.bigint() - started) / 1e9;
        httpMetrics().requests.inc({ handler: routeLabel(path), code: String(res.statusCode) });
        httpMetrics().duration.observe({ handler: routeLabel(path) }, secs);
      }
    })();
  });
  server.keepAliveTimeout = 65_000;
  return {
    router,
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** Keeps handler label cardinality bounded: label values in paths are folded. */
function routeLabel(path: string): string {
  if (path.startsWith('/api/v1/label/')) return '/api/v1/label/:name/values';
  if (path.startsWith('/api/v1/')) return path;
  if (path.startsWith('/-/') || path === '/metrics' || path === '/federate' || path === '/') return path;
  return 'other';
}
