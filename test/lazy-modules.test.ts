/**
 * A scrape-only daemon does not load what only rules, notifiers or remote traffic need (the SQLite and snappy
 * native modules, ≈ 10 MiB RSS each); each is loaded as soon as the config or a request needs it, and then works.
 * Which native modules a process has loaded is read from its memory map (Linux `/proc/<pid>/maps`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProgram, type Started } from './support/process.js';
import { until } from './support/wait.js';
import { encodeWriteRequest } from '../src/remote/proto.js';

const CLI = path.resolve('dist/src/cli/main.js');

let dir = '';
let vigil: Started | null = null;
let base = '';

afterEach(async () => {
  await vigil?.stop('SIGKILL');
  vigil = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startVigil(configText: string, files: Record<string, string> = {}): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-lazy-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  fs.writeFileSync(path.join(dir, 'vigil.yaml'), configText);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  vigil = await startProgram(
    process.execPath,
    [CLI, 'run', '--config', path.join(dir, 'vigil.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`],
    `${base}/-/ready`,
  );
}

/** The native addons (`*.node` files) mapped into the daemon's process. */
function nativeModules(): string[] {
  const maps = fs.readFileSync(`/proc/${vigil!.proc.pid}/maps`, 'utf8');
  const found = new Set<string>();
  for (const m of maps.matchAll(/\/([^/\s]+\.node)$/gm)) found.add(m[1]!);
  return [...found];
}

const selfScrape = (port: string): string =>
  `global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['${port}']\n`;

describe('modules the config does not need are not loaded', () => {
  it('a scrape-only daemon has neither SQLite nor snappy loaded, until a remote-write request arrives', async () => {
    await startVigil('scrape_configs: []\n');
    fs.writeFileSync(path.join(dir, 'vigil.yaml'), selfScrape(base.slice('http://'.length)));
    expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(200);
    await until('scraped itself', async () => {
      const r = await fetch(`${base}/api/v1/query?query=up`);
      const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === '1';
    });
    const idle = nativeModules();
    expect(idle.some((m) => m.includes('sqlite'))).toBe(false);
    expect(idle.some((m) => m.includes('snappy'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'data', 'rules.db'))).toBe(false);

    // The receiver loads its codecs on the first request and ingests it.
    const t = Date.now();
    const body = encodeWriteRequest([{
      labels: [{ name: '__name__', value: 'pushed' }, { name: 'job', value: 'w' }],
      timestamps: Float64Array.of(t), values: Float64Array.of(42),
    }]);
    const res = await fetch(`${base}/api/v1/write`, {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
    });
    expect(res.status).toBe(204);
    const q = (await (await fetch(`${base}/api/v1/query?query=pushed&time=${t / 1000}`)).json()) as { data: { result: { value: [number, string] }[] } };
    expect(q.data.result[0]?.value[1]).toBe('42');
    expect(nativeModules().some((m) => m.includes('snappy'))).toBe(true);
  });

  it('opens rules.db (and loads SQLite) when a reload adds rule files, and evaluates them', async () => {
    await startVigil('scrape_configs: []\n');
    expect(nativeModules().some((m) => m.includes('sqlite'))).toBe(false);
    expect((await (await fetch(`${base}/api/v1/rules`)).json())).toEqual({ status: 'success', data: { groups: [] } });
    fs.writeFileSync(path.join(dir, 'r.yml'), 'groups:\n  - name: g\n    interval: 100ms\n    rules:\n      - record: one\n        expr: vector(1)\n');
    fs.writeFileSync(path.join(dir, 'vigil.yaml'), `rule_files: ['${path.join(dir, 'r.yml')}']\nscrape_configs: []\n`);
    expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect(fs.existsSync(path.join(dir, 'data', 'rules.db'))).toBe(true);
    expect(nativeModules().some((m) => m.includes('sqlite'))).toBe(true);
    await until('rule evaluated', async () => {
      const body = (await (await fetch(`${base}/api/v1/query?query=one`)).json()) as { data: { result: unknown[] } };
      return body.data.result.length === 1;
    });
  });
});
