import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHttpServer, type HttpServer } from '../api/server.js';
import { nopLogger } from '../log/index.js';
import { labelsFromObject, labelsToObject } from '../model/labels.js';
import { STALE_NAN } from '../model/sample.js';
import { Entry, ExpositionParser } from '../scrape/parse/index.js';
import { Db } from '../tsdb/db.js';
import { registerFederate } from './federate.js';

const NOW = 1_700_000_000_000;
const MIN = 60_000;

interface Parsed {
  types: Array<[string, string]>;
  samples: Array<{ labels: Record<string, string>; v: number; t: number | undefined }>;
}

/** Parses a federation body with vigil's own exposition parser. */
function parse(body: string): Parsed {
  const p = new ExpositionParser(Buffer.from(body), 'text');
  const out: Parsed = { types: [], samples: [] };
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Type) out.types.push([p.family(), p.type()]);
    if (e === Entry.Series) out.samples.push({ labels: labelsToObject(p.labels()), v: p.value(), t: p.timestamp() });
  }
  return out;
}

describe('GET /federate', () => {
  let dir: string;
  let db: Db;
  let server: HttpServer;
  let url: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-federate-'));
    db = await Db.open(dir);
    const rows: Array<[Record<string, string>, number, number]> = [
      [{ __name__: 'up', job: 'node', instance: 'a' }, NOW - 2 * MIN, 1],
      [{ __name__: 'up', job: 'node', instance: 'a' }, NOW - 1 * MIN, 0],
      [{ __name__: 'up', job: 'node', instance: 'b' }, NOW - 30_000, 1],
      [{ __name__: 'up', job: 'node', instance: 'b' }, NOW + MIN, 7], // after "now": not the latest at now
      [{ __name__: 'up', job: 'node', instance: 'old' }, NOW - 6 * MIN, 1], // outside the 5m lookback
      [{ __name__: 'up', job: 'node', instance: 'gone' }, NOW - 2 * MIN, 1],
      [{ __name__: 'up', job: 'node', instance: 'gone' }, NOW - 1 * MIN, STALE_NAN],
      [{ __name__: 'http_requests_total', job: 'api', cluster: 'own' }, NOW - MIN, 1234567],
      [{ __name__: 'apple', job: 'fruit' }, NOW - MIN, 0.25],
    ];
    const app = db.appender();
    for (const [l, t, v] of rows) app.append(app.ref(labelsFromObject(l)), t, v);
    app.commit();
    server = createHttpServer(nopLogger);
    registerFederate(server.router, {
      storage: db,
      externalLabels: () => labelsFromObject({ cluster: 'eu1', replica: 'r0' }),
      logger: nopLogger,
      now: () => NOW,
      metricType: (name) => (name.endsWith('_total') ? 'counter' : undefined),
    });
    url = `http://127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}/federate`;
  });
  afterEach(async () => {
    await server.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the latest non-stale sample in the lookback of each matched series, sorted by name, external labels added', async () => {
    const res = await fetch(`${url}?match[]=${encodeURIComponent('{job="node"}')}&match[]=${encodeURIComponent('{__name__=~"http.*|apple|up",instance!="a"}')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    const got = parse(body);
    expect(got.types).toEqual([['apple', 'unknown'], ['http_requests_total', 'counter'], ['up', 'unknown']]);
    expect(body).toContain('# TYPE apple untyped\n');
    expect(got.samples).toEqual([
      { labels: { __name__: 'apple', cluster: 'eu1', job: 'fruit', replica: 'r0' }, v: 0.25, t: NOW - MIN },
      { labels: { __name__: 'http_requests_total', cluster: 'own', job: 'api', replica: 'r0' }, v: 1234567, t: NOW - MIN },
      { labels: { __name__: 'up', cluster: 'eu1', instance: 'a', job: 'node', replica: 'r0' }, v: 0, t: NOW - MIN },
      { labels: { __name__: 'up', cluster: 'eu1', instance: 'b', job: 'node', replica: 'r0' }, v: 1, t: NOW - 30_000 },
    ]);
  });

  it('answers 400 without match[] or with a selector that does not parse', async () => {
    const none = await fetch(url);
    expect(none.status).toBe(400);
    expect(await none.text()).toMatch(/no match\[\] parameter provided/);
    const bad = await fetch(`${url}?match[]=${encodeURIComponent('up{')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/invalid parameter "match\[\]"/);
    const expr = await fetch(`${url}?match[]=${encodeURIComponent('rate(up[5m])')}`);
    expect(expr.status).toBe(400);
  });

  it('answers an empty body when nothing matches', async () => {
    const res = await fetch(`${url}?match[]=nothing_here`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});
