/**
 * The daemon as users run it: `vigil run` as a child process (the built CLI), scraping real HTTP targets on
 * loopback; reloads by SIGHUP and POST /-/reload, good and bad; file-based discovery; SIGTERM.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProgram, type Started } from './support/process.js';
import { until } from './support/wait.js';
import { TestTarget } from '../src/scrape/testing/target-server.js';

const CLI = path.resolve('dist/src/cli/main.js');

let dir: string;
let targets: TestTarget[] = [];
let vigil: Started | null = null;
let base = '';

beforeAll(async () => {
  for (let i = 0; i < 3; i++) targets.push(await TestTarget.start({ body: `target_index ${i}\n` }));
});
afterAll(async () => {
  for (const t of targets) await t.close();
});
afterEach(async () => {
  await vigil?.stop('SIGKILL');
  vigil = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startVigil(configText: string): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-daemon-'));
  fs.writeFileSync(path.join(dir, 'scrape.yaml'), configText);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  vigil = await startProgram(
    process.execPath,
    [CLI, 'run', '--config', path.join(dir, 'scrape.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`],
    `${base}/-/ready`,
  );
}

function config(jobs: { name: string; targets?: string[]; files?: string[]; interval?: string }[]): string {
  let s = 'global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\nscrape_configs:\n';
  for (const j of jobs) {
    s += `  - job_name: ${j.name}\n`;
    if (j.interval) s += `    scrape_interval: ${j.interval}\n`;
    if (j.targets) s += `    static_configs:\n      - targets: [${j.targets.map((t) => `'${t}'`).join(', ')}]\n`;
    if (j.files) s += `    file_sd_configs:\n      - files: [${j.files.map((f) => `'${f}'`).join(', ')}]\n        refresh_interval: 1s\n`;
  }
  return s;
}

async function api(p: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, init);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function activeTargets(): Promise<{ scrapeUrl: string; health: string; lastScrape: string }[]> {
  return (await api('/api/v1/targets')).body.data.activeTargets;
}


async function metric(name: string): Promise<number> {
  const text = (await api('/metrics')).body as string;
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('vigil run', () => {
  it('scrapes its targets and answers queries about them', async () => {
    await startVigil(config([{ name: 'a', targets: [targets[0]!.address, targets[1]!.address] }]));
    await until('both targets up', async () => (await activeTargets()).every((t) => t.health === 'up'));
    const r = await api('/api/v1/query?query=target_index');
    expect(r.body.data.result.map((s: any) => [s.metric.instance, s.value[1]]).sort()).toEqual(
      [
        [targets[0]!.address, '0'],
        [targets[1]!.address, '1'],
      ].sort(),
    );
    expect(await metric('vigil_tsdb_head_series')).toBeGreaterThanOrEqual(12);
  });

  it('reloads on POST /-/reload: a bad config answers 400 with file:line and keeps the old one running', async () => {
    await startVigil(config([{ name: 'a', targets: [targets[0]!.address] }]));
    const cfgFile = path.join(dir, 'scrape.yaml');
    fs.writeFileSync(cfgFile, config([{ name: 'a', targets: [targets[0]!.address] }]) + '    bogus_key: 1\n');
    const bad = await api('/-/reload', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(new RegExp(`scrape.yaml:\\d+:\\d+: .*bogus_key`));
    expect(await metric('vigil_config_last_reload_successful')).toBe(0);
    expect((await activeTargets()).map((t) => t.scrapeUrl)).toEqual([targets[0]!.url]);

    fs.writeFileSync(cfgFile, config([{ name: 'a', targets: [targets[0]!.address, targets[2]!.address] }]));
    const good = await api('/-/reload', { method: 'POST' });
    expect(good.status).toBe(200);
    expect(await metric('vigil_config_last_reload_successful')).toBe(1);
    expect((await activeTargets()).map((t) => t.scrapeUrl).sort()).toEqual([targets[0]!.url, targets[2]!.url].sort());
  });

  it('keeps unchanged targets scraping through a SIGHUP reload, with no gap', async () => {
    await startVigil(config([{ name: 'a', targets: [targets[0]!.address] }]));
    await until('first scrapes', async () => (await activeTargets())[0]?.health === 'up');
    const before = Date.now();
    fs.writeFileSync(path.join(dir, 'scrape.yaml'), config([{ name: 'a', targets: [targets[0]!.address] }, { name: 'b', targets: [targets[1]!.address] }]));
    vigil!.proc.kill('SIGHUP');
    await until('job b', async () => (await activeTargets()).length === 2);
    await new Promise((r) => setTimeout(r, 600));
    const after = Date.now();
    const windowS = Math.ceil((after - before) / 1000) + 1;
    const r = await api(`/api/v1/query?query=up{job="a"}[${windowS}s]&time=${after / 1000}`);
    const ts: number[] = r.body.data.result[0].values.map(([t]: [number]) => t * 1000);
    // The raw scrape timestamps across the reload: one every 200 ms (stamped on schedule, so exact unless the
    // machine is so busy a timer fires late), none skipped, none doubled.
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    expect(Math.max(...gaps)).toBeLessThan(300);
    expect(Math.min(...gaps)).toBeGreaterThan(100);
    expect(ts.length).toBeGreaterThanOrEqual(Math.floor((after - before) / 200));
  });

  it('follows file_sd_configs as files appear, change and go', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-daemon-'));
    const sdDir = path.join(os.tmpdir(), `vigil-sd-${process.pid}-${Date.now()}`);
    fs.mkdirSync(sdDir);
    try {
      await startVigil(config([{ name: 'fsd', files: [path.join(sdDir, '*.json')] }]));
      expect(await activeTargets()).toEqual([]);
      fs.writeFileSync(path.join(sdDir, 'one.json'), JSON.stringify([{ targets: [targets[0]!.address], labels: { team: 'x' } }]));
      await until('target from file', async () => (await activeTargets()).length === 1);
      const t = (await api('/api/v1/targets')).body.data.activeTargets[0];
      expect(t.labels).toMatchObject({ team: 'x', job: 'fsd' });
      expect(t.discoveredLabels.__meta_filepath).toBe(path.join(sdDir, 'one.json'));
      fs.rmSync(path.join(sdDir, 'one.json'));
      await until('target gone', async () => (await activeTargets()).length === 0);
    } finally {
      fs.rmSync(sdDir, { recursive: true, force: true });
    }
  });

  it('marks a target that goes down: up 0 and its series stale at once', async () => {
    const flaky = await TestTarget.start({ body: 'flaky_metric 1\n' });
    try {
      await startVigil(config([{ name: 'f', targets: [flaky.address] }]));
      await until('up', async () => (await activeTargets())[0]?.health === 'up');
      await flaky.close();
      await until('down', async () => (await activeTargets())[0]?.health === 'down');
      const up = await api('/api/v1/query?query=up');
      expect(up.body.data.result[0].value[1]).toBe('0');
      // Without staleness markers the series would be returned for 5 more minutes.
      const gone = await api('/api/v1/query?query=flaky_metric');
      expect(gone.body.data.result).toEqual([]);
    } finally {
      await flaky.close().catch(() => {});
    }
  });

  it('rejects a bad config at start with exit code 2 and file:line', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-daemon-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'global:\n  scrape_interval: forever\n');
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [CLI, 'run', '--config', file, '--data-dir', path.join(dir, 'd'), '--listen', '127.0.0.1:0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:2:\d+/);
  });

  it('stops on SIGTERM within a few seconds with exit code 0, and keeps what it scraped', async () => {
    await startVigil(config([{ name: 'a', targets: [targets[0]!.address] }]));
    await until('scraped', async () => (await activeTargets())[0]?.health === 'up');
    const started = Date.now();
    const code = await vigil!.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    vigil = null;
    // Restart on the same data: the samples are there (replayed from the WAL).
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    fs.writeFileSync(path.join(dir, 'empty.yaml'), 'scrape_configs: []\n');
    vigil = await startProgram(process.execPath, [CLI, 'run', '--config', path.join(dir, 'empty.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`], `${base}/-/ready`);
    const r = await api(`/api/v1/query?query=count_over_time(target_index[1m])`);
    expect(Number(r.body.data.result[0].value[1])).toBeGreaterThanOrEqual(1);
  });
});
