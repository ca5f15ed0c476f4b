/**
 * Parsing of the API's time, duration and matcher parameters, with Prometheus's error texts. Every failure is a
 * BadDataError, so the client gets `bad_data` / 400.
 */
import { BadDataError } from '../model/errors.js';
import { parseDuration } from '../model/duration.js';

// Prometheus's minTime/maxTime: the extremes a timestamp parameter can take (±292 years around 1970, in ms).
export const MIN_TIME = -9223372036854;
export const MAX_TIME = 9223372036854;

/** RFC 3339 or unix seconds (float) → ms. */
export function parseTime(s: string): number {
  const f = Number(s);
  if (s.trim() !== '' && Number.isFinite(f)) return Math.round(f * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return ms;
  }
  // Clients (Grafana among them) send Go's min/max times to mean "unbounded".
  if (s === '-292273086-05-16T16:47:06Z' || s === '0001-01-01T00:00:00Z') return MIN_TIME;
  if (s === '292277025-08-18T07:12:54.999999999Z') return MAX_TIME;
  throw new BadDataError(`cannot parse "${s}" to a valid timestamp`);
}

/** Float seconds or a Prometheus duration → ms. */
export function parseDurationParam(s: string): number {
  const f = Number(s);
  if (s.trim() !== '' && Number.isFinite(f)) {
    const ms = Math.round(f * 1000);
    if (!Number.isFinite(ms)) throw new BadDataError(`cannot parse "${s}" to a valid duration. It overflows int64`);
    return ms;
  }
  try {
    return parseDuration(s);
  } catch {
    throw new BadDataError(`cannot parse "${s}" to a valid duration`);
  }
}

export function timeParam(params: URLSearchParams, name: string, dflt: number): number {
  const v = params.get(name);
  if (v === null || v === '') return dflt;
  try {
    return parseTime(v);
  } catch (e) {
    throw new BadDataError(`invalid parameter "${name}": ${(e as Error).message}`);
  }
}
