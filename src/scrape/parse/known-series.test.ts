import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Entry, ExpositionParser } from './index.js';

const enc = new TextEncoder();

// Lines that share names and label sets in many spellings, so keys of one body often prefix lines of another.
const KEYS = ['a', 'a_b', 'a:b', 'a{x="y"}', 'a {x="y"}', 'a{x="y",}', 'a{x="y" }', 'a{x="y",z="w"}', 'a{x="y"z="w"}',
  'a{x="q\\"r"}', 'a{x="é"}', 'a{x=""}', 'a_b{x="y"}', 'a{x="multi\nline"}', 'a{}'];
const RESTS = [' 1', ' 2 1700000000000', '\t3', '  -4.5e3  ', ' NaN', ' +Inf 12', ' 1 ', '\t 0.25\t'];
// Continuations that make the line malformed, or a different series than the key alone.
const BAD_RESTS = [' x', ' 1 2 3', '', '{x="y"} 1', ' {x="y"} 2', 'b 5', '{ 1', ' 1 -2'];
const OTHER = ['# HELP a some help', '# TYPE a counter', '# TYPE a_b gauge', '# a comment', '', '   ', '  a 1', '\ta{x="y"} 2'];
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...RESTS)).map(([k, r]) => k + r) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...BAD_RESTS)).map(([k, r]) => k + r) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER) },
);

type Event = string;
const dv = (k: Uint8Array): DataView => new DataView(k.buffer, k.byteOffset, k.byteLength);
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** Every entry of `b` as a comparable string (Series with key, labels, value bits and timestamp), then the error. */
/** Keys back to back (with a junk byte before each) in one arena, as the scrape cache keeps them. */
interface Arena {
  bytes: Uint8Array;
  view: DataView;
  off: number[];
  len: number[];
}

function arenaOf(keys: Uint8Array[]): Arena {
  const bytes = new Uint8Array(keys.reduce((n, k) => n + k.length + 1, 0));
  const a: Arena = { bytes, view: new DataView(bytes.buffer), off: [], len: [] };
  let p = 0;
  for (const k of keys) {
    bytes[p++] = 0x7b;
    bytes.set(k, p);
    a.off.push(p);
    a.len.push(k.length);
    p += k.length;
  }
  return a;
}

/** `b` copied into the middle of a larger buffer, as a fetched body is a view of the loop's body buffer. */
function inTheMiddle(b: Uint8Array): Uint8Array {
  const big = new Uint8Array(b.length + 8);
  big.set(b, 3);
  return big.subarray(3, 3 + b.length);
}

function events(b: Uint8Array, keys: Arena | null, keyAt: (n: number) => number, tryAll = false, reuse?: ExpositionParser): { out: Event[]; hits: number } {
  const p = reuse ?? new ExpositionParser(b, 'text');
  reuse?.reset(b, 'text');
  const out: Event[] = [];
  let hits = 0, series = 0;
  try {
    for (;;) {
      let e: Entry;
      const k = keys === null ? -1 : keyAt(series);
      let hit = k >= 0 && keys !== null && p.nextKnownSeries(keys.bytes, keys.view, keys.off[k]!, keys.len[k]!);
      // Offering every key in turn: each declined offer must leave the parser where it was.
      if (tryAll && keys !== null) {
        for (let j = 0; j < keys.off.length && !hit; j++) hit = p.nextKnownSeries(keys.bytes, keys.view, keys.off[j]!, keys.len[j]!);
      }
      if (hit) {
        e = Entry.Series;
        hits++;
      } else {
        e = p.next();
      }
      if (e === Entry.EOF) break;
      if (e === Entry.Series) {
        series++;
        // Through a typed array store: an array literal would canonicalize NaN bits.
        F64[0] = p.value();
        out.push(`S ${JSON.stringify(p.seriesKey())} ${p.metricName()} ${JSON.stringify(p.labels())} ${U32[0]}:${U32[1]} ${p.timestamp()}`);
      } else if (e === Entry.Type || e === Entry.Help) {
        out.push(`${e} ${p.family()}`);
      } else {
        out.push(String(e));
      }
    }
  } catch (err) {
    out.push(`error ${(err as Error).message}`);
  }
  return { out, hits };
}

/** Series keys of `b` (the raw bytes a Series entry spanned), in order, up to the first error. */
function keysOf(b: Uint8Array): Uint8Array[] {
  const p = new ExpositionParser(b, 'text');
  const keys: Uint8Array[] = [];
  try {
    for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
      if (e === Entry.Series) keys.push(b.slice(p.seriesKeyStart(), p.seriesKeyEnd()));
    }
  } catch {
    // keys up to the error
  }
  return keys;
}

