import { describe, it, expect } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, toRequest } from './router.js';

/** A loopback server whose handler gets each request; resolves with its base URL and a close function. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('readBody / toRequest', () => {
  it('reads a body sent in many chunks whole, and merges form parameters after the query string', async () => {
    const seen: { body: string; params: [string, string][] }[] = [];
    const srv = await serve((raw, res) => {
      void toRequest(raw).then((req) => {
        seen.push({ body: req.body.toString(), params: [...req.params] });
        res.end('ok');
      });
    });
    try {
      const parts = ['query=sum%20by%20(job)', '(rate(x%5B5m%5D))', '&step=60&match[]=a', '&match[]=b'];
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(`${srv.url}/api/v1/query_range?start=1&step=15`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }, resolve);
        req.on('error', reject);
        // Written in pieces with the headers flushed first: the server sees them as separate chunks.
        req.flushHeaders();
        let i = 0;
        const next = (): void => {
          if (i < parts.length) {
            req.write(parts[i++]!);
            setImmediate(next);
          } else req.end();
        };
        next();
      });
      res.resume();
      expect(res.statusCode).toBe(200);
      expect(seen).toEqual([{
        body: parts.join(''),
        params: [['start', '1'], ['step', '15'], ['query', 'sum by (job)(rate(x[5m]))'], ['step', '60'], ['match[]', 'a'], ['match[]', 'b']],
      }]);
    } finally {
      await srv.close();
    }
  });

  it('rejects a body over the limit with its size in the message', async () => {
    const errors: string[] = [];
    const srv = await serve((raw, res) => {
      readBody(raw, 1000).then(
        () => res.end('read'),
        (e: Error) => {
          errors.push(e.message);
          res.destroy();
        },
      );
    });
    try {
      await fetch(`${srv.url}/x`, { method: 'POST', body: 'y'.repeat(5000) }).catch(() => undefined);
      expect(errors).toEqual(['request body exceeds 1000 bytes']);
    } finally {
      await srv.close();
    }
  });

  it('reads an empty POST body as empty', async () => {
    const bodies: number[] = [];
    const srv = await serve((raw, res) => {
      void readBody(raw).then((b) => {
        bodies.push(b.length);
        res.end();
      });
    });
    try {
      const res = await fetch(`${srv.url}/x`, { method: 'POST' });
      await res.text();
      expect(bodies).toEqual([0]);
    } finally {
      await srv.close();
    }
  });
});
