import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadDataError } from '../model/errors.js';
import type { BinaryExpr, Expr } from './ast.js';
import { Engine } from './engine.js';
import { PromQLParseError } from './lexer.js';
import { parseExpr } from './parser.js';
import { MemoryStorage } from './testing/memory-storage.js';

/** A compact rendering of the tree's shape, for precedence checks. */
function shape(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral': return String(e.value);
    case 'VectorSelector': return e.name || '{}';
    case 'BinaryExpr': return `(${shape(e.lhs)} ${e.op} ${shape(e.rhs)})`;
    case 'UnaryExpr': return `(${e.op}${shape(e.expr)})`;
    case 'ParenExpr': return shape(e.expr);
    case 'AggregateExpr': return `${e.op}(${shape(e.expr)})`;
    case 'Call': return `${e.func.name}(${e.args.map(shape).join(', ')})`;
    case 'MatrixSelector': return `${shape(e.vs)}[${e.rangeMs}]`;
    case 'SubqueryExpr': return `${shape(e.expr)}[${e.rangeMs}:${e.stepMs}]`;
    case 'StringLiteral': return JSON.stringify(e.value);
  }
}

describe('parseExpr precedence', () => {
  it.each([
    ['a + b * c', '(a + (b * c))'],
    ['a * b + c', '((a * b) + c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a ^ b ^ c', '(a ^ (b ^ c))'],
    ['-a ^ b', '(-(a ^ b))'],
    ['-a * b', '((-a) * b)'],
    ['a or b and c', '(a or (b and c))'],
    ['a and b unless c', '((a and b) unless c)'],
    ['a > b + c', '(a > (b + c))'],
    ['a == b or c', '((a == b) or c)'],
    ['a AND b', '(a and b)'],
    ['a % b atan2 c', '((a % b) atan2 c)'],
    ['(a + b) * c', '((a + b) * c)'],
    ['- - 1', '1'],
    ['-(1)', '(-1)'],
  ])('%s', (src, want) => {
    expect(shape(parseExpr(src))).toBe(want);
  });
});

describe('parseExpr nodes', () => {
  it('puts the metric name matcher last and keeps label matchers in order', () => {
    const e = parseExpr('foo{b!="1", a=~"x.*"}');
    if (e.type !== 'VectorSelector') throw new Error('not a selector');
    expect(e.matchers.map((m) => m.toString())).toEqual(['b!="1"', 'a=~"x.*"', '__name__="foo"']);
  });

  it('attaches offset and @ to the selector inside a range', () => {
    const e = parseExpr('rate(foo[5m] offset -1h30m @ 12.5)');
    if (e.type !== 'Call' || e.args[0]!.type !== 'MatrixSelector') throw new Error('unexpected tree');
    const vs = e.args[0].vs;
    expect([e.args[0].rangeMs, vs.offset, vs.at]).toEqual([300_000, -5_400_000, { kind: 'time', t: 12_500 }]);
  });

  it('parses subqueries with and without a step', () => {
    expect(shape(parseExpr('max_over_time(rate(x[1m])[10m:30s])'))).toBe('max_over_time(rate(x[60000])[600000:30000])');
    expect(shape(parseExpr('x[10m:]'))).toBe('x[600000:0]');
  });

  it('accepts grouping before or after the arguments', () => {
    const a = parseExpr('sum by (job) (x)'), b = parseExpr('sum(x) by (job)');
    for (const e of [a, b]) {
      if (e.type !== 'AggregateExpr') throw new Error('not an aggregation');
      expect([e.grouping, e.without]).toEqual([['job'], false]);
    }
  });

  it('reads vector matching modifiers', () => {
    const e = parseExpr('a / ignoring(x) group_left(y, z) b') as BinaryExpr;
    expect(e.matching).toEqual({ card: 'many-to-one', on: false, labels: ['x'], include: ['y', 'z'] });
    const s = parseExpr('a and b') as BinaryExpr;
    expect(s.matching?.card).toBe('many-to-many');
    expect((parseExpr('a + 1') as BinaryExpr).matching).toBeNull();
  });

  it('allows keywords as label names', () => {
    expect(shape(parseExpr('sum by (on, bool) (x{offset="1"})'))).toBe('sum(x)');
  });
});

describe('parse errors', () => {
  it('are BadDataErrors with line and column', () => {
    let err: unknown;
    // Line 2 is 14 characters long; end of input is the column after it, as in Prometheus (`1 +` fails at 1:4).
    try { parseExpr('foo +\n  bar{a="b"} +'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PromQLParseError);
    expect(err).toBeInstanceOf(BadDataError);
    const pe = err as PromQLParseError;
    expect([pe.line, pe.column, pe.message]).toEqual([2, 15, '2:15: parse error: unexpected end of input']);
  });

  it('rejects an empty query', () => {
    expect(() => parseExpr('  ')).toThrow('1:1: parse error: no expression found in input');
  });
});

describe('arithmetic on literals', () => {
  // JavaScript gives + - * / the same precedence and left associativity as PromQL.
  const lit = fc.integer({ min: -50, max: 50 }).map((n) => (n < 0 ? `(${n})` : String(n)));
  const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
    e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, lit,
      fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
      tie('e').map((a) => `(${a})`)),
  })).e as fc.Arbitrary<string>;

  it('evaluates like JavaScript for + - * /', () => {
    const engine = new Engine();
    const storage = new MemoryStorage();
    fc.assert(fc.property(expr, (src) => {
      const want = Function(`"use strict"; return (${src});`)() as number;
      const got = engine.instantQuery(storage, src, 0);
      expect(got.type).toBe('scalar');
      if (got.type === 'scalar') expect(Object.is(got.v, want) || (Number.isNaN(got.v) && Number.isNaN(want))).toBe(true);
    }), { numRuns: 300 });
  });

  it('reads any finite float literal back exactly', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }), (x) => {
      const e = parseExpr(String(x));
      expect(e.type === 'NumberLiteral' && e.value).toBe(x);
    }));
  });
});
