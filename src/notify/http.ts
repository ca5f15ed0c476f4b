/**
 * The silence endpoints as a framework-free function, so the HTTP layer only forwards requests:
 * `GET /api/v2/silences`, `GET /api/v2/silence/{id}`, `POST /api/v2/silences` (Alertmanager's PostableSilence or
 * matcher strings), `DELETE /api/v2/silence/{id}`. Shapes and status codes follow Alertmanager's API v2.
 */
import { BadDataError } from '../model/errors.js';
import type { AlertDelivery } from './delivery.js';
import type { SilenceInput } from './silences.js';

export interface SilenceHttpResponse {
  status: number;
  body: unknown;
}

/**
 * Handles a silence request, or returns null when `path` is not a silence endpoint. `body` is the parsed JSON
 * body (POST only). Bad input answers 400 with `{ error }`; an unknown id 404.
 */
export function handleSilenceRequest(delivery: AlertDelivery, method: string, path: string, body?: unknown): SilenceHttpResponse | null {
  const one = /^\/api\/v2\/silence\/([^/]+)$/.exec(path);
  try {
    if (path === '/api/v2/silences') {
      if (method === 'GET') return { status: 200, body: delivery.listSilences() };
      if (method === 'POST') {
        if (typeof body !== 'object' || body === null) throw new BadDataError('body must be a JSON silence');
        return { status: 200, body: delivery.createSilence(body as SilenceInput) };
      }
      return { status: 405, body: { error: `method ${method} not allowed` } };
    }
    if (one) {
      const id = decodeURIComponent(one[1]!);
      const s = delivery.getSilence(id);
      if (!s) return { status: 404, body: { error: `silence ${id} not found` } };
      if (method === 'GET') return { status: 200, body: s };
      if (method === 'DELETE') { delivery.expireSilence(id); return { status: 200, body: null }; }
      return { status: 405, body: { error: `method ${method} not allowed` } };
    }
  } catch (e) {
    if (e instanceof BadDataError) return { status: 400, body: { error: e.message } };
    throw e;
  }
  return null;
}
