import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerSilence } from './silence.js';
import { UsageError } from './errors.js';
import { AlertDelivery, handleSilenceRequest, parseNotifyConfig } from '../notify/index.js';

let server: Server;
let url: string;
let delivery: AlertDelivery;
let out: string;

beforeEach(async () => {
  delivery = AlertDelivery.open({
    dataDir: mkdtempSync(join(tmpdir(), 'vigil-cli-silence-')),
    config: parseNotifyConfig({ notifiers: { w: { type: 'webhook', url: 'http://127.0.0.1:9/' } } })!,
  });
  // A minimal HTTP front for the silence API, as the daemon's router forwards it.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : undefined;
      const r = handleSilenceRequest(delivery, req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, body);
      if (!r) { res.writeHead(404).end(); return; }
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
});

afterEach(async () => {
  vi.restoreAllMocks();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await delivery.close();
});

async function run(...args: string[]): Promise<void> {
  const p = new Command('vigil').exitOverride();
  registerSilence(p);
  await p.parseAsync(['node', 'vigil', 'silence', ...args, '--server', url]);
}

describe('vigil silence', () => {
  it('adds, lists and expires silences through the HTTP API', async () => {
    await run('add', 'alertname="HighCPU"', 'instance=~web-.*', '-c', 'deploy', '-a', 'alice', '-d', '2h');
    const id = out.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const s = delivery.getSilence(id)!;
    expect(s.matchers.map((m) => `${m.name}|${m.value}|${m.isRegex}`)).toEqual(['alertname|HighCPU|false', 'instance|web-.*|true']);
    // The server clamps a start in the past to its own now, so the window can be shorter by the request's latency.
    const span = Date.parse(s.endsAt) - Date.parse(s.startsAt);
    expect(span).toBeLessThanOrEqual(2 * 3600_000);
    expect(span).toBeGreaterThan(2 * 3600_000 - 10_000);
    out = '';
    await run('list');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+MATCHERS\s+ENDS AT\s+CREATED BY\s+COMMENT$/);
    expect(lines[1]).toContain(id);
    expect(lines[1]).toContain('active');
    expect(lines[1]).toContain('alertname="HighCPU",instance=~"web-.*"');
    await run('expire', id);
    expect(delivery.getSilence(id)!.status.state).toBe('expired');
    out = '';
    await run('list');
    expect(out.trim().split('\n')).toHaveLength(1);
    out = '';
    await run('list', '--expired', '-o', 'json');
    expect((JSON.parse(out) as Array<{ id: string }>).map((x) => x.id)).toEqual([id]);
  });

  it('reports bad input as a usage error', async () => {
    await expect(run('add', 'nonsense', '-c', 'x')).rejects.toBeInstanceOf(UsageError);
    await expect(run('add', 'a="b"', '-c', 'x', '-d', '5q')).rejects.toThrow(/--duration/);
    await expect(run('expire', 'no-such-id')).rejects.toThrow(/404 silence no-such-id not found/);
  });
});
