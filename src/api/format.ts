/**
 * Number and time formatting exactly as Prometheus's JSON API writes them (Go's strconv.FormatFloat(v, 'f', -1, 64)):
 * shortest round-trip digits, never an exponent, and `NaN`, `+Inf`, `-Inf` spelled out.
 */

/** Formats a float64 like Go's `FormatFloat(v, 'f', -1, 64)`. */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JavaScript used an exponent: rebuild the shortest digits without one.
  const neg = s[0] === '-';
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const intLen = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return neg ? '-' + out : out;
}

/** A millisecond timestamp as the JSON number Prometheus writes: seconds with up to 3 decimals. */
export function timestampJSON(ms: number): number {
  return ms / 1000;
}
