/**
 * Float tokens as Prometheus's exposition parsers read them: Go's `strconv.ParseFloat` minus hex floats and
 * digit separators (Prometheus rejects any `p`, `P` or `_`), so the accepted forms are
 *   [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?     decimal
 *   [+-]? (inf | infinity)                                         any case
 *   nan                                                            any case, no sign
 * A finite decimal whose value overflows float64 is an error (Go's ErrRange); one that underflows becomes 0.
 */
import { Buffer } from 'node:buffer';

/** What `scanFloat` returns: `Ok`, or why the token is not a float. */
export const enum FloatStatus {
  Ok = 0,
  Syntax = 1,
  /** `p`, `P` or `_`: valid for Go 1.13+ but rejected by Prometheus to keep to the older float syntax. */
  Unsupported = 2,
  Range = 3,
}

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
const TWO53 = 9007199254740992;
/** Significant digits kept in `hi` (always exact below 10^15), and in all (`hi` and up to 4 more in `lo`). */
const HI_DIGITS = 15;
const MAX_DIGITS = 19;
/** Veltkamp's splitter 2^27 + 1: cuts a double into two 26-bit halves whose products are exact. */
const SPLIT = 134217729;

/**
 * The value of the last call that returned `FloatStatus.Ok` from `scanFloat`. A typed array slot rather than a
 * return value: a double returned from (or passed to) a function that is not inlined is boxed in a fresh heap
 * number, and the scrape path reads one value per sample.
 */
export const floatValue: Float64Array = new Float64Array(1);

/** `exactLong`'s first mantissa part. */
const longHi = new Float64Array(1);

// Bit access to one double, for stepping a candidate by one unit in the last place.
const bitsF = new Float64Array(1);
const bitsU = new Uint32Array(bitsF.buffer);
const LO = 0, HI = 1; // little-endian word order, checked here
bitsF[0] = 1;
if (bitsU[HI] !== 0x3ff00000) throw new Error('BUG: float.ts assumes a little-endian platform');

/** Prometheus checks for `p`, `P` and `_` before anything else: such tokens fail as Unsupported. */
function syntax(b: Uint8Array, s: number, e: number): FloatStatus {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 112 || c === 80 || c === 95) return FloatStatus.Unsupported;
  }
  return FloatStatus.Syntax;
}

