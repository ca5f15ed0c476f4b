import { describe, expect, it } from 'vitest';
import { findDecimalScale } from './decimal.js';

function scaleOf(values: number[]): { k: number; ints: number[] } {
  const ints = new Float64Array(values.length);
  const k = findDecimalScale(Float64Array.from(values), 0, values.length, ints);
  return { k, ints: Array.from(ints) };
}

describe('findDecimalScale', () => {
  it('finds the smallest power of ten that makes every value an integer', () => {
    expect(scaleOf([1, 2, 300])).toEqual({ k: 0, ints: [1, 2, 300] });
    expect(scaleOf([782782.96, 782795.05, 0.1])).toEqual({ k: 2, ints: [78278296, 78279505, 10] });
    expect(scaleOf([45.3, -12.5, 0])).toEqual({ k: 1, ints: [453, -125, 0] });
    expect(scaleOf([0.001, 123.456])).toEqual({ k: 3, ints: [1, 123456] });
  });

  it('gives up on values that are not short decimals or would lose bits', () => {
    expect(scaleOf([1, 0.1 + 0.2]).k).toBe(-1); // 0.30000000000000004 needs 17 digits
    expect(scaleOf([1, -0]).k).toBe(-1);
    expect(scaleOf([NaN]).k).toBe(-1);
    expect(scaleOf([Infinity]).k).toBe(-1);
    expect(scaleOf([2 ** 51]).k).toBe(-1); // beyond ±2^50
    expect(scaleOf([1.6142624516131883]).k).toBe(-1);
  });

  it('considers only [from, to)', () => {
    const ints = new Float64Array(2);
    expect(findDecimalScale(Float64Array.of(NaN, 1.5, 2, 0.1 + 0.2), 1, 3, ints)).toBe(1);
    expect(Array.from(ints)).toEqual([15, 20]);
  });
});
