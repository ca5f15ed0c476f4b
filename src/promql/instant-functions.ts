/**
 * Element-wise functions over instant vectors: each maps one sample value (plus the call's scalar arguments) to a
 * new value, and the engine drops `__name__` from the result, as Prometheus does for all of them.
 */

export type ElementFunction = (v: number, scalars: number[]) => number;

// Transcendental functions use V8's libm; Go's differs in the last bit for some inputs (about 1 in 10 here).

function utc(v: number): Date {
  return new Date(Math.trunc(v) * 1000);
}

/** A calendar field of the value read as Unix seconds, in UTC; NaN for NaN or infinite values. */
function dateFn(get: (d: Date) => number): ElementFunction {
  return (v) => {
    if (!Number.isFinite(v)) return NaN;
    return get(utc(v));
  };
}

export const ELEMENT_FUNCTIONS: ReadonlyMap<string, ElementFunction> = new Map<string, ElementFunction>([
  ['abs', Math.abs],
  ['ceil', Math.ceil],
  ['floor', Math.floor],
  ['exp', Math.exp],
  ['sqrt', Math.sqrt],
  ['ln', Math.log],
  ['log2', Math.log2],
  ['log10', Math.log10],
  ['sgn', (v) => (v < 0 ? -1 : v > 0 ? 1 : v)],
  ['acos', Math.acos], ['acosh', Math.acosh], ['asin', Math.asin], ['asinh', Math.asinh],
  ['atan', Math.atan], ['atanh', Math.atanh], ['cos', Math.cos], ['cosh', Math.cosh],
  ['sin', Math.sin], ['sinh', Math.sinh], ['tan', Math.tan], ['tanh', Math.tanh],
  ['deg', (v) => (v * 180) / Math.PI],
  ['rad', (v) => (v * Math.PI) / 180],
  ['round', (v, s) => {
    const toNearestInverse = 1 / (s.length > 0 ? s[0]! : 1);
    return Math.floor(v * toNearestInverse + 0.5) / toNearestInverse;
  }],
  ['clamp_max', (v, s) => Math.min(v, s[0]!)],
  ['clamp_min', (v, s) => Math.max(v, s[0]!)],
  ['clamp', (v, s) => Math.max(s[0]!, Math.min(s[1]!, v))],
  ['day_of_month', dateFn((d) => d.getUTCDate())],
  ['day_of_week', dateFn((d) => d.getUTCDay())],
  ['day_of_year', dateFn((d) => {
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - start) / 86_400_000) + 1;
  })],
  ['days_in_month', dateFn((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate())],
  ['hour', dateFn((d) => d.getUTCHours())],
  ['minute', dateFn((d) => d.getUTCMinutes())],
  ['month', dateFn((d) => d.getUTCMonth() + 1)],
  ['year', dateFn((d) => d.getUTCFullYear())],
]);
