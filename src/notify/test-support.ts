/**
 * Test helpers for the notify stage: a real HTTP webhook receiver on loopback that records payloads and can be
 * made to fail or be stopped, and config parsing from YAML text.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { parseNotifyConfig, type NotifyConfig } from './config.js';
import type { WebhookPayload } from './payload.js';

export class WebhookReceiver {
  received: WebhookPayload[] = [];
  headers: Array<Record<string, string | string[] | undefined>> = [];
  /** When set, requests are answered with this status and not recorded. */
  failWith = 0;
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failWith) {
          res.writeHead(this.failWith).end('receiver down');
          return;
        }
        this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload);
        this.headers.push(req.headers);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export function configFromYaml(text: string): NotifyConfig {
  const cfg = parseNotifyConfig(parse(text) as Record<string, unknown>, 'http://vigil.test:9190');
  if (!cfg) throw new Error('nothing to deliver to in test config');
  return cfg;
}
