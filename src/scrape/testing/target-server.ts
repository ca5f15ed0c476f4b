/**
 * A scrape target for tests: a real HTTP server on loopback whose answer (body, status, headers, delay) the test
 * sets per request. Records the requests it saw.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface TargetReply {
  status?: number;
  body?: string;
  contentType?: string;
  gzip?: boolean;
  delayMs?: number;
}

export class TestTarget {
  reply: TargetReply = { body: '' };
  readonly requests: http.IncomingHttpHeaders[] = [];
  private server!: http.Server;
  address = '';

  static async start(reply: TargetReply = { body: '' }): Promise<TestTarget> {
    const t = new TestTarget();
    t.reply = reply;
    t.server = http.createServer((req, res) => {
      t.requests.push(req.headers);
      const r = t.reply;
      const send = () => {
        let body: Buffer = Buffer.from(r.body ?? '');
        const headers: Record<string, string> = { 'Content-Type': r.contentType ?? 'text/plain; version=0.0.4' };
        if (r.gzip) {
          body = gzipSync(body);
          headers['Content-Encoding'] = 'gzip';
        }
        res.writeHead(r.status ?? 200, headers);
        res.end(body);
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    t.address = `127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    return t;
  }

  get url(): string {
    return `http://${this.address}/metrics`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
