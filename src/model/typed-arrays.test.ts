import { describe, it, expect } from 'vitest';
import { resized } from './typed-arrays.js';

describe('resized', () => {
  it('keeps the type and the elements, zero beyond them', () => {
    const a = Uint16Array.of(1, 2, 65535);
    const b = resized(a, 5);
    expect(b).toBeInstanceOf(Uint16Array);
    expect([...b]).toEqual([1, 2, 65535, 0, 0]);
    expect(b).not.toBe(a);
    const f = resized(Float64Array.of(-0, NaN, 1.5), 4);
    expect(Object.is(f[0], -0)).toBe(true);
    expect(f[1]).toBeNaN();
    expect([...f.subarray(2)]).toEqual([1.5, 0]);
  });

  it('truncates to a shorter length', () => {
    expect([...resized(Int32Array.of(7, -8, 9), 2)]).toEqual([7, -8]);
  });
});
