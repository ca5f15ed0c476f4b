/**
 * The daemon keeps V8's young generation at its start size (src/daemon/heap.ts) while it scrapes and after its
 * query workers start (a worker start resets V8's flags), and `--heap.fixed-young-generation false` restores V8's
 * growing default. Read from the daemon's own `/metrics` (prom-client's per-space heap gauges).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProgram, type Started } from './support/process.js';
import { until } from './support/wait.js';
import { TestTarget } from '../src/scrape/testing/target-server.js';

const CLI = path.resolve('dist/src/cli/main.js');
const MiB = 1024 * 1024;
const SERIES = 3000;

let target: TestTarget;
let dir = '';
let vigil: Started | null = null;
let base = '';

beforeAll(async () => {
  let body = '# TYPE load gauge\n';
  for (let i = 0; i < SERIES; i++) body += `load{series="s${i}",zone="z${i % 7}"} ${i * 1.5}\n`;
  target = await TestTarget.start({ body });
});
afterAll(async () => {
  await target.close();
});
afterEach(async () => {
  await vigil?.stop('SIGKILL');
  vigil = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startVigil(extraArgs: string[]): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-heap-'));
  const cfg = `global:\n  scrape_interval: 100ms\n  scrape_timeout: 90ms\nscrape_configs:\n  - job_name: load\n    static_configs:\n      - targets: ['${target.address}']\n`;
  fs.writeFileSync(path.join(dir, 'vigil.yaml'), cfg);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  vigil = await startProgram(
    process.execPath,
    [CLI, 'run', '--config', path.join(dir, 'vigil.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`, ...extraArgs],
    `${base}/-/ready`,
  );
}

/** The main isolate's committed new space, from the daemon's /metrics. */
async function newSpaceBytes(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(text);
  if (!m) throw new Error('no new-space gauge in /metrics');
  return Number(m[1]);
}

/** Scrapes until `n` more samples of the target were appended, then runs a query (which starts the workers). */
async function ingestAndQuery(scrapes: number): Promise<void> {
  const appended = async (): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^vigil_tsdb_head_samples_appended_total (\S+)$/m.exec(text)?.[1] ?? 0);
  };
  const start = await appended();
  await until(`${scrapes} scrapes`, async () => (await appended()) >= start + scrapes * SERIES);
  const r = await fetch(`${base}/api/v1/query?query=count(load)`);
  const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
  expect(body.data.result[0]?.value[1]).toBe(String(SERIES));
}

describe('young generation of the running daemon', () => {
  it('stays at its start size while scraping, and after the query workers start', async () => {
    await startVigil([]);
    await ingestAndQuery(10);
    await ingestAndQuery(10);
    expect(await newSpaceBytes()).toBeLessThanOrEqual(2 * MiB);
  });

  it('grows as V8 decides with --heap.fixed-young-generation false', async () => {
    await startVigil(['--heap.fixed-young-generation', 'false']);
    await ingestAndQuery(10);
    expect(await newSpaceBytes()).toBeGreaterThan(2 * MiB);
  });
});
