import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectKth } from './intseq.js';

describe('selectKth', () => {
  it('returns what sorting would put at index k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        (xs, kk) => {
          const k = kk % xs.length;
          const sorted = [...xs].sort((a, b) => a - b);
          expect(selectKth(Float64Array.from(xs), xs.length, k)).toBe(sorted[k]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
