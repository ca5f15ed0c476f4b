/**
 * The built-in web UI: `GET /` and the view paths (`/graph`, `/alerts`, `/rules`, `/targets`, `/tsdb-status`,
 * `/config`) all answer the same self-contained page; none collides with /api, /-/, /metrics or /federate.
 */
import { createHash } from 'node:crypto';
import type { Router, Response } from '../api/router.js';
import { PAGE_HTML, UI_VIEWS } from './page.js';

export { PAGE_HTML, UI_VIEWS } from './page.js';

const ETAG = `"${createHash('sha256').update(PAGE_HTML).digest('hex').slice(0, 16)}"`;
const BODY = Buffer.from(PAGE_HTML, 'utf8');

/**
 * Adds the UI's routes (GET and HEAD) to the router. The page is answered with `text/html; charset=utf-8`, a
 * strict Content-Security-Policy (only same-origin connections, inline script and style), and an ETag so
 * browsers revalidate instead of downloading it again.
 *
 * @example registerUi(http.router)
 */
export function registerUi(router: Router): void {
  const handler = (req: { headers: Record<string, string | string[] | undefined>; method: string }): Response => {
    if (req.headers['if-none-match'] === ETAG) return { status: 304, headers: { ETag: ETAG }, body: '' };
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        ETag: ETAG,
        'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
        'X-Content-Type-Options': 'nosniff',
      },
      body: req.method === 'HEAD' ? '' : BODY,
    };
  };
  for (const path of ['/', ...UI_VIEWS.map(([p]) => p)]) router.add(['GET', 'HEAD'], path, handler);
}
