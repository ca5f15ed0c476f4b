import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Db } from '../../src/tsdb/db.js';
import { Matcher } from '../../src/model/matcher.js';
import { labelsFromObject, labelsKey, labelsToObject } from '../../src/model/labels.js';
import { systemClock } from '../../src/model/clock.js';
import { nopLogger } from '../../src/log/index.js';
import { parseConfig } from '../../src/config/index.js';
import { ScrapePool } from '../../src/scrape/pool.js';
import { freePort, startProgram, type Started } from '../support/process.js';

const EXPORTER = '/usr/bin/prometheus-node-exporter';
// A fixed set of collectors whose series do not come and go between two scrapes a moment apart.
const COLLECTORS = ['cpu', 'meminfo', 'loadavg', 'stat', 'uname', 'time', 'filesystem', 'netdev'];

/**
 * The series of an exposition body, parsed independently of vigil's parser (a plain line split is enough for
 * node exporter's output): name plus labels, as sorted-label keys.
 */
function seriesOf(body: string): Set<string> {
  const out = new Set<string>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    const obj: Record<string, string> = { __name__: name };
    if (brace >= 0 && brace < space) {
      const inner = line.slice(brace + 1, line.lastIndexOf('}'));
      for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        obj[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    out.add(labelsKey(labelsFromObject(obj)));
  }
  return out;
}

describe('scraping the real node exporter', () => {
  let exporter: Started;
  let port = 0;
  let dir: string;

  beforeAll(async () => {
    port = await freePort();
    exporter = await startProgram(
      EXPORTER,
      [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', ...COLLECTORS.map((c) => `--collector.${c}`)],
      `http://127.0.0.1:${port}/metrics`,
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-nodeexp-'));
  });
  afterAll(async () => {
    await exporter?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores exactly the series the exporter exposes, with job and instance', async () => {
    const db = await Db.open(dir);
    const cfg = parseConfig(`scrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`, 'inline.yaml');
    const pool = new ScrapePool(cfg.scrapeConfigs[0]!, { appender: () => db.appender(), clock: systemClock, logger: nopLogger });
    const instance = `127.0.0.1:${port}`;
    await pool.sync([{ url: `http://${instance}/metrics`, labels: labelsFromObject({ job: 'node', instance }), discoveredLabels: [] }], []);
    const loop = pool.activeLoops()[0]!;
    const t = Date.now();
    await loop.scrape(t);
    const body = await (await fetch(`http://${instance}/metrics`)).text();
    await pool.stop(false);
    expect(loop.lastError).toBe('');

    const q = db.querier();
    const stored = new Set<string>();
    for (const s of q.select([new Matcher('=~', '__name__', '.+'), new Matcher('=', 'job', 'node')], t, t)) {
      const o = labelsToObject(s.labels);
      if (['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'].includes(o.__name__!)) continue;
      expect(o.instance).toBe(instance);
      delete o.job;
      delete o.instance;
      stored.add(labelsKey(labelsFromObject(o)));
    }
    q.close();
    await db.close();

    const exposed = seriesOf(body);
    // promhttp counts its own requests by status: our second fetch may add nothing new, but compare without it.
    const ignore = (k: string) => k.includes('promhttp_metric_handler_requests');
    const a = [...exposed].filter((k) => !ignore(k)).sort();
    const b = [...stored].filter((k) => !ignore(k)).sort();
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
  });
});
