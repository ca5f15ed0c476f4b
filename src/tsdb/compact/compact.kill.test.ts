/**
 * `vigil tsdb compact` killed with SIGKILL at several points (VIGIL_TEST_CRASH_AT, run.ts), then reopened and run
 * again: every raw sample is there exactly once, and each downsampled tier counts every raw sample exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelsFromObject } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { writeBlock } from '../block/index.js';
import { Db } from '../db.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
/** `vigil tsdb` alone (testdata/tsdb-cli.mjs): the same command code as dist/src/cli/main.js registers. */
const cli = join(here, 'testdata', 'tsdb-cli.mjs');
const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000;
const T0 = 9090 * 54 * HOUR;
const SERIES = 4;
const N = 3 * 24 * 60;
const NOW = T0 + 30 * DAY;

function distStale(): boolean {
  for (const folder of ['src/tsdb', 'src/model', 'src/log', 'src/config']) {
    for (const rel of fs.readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (!rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
      const out = join(root, 'dist', folder, rel.replace(/\.ts$/, '.js'));
      if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(join(root, folder, rel)).mtimeMs) return true;
    }
  }
  for (const file of ['src/cli/tsdb.ts', 'src/cli/time.ts', 'src/cli/errors.ts']) {
    const out = join(root, 'dist', file.replace(/\.ts$/, '.js'));
    if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(join(root, file)).mtimeMs) return true;
  }
  return false;
}

let base: string;
const work: string[] = [];
beforeAll(async () => {
  if (distStale()) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'ignore' });
    if (distStale()) throw new Error('build did not bring dist/ up to date');
  }
  base = fs.mkdtempSync(join(tmpdir(), 'vigil-ckill-'));
  const t = new Float64Array(N);
  for (let k = 0; k < N; k++) t[k] = T0 + 10_000 + k * MIN;
  const series = [];
  for (let i = 0; i < SERIES; i++) {
    const v = new Float64Array(N);
    for (let k = 0; k < N; k++) v[k] = i * 1e6 + k;
    series.push({ labels: labelsFromObject({ __name__: 'm', i: String(i) }), samples: { t, v, length: N } });
  }
  // 6 h blocks: merges (with input deletion) into 18 h and 54 h, and both downsampling tiers, are due.
  for (let s = T0; s < T0 + 3 * DAY; s += 6 * HOUR) await writeBlock(base, series, { minTime: s, maxTime: s + 6 * HOUR });
}, 60_000);
afterAll(() => {
  for (const d of [base, ...work]) fs.rmSync(d, { recursive: true, force: true });
});

function compact(dir: string, crashAt?: string, extra: readonly string[] = []) {
  const env = { ...process.env };
  delete env.VIGIL_TEST_CRASH_AT;
  if (crashAt) env.VIGIL_TEST_CRASH_AT = crashAt;
  return spawnSync(process.execPath, [cli, 'tsdb', 'compact', '--data-dir', dir, '--retention', '0', // no time limit
    '--now', String(NOW / 1000), ...extra], {
    env, encoding: 'utf8', timeout: 60_000,
  });
}

/** Checks every raw sample once; for each downsampled tier present, the counts add up to the raw samples once. */
async function verify(dir: string, tiers: number[], coldDir?: string): Promise<void> {
  const db = await Db.open(dir, { now: () => NOW, coldDir });
  try {
    // Db.open removed the inputs of a merge whose output was complete: raw blocks no longer overlap.
    const raws = db.blocks().filter((b) => b.resolution === 0);
    for (let i = 1; i < raws.length; i++) expect(raws[i]!.minTime).toBeGreaterThanOrEqual(raws[i - 1]!.maxTime);
    const q = db.querier();
    const raw = q.select([new Matcher('=', '__name__', 'm')], T0, T0 + 3 * DAY, { resolution: 0 });
    expect(raw.length).toBe(SERIES);
    for (const s of raw) {
      const b = s.samples();
      const i = Number(s.labels.find((l) => l.name === 'i')!.value);
      expect(b.length).toBe(N);
      for (let k = 0; k < N; k++) {
        if (b.t[k] !== T0 + 10_000 + k * MIN || b.v[k] !== i * 1e6 + k) throw new Error(`series ${i} sample ${k}: (${b.t[k]}, ${b.v[k]})`);
      }
    }
    for (const r of tiers) {
      expect(db.blocks().some((b) => b.resolution === r)).toBe(true);
      // Only tier r (and raw where it has no data): the count aggregate adds up to the raw samples exactly once.
      const counts = q.select([new Matcher('=', '__name__', 'm')], T0, T0 + 3 * DAY, { resolution: r, aggregate: 'count' });
      expect(counts.length).toBe(SERIES);
      for (const s of counts) {
        const b = s.samples();
        let total = 0;
        for (let k = 0; k < b.length; k++) total += b.v[k]!;
        expect(total).toBe(N);
      }
    }
    q.close();
  } finally {
    await db.close();
  }
}

