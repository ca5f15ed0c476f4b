import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { translateRe2, Re2SyntaxError } from './re2.js';
import { compileAnchored, RegexSyntaxError } from './matcher.js';

const m = (pattern: string, s: string): boolean => compileAnchored(pattern).test(s);

// Expected results follow RE2's documented syntax (github.com/google/re2/wiki/Syntax) and Go's regexp/syntax.
describe('translateRe2: RE2 constructs JavaScript lacks', () => {
  it('POSIX classes inside brackets, plain and negated', () => {
    expect(m('[[:alpha:]]+-0', 'host-0')).toBe(true);
    expect(m('[[:alpha:]]+-0', 'h0st-0')).toBe(false);
    expect(m('host-[[:digit:]]', 'host-7')).toBe(true);
    expect(m('host-[[:digit:]]', 'host-x')).toBe(false);
    expect(m('[[:^alpha:]]', '1')).toBe(true);
    expect(m('[[:^alpha:]]', 'a')).toBe(false);
    expect(m('[[:upper:][:digit:]_]+', 'AB_9')).toBe(true);
    expect(m('[[:xdigit:]]+', 'c0ffeG')).toBe(false);
  });

  it('Unicode classes: \\pL, \\p{Greek}, \\PL, \\p{^Greek}', () => {
    expect(m('\\pL+', 'héllo')).toBe(true);
    expect(m('\\pL+', 'ab1')).toBe(false);
    expect(m('\\p{Greek}+', 'Ωμέγα')).toBe(true);
    expect(m('\\p{Greek}+', 'omega')).toBe(false);
    expect(m('\\PL', '1')).toBe(true);
    expect(m('\\PL', 'a')).toBe(false);
    expect(m('\\p{^Greek}', 'a')).toBe(true);
    expect(m('\\p{^Greek}', 'Ω')).toBe(false);
    expect(m('[\\pN_]+', '12_٣')).toBe(true);
    expect(() => compileAnchored('\\p{NoSuchScript}')).toThrow(RegexSyntaxError);
  });

  it('\\Q...\\E is literal text, \\A and \\z anchor the text', () => {
    expect(m('\\Qhost-0:9100\\E', 'host-0:9100')).toBe(true);
    expect(m('\\Qa.b*\\E', 'a.b*')).toBe(true);
    expect(m('\\Qa.b*\\E', 'axbb')).toBe(false);
    expect(m('x\\Q(', 'x(')).toBe(true); // unterminated \Q runs to the end
    expect(m('\\Ahost-0.*\\z', 'host-0:9100')).toBe(true);
    expect(m('a\\z\n?', 'a\n')).toBe(false); // \z is the very end, never before a final newline
  });

  it('. does not match a newline unless s is set, as in Prometheus 2', () => {
    expect(m('multi.line', 'multi\nline')).toBe(false);
    expect(m('multi\\nline', 'multi\nline')).toBe(true);
    expect(m('(?s)multi.line', 'multi\nline')).toBe(true);
    expect(m('(?s:multi.)line', 'multi\nline')).toBe(true);
    expect(m('(?s:x)multi.line', 'xmulti\nline')).toBe(false); // scope ends with the group
    expect(m('.*', 'a\nb')).toBe(false);
    expect(m('.', '😀')).toBe(true); // one code point, as Go's UTF-8 decoding
  });

  it('case-insensitive scopes: (?i), (?i:...), flag groups', () => {
    expect(m('(?i)HOST-[01].*', 'host-1:9100')).toBe(true);
    expect(m('(?i:HOST)-0', 'HoSt-0')).toBe(true);
    expect(m('(?i:a)b', 'AB')).toBe(false);
    expect(m('(?i)[a-c]x', 'Bx')).toBe(true);
    expect(m('(?i)[^a]', 'A')).toBe(false);
    expect(m('(?i)zÜRICH-.*', 'Zürich-1')).toBe(true);
    expect(m('(?i)école', 'ÉCOLE')).toBe(true);
    expect(m('(?is)a.b', 'A\nB')).toBe(true);
    expect(m('(?i)a(?-i)b', 'Ab')).toBe(true);
    expect(m('(?i)a(?-i)b', 'AB')).toBe(false);
    expect(m('(?i)\\x41', 'a')).toBe(true);
  });

  it('(?m) makes ^ and $ match at line boundaries', () => {
    expect(m('(?m)a$\n^b', 'a\nb')).toBe(true);
    expect(m('a$\n^b', 'a\nb')).toBe(false);
  });

  it('(?U) swaps greedy and lazy quantifiers', () => {
    const greedy = compileAnchored('(a+)(a*)').exec('aaa')!;
    expect([greedy[1], greedy[2]]).toEqual(['aaa', '']);
    const ungreedy = compileAnchored('(?U)(a+)(a*)').exec('aaa')!;
    expect([ungreedy[1], ungreedy[2]]).toEqual(['a', 'aa']);
    const swapped = compileAnchored('(?U)(a+?)(a*)').exec('aaa')!;
    expect([swapped[1], swapped[2]]).toEqual(['aaa', '']);
    expect(m('(?U)host-.+', 'host-0:9100')).toBe(true);
  });

  it('hex, octal and punctuation escapes', () => {
    expect(m('\\x68ost', 'host')).toBe(true);
    expect(m('\\x{10FFFF}', '\u{10FFFF}')).toBe(true);
    expect(m('\\x{1F600}+', '😀😀')).toBe(true);
    expect(m('\\101\\0', 'A\0')).toBe(true);
    expect(m('a\\-b\\:c\\/d\\ e\\#\\%', 'a-b:c/d e#%')).toBe(true);
    expect(m('[\\-\\:]+', '-:')).toBe(true);
    expect(m('\\s', '\v')).toBe(false); // RE2's \s is [\t\n\f\r ]
    expect(m('\\S', '\u00a0')).toBe(true);
  });

  it('braces that are not a repetition are literal; repetitions work', () => {
    expect(m('a{,2}', 'a{,2}')).toBe(true);
    expect(m('a{2}', 'aa')).toBe(true);
    expect(m('a{2,}', 'aaaa')).toBe(true);
    expect(m('a{2,3}', 'aaaa')).toBe(false);
    expect(m('x}]', 'x}]')).toBe(true);
    expect(() => compileAnchored('a{1001}')).toThrow(RegexSyntaxError);
  });

  it('named groups (?P<name>...) keep their names and numbering', () => {
    const r = compileAnchored('(?P<x>us)-(.*)').exec('us-east')!;
    expect(r.groups?.x).toBe('us');
    expect(r[2]).toBe('east');
    expect(compileAnchored('(?i:a)(b)').exec('Ab')![1]).toBe('b'); // flag groups do not capture
  });

  it('rejects what RE2 rejects', () => {
    for (const bad of [
      'host(?=-0).*', '(?!a)b', '(?<=a)b', '(?<!a)b', '(h)\\1.*', '(?<n>a)\\k<n>', 'a*+', 'a++', '(?>a)',
      '\\8', '(?#c)a', 'a**', '\\Ea', '(?i-)a', '(?)a', '*a', 'a)', '(a', '[a', '[z-a]', '\\',
    ]) {
      expect(() => compileAnchored(bad), bad).toThrow(RegexSyntaxError);
    }
    expect(() => translateRe2('(?=a)')).toThrow(Re2SyntaxError);
    const err = ((): unknown => { try { translateRe2('ab(?!c)'); } catch (e) { return e; } return null; })();
    expect(err).toBeInstanceOf(Re2SyntaxError);
    expect((err as Re2SyntaxError).pos).toBe(2);
  });
});

describe('translateRe2 agrees with the old compilation on plain patterns', () => {
  const atom = fc.constantFrom('a', 'b', 'c', '1', '.', '.*', '[ab]', '[^a]', '[a-c1]', '\\d', 'x?', 'b+');
  const branch = fc.array(atom, { minLength: 0, maxLength: 4 }).map((xs) => xs.join(''));
  const pattern = fc.array(branch, { minLength: 1, maxLength: 3 }).map((bs) => bs.join('|'));
  const subject = fc.array(fc.constantFrom('a', 'b', 'c', 'A', 'B', '1', 'x', '-'), { maxLength: 6 }).map((xs) => xs.join(''));

  it('matches the same newline-free strings, with and without a leading (?i)', () => {
    fc.assert(fc.property(pattern, subject, fc.boolean(), fc.boolean(), (p, s, grouped, caseless) => {
      const body = grouped ? `(${p})` : p;
      const pat = caseless ? `(?i)${body}` : body;
      // The old compilation: strip a leading (?i) into the i flag, s flag always on (no newlines in subjects).
      const old = new RegExp(`^(?:${body})$`, caseless ? 'si' : 's');
      expect(compileAnchored(pat).test(s)).toBe(old.test(s));
    }), { numRuns: 500 });
  });
});
