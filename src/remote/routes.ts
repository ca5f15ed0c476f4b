/**
 * The remote endpoints on vigil's HTTP router: `POST /api/v1/write` (remote-write 1.0 receiver) and
 * `POST /api/v1/read` (remote read, SAMPLES).
 */
import type { Logger } from '../log/index.js';
import type { Labels } from '../model/labels.js';
import type { Appender, Queryable } from '../tsdb/types.js';
import type { Handler, Request, Router } from '../api/router.js';
import { receiverMetrics } from './metrics.js';

export interface RemoteDeps {
  /** What remote read selects from. */
  storage: Queryable;
  /** A new Appender per request (through the AppenderTap when remote write out is configured). */
  appender: () => Appender;
  /** The config's external labels; a function so a reload takes effect. */
  externalLabels: Labels | (() => Labels);
  logger: Logger;
  /** Most samples one remote-read request may return (0 = no limit). Default 5e7, as Prometheus. */
  readSampleLimit?: number;
}

/**
 * Adds `POST /api/v1/write` and `POST /api/v1/read` to the router.
 * @example registerRemote(http.router, { storage: db, appender: tap.appender, externalLabels: () => cfg.global.externalLabels, logger });
 */
export function registerRemote(router: Router, deps: RemoteDeps): void {
  const ext = deps.externalLabels;
  const externalLabels = typeof ext === 'function' ? ext : () => ext;
  const logger = deps.logger.child({ component: 'remote' });
  // The metrics exist from the start (as before); the handlers, and protobufjs and snappy with them, load on the
  // first request, so a daemon that never receives remote traffic does not carry them (≈ 10 MiB RSS).
  receiverMetrics();
  router.add(['POST'], '/api/v1/write', onFirstRequest(async () =>
    (await import('./receiver.js')).writeHandler({ appender: deps.appender, logger })));
  router.add(['POST'], '/api/v1/read', onFirstRequest(async () =>
    (await import('./read.js')).readHandler({ storage: deps.storage, externalLabels, logger, sampleLimit: deps.readSampleLimit })));
}

/** A handler that builds the real one (once, even under concurrent first requests) and then delegates to it. */
function onFirstRequest(build: () => Promise<Handler>): Handler {
  let handler: Promise<Handler> | null = null;
  return async (req: Request) => (await (handler ??= build()))(req);
}
