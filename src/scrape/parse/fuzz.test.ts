import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Entry, ExpositionParser, ParseError, type ExpositionFormat } from './index.js';
import { collect } from './test-helpers.js';

// Bytes that matter to the grammars, so random bodies reach deep into them.
const PIECES = ['a', 'b_c', ':', '{', '}', '=', '"', '\\', ',', ' ', '\t', '\n', '\r', '#', '# ', '1', '.', 'e', '-',
  '+Inf', 'NaN', 'HELP ', 'TYPE ', 'UNIT ', 'EOF', 'counter', '_total', ' # {', 'é', '\x00', 'x="y"'];
const body = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((ps) => ps.join(''));
const enc = new TextEncoder();

function parseAll(b: Uint8Array, format: ExpositionFormat): number {
  const p = new ExpositionParser(b, format);
  let n = 0;
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Series) {
      p.labels();
      p.seriesKey();
      p.exemplar();
    }
    if (++n > b.length + 1) throw new Error('more entries than bytes: not advancing');
  }
  return n;
}

describe.each(['text', 'openmetrics'] as const)('%s parser on arbitrary input', (format) => {
  it('either parses or throws a ParseError positioned inside the body', () => {
    fc.assert(fc.property(body, (s) => {
      const b = enc.encode(s);
      try {
        parseAll(b, format);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
        const err = e as ParseError;
        const lines = s.split('\n').length;
        expect(err.line).toBeGreaterThanOrEqual(1);
        expect(err.line).toBeLessThanOrEqual(lines);
        expect(err.column).toBeGreaterThanOrEqual(1);
        expect(err.offset).toBeGreaterThanOrEqual(0);
        expect(err.offset).toBeLessThanOrEqual(b.length);
        expect(err.message.startsWith(`${err.line}:${err.column}: `)).toBe(true);
      }
    }), { numRuns: 2000 });
  });
});

describe('series keys', () => {
  it('are equal exactly when the name{labels} bytes are equal', () => {
    const lab = fc.constantFrom('a="1"', 'a="1",', 'a="2"', 'b="1"', 'a="\\n"', 'a="é"');
    const line = fc.tuple(fc.constantFrom('m', 'n'), fc.option(fc.array(lab, { minLength: 1, maxLength: 2 }), { nil: undefined }))
      .map(([n, ls]) => (ls ? `${n}{${ls.join(',').replace(/,,/g, ',')}}` : n))
      .filter((l) => !/,[,}]/.test(l) && !/a=.*a=|b=.*b=/.test(l));
    fc.assert(fc.property(line, line, (x, y) => {
      const p = new ExpositionParser(enc.encode(`${x} 1\n${y} 2\n`), 'text');
      p.next();
      const kx = p.seriesKey();
      p.next();
      expect(kx === p.seriesKey()).toBe(x === y);
    }), { numRuns: 500 });
  });
});

describe('a parser reset from body to body', () => {
  it('reads each body, in either format, as a new parser does, also after an error or an unfinished body', () => {
    const outcome = (f: () => unknown): unknown => {
      try {
        return f();
      } catch (e) {
        return e instanceof ParseError ? `error ${e.message} @${e.offset}` : e;
      }
    };
    const step = fc.tuple(body, fc.constantFrom<ExpositionFormat>('text', 'openmetrics'), fc.boolean());
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
      const p = new ExpositionParser(new Uint8Array(0), 'text');
      for (const [s, format, partial] of steps) {
        const b = enc.encode(s);
        if (partial) {
          // Stop after one entry: the next reset must not carry anything over.
          p.reset(b, format);
          outcome(() => p.next());
          continue;
        }
        expect(outcome(() => collect(b, format, undefined, p))).toEqual(outcome(() => collect(b, format)));
      }
    }), { numRuns: 1000 });
  });
});
