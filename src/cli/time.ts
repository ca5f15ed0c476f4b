/**
 * Time arguments of the CLI (`--time`, `--start`, `--end`): what a person types at a shell prompt, turned into
 * unix milliseconds. Pure: "now" is passed in.
 */
import { parseDuration } from '../model/duration.js';
import { UsageError } from './errors.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const RELATIVE = /^(?:now)?([+-])(.+)$/;

/**
 * Parses a CLI time: `now`; a signed duration relative to now (`-1h`, `-1h30m`, `now-15m`, `+5m`); unix seconds
 * (`1700000000`, `1700000000.25`); or RFC 3339 with an explicit zone (`2026-11-25T12:00:00Z`,
 * `2026-11-25T13:00:00+01:00`). Returns unix milliseconds (sub-millisecond digits are rounded).
 * Anything else throws UsageError naming the accepted forms.
 *
 * @example parseTimeArg('-1h', Date.parse('2026-11-25T12:00:00Z')) // Date.parse('2026-11-25T11:00:00Z')
 */
export function parseTimeArg(s: string, now: number): number {
  const t = s.trim();
  if (t === 'now') return now;
  const rel = RELATIVE.exec(t);
  if (rel) {
    let ms: number;
    try {
      ms = parseDuration(rel[2]!);
    } catch {
      throw bad(s);
    }
    return rel[1] === '-' ? now - ms : now + ms;
  }
  if (/^\d+(?:\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (RFC3339.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  throw bad(s);
}

function bad(s: string): UsageError {
  return new UsageError(`cannot parse "${s}" as a time: use RFC 3339 (2026-11-25T12:00:00Z), unix seconds, now, or a relative time like -1h`);
}

/** Milliseconds as the API's time parameter: unix seconds with up to 3 decimals. */
export function apiTime(ms: number): string {
  return String(ms / 1000);
}
