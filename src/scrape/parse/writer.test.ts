import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../model/labels.js';
import { formatFromContentType, formatValue, SCRAPE_ACCEPT_HEADER, TextWriter } from './index.js';
import { collect } from './test-helpers.js';

describe('formatValue (Go strconv.FormatFloat(v, \'g\', -1, 64) as expfmt writes it)', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '0'], [1, '1'], [-1, '-1'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
    [1.5, '1.5'], [100000, '100000'], [123456.7, '123456.7'], [999999, '999999'], [1e6, '1e+06'],
    [1234567, '1.234567e+06'], [17179869184, '1.7179869184e+10'], [0.0001, '0.0001'], [0.00012, '0.00012'],
    [0.00001, '1e-05'], [-2.5e-7, '-2.5e-07'], [1e100, '1e+100'], [5e-324, '5e-324'], [0.1, '0.1'],
    [1.7976931348623157e308, '1.7976931348623157e+308'], [324789.3, '324789.3'], [-42, '-42'],
  ];
  it.each(cases)('%d → %s', (v, s) => expect(formatValue(v)).toBe(s));
  it('round-trips every finite double', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const back = Number(formatValue(v));
      expect(v === 0 ? back === 0 : Object.is(back, v)).toBe(true);
    }), { numRuns: 2000 });
  });
});

/** Identifiers: one of `first`, then up to 8 of `rest` (cheaper to build than fc.stringMatching). */
function ident(first: string, rest: string): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...first), fc.string({ unit: fc.constantFrom(...rest), maxLength: 8 })).map(([a, b]) => a + b);
}

describe('TextWriter', () => {
  it('writes HELP, TYPE and samples with escapes, as Prometheus does', () => {
    const w = new TextWriter();
    w.writeHelp('m', 'a \\ b\nc "q"');
    w.writeType('m', 'counter');
    w.writeType('i', 'info');
    w.writeSeries([{ name: '__name__', value: 'm' }, { name: 'a', value: 'x"y\\z\nw' }, { name: 'b', value: '' }], 3, 1700000000123);
    w.writeSeries([{ name: '__name__', value: 'up' }], NaN);
    expect(w.flush()).toBe(
      '# HELP m a \\\\ b\\nc "q"\n' +
      '# TYPE m counter\n' +
      '# TYPE i untyped\n' +
      'm{a="x\\"y\\\\z\\nw"} 3 1700000000123\n' +
      'up NaN\n',
    );
    expect(w.flush()).toBe('');
  });

  it('output parses back to the same labels, values and timestamps', () => {
    const labelValue = fc.string({ unit: 'binary', maxLength: 12 });
    const series = fc.record({
      name: ident('abcXYZ_:', 'abcXYZ_:09'),
      labels: fc.dictionary(ident('abcXYZ', 'abcXYZ_09'), labelValue, { maxKeys: 4 }),
      value: fc.double(),
      ts: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }),
    });
    fc.assert(fc.property(fc.array(series, { maxLength: 5 }), (all) => {
      const w = new TextWriter();
      const want: { labels: Record<string, string>; value: number; ts?: number }[] = [];
      for (const s of all) {
        const ls: Labels = [{ name: '__name__', value: s.name }, ...Object.entries(s.labels).map(([name, value]) => ({ name, value }))];
        w.writeSeries(ls, s.value, s.ts);
        const labels: Record<string, string> = { __name__: s.name };
        for (const [k, v] of Object.entries(s.labels)) if (v !== '') labels[k] = v;
        want.push(s.ts === undefined ? { labels, value: s.value } : { labels, value: s.value, ts: s.ts });
      }
      const got = collect(w.flush(), 'text').map((e) => {
        if (e.kind !== 'series') throw new Error(`unexpected ${e.kind}`);
        return e.ts === undefined ? { labels: e.labels, value: e.value } : { labels: e.labels, value: e.value, ts: e.ts };
      });
      // Plain comparisons inside the property keep 150 runs fast; one assertion reports the first mismatch.
      const same = got.length === want.length && got.every((g, i) => {
        const w = want[i]!;
        const sameValue = Number.isNaN(w.value) ? Number.isNaN(g.value) : g.value === w.value;
        const gk = Object.keys(g.labels), wk = Object.keys(w.labels);
        return sameValue && g.ts === w.ts && gk.length === wk.length && wk.every((k) => g.labels[k] === w.labels[k]);
      });
      if (!same) expect(got).toEqual(want);
    }), { numRuns: 150 });
  });
});

describe('content negotiation', () => {
  it('sends the Accept header of Prometheus 2.42', () => {
    expect(SCRAPE_ACCEPT_HEADER).toBe(
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
      'text/plain;version=0.0.4;q=0.5,*/*;q=0.1');
  });
  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['application/json', 'text'],
    ['', 'text'],
    [undefined, 'text'],
  ])('%j → %s', (ct, want) => expect(formatFromContentType(ct)).toBe(want));
});
