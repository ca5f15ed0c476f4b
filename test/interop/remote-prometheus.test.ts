/**
 * Remote write and remote read against the real Prometheus (2.42, /usr/bin/prometheus), all on loopback:
 * - vigil's RemoteWriter ships to Prometheus's remote-write receiver; the data is queried back through its API;
 * - Prometheus `remote_read`s from vigil, and a PromQL query through Prometheus returns vigil's samples;
 * - Prometheus scrapes vigil's /federate;
 * - Prometheus `remote_write`s its own scraped series to vigil's receiver;
 * - the daemon as users run it (the built CLI) remote-writes its scraped series to Prometheus through
 *   write_relabel_configs and serves them on /federate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nopLogger } from '../../src/log/index.js';
import { labelsFromObject } from '../../src/model/labels.js';
import { systemClock } from '../../src/model/clock.js';
import { RemoteWriter } from '../../src/remote/index.js';
import { appendRows, dump, remoteWriteConfig, startVigil, type VigilUnderTest } from '../../src/remote/test-support.js';
import { freePort, startProgram, type Started } from '../support/process.js';
import { Entry, ExpositionParser } from '../../src/scrape/parse/index.js';
import { labelsToObject } from '../../src/model/labels.js';

const PROMETHEUS = '/usr/bin/prometheus';
const CLI = path.resolve('dist/src/cli/main.js');

interface PromVectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

describe('remote protocols against the real Prometheus', () => {
  let prom: Started;
  let promUrl = '';
  let promDir = '';
  /** Served to Prometheus: its remote_read source and its remote_write destination. */
  let served: VigilUnderTest;
  /** Ships to Prometheus's receiver; Prometheus never reads from it. */
  let shipper: VigilUnderTest;
  const now = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    // vigil carries the same external labels as Prometheus, as an HA pair or a long-term store would.
    served = await startVigil(labelsFromObject({ source: 'prom' }));
    shipper = await startVigil();
    appendRows(served.db.appender(), [
      [{ __name__: 'vigil_read_metric', k: 'x' }, now - 60_000, 42],
      [{ __name__: 'vigil_read_metric', k: 'y' }, now - 60_000, 8],
    ]);
    appendRows(served.db.appender(), [[{ __name__: 'vigil_read_metric', k: 'x' }, now - 30_000, 43]]);
    appendRows(served.db.appender(), [[{ __name__: 'vigil_fed_metric', k: 'f' }, now - 5_000, 7]]);

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    promDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-prom-remote-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  external_labels: {source: prom}',
      'scrape_configs:',
      '  - job_name: prometheus',
      `    static_configs: [{targets: ['127.0.0.1:${port}']}]`,
      '  - job_name: federate',
      '    honor_labels: true',
      '    metrics_path: /federate',
      `    params: {'match[]': ['{__name__="vigil_fed_metric"}']}`,
      `    static_configs: [{targets: ['${new URL(served.url).host}']}]`,
      'remote_write:',
      `  - url: ${served.url}/api/v1/write`,
      '    queue_config: {batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 500ms}',
      'remote_read:',
      `  - url: ${served.url}/api/v1/read`,
      '    read_recent: true',
    ].join('\n');
    fs.writeFileSync(path.join(promDir, 'prometheus.yml'), config);
    prom = await startProgram(PROMETHEUS, [
      `--config.file=${path.join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ], `${promUrl}/-/ready`);
  });

  afterAll(async () => {
    await prom?.stop();
    await served?.close();
    await shipper?.close();
    if (promDir) fs.rmSync(promDir, { recursive: true, force: true });
  });

  async function query(expr: string, timeMs: number): Promise<PromVectorResult[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}&time=${timeMs / 1000}`);
    const body = (await res.json()) as { status: string; data: { resultType: string; result: PromVectorResult[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}\n${prom.output()}`);
    return body.data.result.sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
  }

  it("ships samples with vigil's RemoteWriter to Prometheus's receiver, readable through its query API", async () => {
    const writer = new RemoteWriter([remoteWriteConfig(`${promUrl}/api/v1/write`, 'name: prom')], {
      tap: shipper.tap,
      externalLabels: labelsFromObject({ origin: 'vigil' }),
      logger: nopLogger,
      clock: systemClock,
    });
    writer.start();
    try {
      const app = shipper.tap.appender();
      appendRows(app, [[{ __name__: 'vigil_shipped_metric', k: '1' }, now - 20_000, 1.5], [{ __name__: 'vigil_shipped_metric', k: '2' }, now - 20_000, -3]]);
      appendRows(app, [[{ __name__: 'vigil_shipped_metric', k: '1' }, now - 10_000, 2.5]]);
      await writer.flush();
      expect(writer.list()[0]!.pending).toBe(0);
      expect(await query('vigil_shipped_metric', now - 15_000)).toEqual([
        { metric: { __name__: 'vigil_shipped_metric', k: '1', origin: 'vigil' }, value: [(now - 15_000) / 1000, '1.5'] },
        { metric: { __name__: 'vigil_shipped_metric', k: '2', origin: 'vigil' }, value: [(now - 15_000) / 1000, '-3'] },
      ]);
      expect(await query('vigil_shipped_metric{k="1"}', now)).toEqual([
        { metric: { __name__: 'vigil_shipped_metric', k: '1', origin: 'vigil' }, value: [now / 1000, '2.5'] },
      ]);
    } finally {
      await writer.stop();
    }
  });

  it("answers Prometheus's remote_read: a PromQL query through Prometheus returns vigil's samples", async () => {
    // Prometheus adds its external labels as matchers and strips them from the answer again.
    expect(await query('vigil_read_metric', now - 45_000)).toEqual([
      { metric: { __name__: 'vigil_read_metric', k: 'x' }, value: [(now - 45_000) / 1000, '42'] },
      { metric: { __name__: 'vigil_read_metric', k: 'y' }, value: [(now - 45_000) / 1000, '8'] },
    ]);
    expect(await query('sum_over_time(vigil_read_metric{k=~"x|z"}[2m])', now)).toEqual([
      { metric: { k: 'x' }, value: [now / 1000, '85'] },
    ]);
  });

  it('wires the daemon: `vigil run` ships its scraped series through write_relabel_configs and federates them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-daemon-remote-'));
    const vport = await freePort();
    const base = `http://127.0.0.1:${vport}`;
    fs.writeFileSync(path.join(dir, 'scrape.yaml'), [
      'global:',
      '  scrape_interval: 200ms',
      '  scrape_timeout: 150ms',
      '  external_labels: {replica: a}',
      'scrape_configs:',
      '  - job_name: vigil',
      `    static_configs: [{targets: ['127.0.0.1:${vport}']}]`,
      'remote_write:',
      `  - url: ${promUrl}/api/v1/write`,
      '    queue_config: {batch_send_deadline: 200ms}',
      '    write_relabel_configs: [{source_labels: [__name__], regex: up, action: keep}]',
    ].join('\n'));
    const vigil = await startProgram(process.execPath, [CLI, 'run', '--config', path.join(dir, 'scrape.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${vport}`], `${base}/-/ready`);
    try {
      let shipped: PromVectorResult[] = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        shipped = await query('count by (__name__, job, instance, replica) ({job="vigil"})', Date.now());
        if (shipped.length > 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // Only `up` passed the keep rule; the external label came along.
      expect(shipped.map((r) => r.metric)).toEqual([{ __name__: 'up', instance: `127.0.0.1:${vport}`, job: 'vigil', replica: 'a' }]);

      const res = await fetch(`${base}/federate?match[]=${encodeURIComponent('{job="vigil",__name__=~"up|vigil_tsdb_head_series"}')}`);
      expect(res.status).toBe(200);
      const p = new ExpositionParser(Buffer.from(await res.text()), 'text');
      const types: string[] = [];
      const series: Array<Record<string, string>> = [];
      for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
        if (e === Entry.Type) types.push(`${p.family()} ${p.type()}`);
        if (e === Entry.Series) series.push(labelsToObject(p.labels()));
      }
      expect(types).toEqual(['up unknown', 'vigil_tsdb_head_series gauge']);
      expect(series).toEqual([
        { __name__: 'up', instance: `127.0.0.1:${vport}`, job: 'vigil', replica: 'a' },
        { __name__: 'vigil_tsdb_head_series', instance: `127.0.0.1:${vport}`, job: 'vigil', replica: 'a' },
      ]);
      expect(await vigil.stop('SIGTERM')).toBe(0);
    } finally {
      await vigil.stop('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is scraped by Prometheus on /federate: the sample arrives with its timestamp and vigil's external labels", async () => {
    let got: PromVectorResult[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      got = await query('vigil_fed_metric{job="federate"}', now);
      if (got.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(got).toEqual([{
      metric: { __name__: 'vigil_fed_metric', instance: new URL(served.url).host, job: 'federate', k: 'f', source: 'prom' },
      value: [now / 1000, '7'],
    }]);
    // The federated sample keeps vigil's timestamp: 4 s before it, nothing was scraped yet.
    expect(await query('vigil_fed_metric{job="federate"}', now - 6_000)).toEqual([]);
  });

  // Last: Prometheus takes a few seconds to ship its first samples, which the tests above overlap with.
  it("receives Prometheus's own remote_write: its scraped series arrive in vigil with its external labels", async () => {
    const deadline = Date.now() + 30_000;
    let got = new Map<string, Array<[number, number | 'stale']>>();
    while (Date.now() < deadline) {
      got = dump(served.db, { __name__: 'up', job: 'prometheus' });
      if (got.size > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const port = new URL(promUrl).port;
    const key = `__name__=up,instance=127.0.0.1:${port},job=prometheus,source=prom`;
    expect([...got.keys()]).toEqual([key]);
    const pts = got.get(key)!;
    expect(pts.length).toBeGreaterThan(0);
    for (const [t, v] of pts) {
      expect(v).toBe(1);
      expect(t).toBeGreaterThan(now - 60_000);
    }
  });
});