describe('ExpositionParser.nextKnownSeries', () => {
  it('reads every body exactly as next() does, whichever earlier key is offered', () => {
    let totalHits = 0;
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.array(fc.oneof(fc.nat({ max: 11 }).map((i) => ({ old: i })), line.map((l) => ({ l }))), { maxLength: 14 }),
        fc.array(fc.integer({ min: -1, max: 12 }), { maxLength: 14 }),
        fc.boolean(),
        (first, picks, offers, finalBreak) => {
          const body1 = enc.encode(first.join('\n') + '\n');
          const lines2 = picks.map((x) => ('old' in x ? first[x.old] ?? '' : x.l));
          const body2 = inTheMiddle(enc.encode(lines2.join('\n') + (finalBreak ? '\n' : '')));
          // Keys with a line break are never offered (the cache keeps them off the fast path).
          const keys = arenaOf(keysOf(body1).filter((k) => !k.includes(10)));
          const nKeys = keys.off.length;
          const plain = events(body2, null, () => -1);
          // Offer the key at the same position (what the scrape cache does) or an arbitrary one.
          const byPos = events(body2, keys, (n) => (n < nKeys ? n : -1));
          const arbitrary = events(body2, keys, (n) => {
            const o = offers[n] ?? -1;
            return o < nKeys ? o : -1;
          });
          const all = events(body2, keys, () => -1, true);
          expect(byPos.out).toEqual(plain.out);
          expect(arbitrary.out).toEqual(plain.out);
          expect(all.out).toEqual(plain.out);
          totalHits += all.hits;
        },
      ),
      { numRuns: 3000 },
    );
    // The property is only worth something if the fast path was actually taken often.
    expect(totalHits).toBeGreaterThan(1000);
  });

  it('declines a key that is only a prefix of the line’s series, or a line that does not start with it', () => {
    const key = enc.encode('a{x="y"}');
    const cases: [string, boolean][] = [
      ['a{x="y"} 1\n', true],
      ['a{x="y"}\t1\n', true],
      ['a{x="y"} {z="w"} 1\n', false],
      ['a{x="y"}{ 1\n', false],
      [' a{x="y"} 1\n', false],
      ['# a{x="y"} 1\n', false],
      ['a{x="y",z="w"} 1\n', false],
      ['a{x="y"}', false],
    ];
    const next = (p: ExpositionParser): string => {
      try {
        return `${p.next()} ${p.seriesKeyStart()}`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    for (const [body, hit] of cases) {
      const p = new ExpositionParser(enc.encode(body), 'text');
      expect(p.nextKnownSeries(key, dv(key), 0, key.length), body).toBe(hit);
      // A declined offer consumed nothing: the next entry (or error) is the one a fresh parser sees.
      if (!hit) expect(next(p), body).toBe(next(new ExpositionParser(enc.encode(body), 'text')));
    }
    const bare = enc.encode('a');
    expect(new ExpositionParser(enc.encode('a {x="y"} 1\n'), 'text').nextKnownSeries(bare, dv(bare), 0, 1)).toBe(false);
    expect(new ExpositionParser(enc.encode('a_b 1\n'), 'text').nextKnownSeries(bare, dv(bare), 0, 1)).toBe(false);
    expect(new ExpositionParser(enc.encode('a{x="y"} 1\n'), 'openmetrics').nextKnownSeries(key, dv(key), 0, key.length)).toBe(false);
  });

  it('reads value, timestamp and lazily the labels of a hit, with line numbers kept for later errors', () => {
    const key = enc.encode('m{b="2",a="1"}');
    const p = new ExpositionParser(enc.encode('m{b="2",a="1"} 7.5 1234\nm{b="2",a="1"} oops\n'), 'text');
    expect(p.nextKnownSeries(key, dv(key), 0, key.length)).toBe(true);
    expect(p.value()).toBe(7.5);
    expect(p.timestamp()).toBe(1234);
    expect(p.labels()).toEqual([{ name: '__name__', value: 'm' }, { name: 'a', value: '1' }, { name: 'b', value: '2' }]);
    expect(p.metricName()).toBe('m');
    expect(() => p.nextKnownSeries(key, dv(key), 0, key.length)).toThrow(/^2:16: invalid value "oops"/);
  });

  it('reads bodies one after another in one reused buffer with one reset parser as fresh parsers do', () => {
    // A scrape loop's case: every body is written at the start of the same buffer and parsed by the same parser,
    // after a body that may have been longer or shorter, or have ended in an error.
    const buf = new Uint8Array(4096);
    let totalHits = 0;
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.array(fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: line }), { maxLength: 12 }),
          { minLength: 2, maxLength: 5 }),
        (base, picks) => {
        const p = new ExpositionParser(new Uint8Array(0), 'text');
        let keys: Arena | null = null;
        for (const pick of picks) {
          // Mostly the base's line at the same position (the same series again), some other lines.
          const lines = pick.map((x, i) => x ?? base[i] ?? '');
          const src = enc.encode(lines.join('\n') + '\n');
          buf.set(src);
          const b = buf.subarray(0, src.length);
          const nKeys = keys === null ? 0 : keys.off.length;
          const reused = events(b, keys, (n) => (n < nKeys ? n : -1), false, p);
          expect(reused.out).toEqual(events(src, null, () => -1).out);
          totalHits += reused.hits;
          keys = arenaOf(keysOf(src).filter((k) => !k.includes(10)));
        }
        },
      ),
      { numRuns: 1000 },
    );
    expect(totalHits).toBeGreaterThan(300);
  });
});
