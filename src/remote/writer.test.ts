import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../model/clock.js';
import { labelsFromObject, type Labels } from '../model/labels.js';
import { nopLogger } from '../log/index.js';
import { STALE_NAN } from '../model/sample.js';
import { decodeWriteRequest, type WireSeries } from './proto.js';
import { queueMetrics } from './metrics.js';
import { RemoteWriter } from './writer.js';
import { appendRows, dump, remoteWriteConfig, startVigil, wirePoints, type TestValue, type VigilUnderTest } from './test-support.js';

/** A remote-write endpoint that answers with the scripted statuses in turn (then 204) and records what it got. */
interface Recorder {
  url: string;
  requests: Array<{ headers: http.IncomingHttpHeaders; series: WireSeries[] }>;
  close(): Promise<void>;
}

async function recorder(statuses: Array<number | [number, Record<string, string>]> = []): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const script = [...statuses];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, series: decodeWriteRequest(Buffer.concat(chunks)) });
      const next = script.shift() ?? 204;
      const [status, extra] = typeof next === 'number' ? [next, {}] : next;
      res.writeHead(status, { 'Content-Type': 'text/plain', ...extra });
      res.end(status >= 300 ? `scripted failure ${status}` : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    requests,
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

/** Samples of all recorded requests, per label text, in arrival order. */
function received(rec: Recorder): Map<string, Array<[number, TestValue]>> {
  const out = new Map<string, Array<[number, TestValue]>>();
  for (const r of rec.requests) {
    for (const s of r.series) {
      const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',');
      out.set(key, [...(out.get(key) ?? []), ...wirePoints(s)]);
    }
  }
  return out;
}

async function metric(name: keyof ReturnType<typeof queueMetrics>, labels: Record<string, string>): Promise<number> {
  const m = await queueMetrics()[name].get();
  return m.values
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((a, v) => a + v.value, 0);
}

