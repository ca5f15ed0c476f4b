/**
 * Prometheus durations: `1h30m`, `5m`, `90s`, `250ms`, `1y`, `2w` (units y, w, d, h, m, s, ms, in that order,
 * each at most once). The one duration parser in vigil: config, PromQL, CLI flags and rule files all use it.
 */
const UNITS: ReadonlyArray<[string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export class DurationError extends Error {
  constructor(readonly input: string) {
    super(input === '' ? 'empty duration string' : `not a valid duration string: "${input}"`);
    this.name = 'DurationError';
  }
}

/** Parses a duration into milliseconds. `0` alone is accepted; anything else malformed throws DurationError. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (!m || s === '') throw new DurationError(s);
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNITS[i]![1];
  }
  if (!Number.isSafeInteger(ms)) throw new DurationError(s);
  return ms;
}

/** Formats milliseconds the way Prometheus prints durations (`1h30m`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      // Prometheus only uses y and w when they divide the whole duration exactly.
      if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
