/**
 * `vigil query` as users run it: the built CLI as a child process against a real vigil serving backfilled data
 * (so every value and time is known), plus a recording HTTP server for what is sent and how API errors read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort, startProgram, type Started } from '../../test/support/process.js';
import { Command } from 'commander';
import { defaultStep, formatMetric, formatTable, planQuery, registerQuery, type QueryFlags } from './query.js';
import { UsageError } from './errors.js';

const CLI = path.resolve('dist/src/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vigil(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, TZ: 'UTC' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// Backfilled data, an hour ago: demo_value{instance="a"} = i and demo_value{instance="b"} = 200 - i at BASE + i*15s
// for i in 0..159; b has no samples for i in 40..79 (10 minutes, longer than the 5-minute lookback).
const BASE_S = Math.floor(Date.now() / 60_000) * 60 - 3600;
const at = (i: number) => BASE_S + i * 15;
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

let dir: string;
let server: Started;
let url = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-query-'));
  let om = '# TYPE demo_value gauge\n';
  for (let i = 0; i < 160; i++) om += `demo_value{instance="a"} ${i} ${at(i)}\n`;
  for (let i = 0; i < 160; i++) if (i < 40 || i >= 80) om += `demo_value{instance="b"} ${200 - i} ${at(i)}\n`;
  fs.writeFileSync(path.join(dir, 'in.om'), om + '# EOF\n');
  const imported = await vigil(['import', 'openmetrics', path.join(dir, 'in.om'), '--data-dir', path.join(dir, 'data'), '--no-progress']);
  expect(imported.code, imported.stderr).toBe(0);
  fs.writeFileSync(path.join(dir, 'scrape.yaml'), 'scrape_configs: []\n');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = await startProgram(
    process.execPath,
    [CLI, 'run', '--config', path.join(dir, 'scrape.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`],
    `${url}/-/ready`,
  );
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Read-only queries against fixed data: independent, so they run concurrently (each CLI start costs a node boot).
describe.concurrent('vigil query against a real vigil', () => {
  it('prints an instant vector as aligned rows: series, value, time', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value', '--server', url, '--time', String(at(20))]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `demo_value{instance="a"}  20   ${iso(at(20))}\n` +
      `demo_value{instance="b"}  180  ${iso(at(20))}\n`,
    );
  });

  it('takes RFC 3339 times and prints scalars as their value', async ({ expect }) => {
    const r = await vigil(['query', 'sum(demo_value)', '--server', url, '--time', iso(at(10))]);
    expect(r.stdout).toBe(`{}  200  ${iso(at(10))}\n`);
    const s = await vigil(['query', 'scalar(demo_value{instance="a"}) * 2', '--server', url, '--time', String(at(7))]);
    expect(s.stdout).toBe('14\n');
  });

  it('prints the API body unchanged with --output json', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value', '--server', url, '--time', String(at(3)), '-o', 'json']);
    expect(r.code).toBe(0);
    const direct = await fetch(`${url}/api/v1/query?query=demo_value&time=${at(3)}`);
    expect(r.stdout).toBe((await direct.text()) + '\n');
    expect(JSON.parse(r.stdout).data.result).toHaveLength(2);
  });

  it('runs a range query with --start/--end/--step and prints each series with value @ time rows', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value{instance="a"}', '--server', url, '--start', String(at(0)), '--end', String(at(4)), '--step', '15s']);
    expect(r.code).toBe(0);
    const rows = [0, 1, 2, 3, 4].map((i) => `  ${i}  @ ${iso(at(i))}`);
    expect(r.stdout).toBe(`demo_value{instance="a"}\n${rows.join('\n')}\n`);
  });

  it('separates the series of a matrix by a blank line', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value', '--server', url, '--start', String(at(0)), '--end', String(at(1)), '--step', '15']);
    expect(r.stdout).toBe(
      `demo_value{instance="a"}\n  0  @ ${iso(at(0))}\n  1  @ ${iso(at(1))}\n\n` +
      `demo_value{instance="b"}\n  200  @ ${iso(at(0))}\n  199  @ ${iso(at(1))}\n`,
    );
  });

  it('draws a range query with --output plot: lines, gaps, axes and legend, no colour off a terminal', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value', '--server', url, '--start', String(at(0)), '--end', String(at(159)), '--step', '15s', '-o', 'plot']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    // Values run from 0 (a at the start) to 200 (b at the start).
    const plotLines = lines.filter((l) => /^\s*\S+ [┤┼]/.test(l));
    expect(plotLines[0]).toMatch(/^\s*200 ┤/);
    expect(plotLines.at(-1)).toMatch(/^\s*0 ┼/);
    expect(lines.slice(-2)).toEqual(['── demo_value{instance="a"}', '── demo_value{instance="b"}']);
    expect(r.stdout).toContain(`${iso(at(0)).slice(0, 10)} ${iso(at(0)).slice(11, 19)} to ${iso(at(159)).slice(11, 19)} UTC, step 15s`);
    // b is absent from step 60 (its last sample at 39 plus 5 minutes of lookback) to 79. The rows for 140..200 hold
    // only b before the gap (200 - i for i <= 60) and a near the end (i >= 140): the gap's columns are empty there.
    expect(plotLines.slice(0, 4).map((l) => l.trim().split(' ')[0])).toEqual(['200', '180', '160', '140']);
    const upper = plotLines.slice(0, 4).map((l) => l.slice(l.search(/[┤┼]/) + 1));
    const cols = upper[0]!.length;
    const blank = (c: number) => upper.every((l) => l[c] === ' ');
    const gapMid = Math.round((70 / 160) * cols);
    expect(blank(gapMid)).toBe(true);
    expect(blank(Math.round((20 / 160) * cols))).toBe(false);
    expect(blank(Math.round((150 / 160) * cols))).toBe(false);
  });

  it('passes --max-source-resolution through and accepts relative times', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value{instance="a"}', '--server', url, '--time', '-10m', '--max-source-resolution', 'raw']);
    expect(r.code, r.stderr).toBe(0);
    // 10 minutes ago is past the data's last sample (about 20 minutes ago) plus the 5-minute lookback: empty.
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('vigil: empty result\n');
    // 50 minutes ago is inside the data: both series answer.
    const inside = await vigil(['query', 'demo_value', '--server', url, '--time', 'now-50m', '--max-source-resolution', '5m']);
    expect(inside.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('reports the API error type and message on stderr with exit code 1', async ({ expect }) => {
    const r = await vigil(['query', 'demo_value{', '--server', url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vigil: bad_data: .*parse error/);
  });
});

describe.concurrent('vigil query failures', () => {
  it('says clearly when the server cannot be reached (exit 1)', async ({ expect }) => {
    const port = await freePort();
    const r = await vigil(['query', 'up', '--server', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`vigil: cannot reach http://127.0.0.1:${port}: ECONNREFUSED; is vigil running there? (--server URL)\n`);
  });

  it('rejects bad flags with exit code 2', async ({ expect }) => {
    const r = await vigil(['query', 'up', '-o', 'plot']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('vigil: --output plot draws a range query: give --start (and optionally --end, --step)\n');
    // The rest in-process: each is a UsageError, which the CLI's entry point turns into exit code 2 as above.
    const cases: Array<[string[], RegExp]> = [
      [['up', '--time', 'yesterday'], /--time: cannot parse "yesterday"/],
      [['up', '-o', 'xml'], /--output must be table, json or plot/],
      [['up', '--max-source-resolution', '2h'], /--max-source-resolution must be raw, 5m, 1h or auto/],
      [['up', '--start', '-1h', '--step', '0'], /--step must be positive/],
      [['up', '--end', 'now'], /--end needs --start/],
      [['up', '--server', 'localhost:9190'], /--server must be an http/],
    ];
    for (const [args, msg] of cases) {
      const program = new Command('vigil').exitOverride();
      registerQuery(program);
      const err = await program.parseAsync(['node', 'vigil', 'query', ...args]).catch((e: unknown) => e);
      expect(err, args.join(' ')).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(msg);
    }
  });
});

describe('what vigil query sends, and API errors', () => {
  let fake: http.Server;
  let fakeUrl = '';
  const seen: Array<{ path: string; params: URLSearchParams }> = [];
  let reply: { status: number; body: string } = { status: 200, body: '' };

  beforeAll(async () => {
    fake = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', params: new URLSearchParams(body) });
        res.writeHead(reply.status, { 'Content-Type': 'application/json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

  it('POSTs a range query with start, end, the default step and max_source_resolution', async () => {
    reply = { status: 200, body: '{"status":"success","data":{"resultType":"matrix","result":[]}}' };
    seen.length = 0;
    const r = await vigil(['query', 'rate(x[5m])', '--server', fakeUrl + '/', '--start', '1700000000', '--end', '1700003600', '--max-source-resolution', '5m']);
    expect(r.code, r.stderr).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/api/v1/query_range');
    expect(Object.fromEntries(seen[0]!.params)).toEqual({
      query: 'rate(x[5m])', start: '1700000000', end: '1700003600', step: '36', max_source_resolution: '5m',
    });
  });

  it('POSTs an instant query with the time in unix seconds', async () => {
    reply = { status: 200, body: '{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"1"]}}' };
    seen.length = 0;
    const r = await vigil(['query', '1', '--server', fakeUrl, '--time', '2023-11-14T22:13:20.5Z']);
    expect(r.stdout).toBe('1\n');
    expect(seen[0]!.path).toBe('/api/v1/query');
    expect(Object.fromEntries(seen[0]!.params)).toEqual({ query: '1', time: '1700000000.5' });
  });

  it('prints an execution error and warnings from the API', async () => {
    reply = { status: 422, body: '{"status":"error","errorType":"execution","error":"query processing would load too many samples"}' };
    const r = await vigil(['query', 'x', '--server', fakeUrl]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('vigil: execution: query processing would load too many samples\n');
    reply = { status: 200, body: '{"status":"success","data":{"resultType":"string","result":[1,"hi"]},"warnings":["careful"]}' };
    const w = await vigil(['query', '"hi"', '--server', fakeUrl]);
    expect(w.code).toBe(0);
    expect(w.stdout).toBe('hi\n');
    expect(w.stderr).toBe('vigil: warning: careful\n');
  });

  it('rejects an answer that is not the API', async () => {
    reply = { status: 404, body: '404 page not found' };
    const r = await vigil(['query', 'x', '--server', fakeUrl]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered 404 with a body that is not JSON: 404 page not found/);
  });
});

describe('planQuery and formatting', () => {
  const NOW = 1_700_000_000_000;
  const flags = (f: Partial<QueryFlags>): QueryFlags => ({ server: 'http://x', output: 'table', ...f });

  it('defaults the range end to now and the step to a hundredth of the range, whole seconds, at least 1s', () => {
    expect(planQuery(flags({ start: '-1h' }), NOW)).toEqual({ kind: 'range', start: NOW - 3600_000, end: NOW, step: 36_000 });
    expect(defaultStep(0, 50_000)).toBe(1000);
    expect(defaultStep(0, 3600_000 * 24)).toBe(864_000);
    expect(defaultStep(0, 125_000)).toBe(1000);
    expect(defaultStep(0, 170_000)).toBe(2000);
  });

  it('rejects contradictory flags', () => {
    expect(() => planQuery(flags({ start: '-1h', time: 'now' }), NOW)).toThrow(UsageError);
    expect(() => planQuery(flags({ start: 'now', end: '-1h' }), NOW)).toThrow(/is before --start/);
    expect(() => planQuery(flags({ step: '15s' }), NOW)).toThrow(/--step needs --start/);
    expect(() => planQuery(flags({ start: '-1h', step: 'x' }), NOW)).toThrow(UsageError);
  });

  it('formats series like Prometheus', () => {
    expect(formatMetric({ __name__: 'up', job: 'a', instance: 'h:1' })).toBe('up{instance="h:1", job="a"}');
    expect(formatMetric({ __name__: 'up' })).toBe('up');
    expect(formatMetric({})).toBe('{}');
    expect(formatMetric({ a: 'say "hi"\n' })).toBe('{a="say \\"hi\\"\\n"}');
  });

  it('formats an empty result as nothing', () => {
    expect(formatTable({ resultType: 'vector', result: [] })).toBe('');
    expect(formatTable({ resultType: 'matrix', result: [] })).toBe('');
  });
});