describe('RemoteWriter', () => {
  let src: VigilUnderTest;
  let clock: ManualClock;
  const writers: RemoteWriter[] = [];
  const recorders: Recorder[] = [];

  function writer(url: string, yaml: string, externalLabels: Labels = []): RemoteWriter {
    const w = new RemoteWriter([remoteWriteConfig(url, yaml)], { tap: src.tap, externalLabels, logger: nopLogger, clock });
    w.start();
    writers.push(w);
    return w;
  }

  beforeEach(async () => {
    src = await startVigil();
    clock = new ManualClock(1_700_000_000_000);
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) await w.stop();
    for (const r of recorders.splice(0)) await r.close();
    await src.close();
  });

  it("ships committed batches to vigil's own receiver, with external labels (series' own win) and stale markers", async () => {
    const dst = await startVigil();
    try {
      const w = writer(`${dst.url}/api/v1/write`, 'name: to-dst', labelsFromObject({ cluster: 'eu1', job: 'ext' }));
      const app = src.tap.appender();
      appendRows(app, [[{ __name__: 'up', job: 'node' }, 1000, 1], [{ __name__: 'load' }, 1000, 0.5]]);
      appendRows(app, [[{ __name__: 'up', job: 'node' }, 2000, 0]]);
      const stale = app.ref(labelsFromObject({ __name__: 'load' }));
      app.append(stale, 2000, STALE_NAN);
      app.commit();
      // Nothing is sent before the batch deadline (4 samples < max_samples_per_send).
      await w.settled();
      expect(dump(dst.db, { __name__: 'up' }).size).toBe(0);
      expect(w.list()[0]!.pending).toBe(4);
      await clock.advance(5000);
      expect(dump(dst.db, { __name__: 'up' })).toEqual(new Map([['__name__=up,cluster=eu1,job=node', [[1000, 1], [2000, 0]]]]));
      expect(dump(dst.db, { __name__: 'load' })).toEqual(new Map([['__name__=load,cluster=eu1,job=ext', [[1000, 0.5], [2000, 'stale']]]]));
      expect(w.list()[0]!.pending).toBe(0);
      expect(await metric('sent', { remote_name: 'to-dst' })).toBe(4);
      expect(await metric('highestSent', { remote_name: 'to-dst' })).toBe(2);
    } finally {
      for (const w of writers.splice(0)) await w.stop();
      await dst.close();
    }
  });

  it('sends the remote-write 1.0 headers and splits by max_samples_per_send, the rest at the deadline', async () => {
    const rec = await recorder();
    recorders.push(rec);
    const w = writer(rec.url, 'name: split\nheaders: {X-Scope-OrgID: tenant1}\nqueue_config: {max_samples_per_send: 2, batch_send_deadline: 1s}');
    appendRows(src.tap.appender(), [1, 2, 3, 4, 5].map((i) => [{ __name__: 'm' }, i * 1000, i] as [Record<string, string>, number, number]));
    await w.settled();
    expect(rec.requests.map((r) => r.series.reduce((n, s) => n + s.timestamps.length, 0))).toEqual([2, 2]);
    await clock.advance(999);
    expect(rec.requests).toHaveLength(2);
    await clock.advance(1);
    expect(rec.requests).toHaveLength(3);
    expect(received(rec).get('__name__=m')).toEqual([[1000, 1], [2000, 2], [3000, 3], [4000, 4], [5000, 5]]);
    const h = rec.requests[0]!.headers;
    expect(h['content-encoding']).toBe('snappy');
    expect(h['content-type']).toBe('application/x-protobuf');
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h['user-agent']).toMatch(/^vigil\//);
    expect(h['x-scope-orgid']).toBe('tenant1');
  });

  it('retries 500 and 429 with exponential backoff until accepted, then sends in order', async () => {
    const rec = await recorder([500, 503, 429]);
    recorders.push(rec);
    const w = writer(rec.url, 'name: retry\nqueue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 250ms}');
    const retriedBefore = await metric('retried', { remote_name: 'retry' });
    appendRows(src.tap.appender(), [[{ __name__: 'r', i: '1' }, 1000, 1], [{ __name__: 'r', i: '2' }, 1000, 2]]);
    await clock.advance(1000);
    expect(rec.requests).toHaveLength(1);
    await clock.advance(99);
    expect(rec.requests).toHaveLength(1);
    await clock.advance(1); // first retry after min_backoff
    expect(rec.requests).toHaveLength(2);
    await clock.advance(199);
    expect(rec.requests).toHaveLength(2);
    await clock.advance(1); // backoff doubled to 200ms
    expect(rec.requests).toHaveLength(3);
    // Samples committed meanwhile wait behind the failing request.
    appendRows(src.tap.appender(), [[{ __name__: 'r', i: '1' }, 2000, 3]]);
    await clock.advance(250); // capped at max_backoff; the 429 was retried too (retry_on_http_429 defaults to true)
    expect(rec.requests).toHaveLength(4);
    await clock.advance(1000);
    expect(rec.requests).toHaveLength(5);
    for (const r of rec.requests.slice(0, 4)) expect(r.series.map((s) => wirePoints(s))).toEqual([[[1000, 1]], [[1000, 2]]]);
    expect(received(rec).get('__name__=r,i=1')!.slice(-1)).toEqual([[2000, 3]]);
    expect(await metric('retried', { remote_name: 'retry' })).toBe(retriedBefore + 6);
    expect(w.list()[0]!.pending).toBe(0);
  });

  it('waits as long as a Retry-After header asks instead of the backoff', async () => {
    const rec = await recorder([[503, { 'Retry-After': '3' }], [429, { 'Retry-After': new Date(1_700_000_000_000 + 1000 + 3000 + 1500).toUTCString() }]]);
    recorders.push(rec);
    writer(rec.url, 'name: retry-after\nqueue_config: {batch_send_deadline: 1s, min_backoff: 10ms, max_backoff: 20ms}');
    appendRows(src.tap.appender(), [[{ __name__: 'ra' }, 1000, 1]]);
    await clock.advance(1000);
    expect(rec.requests).toHaveLength(1);
    await clock.advance(2999);
    expect(rec.requests).toHaveLength(1);
    await clock.advance(1); // 3 s after the 503
    expect(rec.requests).toHaveLength(2);
    // An HTTP date 1.5 s ahead (HTTP dates have whole seconds: 1 s here, as 0.5 s are cut).
    await clock.advance(999);
    expect(rec.requests).toHaveLength(2);
    await clock.advance(1);
    expect(rec.requests).toHaveLength(3);
  });

  it('drops samples older than sample_age_limit when a request is built', async () => {
    const rec = await recorder();
    recorders.push(rec);
    const w = writer(rec.url, 'name: aged\nqueue_config: {sample_age_limit: 10s}');
    const before = await metric('dropped', { remote_name: 'aged', reason: 'too_old' });
    const now = clock.now();
    appendRows(src.tap.appender(), [[{ __name__: 'old' }, now - 20_000, 1], [{ __name__: 'fresh' }, now - 5_000, 2]]);
    await w.flush();
    expect(received(rec)).toEqual(new Map([['__name__=fresh', [[now - 5_000, 2]]]]));
    expect(await metric('dropped', { remote_name: 'aged', reason: 'too_old' })).toBe(before + 1);
  });

  it('drops a request the remote refuses with 400, without retrying', async () => {
    const rec = await recorder([400]);
    recorders.push(rec);
    const w = writer(rec.url, 'name: refuse\nqueue_config: {batch_send_deadline: 1s, min_backoff: 10ms}');
    const failedBefore = await metric('failed', { remote_name: 'refuse' });
    appendRows(src.tap.appender(), [[{ __name__: 'x' }, 1000, 1], [{ __name__: 'y' }, 1000, 1]]);
    await clock.advance(1000);
    await clock.advance(10_000);
    expect(rec.requests).toHaveLength(1);
    expect(await metric('failed', { remote_name: 'refuse' })).toBe(failedBefore + 2);
    expect(w.list()[0]!.pending).toBe(0);
  });

  it('applies write_relabel_configs after external labels, dropping and rewriting series', async () => {
    const rec = await recorder();
    recorders.push(rec);
    const w = writer(rec.url, [
      'name: relabel',
      'write_relabel_configs:',
      '  - {source_labels: [__name__], regex: "debug_.*", action: drop}',
      '  - {source_labels: [dc], target_label: region, regex: "(.*)-\\\\d+", replacement: "$1"}',
      '  - {regex: dc, action: labeldrop}',
    ].join('\n'), labelsFromObject({ dc: 'west-2' }));
    const droppedBefore = await metric('dropped', { remote_name: 'relabel', reason: 'relabel' });
    appendRows(src.tap.appender(), [
      [{ __name__: 'debug_x' }, 1000, 1],
      [{ __name__: 'kept' }, 1000, 2],
      [{ __name__: 'kept', dc: 'east-7' }, 1000, 3],
    ]);
    appendRows(src.tap.appender(), [[{ __name__: 'debug_x' }, 2000, 1]]);
    await w.flush();
    expect(received(rec)).toEqual(new Map([
      ['__name__=kept,region=west', [[1000, 2]]],
      ['__name__=kept,region=east', [[1000, 3]]],
    ]));
    expect(await metric('dropped', { remote_name: 'relabel', reason: 'relabel' })).toBe(droppedBefore + 2);
  });

  it('bounds memory: beyond capacity × max_shards waiting samples, new ones are dropped and counted', async () => {
    const rec = await recorder();
    recorders.push(rec);
    const w = writer(rec.url, 'name: bounded\nqueue_config: {capacity: 3, max_shards: 1, max_samples_per_send: 3}');
    const before = await metric('dropped', { remote_name: 'bounded', reason: 'queue_full' });
    appendRows(src.tap.appender(), Array.from({ length: 10 }, (_, i) => [{ __name__: 'b' }, i, i] as [Record<string, string>, number, number]));
    expect(w.list()[0]!.pending).toBe(3);
    expect(await metric('dropped', { remote_name: 'bounded', reason: 'queue_full' })).toBe(before + 7);
    await w.flush();
    expect(received(rec).get('__name__=b')).toEqual([[0, 0], [1, 1], [2, 2]]);
  });

  it('keeps an unchanged queue across applyConfig and replaces a changed one', async () => {
    const rec = await recorder();
    recorders.push(rec);
    const cfg = remoteWriteConfig(rec.url, 'name: keep');
    const w = new RemoteWriter([cfg], { tap: src.tap, externalLabels: [], logger: nopLogger, clock });
    writers.push(w);
    w.start();
    const q = w.list()[0]!;
    await w.applyConfig([remoteWriteConfig(rec.url, 'name: keep')]);
    expect(w.list()[0]).toBe(q);
    appendRows(src.tap.appender(), [[{ __name__: 'c' }, 1000, 1]]);
    // A changed queue is stopped with one last attempt to send what waited.
    await w.applyConfig([remoteWriteConfig(rec.url, 'name: keep\nqueue_config: {max_samples_per_send: 10}')]);
    expect(w.list()[0]).not.toBe(q);
    expect(received(rec).get('__name__=c')).toEqual([[1000, 1]]);
    await w.applyConfig([]);
    expect(w.list()).toEqual([]);
  });

  it('stops promptly while a request hangs, counting what it could not send', async () => {
    const hung: http.ServerResponse[] = [];
    const server = http.createServer((_req, res) => { hung.push(res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
      // remote_timeout beyond the test's own timeout: only aborting the request lets stop() return.
      const w = new RemoteWriter([remoteWriteConfig(url, 'name: hang\nremote_timeout: 5m\nqueue_config: {batch_send_deadline: 1s}')], {
        tap: src.tap, externalLabels: [], logger: nopLogger, clock, flushDeadlineMs: 50,
      });
      w.start();
      const before = await metric('dropped', { remote_name: 'hang', reason: 'shutdown' });
      appendRows(src.tap.appender(), [[{ __name__: 'h' }, 1000, 1]]);
      void clock.advance(1000);
      while (hung.length === 0) await new Promise((r) => setImmediate(r));
      const q = w.list()[0]!;
      await w.applyConfig([]); // stops the queue: aborts the hung request; the last attempt hangs too, cut at 50 ms
      expect(q.pending).toBe(0);
      expect(await metric('dropped', { remote_name: 'hang', reason: 'shutdown' })).toBe(before + 1);
    } finally {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
