import { describe, expect, it } from 'vitest';
import { compareAnswers, hasData, parseSampleValue, valuesAgree, type ApiAnswer } from './compare.js';

const ok = (resultType: string, result: unknown): ApiAnswer => ({ httpStatus: 200, body: { status: 'success', data: { resultType, result } } });
const err = (httpStatus: number, errorType: string, error = 'x'): ApiAnswer => ({ httpStatus, body: { status: 'error', errorType, error } });
const vec = (...s: Array<[Record<string, string>, number, string]>) => ok('vector', s.map(([metric, t, v]) => ({ metric, value: [t, v] })));
const mat = (...s: Array<[Record<string, string>, Array<[number, string]>]>) => ok('matrix', s.map(([metric, values]) => ({ metric, values })));

describe('parseSampleValue / valuesAgree', () => {
  it('reads the API spellings of special floats and rejects other text', () => {
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('1e-7')).toBe(1e-7);
    expect(parseSampleValue('-0.5')).toBe(-0.5);
    expect(parseSampleValue('Infinity')).toBeUndefined();
    expect(parseSampleValue('')).toBeUndefined();
    expect(parseSampleValue(3)).toBeUndefined();
  });

  it('accepts 1e-9 relative difference, not more; NaN only equals NaN; infinities only themselves', () => {
    expect(valuesAgree('1000000', '1000000.0009')).toBe(true);
    expect(valuesAgree('1000000', '1000000.0011')).toBe(false);
    expect(valuesAgree('0', '1e-300')).toBe(false);
    expect(valuesAgree('0', '-0')).toBe(true);
    expect(valuesAgree('NaN', 'NaN')).toBe(true);
    expect(valuesAgree('NaN', '0')).toBe(false);
    expect(valuesAgree('+Inf', '+Inf')).toBe(true);
    expect(valuesAgree('+Inf', '-Inf')).toBe(false);
    expect(valuesAgree('+Inf', '1e308')).toBe(false);
  });
});

