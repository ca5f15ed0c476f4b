import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Db } from '../tsdb/db.js';
import { Matcher } from '../model/matcher.js';
import { labelsFromObject, labelsToObject, type Labels } from '../model/labels.js';
import { isStaleNaN } from '../model/sample.js';
import { systemClock } from '../model/clock.js';
import { nopLogger } from '../log/index.js';
import { compileRelabelConfig } from './relabel/index.js';
import { httpAgent } from '../net/http-client.js';
import { ScrapeLoop } from './loop.js';
import { plainScrapeOptions, type ScrapeOptions, type ScrapeTarget } from './target.js';
import { TestTarget } from './testing/target-server.js';

let dir: string;
let db: Db;
let target: TestTarget;
const agent = httpAgent(undefined);

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-scrape-'));
  db = await Db.open(dir);
  target = await TestTarget.start();
});
afterEach(async () => {
  await target.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function options(over: Partial<ScrapeOptions> = {}): ScrapeOptions {
  return plainScrapeOptions('test', agent, over);
}

function loopFor(opts: ScrapeOptions, extraLabels: Record<string, string> = {}): ScrapeLoop {
  const t: ScrapeTarget = {
    url: target.url,
    labels: labelsFromObject({ job: opts.jobName, instance: target.address, ...extraLabels }),
    discoveredLabels: labelsFromObject({ __address__: target.address }),
  };
  return new ScrapeLoop(t, opts, { appender: () => db.appender(), clock: systemClock, logger: nopLogger });
}

/** Every series matching the selector, as {labels, samples}. */
function read(name: string, extra: Matcher[] = []): { labels: Record<string, string>; t: number[]; v: number[] }[] {
  const q = db.querier();
  try {
    return q.select([new Matcher('=', '__name__', name), ...extra], -Infinity, Infinity).map((s) => {
      const b = s.samples();
      return { labels: labelsToObject(s.labels), t: [...b.t.subarray(0, b.length)], v: [...b.v.subarray(0, b.length)] };
    });
  } finally {
    q.close();
  }
}

function only(name: string): { labels: Record<string, string>; t: number[]; v: number[] } {
  const all = read(name);
  expect(all).toHaveLength(1);
  return all[0]!;
}

describe('ScrapeLoop', () => {
  it('appends samples with target labels and the five synthetic series', async () => {
    target.reply = { body: '# TYPE reqs counter\nreqs{code="200"} 10\nreqs{code="500"} 2\ntemp 21.5\n' };
    const loop = loopFor(options());
    await loop.scrape(1_000_000);
    const reqs = read('reqs');
    expect(reqs.map((s) => s.labels)).toEqual([
      { __name__: 'reqs', code: '200', instance: target.address, job: 'test' },
      { __name__: 'reqs', code: '500', instance: target.address, job: 'test' },
    ]);
    expect(reqs.map((s) => s.v)).toEqual([[10], [2]]);
    expect(only('temp').t).toEqual([1_000_000]);
    expect(only('up').v).toEqual([1]);
    expect(only('scrape_samples_scraped').v).toEqual([3]);
    expect(only('scrape_samples_post_metric_relabeling').v).toEqual([3]);
    expect(only('scrape_series_added').v).toEqual([3]);
    const dur = only('scrape_duration_seconds').v[0]!;
    expect(dur).toBeGreaterThan(0);
    expect(dur).toBeLessThan(1);
    expect(loop.health).toBe('up');
    expect(loop.metadata.get('reqs')?.type).toBe('counter');
    // Prometheus's Accept header asks for OpenMetrics first, and gzip.
    expect(target.requests[0]!.accept).toMatch(/^application\/openmetrics-text/);
    expect(target.requests[0]!['accept-encoding']).toBe('gzip');
  });

  it('counts series added only when new', async () => {
    target.reply = { body: 'a 1\nb 2\n' };
    const loop = loopFor(options());
    await loop.scrape(1000);
    target.reply = { body: 'a 1\nb 2\nc 3\n' };
    await loop.scrape(2000);
    expect(only('scrape_series_added').v).toEqual([2, 1]);
  });

  it('renames conflicting scraped labels to exported_* unless honor_labels', async () => {
    target.reply = { body: 'm{job="inner",instance="x"} 1\n' };
    await loopFor(options()).scrape(1000);
    expect(only('m').labels).toEqual({
      __name__: 'm', job: 'test', instance: target.address, exported_job: 'inner', exported_instance: 'x',
    });
  });

  it('keeps scraped labels with honor_labels', async () => {
    target.reply = { body: 'm{job="inner"} 1\n' };
    await loopFor(options({ honorLabels: true })).scrape(1000);
    expect(only('m').labels).toEqual({ __name__: 'm', job: 'inner', instance: target.address });
  });

  it('uses exposed timestamps only with honor_timestamps', async () => {
    target.reply = { body: 'm 1 5000\n' };
    await loopFor(options()).scrape(9000);
    expect(only('m').t).toEqual([5000]);
    target.reply = { body: 'n 1 5000\n' };
    await loopFor(options({ honorTimestamps: false })).scrape(9000);
    expect(only('n').t).toEqual([9000]);
  });

  it('applies metric_relabel_configs and counts post-relabel samples', async () => {
    target.reply = { body: 'keep_me 1\ndrop_me 2\nrename 3\n' };
    const metricRelabel = [
      compileRelabelConfig({ source_labels: ['__name__'], regex: 'drop_.*', action: 'drop' }),
      compileRelabelConfig({ source_labels: ['__name__'], regex: 'rename', target_label: '__name__', replacement: 'renamed' }),
    ];
    await loopFor(options({ metricRelabel })).scrape(1000);
    expect(read('drop_me')).toHaveLength(0);
    expect(only('renamed').v).toEqual([3]);
    expect(only('scrape_samples_scraped').v).toEqual([3]);
    expect(only('scrape_samples_post_metric_relabeling').v).toEqual([2]);
  });

  it('negotiates OpenMetrics from the Content-Type and parses its float-second timestamps', async () => {
    target.reply = {
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
      body: '# TYPE c counter\nc_total 7 12.5 # {trace_id="abc"} 1 12.4\n# EOF\n',
    };
    await loopFor(options()).scrape(20_000);
    expect(only('c_total')).toMatchObject({ t: [12_500], v: [7] });
  });

  it('follows a target that switches format, and keeps metadata current across scrapes', async () => {
    const om = 'application/openmetrics-text; version=1.0.0';
    const loop = loopFor(options());
    // The same bytes mean different things in the two formats: OpenMetrics resolves \" in HELP, text keeps it.
    const help = '# HELP m say \\"hi\\"\n# TYPE m gauge\n';
    target.reply = { contentType: om, body: `${help}m 1.5 2\n# EOF\n` };
    await loop.scrape(10_000);
    expect(loop.metadata.get('m')).toEqual({ type: 'gauge', help: 'say "hi"', unit: '' });
    target.reply = { body: `${help}m 2.5 3000\n` };
    await loop.scrape(11_000);
    expect(loop.metadata.get('m')).toEqual({ type: 'gauge', help: 'say \\"hi\\"', unit: '' });
    target.reply = { contentType: om, body: `${help}m 3.5 4\n# EOF\n` };
    await loop.scrape(12_000);
    expect(only('m')).toMatchObject({ t: [2000, 3000, 4000], v: [1.5, 2.5, 3.5] });
    expect(loop.metadata.get('m')?.help).toBe('say "hi"');
    // Unchanged lines keep their metadata; a changed line updates it; a family's HELP given twice ends on the last.
    target.reply = { body: '# HELP m one\n# HELP m two\n# TYPE m counter\nm 1\n' };
    await loop.scrape(13_000);
    expect(loop.metadata.get('m')).toEqual({ type: 'counter', help: 'two', unit: '' });
    target.reply = { body: '# HELP m one\n# TYPE m counter\nm 2\n' };
    await loop.scrape(14_000);
    expect(loop.metadata.get('m')).toEqual({ type: 'counter', help: 'one', unit: '' });
    await loop.scrape(15_000);
    expect(loop.metadata.get('m')).toEqual({ type: 'counter', help: 'one', unit: '' });
  });

  it('decodes gzip bodies', async () => {
    target.reply = { body: 'g 42\n', gzip: true };
    await loopFor(options()).scrape(1000);
    expect(only('g').v).toEqual([42]);
  });

  it('marks a series stale when it disappears from the next scrape', async () => {
    target.reply = { body: 'a 1\nb 2\n' };
    const loop = loopFor(options());
    await loop.scrape(1000);
    target.reply = { body: 'a 1\n' };
    await loop.scrape(2000);
    const b = only('b');
    expect(b.t).toEqual([1000, 2000]);
    expect(isStaleNaN(b.v[1]!)).toBe(true);
    expect(only('a').v).toEqual([1, 1]);
  });

  it('does not mark series with explicit timestamps stale', async () => {
    target.reply = { body: 'a 1 500\n' };
    const loop = loopFor(options());
    await loop.scrape(1000);
    target.reply = { body: '' };
    await loop.scrape(2000);
    expect(only('a').t).toEqual([500]);
  });

  describe('failed scrapes: up 0, nothing of the body, staleness for the last good series', () => {
    async function failAfterGood(loop: ScrapeLoop, breakIt: () => void | Promise<void>): Promise<void> {
      target.reply = { body: 'x 1\ny 2\n' };
      await loop.scrape(1000);
      await breakIt();
      await loop.scrape(2000);
      expect(only('up').v).toEqual([1, 0]);
      for (const name of ['x', 'y']) {
        const s = only(name);
        expect(s.t).toEqual([1000, 2000]);
        expect(isStaleNaN(s.v[1]!)).toBe(true);
      }
      expect(loop.health).toBe('down');
    }

    it('on time-out', async () => {
      const loop = loopFor(options({ timeoutMs: 100 }));
      await failAfterGood(loop, () => { target.reply = { body: 'x 1\n', delayMs: 400 }; });
      expect(loop.lastError).toMatch(/deadline exceeded/);
    });

    it('on an HTTP error status', async () => {
      const loop = loopFor(options());
      await failAfterGood(loop, () => { target.reply = { status: 500, body: 'oops' }; });
      expect(loop.lastError).toBe('server returned HTTP status 500');
    });

    it('when the target is down', async () => {
      const loop = loopFor(options());
      await failAfterGood(loop, () => target.close());
      expect(loop.lastError).toMatch(/ECONNREFUSED|connect/);
      target = await TestTarget.start(); // for afterEach
    });

    it('on garbage, with the line of the error', async () => {
      const loop = loopFor(options());
      await failAfterGood(loop, () => { target.reply = { body: 'ok 1\nthis is { not metrics\n' }; });
      expect(loop.lastError).toMatch(/2:/);
      expect(read('ok'), JSON.stringify(read('ok'))).toHaveLength(0);
    });

    it('on a body over body_size_limit, plain and gzipped', async () => {
      const big = 'x 1\ny 2\n' + '# padding\n'.repeat(200);
      const loop = loopFor(options({ bodySizeLimit: 100 }));
      await failAfterGood(loop, () => { target.reply = { body: big }; });
      expect(loop.lastError).toMatch(/body size limit exceeded/);
      target.reply = { body: big, gzip: true };
      await loop.scrape(3000);
      expect(loop.lastError).toMatch(/body size limit exceeded/);
      expect(only('up').v).toEqual([1, 0, 0]);
    });

    it('over sample_limit', async () => {
      const loop = loopFor(options({ sampleLimit: 2 }));
      await failAfterGood(loop, () => { target.reply = { body: 'x 1\ny 2\nz 3\n' }; });
      expect(loop.lastError).toBe('sample limit exceeded (limit 2)');
      expect(read('z')).toHaveLength(0);
    });

    it('over label_limit', async () => {
      const loop = loopFor(options({ labelLimit: 4 }));
      await failAfterGood(loop, () => { target.reply = { body: 'x 1\ny 2\nz{a="1",b="2"} 3\n' }; });
      expect(loop.lastError).toMatch(/label_limit exceeded/);
    });

    it('over label_name_length_limit', async () => {
      const loop = loopFor(options({ labelNameLengthLimit: 8 }));
      await failAfterGood(loop, () => { target.reply = { body: 'x 1\ny 2\nz{very_long_name="1"} 3\n' }; });
      expect(loop.lastError).toMatch(/label_name_length_limit exceeded/);
    });

    it('over label_value_length_limit', async () => {
      const loop = loopFor(options({ labelValueLengthLimit: 20 }));
      await failAfterGood(loop, () => { target.reply = { body: 'x 1\ny 2\nz{a="a value longer than twenty"} 3\n' }; });
      expect(loop.lastError).toMatch(/label_value_length_limit exceeded/);
    });
  });

  it('marks everything stale, synthetic series included, when its target is removed', async () => {
    target.reply = { body: 'x 1\n' };
    const loop = loopFor(options());
    await loop.scrape(Date.now() - 1000);
    await loop.stop(true);
    for (const name of ['x', 'up', 'scrape_duration_seconds']) {
      const s = only(name);
      expect(s.v).toHaveLength(2);
      expect(isStaleNaN(s.v[1]!)).toBe(true);
    }
  });

  it('re-creates series the head garbage-collected, with the labels of their raw key, for samples and stale markers', async () => {
    const loop = loopFor(options());
    target.reply = { body: 'x{a="q\\"\\\\z"} 1\nw 5\n' };
    await loop.scrape(1000);
    // Every series' samples are older than the boundary: the head drops them all, so the cached refs die.
    db.head.truncate(7_200_000);
    expect(read('x')).toHaveLength(0);
    target.reply = { body: 'w 6\n' };
    await loop.scrape(7_300_000);
    const x = only('x');
    expect(x.labels).toEqual({ __name__: 'x', a: 'q"\\z', job: 'test', instance: target.address });
    expect(x.t).toEqual([7_300_000]);
    expect(isStaleNaN(x.v[0]!)).toBe(true);
    expect(only('w')).toMatchObject({ t: [7_300_000], v: [6] });
    target.reply = { body: 'w 7\nx{a="q\\"\\\\z"} 2\n' };
    db.head.truncate(14_400_000);
    await loop.scrape(14_500_000);
    expect(only('x')).toMatchObject({ labels: { a: 'q"\\z' }, t: [14_500_000], v: [2] });
  });

  it('sends basic auth and bearer credentials', async () => {
    target.reply = { body: 'x 1\n' };
    await loopFor(options({ headers: { Authorization: 'Bearer s3cret' } })).scrape(1000);
    expect(target.requests[0]!.authorization).toBe('Bearer s3cret');
  });

  it('scrapes on schedule at a stable offset', async () => {
    target.reply = { body: 'x 1\n' };
    const loop = loopFor(options({ intervalMs: 200 }));
    const offset = loop.offsetMs();
    expect(offset).toBe(loopFor(options({ intervalMs: 200 })).offsetMs());
    loop.start();
    await new Promise((r) => setTimeout(r, 1100));
    await loop.stop(false);
    const up = only('up');
    // Real timers on a possibly busy machine: some scrapes may run late, but the schedule keeps its slot, and a
    // scrape that fires within the tolerance is stamped exactly on it.
    expect(up.t.length).toBeGreaterThanOrEqual(3);
    const onSlot = up.t.filter((t) => (((t - offset) % 200) + 200) % 200 === 0);
    expect(onSlot.length).toBeGreaterThanOrEqual(Math.ceil(up.t.length / 2));
  });
});

export type { Labels };
