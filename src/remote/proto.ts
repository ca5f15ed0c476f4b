/**
 * The remote-write 1.0 and remote-read wire messages (Prometheus's `prompb/types.proto` and `prompb/remote.proto`),
 * declared with protobufjs's reflection API, and the typed encode/decode functions the receiver, the read endpoint
 * and the sender use. Bodies on the wire are snappy block-compressed; the (un)compression happens here too, so
 * callers only see bytes in and plain objects out.
 *
 * Only the fields vigil uses are declared: native histograms (TimeSeries field 4) and exemplars (field 3) are
 * skipped by the decoder like any unknown field, and metadata (WriteRequest field 3) is ignored.
 */
import protobuf from 'protobufjs';
import snappy from 'snappy';
import type { Label } from '../model/labels.js';
import { decodeReadResponseRaw, decodeWriteRequestRaw, encodeReadResponseRaw, encodeWriteRequestRaw, ProtoError } from './write-codec.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        LabelMatcher: {
          fields: { type: { type: 'MatcherType', id: 1 }, name: { type: 'string', id: 2 }, value: { type: 'string', id: 3 } },
        },
        MatcherType: { values: { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } },
        ReadHints: {
          fields: {
            stepMs: { type: 'int64', id: 1 },
            func: { type: 'string', id: 2 },
            startMs: { type: 'int64', id: 3 },
            endMs: { type: 'int64', id: 4 },
            grouping: { rule: 'repeated', type: 'string', id: 5 },
            by: { type: 'bool', id: 6 },
            rangeMs: { type: 'int64', id: 7 },
          },
        },
        Query: {
          fields: {
            startTimestampMs: { type: 'int64', id: 1 },
            endTimestampMs: { type: 'int64', id: 2 },
            matchers: { rule: 'repeated', type: 'LabelMatcher', id: 3 },
            hints: { type: 'ReadHints', id: 4 },
          },
        },
        ResponseType: { values: { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } },
        ReadRequest: {
          fields: {
            queries: { rule: 'repeated', type: 'Query', id: 1 },
            acceptedResponseTypes: { rule: 'repeated', type: 'ResponseType', id: 2 },
          },
        },
        QueryResult: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        ReadResponse: { fields: { results: { rule: 'repeated', type: 'QueryResult', id: 1 } } },
      },
    },
  },
});

const WriteRequestT = root.lookupType('prometheus.WriteRequest');
const ReadRequestT = root.lookupType('prometheus.ReadRequest');
const ReadResponseT = root.lookupType('prometheus.ReadResponse');

/** Response types of `ReadRequest.accepted_response_types`. */
export const enum ResponseType {
  Samples = 0,
  StreamedXorChunks = 1,
}

/** LabelMatcher.Type on the wire, in its enum order. */
export const WIRE_MATCH_TYPES = ['=', '!=', '=~', '!~'] as const;
export type WireMatchType = (typeof WIRE_MATCH_TYPES)[number];

/**
 * One series of a WriteRequest or QueryResult. Timestamps in ms, samples in time order.
 *
 * Values are typed arrays on purpose: V8 canonicalizes NaNs stored in plain number arrays, which would turn
 * Prometheus's stale marker (a NaN with a payload) into an ordinary NaN.
 */
export interface WireSeries {
  labels: Label[];
  /** Parallel arrays of equal length. */
  timestamps: Float64Array;
  values: Float64Array;
}

export interface WireMatcher {
  type: WireMatchType;
  name: string;
  value: string;
}

export interface WireQuery {
  startMs: number;
  endMs: number;
  matchers: WireMatcher[];
  /** From ReadHints when present (step_ms, func); vigil does not use them beyond logging. */
  hints?: { stepMs: number; func: string };
}

export interface WireReadRequest {
  queries: WireQuery[];
  acceptedResponseTypes: number[];
}

