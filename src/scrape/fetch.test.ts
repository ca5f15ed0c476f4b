import { describe, it, expect, afterEach } from 'vitest';
import * as net from 'node:net';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { BodyBuffer, ScrapeError, ScrapeFetcher } from './fetch.js';

/** A raw TCP server answering each request (one per blank-line-terminated head) with `reply(n, socket)`. */
interface RawServer {
  url: string;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rawServer(reply: (n: number, sock: net.Socket) => void): Promise<RawServer> {
  const socks = new Set<net.Socket>();
  const state: RawServer = { url: '', connections: 0, requests: [], close: async () => {} };
  const srv = net.createServer((sock) => {
    state.connections++;
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    let pending = '';
    sock.on('data', (d) => {
      pending += d.toString('latin1');
      let i: number;
      while ((i = pending.indexOf('\r\n\r\n')) >= 0) {
        state.requests.push(pending.slice(0, i));
        pending = pending.slice(i + 4);
        reply(state.requests.length, sock);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/metrics?x=1`;
  state.close = () => {
    for (const s of socks) s.destroy();
    return new Promise<void>((r) => srv.close(() => r()));
  };
  cleanups.push(state.close);
  return state;
}

/** One connection per origin, as a scrape loop (one fetch at a time) uses it, so reuse is visible. */
function agent(): Agent {
  const a = new Agent({ keepAliveTimeout: 10_000, connections: 1 });
  cleanups.push(() => a.destroy());
  return a;
}

/** Writes `parts` one at a time, each in its own event-loop turn, so the client sees separate reads. */
function writeApart(sock: net.Socket, parts: (string | Buffer)[], end = false): void {
  let i = 0;
  const step = (): void => {
    if (i < parts.length) {
      sock.write(parts[i++]!);
      setTimeout(step, 2);
    } else if (end) sock.end();
  };
  step();
}

const HEADERS = { Accept: 'text/plain', 'X-Test': 'yes' };

describe('ScrapeFetcher', () => {
  it('sends the path, query and headers, and assembles a body split over reads into the reused buffer', async () => {
    const srv = await rawServer((_n, sock) =>
      writeApart(sock, ['HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Le', 'ngth: 10\r\n\r\nabc', 'defghij']),
    );
    const into = new BodyBuffer();
    const r = await new ScrapeFetcher(agent(), srv.url, HEADERS).fetch(2000, 0, into);
    expect(r.body.toString()).toBe('abcdefghij');
    expect(r.body.buffer).toBe(into.buf.buffer);
    expect(r.contentType).toBe('text/plain; version=0.0.4');
    const head = srv.requests[0]!.split('\r\n');
    expect(head[0]).toBe('GET /metrics?x=1 HTTP/1.1');
    expect(head.map((h) => h.toLowerCase())).toContain('x-test: yes');
  });

  it('decodes chunked bodies and keeps one connection across scrapes', async () => {
    const body = 'metric_a 1\nmetric_b{x="y"} 2\n';
    const wire = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${body.slice(0, 5)}\r\n` +
      `${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`;
    const srv = await rawServer((n, sock) => {
      const parts: string[] = [];
      for (let i = 0; i < wire.length; i += n) parts.push(wire.slice(i, i + n));
      writeApart(sock, parts);
    });
    const f = new ScrapeFetcher(agent(), srv.url, HEADERS);
    const into = new BodyBuffer();
    for (let n = 1; n <= 6; n++) expect((await f.fetch(5000, 0, into)).body.toString(), `pieces of ${n} bytes`).toBe(body);
    expect(srv.connections).toBe(1);
  });

  it('connects again after a response that says Connection: close', async () => {
    const srv = await rawServer((n, sock) => sock.write(`HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nc${n}`));
    const f = new ScrapeFetcher(agent(), srv.url, HEADERS);
    const into = new BodyBuffer();
    expect((await f.fetch(2000, 0, into)).body.toString()).toBe('c1');
    expect((await f.fetch(2000, 0, into)).body.toString()).toBe('c2');
    expect(srv.connections).toBe(2);
  });

  it('fails on an error status, a time-out, a refused connection and a truncated body, and works again after', async () => {
    const status = await rawServer((_n, sock) => sock.write('HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\n\r\ndown'));
    const sf = new ScrapeFetcher(agent(), status.url, HEADERS);
    await expect(sf.fetch(2000, 0, new BodyBuffer())).rejects.toThrow(new ScrapeError('server returned HTTP status 503'));

    const slow = await rawServer((n, sock) => {
      if (n === 1) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const f = new ScrapeFetcher(agent(), slow.url, HEADERS);
    await expect(f.fetch(50, 0, new BodyBuffer())).rejects.toThrow('context deadline exceeded (scrape_timeout 0.05s)');
    expect((await f.fetch(2000, 0, new BodyBuffer())).body.toString()).toBe('ok');

    const port = new URL(status.url).port;
    await status.close();
    await expect(new ScrapeFetcher(agent(), `http://127.0.0.1:${port}/`, HEADERS).fetch(2000, 0, new BodyBuffer()))
      .rejects.toThrow(/ECONNREFUSED/);

    const cut = await rawServer((_n, sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    await expect(new ScrapeFetcher(agent(), cut.url, HEADERS).fetch(2000, 0, new BodyBuffer())).rejects.toThrow(ScrapeError);
  });

  it('rejects malformed responses', async () => {
    for (const wire of ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n', 'SMTP ready\r\n\r\n']) {
      const srv = await rawServer((_n, sock) => sock.write(wire));
      await expect(new ScrapeFetcher(agent(), srv.url, HEADERS).fetch(2000, 0, new BodyBuffer()), wire).rejects.toThrow(ScrapeError);
    }
  });

  it('enforces the body size limit on plain and gzipped bodies, chunked or not', async () => {
    const body = 'x'.repeat(1000);
    const gz = gzipSync(body);
    const srv = await rawServer((n, sock) => {
      const k = (n - 1) % 3;
      if (k === 0) sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      else if (k === 1) sock.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n${body}\r\n0\r\n\r\n`);
      else {
        sock.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`);
        sock.write(gz);
      }
    });
    const a = agent();
    for (let i = 0; i < 3; i++) {
      await expect(new ScrapeFetcher(a, srv.url, HEADERS).fetch(2000, 999, new BodyBuffer())).rejects.toThrow('body size limit exceeded (999 bytes)');
    }
    const f = new ScrapeFetcher(a, srv.url, HEADERS);
    for (let i = 0; i < 3; i++) expect((await f.fetch(2000, 1000, new BodyBuffer())).body.toString()).toBe(body);
  });

  it('decodes a gzipped chunked body', async () => {
    const body = 'up 1\n'.repeat(500);
    const gz = gzipSync(body);
    const srv = await rawServer((_n, sock) => {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n${gz.length.toString(16)}\r\n`);
      writeApart(sock, [gz.subarray(0, 7), gz.subarray(7), '\r\n0\r\n\r\n']);
    });
    expect((await new ScrapeFetcher(agent(), srv.url, HEADERS).fetch(2000, 0, new BodyBuffer())).body.toString()).toBe(body);
  });
});