describe('compareAnswers', () => {
  it('accepts the same vector in another order unless the order is defined', () => {
    const a = vec([{ i: 'a' }, 5, '1'], [{ i: 'b' }, 5, '2']);
    const b = vec([{ i: 'b' }, 5, '2'], [{ i: 'a' }, 5, '1']);
    expect(compareAnswers(a, b)).toBeNull();
    expect(compareAnswers(a, b, { ordered: true })?.reason).toMatch(/order at position 0/);
  });

  it('accepts tied values in any order when the order is defined', () => {
    const a = vec([{ i: 'a' }, 5, '1'], [{ i: 'b' }, 5, '1'], [{ i: 'c' }, 5, '3']);
    const b = vec([{ i: 'b' }, 5, '1'], [{ i: 'a' }, 5, '1'], [{ i: 'c' }, 5, '3']);
    expect(compareAnswers(a, b, { ordered: true })).toBeNull();
  });

  it('names the missing and extra series, and the differing sample', () => {
    const p = vec([{ i: 'a' }, 5, '1'], [{ i: 'b' }, 5, '2']);
    const m = compareAnswers(p, vec([{ i: 'a' }, 5, '1'], [{ i: 'c' }, 5, '2']));
    expect(m?.reason).toMatch(/only in Prometheus \(first \{i="b"\}\).*only in vigil \(first \{i="c"\}\)/);
    expect(m?.firstDiff).toEqual({ prometheus: '{i="b"} => 2 @5', vigil: '{i="c"} => 2 @5' });
    expect(compareAnswers(p, vec([{ i: 'a' }, 5, '1'], [{ i: 'b' }, 5, '2.1']))?.reason).toBe('different sample for {i="b"}');
    expect(compareAnswers(p, vec([{ i: 'a' }, 5, '1'], [{ i: 'b' }, 6, '2']))?.reason).toBe('different sample for {i="b"}');
  });

  it('compares matrices point by point: timestamps exactly, counts, values', () => {
    const p = mat([{ i: 'a' }, [[1, '1'], [2, 'NaN'], [3, '+Inf']]]);
    expect(compareAnswers(p, mat([{ i: 'a' }, [[1, '1.0000000000001'], [2, 'NaN'], [3, '+Inf']]]))).toBeNull();
    expect(compareAnswers(p, mat([{ i: 'a' }, [[1, '1'], [2.001, 'NaN'], [3, '+Inf']]]))?.reason).toMatch(/different timestamp .* at point 1/);
    expect(compareAnswers(p, mat([{ i: 'a' }, [[1, '1'], [2, 'NaN']]]))?.reason).toMatch(/different point count .* at point 2 \(Prometheus 3 points, vigil 2\)/);
    expect(compareAnswers(p, mat([{ i: 'a' }, [[1, '1'], [2, '0'], [3, '+Inf']]]))?.reason).toMatch(/different value .* at point 1/);
  });

  it('requires the same resultType, scalar and string', () => {
    expect(compareAnswers(ok('scalar', [5, '1']), vec([{}, 5, '1']))?.reason).toBe('resultType: Prometheus scalar, vigil vector');
    expect(compareAnswers(ok('scalar', [5, '1']), ok('scalar', [5, '1']))).toBeNull();
    expect(compareAnswers(ok('scalar', [5, '1']), ok('scalar', [5, '2']))?.reason).toMatch(/different scalar/);
    expect(compareAnswers(ok('string', [5, 'a']), ok('string', [5, 'b']))?.reason).toMatch(/different string/);
  });

  it('compares errors by errorType and status, not message', () => {
    expect(compareAnswers(err(400, 'bad_data', 'one text'), err(400, 'bad_data', 'another'))).toBeNull();
    expect(compareAnswers(err(400, 'bad_data'), err(422, 'execution'))?.reason).toMatch(/^errorType: Prometheus bad_data/);
    expect(compareAnswers(err(422, 'execution'), vec())?.reason).toMatch(/vigil succeeded/);
    expect(compareAnswers(vec(), err(422, 'execution'))?.reason).toMatch(/Prometheus succeeded/);
  });

  it('reports malformed answers and duplicate label sets', () => {
    expect(compareAnswers(vec(), { httpStatus: 0, body: 'no answer: timeout' })?.reason).toMatch(/vigil answered malformed/);
    expect(compareAnswers(vec(), ok('vector', [{ metric: {}, value: [1, 2] }]))?.reason).toMatch(/malformed vector sample/);
    expect(compareAnswers(vec([{ i: 'a' }, 5, '1']), vec([{ i: 'a' }, 5, '1'], [{ i: 'a' }, 5, '1']))?.reason).toMatch(/twice/);
  });

  it('hasData: non-empty vectors and matrices, any scalar', () => {
    expect(hasData(vec())).toBe(false);
    expect(hasData(vec([{}, 1, '1']))).toBe(true);
    expect(hasData(ok('scalar', [1, '1']))).toBe(true);
    expect(hasData(err(400, 'bad_data'))).toBe(false);
  });
});

describe('failure text', () => {
  it('shows the points around where a long matrix series differs', () => {
    const pts = (n: number, bad: number): Array<[number, string]> => Array.from({ length: n }, (_, i) => [i, i === bad ? 'NaN' : String(i)]);
    const m = compareAnswers(mat([{ i: 'a' }, pts(20, -1)]), mat([{ i: 'a' }, pts(20, 15)]));
    expect(m?.reason).toMatch(/different value for \{i="a"\} at point 15/);
    expect(m?.firstDiff?.vigil).toBe('{i="a"} => [… 12 points, 12 @12, 13 @13, 14 @14, NaN @15, 16 @16, 17 @17, 18 @18, 19 @19]');
    expect(m?.firstDiff?.prometheus).toContain('15 @15');
  });
});
