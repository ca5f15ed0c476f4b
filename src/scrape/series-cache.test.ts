import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeriesCache, hashBytes } from './series-cache.js';

const enc = new TextEncoder();

/** Puts `key` at a random-ish offset inside a larger body, as a scrape body holds it. */
function inBody(key: string, pad: number): { b: Uint8Array; s: number; e: number } {
  const k = enc.encode(key);
  const b = new Uint8Array(pad + k.length + 3);
  b.fill(0x23);
  b.set(k, pad);
  return { b, s: pad, e: pad + k.length };
}

describe('hashBytes', () => {
  it('is FNV-1a 32', () => {
    // Published FNV-1a 32-bit test vectors.
    const h = (s: string) => { const b = enc.encode(s); return hashBytes(b, 0, b.length); };
    expect(h('')).toBe(0x811c9dc5);
    expect(h('a')).toBe(0xe40c292c);
    expect(h('foobar')).toBe(0xbf9cf968);
  });
});

describe('SeriesCache', () => {
  it('finds inserted keys by bytes wherever they sit in a body, and forgets deleted ones', () => {
    const c = new SeriesCache(4);
    const a = inBody('up{job="a"}', 3), b = inBody('up{job="b"}', 17);
    expect(c.lookup(a.b, a.s, a.e, 0)).toBe(-1);
    const ia = c.insert(a.b, a.s, a.e, 0);
    const ib = c.insert(b.b, b.s, b.e, 1);
    c.ref[ia] = 11;
    c.ref[ib] = 22;
    const a2 = inBody('up{job="a"}', 40);
    expect(c.ref[c.lookup(a2.b, a2.s, a2.e, 5)]).toBe(11);
    expect(new TextDecoder().decode(c.key(ib))).toBe('up{job="b"}');
    c.delete(ia);
    expect(c.lookup(a2.b, a2.s, a2.e, 0)).toBe(-1);
    expect(c.ref[c.lookup(b.b, b.s, b.e, 0)]).toBe(22);
    expect(c.size).toBe(1);
  });

  it('does not trust the position hint: a different key at the same position is looked up by hash', () => {
    const c = new SeriesCache();
    const x = inBody('x', 0), y = inBody('y', 0);
    const ix = c.insert(x.b, x.s, x.e, 0);
    const iy = c.insert(y.b, y.s, y.e, 1);
    c.startScrape();
    // Same order as last time, then swapped.
    expect(c.lookup(x.b, x.s, x.e, 0)).toBe(ix);
    expect(c.lookup(y.b, y.s, y.e, 1)).toBe(iy);
    c.startScrape();
    expect(c.lookup(y.b, y.s, y.e, 0)).toBe(iy);
    expect(c.lookup(x.b, x.s, x.e, 1)).toBe(ix);
  });

  it('keeps 2000 keys apart through table growth and probing (many share table slots)', () => {
    const c = new SeriesCache(16);
    const keys: string[] = [];
    for (let i = 0; i < 2000; i++) keys.push(`m{i="${i}"}`);
    const idx = keys.map((k, n) => { const x = inBody(k, n % 7); return c.insert(x.b, x.s, x.e, n); });
    keys.forEach((k, n) => {
      const x = inBody(k, 1);
      expect(c.lookup(x.b, x.s, x.e, 3000 + n)).toBe(idx[n]);
    });
  });

  it('behaves like a Map under random inserts, lookups and deletes (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.string({ maxLength: 6 }) }),
      fc.record({ kind: fc.constant('del' as const), key: fc.string({ maxLength: 6 }) }),
      fc.record({ kind: fc.constant('scrape' as const), key: fc.constant('') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.nat(20), (ops, pad) => {
        const c = new SeriesCache(2);
        const model = new Map<string, number>();
        let pos = 0, next = 1;
        for (const o of ops) {
          if (o.kind === 'scrape') { c.startScrape(); pos = 0; continue; }
          const x = inBody(o.key, pad);
          const i = c.lookup(x.b, x.s, x.e, pos++);
          if (o.kind === 'put') {
            if (model.has(o.key)) expect(c.ref[i]).toBe(model.get(o.key));
            else {
              expect(i).toBe(-1);
              const j = c.insert(x.b, x.s, x.e, pos - 1);
              c.ref[j] = next;
              model.set(o.key, next++);
            }
          } else if (model.has(o.key)) {
            expect(c.ref[i]).toBe(model.get(o.key));
            c.delete(i);
            model.delete(o.key);
          } else expect(i).toBe(-1);
          expect(c.size).toBe(model.size);
        }
        let live = 0;
        for (let i = 0; i < c.end; i++) if (c.has(i)) live++;
        expect(live).toBe(model.size);
      }),
    );
  });
});
