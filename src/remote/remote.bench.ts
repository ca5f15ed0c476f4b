/**
 * Remote-write codec and receiver cost: `npx vitest bench src/remote --run`.
 * One request = 2,000 series × 1 sample with 6 labels each (Prometheus's default max_samples_per_send), and
 * 200 series × 10 samples (fewer, longer series: what vigil's own sender builds from scrape batches).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bench, describe } from 'vitest';
import { nopLogger } from '../log/index.js';
import { Db } from '../tsdb/db.js';
import type { Request } from '../api/router.js';
import { decodeWriteRequest, decodeWriteRequestReflect, encodeWriteRequest, encodeWriteRequestReflect, type WireSeries } from './proto.js';
import { decodeWriteRequestRaw, encodeWriteRequestRaw } from './write-codec.js';
import snappy from 'snappy';
import { writeHandler } from './receiver.js';

function request(series: number, samples: number, t0: number): WireSeries[] {
  const out: WireSeries[] = [];
  for (let s = 0; s < series; s++) {
    const timestamps = new Float64Array(samples), values = new Float64Array(samples);
    for (let i = 0; i < samples; i++) { timestamps[i] = t0 + i * 15_000; values[i] = s * 1.5 + i; }
    out.push({
      labels: [
        { name: '__name__', value: `http_requests_total` }, { name: 'code', value: String(200 + (s % 5)) },
        { name: 'handler', value: `/api/v${s % 3}/items` }, { name: 'instance', value: `10.0.${s % 250}.${s % 7}:9100` },
        { name: 'job', value: 'api' }, { name: 'pod', value: `api-${s}` },
      ],
      timestamps, values,
    });
  }
  return out;
}

const wide = request(2000, 1, 1_700_000_000_000);
const long = request(200, 10, 1_700_000_000_000);
const wideBody = encodeWriteRequest(wide);
const longBody = encodeWriteRequest(long);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-remote-bench-'));
const db = await Db.open(dir, { walSyncIntervalMs: 60_000 });
const handle = writeHandler({ appender: () => db.appender(), logger: nopLogger });
let t = 1_700_000_000_000;
const fakeReq = (body: Buffer) => ({ body, headers: {}, raw: { socket: {} } }) as unknown as Request;

const wideRaw = snappy.uncompressSync(wideBody, { asBuffer: true }) as Buffer;

describe('WriteRequest 2000×1, uncompressed: fast codec vs protobufjs reflection', () => {
  bench('decode, fast', () => { decodeWriteRequestRaw(wideRaw); });
  bench('decode, protobufjs', () => { decodeWriteRequestReflect(wideRaw); });
  bench('encode, fast', () => { encodeWriteRequestRaw(wide); });
  bench('encode, protobufjs', () => { encodeWriteRequestReflect(wide); });
});

describe('remote-write bodies with snappy', () => {
  bench(`decode 2000×1 (${wideBody.length} B)`, () => { decodeWriteRequest(wideBody); });
  bench('encode 2000×1', () => { encodeWriteRequest(wide); });
  bench(`decode 200×10 (${longBody.length} B)`, () => { decodeWriteRequest(longBody); });
});

describe('remote-write receiver (decode + validate + append + commit to a Db)', () => {
  bench('2000 series × 1 sample per request', () => {
    t += 15_000;
    const r = handle(fakeReq(encodeWriteRequest(request(2000, 1, t))));
    if (r.status !== 204) throw new Error(String(r.body));
  }, { iterations: 50 });
});
