import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FloatStatus, floatValue, scanFloat } from './float.js';

const enc = new TextEncoder();
/** Status of the last `parse`. */
let last = FloatStatus.Ok;
/** The token's value, or NaN with `last` saying why it is not a float. */
function parse(s: string): number {
  const b = enc.encode(s);
  last = scanFloat(b, 0, b.length);
  return last === FloatStatus.Ok ? floatValue[0]! : NaN;
}
function status(s: string): FloatStatus {
  parse(s);
  return last;
}

describe('float tokens (Go ParseFloat as Prometheus restricts it)', () => {
  const accepted: [string, number][] = [
    ['0', 0], ['-0', -0], ['+0', 0], ['1', 1], ['-1', -1], ['+7', 7], ['007', 7], ['1.', 1], ['.5', 0.5],
    ['-.5', -0.5], ['1.5e3', 1500], ['1E3', 1000], ['1e+3', 1000], ['1e-3', 0.001], ['1.e2', 100],
    ['4.9351e-05', 4.9351e-5], ['7.424100000000001e-05', 7.424100000000001e-5], ['1.7560473e+07', 17560473],
    ['0.1', 0.1], ['0.3', 0.3], ['123456789012345678901234567890', 1.2345678901234568e29],
    ['1e-400', 0], ['2.2250738585072014e-308', 2.2250738585072014e-308], ['5e-324', 5e-324],
    ['1.7976931348623157e308', 1.7976931348623157e308], ['9007199254740993', 9007199254740992],
    ['Inf', Infinity], ['+Inf', Infinity], ['-Inf', -Infinity], ['inf', Infinity], ['INF', Infinity],
    ['infinity', Infinity], ['-Infinity', -Infinity], ['+iNfInItY', Infinity],
  ];
  it.each(accepted)('%s → %d', (s, want) => {
    expect(parse(s)).toBe(want);
    expect(last).toBe(FloatStatus.Ok);
  });

  it.each(['NaN', 'nan', 'NAN', 'nAn'])('%s is NaN', (s) => {
    expect(Number.isNaN(parse(s))).toBe(true);
    expect(last).toBe(FloatStatus.Ok);
  });

  const rejected: [string, FloatStatus][] = [
    ['', FloatStatus.Syntax], ['+', FloatStatus.Syntax], ['-', FloatStatus.Syntax], ['.', FloatStatus.Syntax],
    ['e3', FloatStatus.Syntax], ['1e', FloatStatus.Syntax], ['1e+', FloatStatus.Syntax], ['1..2', FloatStatus.Syntax],
    ['1.2.3', FloatStatus.Syntax], ['true', FloatStatus.Syntax], ['0x10', FloatStatus.Syntax],
    ['0b1', FloatStatus.Syntax], ['0o7', FloatStatus.Syntax], ['+NaN', FloatStatus.Syntax],
    ['-nan', FloatStatus.Syntax], ['infin', FloatStatus.Syntax], ['Infinityy', FloatStatus.Syntax],
    ['NaNx', FloatStatus.Syntax], [' 1', FloatStatus.Syntax], ['1 ', FloatStatus.Syntax], ['1\r', FloatStatus.Syntax],
    ['1,5', FloatStatus.Syntax], ['--1', FloatStatus.Syntax], ['1e5.5', FloatStatus.Syntax],
    ['1_000', FloatStatus.Unsupported], ['0x1p-3', FloatStatus.Unsupported], ['0x1P3', FloatStatus.Unsupported],
    ['1e400', FloatStatus.Range], ['-1e400', FloatStatus.Range], ['1.8e308', FloatStatus.Range],
  ];
  it.each(rejected)('%j is rejected (status %i)', (s, want) => {
    expect(status(s)).toBe(want);
  });

  it('agrees with Number() on every shortest decimal form of a double', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
      // String(-0) is "0": zero's sign is checked by the table above.
      const same = (x: number): boolean => (v === 0 ? x === 0 : Object.is(x, v));
      expect(same(parse(String(v)))).toBe(true);
      expect(same(parse(v.toExponential()))).toBe(true);
    }), { numRuns: 3000 });
  });

  it('agrees with Number() on random decimal spellings (fast path and fallback alike)', () => {
    const digits = fc.stringMatching(/^[0-9]{0,20}$/);
    const token = fc.tuple(fc.constantFrom('', '+', '-'), digits, fc.boolean(), digits,
      fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 330 }))))
      .map(([sign, int, dot, frac, exp]) => sign + int + (dot ? '.' + frac : '') + (exp ? exp[0] + exp[1] + exp[2] : ''))
      .filter((s) => /[0-9]/.test(s.split(/[eE]/)[0]!));
    fc.assert(fc.property(token, (s) => {
      const want = Number(s);
      const got = parse(s);
      if (!Number.isFinite(want)) expect(last).toBe(FloatStatus.Range);
      else expect(Object.is(got, want)).toBe(true);
    }), { numRuns: 5000 });
  });

  // 16 to 19 significant digits with a decimal exponent within ±22: read without Number(), by an exact residual
  // check (float.ts exactLong). Every case is compared bit for bit with Number(), Go's rounding.
  const longMantissa = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^[0-9]{15,18}$/)).map(([d, r]) => String(d) + r);

  it('reads 16–19 digit decimals with the point anywhere exactly as Number() does', () => {
    const token = fc.tuple(fc.constantFrom('', '-', '+'), longMantissa, fc.nat(19), fc.nat(6))
      .map(([sign, m, dot, zeros]) => {
        const at = Math.min(dot, m.length);
        return dot > m.length ? `${sign}0.${'0'.repeat(zeros)}${m}` : `${sign}${m.slice(0, at)}.${m.slice(at)}`;
      });
    fc.assert(fc.property(token, (s) => {
      expect(Object.is(parse(s), Number(s))).toBe(true);
    }), { numRuns: 20000 });
  });

  it('reads 16–19 digit mantissas with exponents from -30 to 30 exactly as Number() does', () => {
    const token = fc.tuple(longMantissa, fc.integer({ min: -30, max: 30 }), fc.constantFrom('e', 'E'))
      .map(([m, e, E]) => `${m[0]}.${m.slice(1)}${E}${e}`);
    fc.assert(fc.property(token, (s) => {
      expect(Object.is(parse(s), Number(s))).toBe(true);
    }), { numRuns: 20000 });
  });

  // The hard cases of correct rounding: decimals exactly halfway between two adjacent doubles (ties go to the even
  // one) and one unit of the last digit either side of such a point.
  it('rounds exact midpoints between doubles to even, and their neighbours to the nearer double', () => {
    const f = new Float64Array(1);
    const u = new BigUint64Array(f.buffer);
    const midpoint = fc.tuple(fc.integer({ min: 40, max: 62 }), fc.bigUintN(52)).map(([e, frac]) => {
      u[0] = (BigInt(e + 1023) << 52n) | frac; // a double in [2^e, 2^(e+1))
      const ulpExp = e - 52;
      // d + ulp/2 as an exact decimal: d * 2^j + 1 over 2^j (j = 1 - ulpExp), or d + 2^(ulpExp - 1) when integral.
      if (ulpExp >= 1) return (BigInt(f[0]!) + (1n << BigInt(ulpExp - 1))).toString();
      const j = 1 - ulpExp;
      const scaled = ((BigInt(f[0]! * 2 ** (j - 1)) * 2n + 1n) * 5n ** BigInt(j)).toString().padStart(j + 1, '0');
      return `${scaled.slice(0, scaled.length - j)}.${scaled.slice(scaled.length - j)}`;
    });
    let tested19 = 0;
    fc.assert(fc.property(midpoint, (mid) => {
      if (mid.replace('.', '').replace(/^0+/, '').length <= 19) tested19++;
      const last = mid.charCodeAt(mid.length - 1);
      for (const s of [mid, mid.slice(0, -1) + String.fromCharCode(last - 1), mid.slice(0, -1) + String.fromCharCode(last + 1)]) {
        if (!/^[0-9.]+$/.test(s)) continue;
        expect(Object.is(parse(s), Number(s))).toBe(true);
      }
    }), { numRuns: 20000 });
    expect(tested19).toBeGreaterThan(5000); // most of them on the exact path, not the Number() fallback
  });

  it('reports through scanFloat: status returned, value in floatValue[0]', () => {
    const b = enc.encode('x 0.46683009959573313 -1.5e3 1e400 1_0');
    expect(scanFloat(b, 2, 21)).toBe(FloatStatus.Ok);
    expect(floatValue[0]).toBe(0.46683009959573313);
    expect(scanFloat(b, 22, 28)).toBe(FloatStatus.Ok);
    expect(floatValue[0]).toBe(-1500);
    expect(scanFloat(b, 29, 34)).toBe(FloatStatus.Range);
    expect(scanFloat(b, 35, 38)).toBe(FloatStatus.Unsupported);
  });
});
