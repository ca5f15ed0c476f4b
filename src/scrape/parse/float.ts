/**
 * Float tokens as Prometheus's exposition parsers read them: Go's `strconv.ParseFloat` minus hex floats and
 * digit separators (Prometheus rejects any `p`, `P` or `_`), so the accepted forms are
 *   [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?     decimal
 *   [+-]? (inf | infinity)                                         any case
 *   nan                                                            any case, no sign
 * A finite decimal whose value overflows float64 is an error (Go's ErrRange); one that underflows becomes 0.
 */

/** Why the last `parseFloatBytes` call failed, or `FloatStatus.Ok`. */
export const enum FloatStatus {
  Ok = 0,
  Syntax = 1,
  /** `p`, `P` or `_`: valid for Go 1.13+ but rejected by Prometheus to keep to the older float syntax. */
  Unsupported = 2,
  Range = 3,
}

/** Status of the most recent parse: one shared slot, so the hot path returns a plain number. */
export const floatResult = { status: FloatStatus.Ok as FloatStatus };

/** Prometheus's canonical NaN (`value.NormalNaN`, 0x7ff8000000000001): what every parsed NaN becomes. */
export const NORMAL_NAN: number = (() => {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  u[0] = 0x00000001;
  u[1] = 0x7ff80000;
  return f[0]!;
})();

// Exact powers of ten: a mantissa below 2^53 times or over one of these is correctly rounded (Clinger's fast path).
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_FAST_DIGITS = 15;

const latin1 = new TextDecoder('latin1');

function fail(status: FloatStatus): number {
  floatResult.status = status;
  return NaN;
}

/** Prometheus checks for `p`, `P` and `_` before anything else: such tokens fail as Unsupported. */
function syntax(b: Uint8Array, s: number, e: number): number {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 112 || c === 80 || c === 95) return fail(FloatStatus.Unsupported);
  }
  return fail(FloatStatus.Syntax);
}

/** True if b[i..e) spells `word` (lower-case ASCII) ignoring case, to the end. */
function spells(b: Uint8Array, i: number, e: number, word: string): boolean {
  if (e - i !== word.length) return false;
  for (let k = 0; k < word.length; k++) if ((b[i + k]! | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Parses the float token `b[s..e)`. Returns its value with `floatResult.status === Ok`, or NaN with the status
 * saying why the token is not a float. Plain decimals of up to 15 significant digits never allocate.
 */
export function parseFloatBytes(b: Uint8Array, s: number, e: number): number {
  floatResult.status = FloatStatus.Ok;
  let i = s;
  if (i >= e) return syntax(b, s, e);
  let c = b[i]!;
  const neg = c === 45;
  if (c === 43 || c === 45) {
    if (++i >= e) return syntax(b, s, e);
    c = b[i]!;
  }
  const lc = c | 0x20;
  if (lc === 0x69) { // i
    if (spells(b, i, e, 'inf') || spells(b, i, e, 'infinity')) return neg ? -Infinity : Infinity;
    return syntax(b, s, e);
  }
  if (lc === 0x6e) { // n
    if (i === s && spells(b, i, e, 'nan')) return NORMAL_NAN;
    return syntax(b, s, e);
  }

  // Integer digits, then fraction digits: up to 15 significant digits accumulate exactly in `mant`.
  let mant = 0, digits = 0, exp10 = 0;
  let sawDigit = false, exact = true;
  for (; i < e; i++) {
    c = b[i]!;
    if (c < 48 || c > 57) break;
    sawDigit = true;
    if (digits < MAX_FAST_DIGITS) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0) digits++;
    } else {
      exact = false;
    }
  }
  if (i < e && c === 46) {
    for (i++; i < e; i++) {
      c = b[i]!;
      if (c < 48 || c > 57) break;
      sawDigit = true;
      if (digits < MAX_FAST_DIGITS) {
        mant = mant * 10 + (c - 48);
        exp10--;
        if (mant !== 0) digits++;
      } else {
        exact = false;
      }
    }
  }
  if (!sawDigit) return syntax(b, s, e);
  if (i < e) { // exponent
    if ((c | 0x20) !== 101) return syntax(b, s, e);
    i++;
    let eneg = false;
    if (i < e && (b[i] === 43 || b[i] === 45)) eneg = b[i++] === 45;
    if (i >= e) return syntax(b, s, e);
    let ev = 0;
    for (; i < e; i++) {
      c = b[i]!;
      if (c < 48 || c > 57) return syntax(b, s, e);
      if (ev < 100000) ev = ev * 10 + (c - 48);
    }
    exp10 += eneg ? -ev : ev;
  }
  if (exact) {
    if (mant === 0) return neg ? -0 : 0;
    let v = -1;
    if (exp10 === 0) v = mant;
    else if (exp10 > 0 && exp10 <= 22) v = mant * POW10[exp10]!;
    else if (exp10 < 0 && exp10 >= -22) v = mant / POW10[-exp10]!;
    if (v >= 0) return neg ? -v : v;
  }
  // Exotic but valid: many digits or a far exponent. The token is now known to be a plain decimal, which
  // Number() reads with correct rounding.
  const v = Number(latin1.decode(b.subarray(s, e)));
  if (v === Infinity || v === -Infinity) return fail(FloatStatus.Range);
  return v;
}