/** A body that is not valid snappy or not a valid protobuf message of the expected type. */
export class WireDecodeError extends Error {
  constructor(what: string, size: number, cause: unknown) {
    super(`cannot decode ${what} from ${size} bytes: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'WireDecodeError';
  }
}

/** int64 fields decode to numbers or to long.js objects (when that library is present); both become numbers. */
type Int64 = number | { toNumber(): number } | null | undefined;
function num(x: Int64): number {
  if (x === null || x === undefined) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}

interface DecodedLabel { name?: string; value?: string }
interface DecodedSample { value?: number; timestamp?: Int64 }
interface DecodedSeries { labels?: DecodedLabel[]; samples?: DecodedSample[] }

function seriesFromDecoded(ts: DecodedSeries): WireSeries {
  const labels: Label[] = (ts.labels ?? []).map((l) => ({ name: l.name ?? '', value: l.value ?? '' }));
  const samples = ts.samples ?? [];
  const timestamps = new Float64Array(samples.length);
  const values = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    timestamps[i] = num(s.timestamp);
    values[i] = s.value ?? 0;
  }
  return { labels, timestamps, values };
}

function seriesToPlain(s: WireSeries): { labels: Label[]; samples: { value: number; timestamp: number }[] } {
  const samples = new Array<{ value: number; timestamp: number }>(s.timestamps.length);
  for (let i = 0; i < samples.length; i++) samples[i] = { value: s.values[i]!, timestamp: s.timestamps[i]! };
  return { labels: s.labels, samples };
}

function uncompress(body: Uint8Array, what: string): Buffer {
  try {
    return snappy.uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw new WireDecodeError(`snappy-compressed ${what}`, body.byteLength, e);
  }
}

function compress(raw: Uint8Array): Buffer {
  return snappy.compressSync(raw);
}

/** Decodes a snappy-compressed WriteRequest (with the fast codec). Throws WireDecodeError with the body size. */
export function decodeWriteRequest(body: Uint8Array): WireSeries[] {
  const raw = uncompress(body, 'WriteRequest');
  try {
    return decodeWriteRequestRaw(raw);
  } catch (e) {
    if (e instanceof ProtoError) throw new WireDecodeError('WriteRequest', raw.length, e);
    throw e;
  }
}

/** Encodes series as a snappy-compressed WriteRequest (the remote-write 1.0 body), with the fast codec. */
export function encodeWriteRequest(series: readonly WireSeries[]): Buffer {
  return compress(encodeWriteRequestRaw(series));
}

/** The reference decoder (protobufjs reflection) of an uncompressed WriteRequest: the fast codec must agree. */
export function decodeWriteRequestReflect(raw: Uint8Array): WireSeries[] {
  const msg = WriteRequestT.decode(raw) as unknown as { timeseries?: DecodedSeries[] };
  return (msg.timeseries ?? []).map(seriesFromDecoded);
}

/** The reference encoder (protobufjs reflection) of an uncompressed WriteRequest. */
export function encodeWriteRequestReflect(series: readonly WireSeries[]): Uint8Array {
  return WriteRequestT.encode(WriteRequestT.fromObject({ timeseries: series.map(seriesToPlain) })).finish();
}

/** Decodes a snappy-compressed ReadRequest. Unknown matcher types are a WireDecodeError. */
export function decodeReadRequest(body: Uint8Array): WireReadRequest {
  const raw = uncompress(body, 'ReadRequest');
  interface DecodedQuery {
    startTimestampMs?: Int64;
    endTimestampMs?: Int64;
    matchers?: { type?: number; name?: string; value?: string }[];
    hints?: { stepMs?: Int64; func?: string } | null;
  }
  let msg: { queries?: DecodedQuery[]; acceptedResponseTypes?: number[] };
  try {
    msg = ReadRequestT.decode(raw) as unknown as typeof msg;
  } catch (e) {
    throw new WireDecodeError('ReadRequest', raw.length, e);
  }
  const queries = (msg.queries ?? []).map((q): WireQuery => {
    const matchers = (q.matchers ?? []).map((m): WireMatcher => {
      const type = WIRE_MATCH_TYPES[m.type ?? 0];
      if (type === undefined) throw new WireDecodeError('ReadRequest', raw.length, new Error(`unknown matcher type ${m.type}`));
      return { type, name: m.name ?? '', value: m.value ?? '' };
    });
    const out: WireQuery = { startMs: num(q.startTimestampMs), endMs: num(q.endTimestampMs), matchers };
    if (q.hints) out.hints = { stepMs: num(q.hints.stepMs), func: q.hints.func ?? '' };
    return out;
  });
  return { queries, acceptedResponseTypes: msg.acceptedResponseTypes ?? [] };
}

/** Encodes a ReadRequest, snappy-compressed (what a remote-read client sends). */
export function encodeReadRequest(req: WireReadRequest): Buffer {
  const msg = ReadRequestT.fromObject({
    queries: req.queries.map((q) => ({
      startTimestampMs: q.startMs,
      endTimestampMs: q.endMs,
      matchers: q.matchers.map((m) => ({ type: WIRE_MATCH_TYPES.indexOf(m.type), name: m.name, value: m.value })),
    })),
    acceptedResponseTypes: req.acceptedResponseTypes,
  });
  return compress(ReadRequestT.encode(msg).finish());
}

/** Encodes one QueryResult per query as a snappy-compressed ReadResponse (SAMPLES response type), fast codec. */
export function encodeReadResponse(results: readonly (readonly WireSeries[])[]): Buffer {
  return compress(encodeReadResponseRaw(results));
}

/** Decodes a snappy-compressed ReadResponse into one series list per query (fast codec). */
export function decodeReadResponse(body: Uint8Array): WireSeries[][] {
  const raw = uncompress(body, 'ReadResponse');
  try {
    return decodeReadResponseRaw(raw);
  } catch (e) {
    if (e instanceof ProtoError) throw new WireDecodeError('ReadResponse', raw.length, e);
    throw e;
  }
}

/** The reference encoder (protobufjs reflection) of an uncompressed ReadResponse. */
export function encodeReadResponseReflect(results: readonly (readonly WireSeries[])[]): Uint8Array {
  return ReadResponseT.encode(ReadResponseT.fromObject({ results: results.map((r) => ({ timeseries: r.map(seriesToPlain) })) })).finish();
}

/** The reference decoder (protobufjs reflection) of an uncompressed ReadResponse. */
export function decodeReadResponseReflect(raw: Uint8Array): WireSeries[][] {
  const msg = ReadResponseT.decode(raw) as unknown as { results?: { timeseries?: DecodedSeries[] }[] };
  return (msg.results ?? []).map((r) => (r.timeseries ?? []).map(seriesFromDecoded));
}
