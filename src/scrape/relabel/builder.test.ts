import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { labelsFromObject, type Labels } from '../../model/labels.js';
import { LabelsBuilder } from './builder.js';

/** The builder must behave exactly like a plain map that is sorted once at the end. */
describe('LabelsBuilder', () => {
  const name = fc.constantFrom('a', 'b', 'c', 'job', '__name__', 'zz', 'instance', 'le');
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), name, value: fc.constantFrom('', 'x', 'y', 'long value') }),
    fc.record({ kind: fc.constant('del' as const), name }),
  );

  it('matches a map-and-sort reference for any sequence of set/del (property)', () => {
    fc.assert(fc.property(fc.dictionary(name, fc.constantFrom('1', '2', '3')), fc.array(op, { maxLength: 20 }), (init, ops) => {
      const input: Labels = labelsFromObject(init);
      const ref = new Map(Object.entries(init).filter(([, v]) => v !== ''));
      const b = new LabelsBuilder().reset(input);
      for (const o of ops) {
        if (o.kind === 'set') {
          b.set(o.name, o.value);
          if (o.value === '') ref.delete(o.name); else ref.set(o.name, o.value);
        } else {
          b.del(o.name);
          ref.delete(o.name);
        }
        for (const n of ['a', 'job', 'zz']) expect(b.get(n)).toBe(ref.get(n) ?? '');
      }
      const want = [...ref.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([n, v]) => ({ name: n, value: v }));
      expect(b.labels()).toEqual(want);
    }), { numRuns: 500 });
  });

  it('returns the input array itself when nothing changed', () => {
    const input = labelsFromObject({ a: '1', b: '2' });
    const b = new LabelsBuilder().reset(input);
    b.set('a', '1');
    b.del('missing');
    expect(b.labels()).toBe(input);
  });
});
