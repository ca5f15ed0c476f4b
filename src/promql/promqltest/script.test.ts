import { describe, expect, it } from 'vitest';
import { runScript } from './runner.js';
import { expandValues, parseScript, parseSeriesHead, ScriptError } from './script.js';

describe('series value expansion', () => {
  it.each([
    ['0+10x3', [0, 10, 20, 30]],
    ['-2+3x2', [-2, 1, 4]],
    ['5-1x2', [5, 4, 3]],
    ['1x2', [1, 1, 1]],
    ['_x2 7', [null, null, 7]],
    ['1 _ 3', [1, null, 3]],
    ['Inf -Inf', [Infinity, -Infinity]],
    ['1.5e1+0.5x1', [15, 15.5]],
  ])('%s', (src, want) => {
    expect(expandValues(src.split(' '))).toEqual(want);
  });

  it('marks stale markers apart from numbers', () => {
    expect(expandValues(['1', 'stale'])).toEqual([1, 'stale']);
  });

  it('loads stale markers with their exact NaN payload', () => {
    // If the payload were lost, the NaN would be an ordinary sample and the query would return it.
    const text = ['load 1m', '  m stale', '', 'eval instant at 1m m', ''].join('\n');
    expect(runScript(text, 'st.test')).toEqual([]);
    expect(runScript(['load 1m', '  m NaN', '', 'eval instant at 1m m', ''].join('\n'), 'nan.test')).toHaveLength(1);
  });

  it('rejects junk', () => {
    expect(() => expandValues(['1+x'])).toThrow('bad value');
  });
});

describe('series heads', () => {
  it('reads names, labels with escapes and the rest of the line', () => {
    const { labels, rest } = parseSeriesHead('m{b="x y}", a="q\\"z"} 1 2');
    expect(labels).toEqual([{ name: '__name__', value: 'm' }, { name: 'a', value: 'q"z' }, { name: 'b', value: 'x y}' }]);
    expect(rest).toBe('1 2');
  });
});

describe('scripts', () => {
  it('reports wrong expectations with file and line', () => {
    const text = ['load 1m', '  m 1 2 3', '', 'eval instant at 2m m', '  m 4', '', 'eval instant at 2m m', '  m 3', ''].join('\n');
    expect(runScript(text, 'x.test')).toEqual(['x.test:5: series {__name__="m"}: expected 4, got 3']);
  });

  it('reports an eval_fail that succeeds and a wrong error message', () => {
    const text = ['eval_fail instant at 0 1', '', 'eval_fail instant at 0 foo(', '  expected_fail_message nope', ''].join('\n');
    const f = runScript(text, 'y.test');
    expect(f).toHaveLength(2);
    expect(f[0]).toBe('y.test:1: expected query "1" to fail');
    expect(f[1]).toMatch(/^y\.test:3: expected error "nope", got "1:5: parse error: unclosed left parenthesis"$/);
  });

  it('checks ordering only for eval_ordered', () => {
    const load = ['load 1m', '  m{a="1"} 2', '  m{a="2"} 1', ''];
    const loose = [...load, 'eval instant at 0 sort(m)', '  m{a="1"} 2', '  m{a="2"} 1', ''].join('\n');
    const strict = [...load, 'eval_ordered instant at 0 sort(m)', '  m{a="1"} 2', '  m{a="2"} 1', ''].join('\n');
    expect(runScript(loose, 'l.test')).toEqual([]);
    expect(runScript(strict, 's.test')).toHaveLength(2);
  });

  it('compares range results step by step, including gaps', () => {
    const text = ['load 1m', '  m 1 _ _ _ _ _ _ 8', '', 'eval range from 0 to 7m step 1m m', '  m 1 1 1 1 1 1 _ 9', ''].join('\n');
    expect(runScript(text, 'r.test')).toEqual(['r.test:5: series {__name__="m"}: expected 1 1 1 1 1 1 _ 9, got 1 1 1 1 1 1 _ 8']);
  });

  it('fails on malformed commands with the line', () => {
    expect(() => parseScript('load 1m\n  m 1\nfrobnicate\n', 'z.test')).toThrow(ScriptError);
    expect(() => parseScript('load 1m\n  m 1\nfrobnicate\n', 'z.test')).toThrow('z.test:3: unknown command "frobnicate"');
  });
});
