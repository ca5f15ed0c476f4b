/**
 * Fixtures for the query tests: a real Db in a temp dir holding a persisted block and a head, with counters and
 * gauges at a 15 s interval. Not part of the public API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { labelsFromObject, type Labels } from '../model/labels.js';
import { Db } from '../tsdb/db.js';

export const HOUR = 3600_000;
export const SCRAPE_MS = 15_000;

export interface Fixture {
  db: Db;
  dir: string;
  /** Exclusive end of the data: samples at 0, 15 s, …, end − 15 s. */
  end: number;
  close(): Promise<void>;
}

/** Series of the fixture: 2 jobs × 3 instances of a counter, 4 gauges. */
export function fixtureSeries(): Labels[] {
  const out: Labels[] = [];
  for (const job of ['api', 'db']) {
    for (const instance of ['a', 'b', 'c']) out.push(labelsFromObject({ __name__: 'http_requests_total', job, instance }));
  }
  for (const instance of ['a', 'b', 'c', 'd']) out.push(labelsFromObject({ __name__: 'temperature', instance }));
  return out;
}

/** Deterministic, irregular values: counters increase (with one reset), gauges wander. */
export function fixtureValue(series: number, t: number): number {
  const k = t / SCRAPE_MS;
  if (series < 6) return k < 400 + series * 37 ? k * (series + 1) : (k - 400) * 0.5;
  return 20 + 10 * Math.sin(k / (7 + series)) + (k % (3 + series));
}

/**
 * A Db with `hours` of data (default 4) whose first 2 h are compacted into a block, so queries read a block and
 * the head.
 */
export async function openFixture(hours = 4): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-query-'));
  const db = await Db.open(dir);
  const series = fixtureSeries();
  const end = hours * HOUR;
  const app = db.appender();
  const refs = series.map((l) => app.ref(l));
  for (let t = 0; t < end; t += SCRAPE_MS) {
    for (let i = 0; i < refs.length; i++) {
      // A gap in one gauge, so lookback and absent-handling are exercised.
      if (i === 9 && t > 2.5 * HOUR && t < 2.7 * HOUR) continue;
      app.append(refs[i]!, t, fixtureValue(i, t));
    }
    app.commit();
  }
  await db.compactHead();
  return {
    db,
    dir,
    end,
    close: async () => {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let bundled: URL | undefined;

/**
 * The worker script bundled from the TypeScript sources (esbuild, which vitest brings), so tests run the code they
 * test rather than whatever dist/ holds. Built once per process.
 */
export async function testWorkerScript(): Promise<URL> {
  if (bundled !== undefined) return bundled;
  const { build } = await import('esbuild');
  const outfile = path.join(os.tmpdir(), `vigil-query-worker-${process.pid}.mjs`);
  await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  bundled = pathToFileURL(outfile);
  return bundled;
}
