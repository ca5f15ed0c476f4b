/**
 * Prometheus's own client against vigil: `promtool query instant|range|series|labels` must succeed (exit 0) and
 * print the series and values the data holds, exactly as they print for the real Prometheus serving the same
 * data; a bad query must fail with promtool's `bad_data` message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProgram, type Started } from '../support/process.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/src/cli/main.js');
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

/** First sample, unix seconds: recent (inside Prometheus's 15 d retention), on a whole minute. */
const T0 = Math.floor(Date.now() / 60_000) * 60 - 20 * 60;
/** Samples k = 0..40, one every 15 s (ten minutes). */
const K = 40;

/**
 * kitchen = 20 + k/2 °C, office = 18 °C; requests: code 200 grows by 6 per sample (0.4/s), code 500 by 1.
 */
function data(): string {
  const lines: string[] = ['# TYPE pt_temperature_celsius gauge'];
  for (let k = 0; k <= K; k++) lines.push(`pt_temperature_celsius{room="kitchen"} ${20 + k / 2} ${T0 + 15 * k}`);
  for (let k = 0; k <= K; k++) lines.push(`pt_temperature_celsius{room="office"} 18 ${T0 + 15 * k}`);
  lines.push('# TYPE pt_requests counter');
  for (let k = 0; k <= K; k++) lines.push(`pt_requests_total{code="200"} ${6 * k} ${T0 + 15 * k}`);
  for (let k = 0; k <= K; k++) lines.push(`pt_requests_total{code="500"} ${k} ${T0 + 15 * k}`);
  return lines.join('\n') + '\n# EOF\n';
}

let dir = '';
let vigil: Started | undefined;
let prometheus: Started | undefined;
let vigilUrl = '';
let promUrl = '';

beforeAll(async () => {
  for (const bin of [PROMETHEUS, PROMTOOL]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: install Debian's prometheus package (.ci/run does)`);
  }
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-promtool-'));
  const file = path.join(dir, 'data.om');
  fs.writeFileSync(file, data());
  const config = path.join(dir, 'empty.yml');
  fs.writeFileSync(config, 'scrape_configs: []\n');
  await Promise.all([
    run(process.execPath, [CLI, 'import', 'openmetrics', file, '--data-dir', path.join(dir, 'vigil'), '--no-progress']),
    run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', file, path.join(dir, 'prometheus')]),
  ]);
  const [vp, pp] = await Promise.all([freePort(), freePort()]);
  vigilUrl = `http://127.0.0.1:${vp}`;
  promUrl = `http://127.0.0.1:${pp}`;
  [vigil, prometheus] = await Promise.all([
    startProgram(process.execPath, [CLI, 'run', '--config', config, '--data-dir', path.join(dir, 'vigil'), '--listen', `127.0.0.1:${vp}`], `${vigilUrl}/-/ready`),
    startProgram(PROMETHEUS, [`--storage.tsdb.path=${path.join(dir, 'prometheus')}`, `--config.file=${config}`, `--web.listen-address=127.0.0.1:${pp}`, '--log.level=warn'], `${promUrl}/-/ready`),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([vigil?.stop(), prometheus?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Outcome { code: number; stdout: string; stderr: string }

/** Runs promtool with `server` substituted for the `SERVER` argument. */
async function promtool(args: string[], server: string): Promise<Outcome> {
  try {
    const r = await run(PROMTOOL, args.map((a) => (a === 'SERVER' ? server : a)), { timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

/** Asks vigil, expects success, and expects the same output from Prometheus; returns vigil's stdout. */
async function agreeing(args: string[]): Promise<string> {
  const [v, p] = await Promise.all([promtool(args, vigilUrl), promtool(args, promUrl)]);
  expect(v, `promtool ${args.join(' ')} against vigil`).toMatchObject({ code: 0 });
  expect(p.code, `promtool against Prometheus: ${p.stderr}`).toBe(0);
  expect(v.stdout).toBe(p.stdout);
  return v.stdout;
}

describe('promtool query against vigil', () => {
  it('instant: every series with its value at the given time', async () => {
    const out = await agreeing(['query', 'instant', `--time=${T0 + 300}`, 'SERVER', 'pt_temperature_celsius']);
    expect(out.trim().split('\n').sort()).toEqual([
      `pt_temperature_celsius{room="kitchen"} => 30 @[${T0 + 300}]`,
      `pt_temperature_celsius{room="office"} => 18 @[${T0 + 300}]`,
    ]);
  });

  it('instant: a rate over an aligned window needs no extrapolation (48 requests in 120 s)', async () => {
    const out = await agreeing(['query', 'instant', `--time=${T0 + 300}`, 'SERVER', 'rate(pt_requests_total{code="200"}[2m])']);
    expect(out.trim()).toBe(`{code="200"} => 0.4 @[${T0 + 300}]`);
  });

  it('instant: a scalar, and JSON output', async () => {
    expect((await agreeing(['query', 'instant', `--time=${T0 + 150}`, 'SERVER', 'scalar(sum(pt_temperature_celsius))'])).trim())
      .toBe(`scalar: 43 @[${T0 + 150}]`);
    const json = JSON.parse(await agreeing(['query', 'instant', '-o', 'json', `--time=${T0 + 600}`, 'SERVER', 'pt_requests_total{code="500"}'])) as unknown;
    expect(json).toEqual([{ metric: { __name__: 'pt_requests_total', code: '500' }, value: [T0 + 600, '40'] }]);
  });

  it('range: one line per step', async () => {
    const out = await agreeing(['query', 'range', `--start=${T0 + 60}`, `--end=${T0 + 180}`, '--step=1m', 'SERVER', 'pt_temperature_celsius{room="kitchen"}']);
    expect(out.trim().split('\n')).toEqual([
      'pt_temperature_celsius{room="kitchen"} =>',
      `22 @[${T0 + 60}]`,
      `24 @[${T0 + 120}]`,
      `26 @[${T0 + 180}]`,
    ]);
  });

  it('series: the label sets matching a selector', async () => {
    const out = await agreeing(['query', 'series', '--match=pt_requests_total', `--start=${T0}`, `--end=${T0 + 600}`, 'SERVER']);
    expect(out.trim().split('\n').sort()).toEqual([
      '{__name__="pt_requests_total", code="200"}',
      '{__name__="pt_requests_total", code="500"}',
    ]);
  });

  it('labels: the values of a label, optionally for matching series only', async () => {
    expect((await agreeing(['query', 'labels', 'SERVER', 'room'])).trim().split('\n')).toEqual(['kitchen', 'office']);
    expect((await agreeing(['query', 'labels', '--match=pt_requests_total', 'SERVER', 'code'])).trim().split('\n')).toEqual(['200', '500']);
    expect((await agreeing(['query', 'labels', '--match=pt_requests_total', 'SERVER', 'room'])).trim()).toBe('');
  });

  it('a bad query fails with bad_data, as against Prometheus', async () => {
    const [v, p] = await Promise.all([promtool(['query', 'instant', 'SERVER', 'sum('], vigilUrl), promtool(['query', 'instant', 'SERVER', 'sum('], promUrl)]);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/^query error: bad_data: /);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/^query error: bad_data: .*parse error/);
  });
});
