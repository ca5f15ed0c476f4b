/** The typed arrays the engine keeps its columns in. */
export type TypedArray = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * A copy of `a` with `length` elements, of the same type: the first min(a.length, length) elements are `a`'s, the
 * rest zero. For columns that grow (callers double `length`, so a copy is amortized over the appends).
 */
export function resized<T extends TypedArray>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a.length <= length ? a : (a.subarray(0, length) as T));
  return b;
}
