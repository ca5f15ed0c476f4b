import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { STALE_NAN } from '../model/sample.js';
import {
  decodeWriteRequestReflect, encodeWriteRequestReflect, decodeReadRequest, encodeReadRequest, decodeReadResponse, encodeReadResponse,
  encodeReadResponseReflect, decodeReadResponseReflect, type WireSeries,
} from './proto.js';
import { decodeReadResponseRaw, decodeWriteRequestRaw, encodeReadResponseRaw, encodeWriteRequestRaw, ProtoError } from './write-codec.js';
import { InvalidLabelsError, normalizeWireLabels, withExternalLabels } from './labels.js';

/** Bit-exact view of a series (values as hex bytes, so NaN payloads and -0 count). */
function bits(s: readonly WireSeries[]) {
  return s.map((x) => ({
    labels: x.labels.map((l) => [l.name, l.value]),
    t: Array.from(x.timestamps),
    v: Buffer.from(x.values.buffer, x.values.byteOffset, x.values.byteLength).toString('hex'),
  }));
}

const value = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE),
  fc.constant('stale' as const),
);
const timestamp = fc.oneof(fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }), fc.constantFrom(0, -1, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 32, -(2 ** 32)));
const series = fc.record({
  labels: fc.array(fc.record({ name: fc.string({ unit: 'grapheme', maxLength: 12 }), value: fc.string({ unit: 'grapheme', maxLength: 40 }) }), { maxLength: 6 }),
  points: fc.array(fc.tuple(timestamp, value), { maxLength: 8 }),
}).map(({ labels, points }): WireSeries => {
  const t = new Float64Array(points.length), v = new Float64Array(points.length);
  points.forEach(([ts, val], i) => { t[i] = ts; v[i] = val === 'stale' ? STALE_NAN : val; });
  return { labels, timestamps: t, values: v };
});

describe('WriteRequest codec', () => {
  it('writes the same bytes as the protobufjs reflection encoder and each decodes the other bit-exactly', () => {
    fc.assert(fc.property(fc.array(series, { maxLength: 5 }), (req) => {
      const fast = encodeWriteRequestRaw(req);
      const reference = encodeWriteRequestReflect(req);
      expect(Buffer.from(fast).toString('hex')).toBe(Buffer.from(reference).toString('hex'));
      expect(bits(decodeWriteRequestRaw(reference))).toEqual(bits(req));
      expect(bits(decodeWriteRequestReflect(fast))).toEqual(bits(req));
    }), { numRuns: 300 });
  });

  it('skips fields it does not know (exemplars, histograms, metadata) and defaults absent sample fields to 0', () => {
    // WriteRequest{ timeseries: { labels:{name:"a",value:"b"}, samples:{} , exemplars:{value:1} }, metadata:{type:1} }
    const ts = [0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, 0x00, 0x1a, 0x09, 0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
    const raw = Uint8Array.from([0x0a, ts.length, ...ts, 0x1a, 0x02, 0x08, 0x01]);
    const got = decodeWriteRequestRaw(raw);
    expect(bits(got)).toEqual([{ labels: [['a', 'b']], t: [0], v: '0000000000000000' }]);
    expect(bits(decodeWriteRequestReflect(raw))).toEqual(bits(got));
  });

  it('rejects every truncation of a valid body with a ProtoError, never another exception', () => {
    fc.assert(fc.property(fc.array(series, { minLength: 1, maxLength: 3 }), fc.nat(), (req, cut) => {
      const full = encodeWriteRequestRaw(req);
      if (full.length === 0) return;
      const n = cut % full.length;
      try {
        decodeWriteRequestRaw(full.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(ProtoError);
      }
    }), { numRuns: 300 });
  });
});

describe('ReadRequest / ReadResponse', () => {
  it('frames ReadResponse exactly as the reflection encoder does, and each decodes the other', () => {
    fc.assert(fc.property(fc.array(fc.array(series, { maxLength: 3 }), { maxLength: 3 }), (results) => {
      const fast = encodeReadResponseRaw(results);
      expect(Buffer.from(fast).toString('hex')).toBe(Buffer.from(encodeReadResponseReflect(results)).toString('hex'));
      expect(decodeReadResponseRaw(fast).map(bits)).toEqual(results.map(bits));
      expect(decodeReadResponseReflect(fast).map(bits)).toEqual(results.map(bits));
    }), { numRuns: 100 });
  });

  it('round-trip through the reflection codec', () => {
    const req = {
      queries: [{ startMs: -5, endMs: 1_700_000_000_123, matchers: [{ type: '=~' as const, name: '__name__', value: 'up|down' }, { type: '!~' as const, name: 'job', value: 'x' }] }],
      acceptedResponseTypes: [1, 0],
    };
    expect(decodeReadRequest(encodeReadRequest(req))).toEqual(req);
    const s: WireSeries = { labels: [{ name: '__name__', value: 'up' }], timestamps: Float64Array.of(1, 2), values: Float64Array.of(0.5, STALE_NAN) };
    const back = decodeReadResponse(encodeReadResponse([[s], []]));
    expect(back.map(bits)).toEqual([bits([s]), []]);
  });
});

describe('normalizeWireLabels', () => {
  const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/);
  it('sorts, drops empty values, keeps the same pairs, for any valid set in any order', () => {
    fc.assert(fc.property(fc.uniqueArray(name, { maxLength: 8 }), fc.stringMatching(/^[a-z:][a-z0-9_:]{0,6}$/), (names, metric) => {
      const pairs = names.filter((n) => n !== '__name__').map((n, i) => ({ name: n, value: i % 3 === 0 ? '' : `v${i}` }));
      const input = [...pairs, { name: '__name__', value: metric }].reverse();
      const out = normalizeWireLabels(input);
      const expected = input.filter((l) => l.value !== '').sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(out).toEqual(expected);
    }));
  });
  it('names the offending label', () => {
    expect(() => normalizeWireLabels([{ name: '__name__', value: 'm' }, { name: 'x', value: '' }, { name: 'x', value: 'y' }])).toThrow(/duplicate label name "x"/);
    expect(() => normalizeWireLabels([{ name: '__name__', value: 'm' }, { name: '0x', value: '1' }])).toThrow(InvalidLabelsError);
  });
});

describe('withExternalLabels', () => {
  it("adds only the external labels a series lacks, keeping the series' values, sorted", () => {
    const series = [{ name: '__name__', value: 'up' }, { name: 'env', value: 'own' }, { name: 'zone', value: 'z' }];
    const ext = [{ name: 'a', value: '1' }, { name: 'env', value: 'prod' }, { name: 'region', value: 'eu' }];
    expect(withExternalLabels(series, ext)).toEqual([
      { name: '__name__', value: 'up' }, { name: 'a', value: '1' }, { name: 'env', value: 'own' }, { name: 'region', value: 'eu' }, { name: 'zone', value: 'z' },
    ]);
  });
});
