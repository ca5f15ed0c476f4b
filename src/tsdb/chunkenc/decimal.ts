/**
 * Finding the decimal scale of a run of float64 values: the smallest k such that every value is exactly
 * m / 10^k for an integer m (bit-exact, as the decoder computes it). Scrape values are usually printed decimals
 * (CPU seconds in 1/100 s, temperatures in 0.1 °C), so this turns most series into small integers.
 */

/** Largest scale tried; 10^k is exact in a float64 for k ≤ 22. */
export const MAX_DECIMAL_SCALE = 15;
/** Scaled integers are kept within ±2^50 so that deltas and their zigzagged residuals stay exact. */
export const DECIMAL_LIMIT = 2 ** 50;

export const POW10: Float64Array = (() => {
  const p = new Float64Array(MAX_DECIMAL_SCALE + 1);
  for (let i = 0; i <= MAX_DECIMAL_SCALE; i++) p[i] = 10 ** i;
  return p;
})();

/** True if `x` is exactly round(x·p)/p with the integer in range; rejects -0, NaN and ±Inf. */
function fits(x: number, p: number): boolean {
  const m = Math.round(x * p);
  return m / p === x && (m !== 0 || 1 / x > 0) && m <= DECIMAL_LIMIT && m >= -DECIMAL_LIMIT;
}

/**
 * Returns the smallest scale k (0..MAX_DECIMAL_SCALE) such that v[from..to) are all exactly ints[i] / 10^k, and
 * writes those integers to ints[0..to-from); returns -1 if there is none (then `ints` holds garbage).
 */
export function findDecimalScale(v: Float64Array, from: number, to: number, ints: Float64Array): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    while (!fits(x, POW10[k]!)) {
      if (++k > MAX_DECIMAL_SCALE) return -1;
    }
  }
  // Values accepted at a smaller k almost always fit the final one too; check, since rounding of x·10^k may differ.
  const p = POW10[k]!;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    const m = Math.round(x * p);
    if (!(m / p === x && (m !== 0 || 1 / x > 0) && m <= DECIMAL_LIMIT && m >= -DECIMAL_LIMIT)) return -1;
    ints[i - from] = m;
  }
  return k;
}