/** True if b[i..e) spells `word` (lower-case ASCII) ignoring case, to the end. */
function spells(b: Uint8Array, i: number, e: number, word: string): boolean {
  if (e - i !== word.length) return false;
  for (let k = 0; k < word.length; k++) if ((b[i + k]! | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** Stores a parsed value (small enough to be inlined: a double argument to a call that is not would be boxed). */
function ok(v: number): FloatStatus {
  floatValue[0] = v;
  return FloatStatus.Ok;
}

/**
 * Parses the float token `b[s..e)` into `floatValue[0]` and returns `FloatStatus.Ok`, or returns why the token is
 * not a float. Decimals of up to 19 significant digits with a decimal
 * exponent within ±22 are read without allocating and bit-identical to `Number(token)` (correct rounding, as Go's
 * strconv.ParseFloat); other decimals fall back to `Number()` on the decoded token.
 */
export function scanFloat(b: Uint8Array, s: number, e: number): FloatStatus {
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
    if (spells(b, i, e, 'inf') || spells(b, i, e, 'infinity')) return ok(neg ? -Infinity : Infinity);
    return syntax(b, s, e);
  }
  if (lc === 0x6e) { // n
    if (i === s && spells(b, i, e, 'nan')) return ok(NORMAL_NAN);
    return syntax(b, s, e);
  }

  // The token's value is (hi * 10^(nd - 15) + lo) * 10^exp10 when nd > 15, else hi * 10^exp10, as long as no
  // non-zero digit past the 19th significant one was dropped (`dropped`).
  let hi = 0, lo = 0, nd = 0, exp10 = 0;
  let sawDigit = false, dropped = false;
  for (; i < e; i++) {
    c = b[i]!;
    if (c < 48 || c > 57) break;
    sawDigit = true;
    if (nd < HI_DIGITS) {
      hi = hi * 10 + (c - 48);
      if (hi !== 0) nd++;
    } else if (nd < MAX_DIGITS) {
      lo = lo * 10 + (c - 48);
      nd++;
    } else {
      exp10++;
      if (c !== 48) dropped = true;
    }
  }
  if (i < e && c === 46) {
    for (i++; i < e; i++) {
      c = b[i]!;
      if (c < 48 || c > 57) break;
      sawDigit = true;
      if (nd < HI_DIGITS) {
        hi = hi * 10 + (c - 48);
        exp10--;
        if (hi !== 0) nd++;
      } else if (nd < MAX_DIGITS) {
        lo = lo * 10 + (c - 48);
        exp10--;
        nd++;
      } else if (c !== 48) {
        dropped = true;
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
  if (hi === 0) return ok(neg ? -0 : 0);
  if (!dropped && exp10 >= -22 && exp10 <= 22) {
    // Both steps are exact while the true mantissa is below 2^53, and rounding is monotonic, so `m < 2^53` holds
    // exactly when the mantissa is below 2^53.
    const m = nd <= HI_DIGITS ? hi : hi * POW10[nd - HI_DIGITS]! + lo;
    if (m < TWO53) {
      // Clinger: an exact mantissa and an exact power of ten, one correctly rounded operation.
      const v = exp10 === 0 ? m : exp10 > 0 ? m * POW10[exp10]! : m / POW10[-exp10]!;
      floatValue[0] = neg ? -v : v;
      return FloatStatus.Ok;
    }
    longHi[0] = hi; // not an argument: a double above 2^30 passed to a call that is not inlined would be boxed
    if (exactLong(POW10[nd - HI_DIGITS]!, lo, exp10)) {
      if (neg) floatValue[0] = -floatValue[0]!;
      return FloatStatus.Ok;
    }
  }
  // Exotic but valid: more than 19 digits or a far exponent (rare: none in a typical exposition). The token is now
  // known to be a plain decimal, which Number() reads with correct rounding.
  const v = Number(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1'));
  if (v === Infinity || v === -Infinity) return FloatStatus.Range;
  return ok(v);
}

/**
 * Stores in `floatValue[0]` the correctly rounded double nearest to x = (hi * scale + lo) * 10^exp10 (hi read from
 * `longHi[0]`), for a mantissa
 * of 2^53 or more (up to 19 digits: hi < 10^15, scale <= 10^4, lo < scale) and |exp10| <= 22, and returns true; or
 * returns false when it cannot decide (the caller falls back). Without BigInt: a candidate r is computed in floating point, then checked exactly. With
 * x = N / D (N = M * 10^exp10, D = 1 for exp10 >= 0; N = M, D = 10^-exp10 otherwise), r is the correct rounding
 * iff the residual R = N - r * D lies within [-D * (r - pred r) / 2, D * (succ r - r) / 2], a tie going to the
 * even neighbour. N and r * D are built as sums of doubles by Dekker's exact product (no over- or underflow can
 * happen here: every term is between 2^-80 and 2^140 or zero), and R is summed with Knuth's TwoSum, whose rounding
 * error must come out 0 at every step (else NaN): so R is exact and the comparison with the half-gaps (powers of
 * two times D, exact) is exact. r starts within about one ulp and moves one ulp at a time, at most four times.
 */
function exactLong(scale: number, lo: number, exp10: number): boolean {
  const hi = longHi[0]!;
  const P = POW10[exp10 < 0 ? -exp10 : exp10]!;
  // M = a1 + a2 + lo exactly (Dekker's product hi * scale).
  let x = hi * SPLIT, xh = x - (x - hi), xl = hi - xh;
  x = scale * SPLIT;
  let yh = x - (x - scale), yl = scale - yh;
  const a1 = hi * scale;
  const a2 = ((xh * yh - a1) + xh * yl + xl * yh) + xl * yl;
  const mApprox = a1 + (a2 + lo);
  let r = exp10 >= 0 ? mApprox * P : mApprox / P;
  // N as terms n1..n6: M itself, or each term of M times P (exact products) when exp10 > 0.
  let n1 = a1, n2 = 0, n3 = a2, n4 = 0, n5 = lo, n6 = 0, D = P;
  if (exp10 >= 0) {
    D = 1;
    x = P * SPLIT; yh = x - (x - P); yl = P - yh;
    n1 = a1 * P; x = a1 * SPLIT; xh = x - (x - a1); xl = a1 - xh;
    n2 = ((xh * yh - n1) + xh * yl + xl * yh) + xl * yl;
    n3 = a2 * P; x = a2 * SPLIT; xh = x - (x - a2); xl = a2 - xh;
    n4 = ((xh * yh - n3) + xh * yl + xl * yh) + xl * yl;
    n5 = lo * P; x = lo * SPLIT; xh = x - (x - lo); xl = lo - xh;
    n6 = ((xh * yh - n5) + xh * yl + xl * yh) + xl * yl;
  }
  const dh = D * SPLIT - (D * SPLIT - D), dl = D - dh;
  for (let step = 0; step < 5; step++) {
    // q1 + q2 = r * D exactly.
    const q1 = r * D;
    x = r * SPLIT; xh = x - (x - r); xl = r - xh;
    const q2 = ((xh * dh - q1) + xh * dl + xl * dh) + xl * dl;
    // R = n1 - q1 + n2 + n3 + n4 + n5 + n6 - q2, each addition checked exact by TwoSum.
    let sum = n1, t = -q1, z = sum + t, bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    sum = z; t = n2; z = sum + t; bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    sum = z; t = n3; z = sum + t; bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    sum = z; t = n4; z = sum + t; bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    sum = z; t = n5; z = sum + t; bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    sum = z; t = n6; z = sum + t; bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    sum = z; t = -q2; z = sum + t; bv = z - sum;
    if ((sum - (z - bv)) + (t - bv) !== 0) return false;
    const R = z;
    // Gaps to the neighbours of r (positive, normal): one ulp up; down too unless r is a power of two.
    bitsF[0] = r;
    const hiWord = bitsU[HI]!, loWord = bitsU[LO]!;
    bitsU[HI] = ((hiWord >>> 20) - 52) << 20; // 2^(exponent - 52): r's ulp (the exponent is at least 1000 here)
    bitsU[LO] = 0;
    const ulp = bitsF[0]!;
    const down = loWord === 0 && (hiWord & 0xfffff) === 0 ? ulp / 2 : ulp;
    const halfUp = D * ulp / 2, halfDown = D * down / 2;
    const odd = (loWord & 1) === 1;
    let v = -1;
    if (R < halfUp && -R < halfDown) v = r;
    else if (R === halfUp) v = odd ? r + ulp : r;
    else if (-R === halfDown) v = odd ? r - down : r;
    if (v > 0) {
      floatValue[0] = v;
      return true;
    }
    r = R > 0 ? r + ulp : r - down;
  }
  return false;
}
