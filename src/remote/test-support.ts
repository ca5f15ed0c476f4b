/**
 * Test fixtures shared by the remote and federation tests (not part of the public entry): a real Db in a temp dir
 * behind vigil's real HTTP server on a loopback port, with the remote routes, /federate and a tap wired as the
 * daemon does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHttpServer, type HttpServer } from '../api/server.js';
import { nopLogger } from '../log/index.js';
import { labelsFromObject, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../model/sample.js';
import type { WireSeries } from './proto.js';
import { parseConfig, type RemoteWriteConfig } from '../config/index.js';
import { Db } from '../tsdb/db.js';
import { registerRemote } from './routes.js';
import { registerFederate } from '../federate/federate.js';
import { AppenderTap } from './tap.js';

export interface VigilUnderTest {
  db: Db;
  http: HttpServer;
  tap: AppenderTap;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** Opens a Db in a new temp dir and serves the remote routes and /federate on 127.0.0.1:0. */
export async function startVigil(externalLabels: Labels = [], opts: { readSampleLimit?: number } = {}): Promise<VigilUnderTest> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-remote-'));
  const db = await Db.open(dir);
  const tap = new AppenderTap(() => db.appender());
  const http = createHttpServer(nopLogger);
  registerRemote(http.router, { storage: db, appender: tap.appender, externalLabels, logger: nopLogger, readSampleLimit: opts.readSampleLimit });
  registerFederate(http.router, { storage: db, externalLabels, logger: nopLogger });
  const addr = await http.listen('127.0.0.1', 0);
  return {
    db, http, tap, dir,
    url: `http://127.0.0.1:${addr.port}`,
    async close() {
      await http.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A sample value as tests compare it: the stale marker as the string 'stale', because V8 canonicalizes NaNs kept
 * in plain arrays and the marker's payload would be lost in the comparison itself.
 */
export type TestValue = number | 'stale';

/** Every sample of the series matching `sel` (plain `name=value` pairs) as `[t, v]` pairs, keyed by label text. */
export function dump(db: Db, sel: Record<string, string>, mint = -Infinity, maxt = Infinity): Map<string, Array<[number, TestValue]>> {
  const q = db.querier();
  try {
    const out = new Map<string, Array<[number, TestValue]>>();
    const ms = Object.entries(sel).map(([k, v]) => new Matcher('=', k, v));
    for (const s of q.select(ms, mint === -Infinity ? -8.64e15 : mint, maxt === Infinity ? 8.64e15 : maxt)) {
      const b = s.samples();
      const pts: Array<[number, TestValue]> = [];
      for (let i = 0; i < b.length; i++) pts.push([b.t[i]!, isStaleNaN(b.v[i]!) ? 'stale' : b.v[i]!]);
      out.set(s.labels.map((l) => `${l.name}=${l.value}`).join(','), pts);
    }
    return out;
  } finally {
    q.close();
  }
}

/** Appends `[labels, t, v]` rows in one committed batch. */
export function appendRows(app: { ref(l: Labels): number; append(r: number, t: number, v: number): number; commit(): void }, rows: Array<[Record<string, string>, number, number]>): void {
  for (const [l, t, v] of rows) app.append(app.ref(labelsFromObject(l)), t, v);
  app.commit();
}

/** A `remote_write` entry with all defaults filled by the real config parser, plus the given YAML lines. */
export function remoteWriteConfig(url: string, extraYaml = ''): RemoteWriteConfig {
  const text = `remote_write:\n  - url: ${url}\n${extraYaml.replace(/^/gm, '    ')}\n`;
  return parseConfig(text, 'test.yml').remoteWrite[0]!;
}

/** A wire series from label pairs (in the given order) and `[t, v]` points; 'stale' becomes the stale marker. */
export function wireSeries(labels: Record<string, string> | Array<[string, string]>, points: Array<[number, TestValue]>): WireSeries {
  const pairs = Array.isArray(labels) ? labels : Object.entries(labels);
  const timestamps = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const [t, v] = points[i]!;
    timestamps[i] = t;
    values[i] = v === 'stale' ? STALE_NAN : v;
  }
  return { labels: pairs.map(([name, value]) => ({ name, value })), timestamps, values };
}

/** A wire series' samples as comparable `[t, v]` pairs. */
export function wirePoints(s: WireSeries): Array<[number, TestValue]> {
  const out: Array<[number, TestValue]> = [];
  for (let i = 0; i < s.timestamps.length; i++) out.push([s.timestamps[i]!, isStaleNaN(s.values[i]!) ? 'stale' : s.values[i]!]);
  return out;
}
