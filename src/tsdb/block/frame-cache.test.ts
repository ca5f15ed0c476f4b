import { describe, it, expect } from 'vitest';
import { FrameCache, type FrameEntry } from './frame-cache.js';

const buf = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('FrameCache', () => {
  it('evicts the oldest frame not read since, across blocks, to stay within its byte budget', () => {
    const c = new FrameCache(300);
    const a = new Map<number, FrameEntry>(), b = new Map<number, FrameEntry>();
    c.put(a, 0, buf(100, 1));
    c.put(b, 0, buf(100, 2));
    c.put(a, 1, buf(100, 3));
    expect(c.bytes).toBe(300);
    // Reading a's frame 0 gives it a second chance: b's frame 0 goes first.
    expect(c.get(a, 0)![0]).toBe(1);
    c.put(b, 1, buf(100, 4));
    expect(c.bytes).toBe(300);
    expect(c.get(b, 0)).toBeUndefined();
    expect(b.has(0)).toBe(false);
    expect(c.get(a, 0)![0]).toBe(1);
    expect(c.get(a, 1)![0]).toBe(3);
    expect(c.get(b, 1)![0]).toBe(4);
    // One big frame pushes out as many as it needs, read or not.
    c.put(b, 2, buf(250, 5));
    expect(c.bytes).toBe(250);
    expect([...a.keys(), ...b.keys()]).toEqual([2]);
  });

  it('does not cache a frame larger than the budget, and forgets a closing block', () => {
    const c = new FrameCache(100);
    const a = new Map<number, FrameEntry>(), b = new Map<number, FrameEntry>();
    c.put(a, 0, buf(101, 1));
    expect(c.get(a, 0)).toBeUndefined();
    expect(c.bytes).toBe(0);
    c.put(a, 1, buf(40, 1));
    c.put(b, 1, buf(40, 2));
    c.drop(a);
    expect(a.size).toBe(0);
    expect(c.bytes).toBe(40);
    c.put(b, 2, buf(60, 3));
    expect(c.get(b, 1)![0]).toBe(2);
    expect(c.get(b, 2)![0]).toBe(3);
  });

  it('shrinks to a new budget at once', () => {
    const c = new FrameCache(300);
    const a = new Map<number, FrameEntry>();
    for (let f = 0; f < 3; f++) c.put(a, f, buf(100, f));
    c.setBudget(150);
    expect(c.bytes).toBe(100);
    expect([...a.keys()]).toEqual([2]);
    c.put(a, 3, buf(100, 3));
    expect([...a.keys()]).toEqual([3]);
  });
});
