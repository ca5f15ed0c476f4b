import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import snappy from 'snappy';
import { labelsFromObject } from '../model/labels.js';
import { decodeReadResponse, encodeReadRequest, encodeWriteRequest, type WireReadRequest, type WireSeries } from './proto.js';
import { appendRows, dump, startVigil, wirePoints, wireSeries, type VigilUnderTest } from './test-support.js';
import { receiverMetrics } from './metrics.js';

const PB = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };

const series = wireSeries;

async function write(url: string, body: Uint8Array, headers: Record<string, string> = PB) {
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

async function read(url: string, req: WireReadRequest) {
  const res = await fetch(`${url}/api/v1/read`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Read-Version': '0.1.0' },
    body: encodeReadRequest(req),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

async function counterValue(name: 'receivedSamples' | 'rejectedSamples', labels: Record<string, string> = {}): Promise<number> {
  // prom-client's label map type is keyed by the metric's own label names; compare loosely.
  const m = await receiverMetrics()[name].get();
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((a, v) => a + v.value, 0);
}

describe('POST /api/v1/write', () => {
  let v: VigilUnderTest;
  beforeEach(async () => { v = await startVigil(); });
  afterEach(async () => { await v.close(); });

  it('stores a hand-built WriteRequest: unsorted labels are sorted, empty values dropped, stale markers kept', async () => {
    const before = await counterValue('receivedSamples');
    const body = encodeWriteRequest([
      series({ job: 'a', __name__: 'http_requests_total', instance: 'h:1', empty: '' }, [[1000, 1], [2000, 2.5], [3000, 'stale']]),
      series({ __name__: 'temp_celsius' }, [[1500, -4e-7]]),
    ]);
    const r = await write(v.url, body);
    expect(r.status).toBe(204);
    const got = dump(v.db, { __name__: 'http_requests_total' });
    expect([...got.keys()]).toEqual(['__name__=http_requests_total,instance=h:1,job=a']);
    const pts = got.get('__name__=http_requests_total,instance=h:1,job=a')!;
    expect(pts).toEqual([[1000, 1], [2000, 2.5], [3000, 'stale']]);
    expect(dump(v.db, { __name__: 'temp_celsius' }).get('__name__=temp_celsius')).toEqual([[1500, -4e-7]]);
    expect(await counterValue('receivedSamples')).toBe(before + 4);
  });

  it('answers 400 for bodies that are not snappy or not a WriteRequest, and 415 for other encodings', async () => {
    const notSnappy = await write(v.url, Buffer.from('hello, this is not snappy'));
    expect(notSnappy.status).toBe(400);
    expect(notSnappy.text).toMatch(/cannot decode snappy-compressed WriteRequest from 25 bytes/);
    // Valid snappy around bytes that are not a protobuf message: field 1 wire type 2 with a length past the end.
    const badPb = await write(v.url, snappy.compressSync(Buffer.from([0x0a, 0x7f, 0x01])));
    expect(badPb.status).toBe(400);
    expect(badPb.text).toMatch(/cannot decode WriteRequest from 3 bytes/);
    const gz = await write(v.url, encodeWriteRequest([]), { ...PB, 'Content-Encoding': 'gzip' });
    expect(gz.status).toBe(415);
    const json = await write(v.url, encodeWriteRequest([]), { ...PB, 'Content-Type': 'application/json' });
    expect(json.status).toBe(415);
  });

  it.each([
    [{ job: 'x' }, /missing or empty metric name/],
    [{ __name__: '' , job: 'x' }, /missing or empty metric name/],
    [{ __name__: 'a-b' }, /invalid metric name "a-b"/],
    [{ __name__: 'ok', 'bad-name': 'x' }, /invalid label name "bad-name"/],
  ])('answers 400 naming the problem for labels %o, storing nothing of the request', async (labels, reason) => {
    const good = series({ __name__: 'fine' }, [[1000, 1]]);
    const r = await write(v.url, encodeWriteRequest([good, series(labels, [[1000, 1]])]));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(reason);
    expect(dump(v.db, { __name__: 'fine' }).size).toBe(0);
  });

  it('answers 400 for a repeated label name', async () => {
    const dup = wireSeries([['__name__', 'm'], ['a', '1'], ['a', '2']], [[1, 1]]);
    const r = await write(v.url, encodeWriteRequest([dup]));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/duplicate label name "a"/);
  });

  it('rolls the whole request back and answers 400 on an out-of-order sample (Prometheus 2.42), counting it', async () => {
    appendRows(v.db.appender(), [[{ __name__: 'm', k: 'old' }, 5000, 1]]);
    const before = await counterValue('rejectedSamples', { reason: 'out_of_order' });
    const r = await write(v.url, encodeWriteRequest([
      series({ __name__: 'm', k: 'new' }, [[1000, 1]]),
      series({ __name__: 'm', k: 'old' }, [[6000, 2], [4000, 3]]),
    ]));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^out of order sample for series m\{k="old"\} at timestamp 4000/);
    expect(await counterValue('rejectedSamples', { reason: 'out_of_order' })).toBe(before + 1);
    expect(dump(v.db, { __name__: 'm', k: 'new' }).size).toBe(0);
    expect(dump(v.db, { __name__: 'm', k: 'old' }).get('__name__=m,k=old')).toEqual([[5000, 1]]);
    // A resent sample identical to a stored one is accepted silently, as Prometheus does.
    expect((await write(v.url, encodeWriteRequest([series({ __name__: 'm', k: 'old' }, [[5000, 1], [7000, 4]])]))).status).toBe(204);
    const dupTs = await write(v.url, encodeWriteRequest([series({ __name__: 'm', k: 'old' }, [[7000, 5]])]));
    expect(dupTs.status).toBe(400);
    expect(dupTs.text).toMatch(/^duplicate sample for timestamp/);
  });
});

describe('POST /api/v1/read', () => {
  let v: VigilUnderTest;
  beforeEach(async () => {
    v = await startVigil(labelsFromObject({ cluster: 'eu1', replica: 'r0' }));
    appendRows(v.db.appender(), [
      [{ __name__: 'cpu', host: 'a' }, 1000, 1],
      [{ __name__: 'cpu', host: 'b', cluster: 'own' }, 1000, 10],
      [{ __name__: 'mem', host: 'a' }, 1000, 100],
    ]);
    appendRows(v.db.appender(), [
      [{ __name__: 'cpu', host: 'a' }, 2000, 2],
      [{ __name__: 'cpu', host: 'b', cluster: 'own' }, 2000, 20],
    ]);
    appendRows(v.db.appender(), [[{ __name__: 'cpu', host: 'a' }, 3000, 3]]);
  });
  afterEach(async () => { await v.close(); });

  it('returns the samples in range per query, with external labels added where the series lacks them', async () => {
    const r = await read(v.url, {
      queries: [
        { startMs: 1500, endMs: 3000, matchers: [{ type: '=', name: '__name__', value: 'cpu' }] },
        { startMs: 0, endMs: 5000, matchers: [{ type: '=~', name: '__name__', value: 'm.*' }, { type: '!=', name: 'host', value: 'b' }] },
      ],
      acceptedResponseTypes: [],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    expect(r.headers.get('content-encoding')).toBe('snappy');
    const results = decodeReadResponse(r.body);
    expect(results).toHaveLength(2);
    const plain = (s: WireSeries) => ({ labels: s.labels, points: wirePoints(s) });
    // Sorted by the stored labels: {cluster="own", host="b"} before {host="a"}, because "cluster" < "host".
    expect(results[0]!.map(plain)).toEqual([
      { labels: [{ name: '__name__', value: 'cpu' }, { name: 'cluster', value: 'own' }, { name: 'host', value: 'b' }, { name: 'replica', value: 'r0' }], points: [[2000, 20]] },
      { labels: [{ name: '__name__', value: 'cpu' }, { name: 'cluster', value: 'eu1' }, { name: 'host', value: 'a' }, { name: 'replica', value: 'r0' }], points: [[2000, 2], [3000, 3]] },
    ]);
    expect(results[1]!.map(plain)).toEqual([
      { labels: [{ name: '__name__', value: 'mem' }, { name: 'cluster', value: 'eu1' }, { name: 'host', value: 'a' }, { name: 'replica', value: 'r0' }], points: [[1000, 100]] },
    ]);
  });

  it('ignores an equality matcher that restates an external label, as Prometheus does', async () => {
    const r = await read(v.url, {
      queries: [{ startMs: 0, endMs: 5000, matchers: [{ type: '=', name: '__name__', value: 'mem' }, { type: '=', name: 'cluster', value: 'eu1' }] }],
      acceptedResponseTypes: [0],
    });
    expect(r.status).toBe(200);
    const [res] = decodeReadResponse(r.body);
    expect(res!.map((s) => s.labels.find((l) => l.name === 'host')?.value)).toEqual(['a']);
    // Another value for the external label matches nothing stored.
    const none = await read(v.url, {
      queries: [{ startMs: 0, endMs: 5000, matchers: [{ type: '=', name: '__name__', value: 'mem' }, { type: '=', name: 'cluster', value: 'us1' }] }],
      acceptedResponseTypes: [],
    });
    expect(decodeReadResponse(none.body)[0]).toEqual([]);
  });

  it('answers 400 when only streamed chunks are acceptable, for bad regexes and for undecodable bodies', async () => {
    const chunks = await read(v.url, { queries: [{ startMs: 0, endMs: 1, matchers: [{ type: '=', name: '__name__', value: 'cpu' }] }], acceptedResponseTypes: [1] });
    expect(chunks.status).toBe(400);
    expect(chunks.body.toString()).toMatch(/does not support any of the requested response types/);
    const both = await read(v.url, { queries: [{ startMs: 0, endMs: 5000, matchers: [{ type: '=', name: '__name__', value: 'cpu' }] }], acceptedResponseTypes: [1, 0] });
    expect(both.status).toBe(200);
    const re = await read(v.url, { queries: [{ startMs: 0, endMs: 1, matchers: [{ type: '=~', name: 'x', value: '(' }] }], acceptedResponseTypes: [] });
    expect(re.status).toBe(400);
    expect(re.body.toString()).toMatch(/error parsing regexp/);
    const res = await fetch(`${v.url}/api/v1/read`, { method: 'POST', body: 'junk' });
    expect(res.status).toBe(400);
  });

  it('refuses a request that would return more samples than the limit', async () => {
    const small = await startVigil([], { readSampleLimit: 3 });
    try {
      appendRows(small.db.appender(), [[{ __name__: 'a' }, 1000, 1], [{ __name__: 'b' }, 1000, 1]]);
      appendRows(small.db.appender(), [[{ __name__: 'a' }, 2000, 1]]);
      const q = (value: string) => ({ startMs: 0, endMs: 5000, matchers: [{ type: '=~' as const, name: '__name__', value }] });
      expect((await read(small.url, { queries: [q('a|b')], acceptedResponseTypes: [] })).status).toBe(200);
      const over = await read(small.url, { queries: [q('a|b'), q('a')], acceptedResponseTypes: [] });
      expect(over.status).toBe(400);
      expect(over.body.toString()).toMatch(/exceeded sample limit \(3\)/);
    } finally {
      await small.close();
    }
  });
});
