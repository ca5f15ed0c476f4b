/**
 * Byte sizes as Prometheus reads `body_size_limit` (alecthomas/units `ParseBase2Bytes`): a sequence of
 * `<number><unit>` with units B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, PB/PiB, EB/EiB, all powers of 1024 (`KB` = `KiB`;
 * lowercase `kB` is rejected). Decimals are allowed (`1.5MB`), a bare `0` is 0, a bare number without unit is an error.
 */
const MULTIPLIERS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024, KiB: 1024,
  MB: 1024 ** 2, MiB: 1024 ** 2,
  GB: 1024 ** 3, GiB: 1024 ** 3,
  TB: 1024 ** 4, TiB: 1024 ** 4,
  PB: 1024 ** 5, PiB: 1024 ** 5,
  EB: 1024 ** 6, EiB: 1024 ** 6,
};

const PART_RE = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

export class ByteSizeError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid size ${JSON.stringify(input)}: ${reason}`);
    this.name = 'ByteSizeError';
  }
}

/** Parses a size like `10MB` into bytes (an integer, truncated like Go's int64 conversion). */
export function parseByteSize(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new ByteSizeError(s, 'empty');
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART_RE.lastIndex = pos;
    const m = PART_RE.exec(s);
    if (!m || m[0] === '') throw new ByteSizeError(s, `unexpected character at offset ${pos}`);
    const [, whole = '', frac, unit = ''] = m;
    if (whole === '' && (frac === undefined || frac === '')) throw new ByteSizeError(s, `expected a number at offset ${pos}`);
    const mult = MULTIPLIERS[unit];
    if (mult === undefined) throw new ByteSizeError(s, unit === '' ? 'missing unit (B, KB, MB, GB, …)' : `unknown unit "${unit}"`);
    total += Number(`${whole || '0'}.${frac ?? ''}`.replace(/\.$/, '')) * mult;
    pos = PART_RE.lastIndex;
  }
  if (!Number.isSafeInteger(Math.trunc(total))) throw new ByteSizeError(s, 'too large');
  return Math.trunc(total);
}
