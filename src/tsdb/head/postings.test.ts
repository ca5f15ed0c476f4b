import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemPostings, intersect, subtract, union } from './postings.js';

const arr = (xs: number[]) => Int32Array.from(xs);

describe('posting list algebra', () => {
  it('intersects, subtracts and unions sorted lists like sets', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 200 })), fc.uniqueArray(fc.integer({ min: 1, max: 200 })), (a, b) => {
        a.sort((x, y) => x - y);
        b.sort((x, y) => x - y);
        const sb = new Set(b);
        expect([...intersect(arr(a), arr(b))]).toEqual(a.filter((x) => sb.has(x)));
        expect([...subtract(arr(a), arr(b))]).toEqual(a.filter((x) => !sb.has(x)));
        expect([...union([arr(a), arr(b)])]).toEqual([...new Set([...a, ...b])].sort((x, y) => x - y));
      }),
    );
  });
});

describe('MemPostings', () => {
  it('tracks adds (in any slot order) and removals against a model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom('a', 'b', 'c'), fc.boolean()), { maxLength: 150 }),
        (ops) => {
          const p = new MemPostings();
          const model = new Map<number, string>(); // slot -> value of label "k"
          for (const [slot, value, isAdd] of ops) {
            if (isAdd && !model.has(slot)) {
              p.add(slot, [{ name: 'k', value }]);
              model.set(slot, value);
            } else if (!isAdd && model.has(slot)) {
              const dead = new Uint8Array(61);
              dead[slot] = 1;
              p.remove(dead, [['k', model.get(slot)!]]);
              model.delete(slot);
            }
          }
          for (const v of ['a', 'b', 'c']) {
            const want = [...model].filter(([, x]) => x === v).map(([s]) => s).sort((x, y) => x - y);
            expect([...p.get('k', v)]).toEqual(want);
            expect(p.count('k', v)).toBe(want.length);
          }
          expect([...p.values('k')].sort()).toEqual([...new Set(model.values())].sort());
          expect([...p.all()]).toEqual([...model.keys()].sort((x, y) => x - y));
          expect([...p.names()]).toEqual(model.size > 0 ? ['k'] : []);
        },
      ),
    );
  });
});
