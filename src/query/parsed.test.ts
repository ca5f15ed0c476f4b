import { describe, it, expect } from 'vitest';
import { parseExpr } from '../promql/index.js';
import { PARSED_CAPACITY, parseCached } from './parsed.js';

describe('parseCached', () => {
  it('gives the tree parseExpr gives, the same object for the same text', () => {
    const text = 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))';
    const a = parseCached(text);
    expect(a).toEqual(parseExpr(text));
    expect(parseCached(text)).toBe(a);
    expect(parseCached(text + ' ')).not.toBe(a);
  });

  it('throws the parse error for invalid text, every time', () => {
    expect(() => parseCached('sum(')).toThrow();
    expect(() => parseCached('sum(')).toThrow();
  });

  it('keeps the most recently used texts and drops the least recently used past its capacity', () => {
    const trees: unknown[] = [];
    for (let i = 0; i < PARSED_CAPACITY; i++) trees.push(parseCached(`h29_fill_${i}`)); // all older texts dropped
    expect(parseCached('h29_fill_0')).toBe(trees[0]); // used again: now the most recent, fill_1 the least
    parseCached('h29_one_more');
    expect(parseCached('h29_fill_0')).toBe(trees[0]);
    expect(parseCached('h29_fill_2')).toBe(trees[2]);
    expect(parseCached('h29_fill_1')).not.toBe(trees[1]); // the one dropped (parsing it again drops fill_3)
  });
});