describe('vigil tsdb compact under kill -9', () => {
  it('completes without a crash: raw intact, 5m and 1h each count every sample once', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'vigil-ckill-run-'));
    work.push(dir);
    fs.cpSync(base, dir, { recursive: true });
    const r = compact(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/downsampled raw to 5m/);
    expect(r.stdout).toMatch(/downsampled 5m to 1h/);
    await verify(dir, [300_000, 3_600_000]);
    const again = compact(dir);
    expect(again.stdout, `status ${again.status} signal ${again.signal} ${again.stderr}`).toMatch(/nothing to do/);
  }, 60_000);

  for (const point of ['after-write@1', 'mid-delete@2', 'before-write@6', 'after-downsample@1', 'after-downsample@2']) {
    it(`killed at ${point}: reopens complete, and a second run finishes the work`, async () => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'vigil-ckill-run-'));
      work.push(dir);
      fs.cpSync(base, dir, { recursive: true });
      const r = compact(dir, point);
      expect(r.signal, `${point} was not reached: status ${r.status}, ${r.stdout} ${r.stderr}`).toBe('SIGKILL');
      await verify(dir, []);
      const again = compact(dir);
      expect(again.status, again.stderr).toBe(0);
      await verify(dir, [300_000, 3_600_000]);
    }, 120_000);
  }
});

describe('vigil tsdb compact with a cold tier under kill -9', () => {
  it('killed between the cold copy and the hot delete: reopens with each sample once, a second run moves everything', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'vigil-ckill-cold-'));
    work.push(dir);
    const data = join(dir, 'data'), cold = join(dir, 'cold'), config = join(dir, 'vigil.yml');
    fs.cpSync(base, data, { recursive: true });
    // Every block ends by T0 + 3d = NOW - 27d: all are due to move, after merging and downsampling.
    fs.writeFileSync(config, 'storage:\n  cold:\n    dir: cold\n    after: 20d\n');
    const r = compact(data, 'after-cold-copy@1', ['--config', config]);
    expect(r.signal, `after-cold-copy was not reached: status ${r.status}, ${r.stdout} ${r.stderr}`).toBe('SIGKILL');
    const copied = fs.readdirSync(cold);
    expect(copied).toHaveLength(1);
    // The block is in both places now: opening prefers the cold copy and removes the hot one.
    expect(fs.existsSync(join(data, copied[0]!))).toBe(true);
    await verify(data, [300_000, 3_600_000], cold);
    expect(fs.existsSync(join(data, copied[0]!))).toBe(false);
    const again = compact(data, undefined, ['--config', config]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/moved 1 block\(s\) to the cold tier/);
    await verify(data, [300_000, 3_600_000], cold);
    expect(fs.readdirSync(data).filter((n) => /^[0-9A-Z]{26}$/.test(n))).toEqual([]);
  }, 120_000);
});

describe('vigil tsdb compact / stats', () => {
  it('refuses a data dir another live process holds, with a clear error', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'vigil-ckill-lock-'));
    work.push(dir);
    fs.cpSync(base, dir, { recursive: true });
    // This test process plays the daemon: a live pid other than the child's.
    fs.writeFileSync(join(dir, 'lock'), `${process.pid}\n`);
    const r = compact(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`locked by process ${process.pid}`);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('stats reports blocks, resolutions, samples and bytes', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'vigil-ckill-stats-'));
    work.push(dir);
    fs.cpSync(base, dir, { recursive: true });
    expect(compact(dir).status).toBe(0);
    const r = spawnSync(process.execPath, [cli, 'tsdb', 'stats', '--data-dir', dir, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { resolutions: { resolution: string; samples: number; series: number; bytes: number }[] };
    expect(j.resolutions.map((x) => x.resolution)).toEqual(['raw', '5m', '1h']);
    expect(j.resolutions[0]!.samples).toBe(SERIES * N);
    for (const x of j.resolutions) {
      expect(x.series).toBe(SERIES);
      expect(x.bytes).toBeGreaterThan(0);
    }
    const table = spawnSync(process.execPath, [cli, 'tsdb', 'stats', '--data-dir', dir], { encoding: 'utf8' });
    expect(table.stdout).toMatch(/^resolution\s+blocks/m);
    expect(table.stdout).toMatch(/^1h\s+1\s/m);
  });
});
