import { describe, it, expect } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order, at their due time, including timers they schedule', async () => {
    const c = new ManualClock(1000);
    const log: Array<[string, number]> = [];
    c.setTimeout(() => { log.push(['b', c.now()]); }, 20);
    c.setTimeout(async () => {
      log.push(['a', c.now()]);
      await Promise.resolve();
      c.setTimeout(() => { log.push(['a2', c.now()]); }, 5);
    }, 10);
    const h = c.setTimeout(() => { log.push(['cancelled', c.now()]); }, 15);
    h.cancel();
    c.setTimeout(() => { log.push(['late', c.now()]); }, 100);
    await c.advance(50);
    expect(log).toEqual([['a', 1010], ['a2', 1015], ['b', 1020]]);
    expect(c.now()).toBe(1050);
    expect(c.pending()).toBe(1);
    await c.advanceTo(1100);
    expect(log.at(-1)).toEqual(['late', 1100]);
  });
});

describe('systemClock', () => {
  it('runs a callback after the delay and honours cancel', async () => {
    const fired: string[] = [];
    systemClock.setTimeout(() => { fired.push('x'); }, 1).cancel();
    await new Promise<void>((resolve) => systemClock.setTimeout(() => { fired.push('y'); resolve(); }, 1));
    expect(fired).toEqual(['y']);
  });
});
