/**
 * Every relabel action through the real scrape path: a config parsed from YAML, targets populated from
 * static_configs with relabel_configs, a real HTTP target on loopback, metric_relabel_configs applied to the
 * scraped samples, and the result read back from a real engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { staticGroups, targetsFromGroup } from '../src/discovery/index.js';
import { Db } from '../src/tsdb/db.js';
import { Matcher } from '../src/model/matcher.js';
import { labelsToObject } from '../src/model/labels.js';
import { systemClock } from '../src/model/clock.js';
import { nopLogger } from '../src/log/index.js';
import { ScrapePool } from '../src/scrape/pool.js';
import { TestTarget } from '../src/scrape/testing/target-server.js';

const BODY = [
  'm{a="x",b="y",c="Foo",e="x"} 1',
  'm{a="x",b="y",c="Foo",e="z"} 2',
  'other{a="x"} 3',
  '',
].join('\n');

let target: TestTarget;
let dir: string;

beforeAll(async () => {
  target = await TestTarget.start({ body: BODY });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-relabel-'));
});
afterAll(async () => {
  await target.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let run = 0;
/** Scrapes the target once under `jobYaml` (indented job keys) and returns every stored non-synthetic series. */
async function scrapeWith(jobYaml: string, targets = [target.address]): Promise<{ series: Record<string, string>[]; urls: string[]; dropped: number }> {
  const cfg = parseConfig(
    `scrape_configs:\n  - job_name: j\n    static_configs: [{targets: [${targets.map((t) => `'${t}'`).join(', ')}]}]\n${jobYaml}`,
    'relabel.yaml',
  );
  const sc = cfg.scrapeConfigs[0]!;
  const db = await Db.open(path.join(dir, `db${run++}`));
  try {
    const groups = staticGroups(sc.staticConfigs);
    const active = groups.flatMap((g) => targetsFromGroup(g, sc).active);
    const dropped = groups.flatMap((g) => targetsFromGroup(g, sc).dropped).length;
    const pool = new ScrapePool(sc, { appender: () => db.appender(), clock: systemClock, logger: nopLogger });
    await pool.sync(active, []);
    const t = Date.now();
    for (const loop of pool.activeLoops()) await loop.scrape(t);
    await pool.stop(false);
    const q = db.querier();
    const synthetic = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);
    const series = q
      .select([new Matcher('=~', '__name__', '.+')], t, t)
      .map((s) => labelsToObject(s.labels))
      .filter((l) => !synthetic.has(l.__name__!));
    q.close();
    return { series, urls: active.map((a) => a.url), dropped };
  } finally {
    await db.close();
  }
}

const metricRelabel = (rules: string) => `    metric_relabel_configs:\n${rules}`;

describe('metric_relabel_configs on scraped samples, every action', () => {
  it('replace (with $1 expansion into a new label)', async () => {
    const { series } = await scrapeWith(metricRelabel(`      - {source_labels: [a, b], separator: '-', regex: '(.*)-y', target_label: d, replacement: 'v-$1'}\n`));
    expect(series.filter((s) => s.__name__ === 'm').map((s) => s.d)).toEqual(['v-x', 'v-x']);
    expect(series.find((s) => s.__name__ === 'other')!.d).toBeUndefined();
  });

  it('keep and drop', async () => {
    const kept = await scrapeWith(metricRelabel(`      - {source_labels: [__name__], regex: 'm', action: keep}\n`));
    expect(kept.series.map((s) => s.__name__)).toEqual(['m', 'm']);
    const dropped = await scrapeWith(metricRelabel(`      - {source_labels: [__name__], regex: 'm', action: drop}\n`));
    expect(dropped.series.map((s) => s.__name__)).toEqual(['other']);
  });

  it('keepequal and dropequal', async () => {
    const kept = await scrapeWith(metricRelabel(`      - {source_labels: [a], target_label: e, action: keepequal}\n`));
    expect(kept.series.map((s) => s.e)).toEqual(['x']);
    const dropped = await scrapeWith(metricRelabel(`      - {source_labels: [a], target_label: e, action: dropequal}\n`));
    expect(dropped.series.map((s) => `${s.__name__}:${s.e ?? ''}`).sort()).toEqual(['m:z', 'other:']);
  });

  it('hashmod, as Prometheus computes it (md5, low 8 bytes big-endian, modulo)', async () => {
    const { series } = await scrapeWith(metricRelabel(`      - {source_labels: [a, b], modulus: 7, target_label: shard, action: hashmod}\n`));
    const sum = createHash('md5').update('x;y').digest();
    const expected = String(sum.readBigUInt64BE(8) % 7n);
    expect(series.filter((s) => s.__name__ === 'm').map((s) => s.shard)).toEqual([expected, expected]);
  });

  it('labelmap', async () => {
    const { series } = await scrapeWith(metricRelabel(`      - {regex: '(a|b)', replacement: 'mapped_$1', action: labelmap}\n`));
    expect(series[0]).toMatchObject({ a: 'x', mapped_a: 'x', b: 'y', mapped_b: 'y' });
  });

  it('labeldrop and labelkeep', async () => {
    const d = await scrapeWith(metricRelabel(`      - {regex: 'b|c', action: labeldrop}\n`));
    expect(Object.keys(d.series[0]!).sort()).toEqual(['__name__', 'a', 'e', 'instance', 'job']);
    const k = await scrapeWith(metricRelabel(`      - {regex: '__name__|a|e', action: labelkeep}\n`));
    expect(k.series.map((s) => Object.keys(s).sort().join(','))).toEqual(['__name__,a,e', '__name__,a,e', '__name__,a']);
  });

  it('lowercase and uppercase', async () => {
    const { series } = await scrapeWith(
      metricRelabel(`      - {source_labels: [c], target_label: lower, action: lowercase}\n      - {source_labels: [c], target_label: upper, action: uppercase}\n`),
    );
    expect(series[0]).toMatchObject({ c: 'Foo', lower: 'foo', upper: 'FOO' });
  });

  it('a replacement that yields an empty value deletes the label', async () => {
    const { series } = await scrapeWith(metricRelabel(`      - {source_labels: [nonexistent], target_label: c}\n`));
    expect(series[0]!.c).toBeUndefined();
  });
});

describe('relabel_configs on targets', () => {
  it('drops targets, rewrites instance and the metrics path, and the scrape hits the rewritten URL', async () => {
    const other = await TestTarget.start({ body: 'never 1\n' });
    try {
      target.requests.length = 0;
      const rules = [
        `      - {source_labels: [__address__], regex: '${other.address}', action: drop}`,
        `      - {target_label: __metrics_path__, replacement: /custom}`,
        `      - {source_labels: [__address__], regex: '127\\.0\\.0\\.1:(\\d+)', target_label: instance, replacement: 'local-$1'}`,
        '',
      ].join('\n');
      const r = await scrapeWith(`    relabel_configs:\n${rules}`, [target.address, other.address]);
      expect(r.dropped).toBe(1);
      expect(r.urls).toEqual([`http://${target.address}/custom`]);
      expect(other.requests).toHaveLength(0);
      expect(target.requests).toHaveLength(1);
      const port = target.address.split(':')[1];
      expect(new Set(r.series.map((s) => s.instance))).toEqual(new Set([`local-${port}`]));
    } finally {
      await other.close();
    }
  });
});
