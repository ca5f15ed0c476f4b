import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalQueryRunner } from '../api/local-runner.js';
import { BadDataError } from '../model/errors.js';
import { labelsFromObject } from '../model/labels.js';
import { writeBlock, type SeriesInput } from '../tsdb/block/index.js';
import { Db } from '../tsdb/db.js';
import { WorkerQueryRunner } from './runner.js';
import { testWorkerScript } from './test-support.js';

const HOUR = 3600_000, DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 30 * DAY;

let dir: string;
let db: Db;
let runner: WorkerQueryRunner;
let local: LocalQueryRunner;

function series(): SeriesInput[] {
  const out: SeriesInput[] = [];
  for (let k = 0; k < 3; k++) {
    const n = (4 * DAY) / 60_000;
    const t = new Float64Array(n), v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = T0 + i * 60_000;
      v[i] = k === 0 ? i * 3 : 50 + 20 * Math.sin(i / (30 + k));
    }
    out.push({ labels: labelsFromObject({ __name__: k === 0 ? 'requests_total' : 'load', host: `h${k}` }), samples: { t, v, length: n } });
  }
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-query-tiers-'));
  const all = series();
  for (let s = T0; s < T0 + 4 * DAY; s += 6 * HOUR) await writeBlock(dir, all, { minTime: s, maxTime: s + 6 * HOUR });
  db = await Db.open(dir, { now: () => NOW });
  await db.compactBlocks({ retentionMs: new Map() });
  runner = new WorkerQueryRunner(db, { pool: { script: await testWorkerScript() } });
  local = new LocalQueryRunner(db);
});
afterAll(async () => {
  await runner.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('WorkerQueryRunner over downsampled tiers', () => {
  it('has raw and downsampled blocks to read', () => {
    const res = new Set(db.blocks().map((b) => b.resolution));
    expect(res.has(0)).toBe(true);
    expect([...res].some((r) => r > 0)).toBe(true);
  });

  it('answers like the in-process runner for every max_source_resolution, warnings included', async () => {
    const queries = ['rate(requests_total[1h])', 'max_over_time(load[2h])', 'avg(load)', 'load'];
    let downsampledAnswers = 0;
    for (const maxSourceResolution of ['auto', 'raw', '5m', '1h']) {
      for (const q of queries) {
        const want = await local.range(q, T0 + 6 * HOUR, T0 + 3 * DAY, HOUR, { maxSourceResolution });
        const got = await runner.range(q, T0 + 6 * HOUR, T0 + 3 * DAY, HOUR, { maxSourceResolution });
        expect(got, `${q} at ${maxSourceResolution}`).toEqual(want);
        if (want.warnings) downsampledAnswers++;
      }
    }
    expect(downsampledAnswers).toBeGreaterThan(0);
  });

  it('rejects an unknown max_source_resolution as bad_data', async () => {
    await expect(runner.instant('load', T0 + DAY, { maxSourceResolution: '2m' })).rejects.toBeInstanceOf(BadDataError);
  });
});
