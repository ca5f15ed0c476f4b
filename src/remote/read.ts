/**
 * `POST /api/v1/read`: Prometheus remote read with the SAMPLES response type (a snappy-compressed ReadResponse
 * holding every raw sample in range). Streamed XOR chunks are not offered: a request that accepts only those gets
 * 400, so the client can tell.
 *
 * External labels behave as in Prometheus's read handler: an equality matcher on an external label with the
 * external value is dropped before selecting (stored series do not carry external labels), and the external
 * labels are added to every returned series that lacks them (the series' own labels win).
 */
import type { Logger } from '../log/index.js';
import { Matcher, RegexSyntaxError } from '../model/matcher.js';
import type { Labels } from '../model/labels.js';
import type { Queryable } from '../tsdb/types.js';
import type { Request, Response } from '../api/router.js';
import { withExternalLabels } from './labels.js';
import { receiverMetrics } from './metrics.js';
import { decodeReadRequest, encodeReadResponse, ResponseType, WireDecodeError, type WireQuery, type WireReadRequest, type WireSeries } from './proto.js';

/** Prometheus's default `--storage.remote.read-sample-limit`. */
export const DEFAULT_READ_SAMPLE_LIMIT = 50_000_000;

export interface ReadHandlerDeps {
  storage: Queryable;
  externalLabels: () => Labels;
  logger: Logger;
  /** Most samples one request may return (0 = no limit). Default 5e7. */
  sampleLimit?: number;
}

class ReadRequestError extends Error {}

function plain(status: number, body: string): Response {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: body + '\n' };
}

/** Matchers for the engine: wire matchers minus equality matchers that only restate an external label. */
function engineMatchers(q: WireQuery, external: Labels): Matcher[] {
  const out: Matcher[] = [];
  for (const m of q.matchers) {
    if (m.type === '=' && external.some((l) => l.name === m.name && l.value === m.value)) continue;
    try {
      out.push(new Matcher(m.type, m.name, m.value));
    } catch (e) {
      if (e instanceof RegexSyntaxError) throw new ReadRequestError(e.message);
      throw e;
    }
  }
  return out;
}

/** Builds the handler for `POST /api/v1/read`. */
export function readHandler(deps: ReadHandlerDeps): (req: Request) => Response {
  const limit = deps.sampleLimit ?? DEFAULT_READ_SAMPLE_LIMIT;
  const metrics = receiverMetrics();
  return (req) => {
    let rr: WireReadRequest;
    try {
      rr = decodeReadRequest(req.body);
    } catch (e) {
      if (!(e instanceof WireDecodeError)) throw e;
      return plain(400, e.message);
    }
    const types = rr.acceptedResponseTypes;
    if (types.length > 0 && !types.includes(ResponseType.Samples)) {
      return plain(400, `server does not support any of the requested response types: ${JSON.stringify(types)}; supported: [SAMPLES]`);
    }
    const external = deps.externalLabels();
    const q = deps.storage.querier();
    try {
      const results: WireSeries[][] = [];
      let samples = 0;
      for (const query of rr.queries) {
        const out: WireSeries[] = [];
        for (const s of q.select(engineMatchers(query, external), query.startMs, query.endMs)) {
          const buf = s.samples();
          if (buf.length === 0) continue;
          samples += buf.length;
          if (limit > 0 && samples > limit) throw new ReadRequestError(`exceeded sample limit (${limit})`);
          out.push({
            labels: [...withExternalLabels(s.labels, external)],
            timestamps: buf.t.subarray(0, buf.length),
            values: buf.v.subarray(0, buf.length),
          });
        }
        results.push(out);
      }
      metrics.readQueries.inc(rr.queries.length);
      metrics.readSamples.inc(samples);
      return {
        status: 200,
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
        body: encodeReadResponse(results),
      };
    } catch (e) {
      if (e instanceof ReadRequestError) {
        deps.logger.warn('remote read refused', { err: e });
        return plain(400, e.message);
      }
      throw e;
    } finally {
      q.close();
    }
  };
}
