import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../config/index.js';
import { labelsFromObject } from '../model/labels.js';
import { systemClock } from '../model/clock.js';
import { nopLogger } from '../log/index.js';
import type { Appender } from '../tsdb/types.js';
import { ScrapePool } from './pool.js';

/** Appender that records the values of one metric name, for checking what a scrape produced. */
function recorder(): { appender: () => Appender; values: Map<string, number[]> } {
  const values = new Map<string, number[]>();
  const names: string[] = [''];
  return {
    values,
    appender: () => {
      const pending: [string, number][] = [];
      return {
        ref: (labels) => names.push(labels.find((l) => l.name === '__name__')?.value ?? '') - 1,
        append: (ref, _t, v) => (pending.push([names[ref]!, v]), 0),
        commit: () => {
          for (const [n, v] of pending) values.set(n, [...(values.get(n) ?? []), v]);
        },
        rollback: () => void (pending.length = 0),
      };
    },
  };
}

let dir: string;
let server: https.Server;
let port = 0;
const seenAuth: (string | undefined)[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=vigil test CA');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2', '-extfile', 'san.ext');
  }
  fs.writeFileSync(path.join(dir, 'password'), 'pw-from-file\n');
  server = https.createServer(
    {
      key: fs.readFileSync(path.join(dir, 'server.key')),
      cert: fs.readFileSync(path.join(dir, 'server.crt')),
      ca: fs.readFileSync(path.join(dir, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      seenAuth.push(req.headers.authorization);
      const clientOk = (req.socket as import('node:tls').TLSSocket).authorized;
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`client_cert_ok ${clientOk ? 1 : 0}\n`);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
}, 30_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function scrapeWith(jobYaml: string): Promise<{ up: number; clientOk?: number; error: string }> {
  const cfg = parseConfig(`scrape_configs:\n  - job_name: tls\n    scheme: https\n${jobYaml}`, path.join(dir, 'scrape.yaml'));
  const rec = recorder();
  const pool = new ScrapePool(cfg.scrapeConfigs[0]!, { appender: rec.appender, clock: systemClock, logger: nopLogger });
  const url = `https://127.0.0.1:${port}/metrics`;
  await pool.sync([{ url, labels: labelsFromObject({ job: 'tls', instance: `127.0.0.1:${port}` }), discoveredLabels: [] }], []);
  const loop = pool.activeLoops()[0]!;
  await loop.scrape(Date.now());
  await pool.stop(false);
  return { up: rec.values.get('up')![0]!, clientOk: rec.values.get('client_cert_ok')?.[0], error: loop.lastError };
}

describe('scraping over TLS with the config’s tls_config and credentials', () => {
  it('verifies the server with ca_file and presents a client certificate', async () => {
    const r = await scrapeWith(`    tls_config:\n      ca_file: ca.crt\n      cert_file: client.crt\n      key_file: client.key\n`);
    expect(r).toMatchObject({ up: 1, clientOk: 1 });
  });

  it('fails against an unknown CA, and succeeds with insecure_skip_verify', async () => {
    const bad = await scrapeWith('');
    expect(bad.up).toBe(0);
    expect(bad.error).toMatch(/certificate/i);
    const skip = await scrapeWith(`    tls_config:\n      insecure_skip_verify: true\n`);
    expect(skip).toMatchObject({ up: 1, clientOk: 0 });
  });

  it('sends basic_auth with a password_file, and authorization credentials', async () => {
    seenAuth.length = 0;
    await scrapeWith(`    tls_config: {insecure_skip_verify: true}\n    basic_auth: {username: alice, password_file: password}\n`);
    await scrapeWith(`    tls_config: {insecure_skip_verify: true}\n    authorization: {credentials: tok}\n`);
    expect(seenAuth).toEqual(['Basic ' + Buffer.from('alice:pw-from-file').toString('base64'), 'Bearer tok']);
  });
});
