import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { ExecutionError } from '../model/errors.js';
import { Head } from '../tsdb/head/head.js';
import { prefetchHead } from './prefetch.js';
import { SnapshotSource } from './snapshot.js';

const RANGE = 2 * 3600_000;

function headWith(series: number, samples: number): Head {
  const head = new Head({ chunkRangeMs: RANGE });
  const app = head.appender();
  const refs = Array.from({ length: series }, (_, i) => app.ref(labelsFromObject({ __name__: i % 2 ? 'odd' : 'even', i: String(i) })));
  for (let k = 0; k < samples; k++) {
    for (let i = 0; i < series; i++) app.append(refs[i]!, k * 15_000, k * 1000 + i);
    app.commit();
  }
  return head;
}

const all = [new Matcher('=~', '__name__', '.+')];

describe('Head.readChunks / prefetchHead', () => {
  it('hands over completed and open chunks that decode to what the head selects', async () => {
    // 300 samples per series: two completed chunks of 120 and an open one of 60.
    const head = headWith(50, 300);
    for (const [mint, maxt] of [[0, Infinity], [1_000_000, 2_000_000], [4_000_000, 4_485_000]] as const) {
      const pre = await prefetchHead(head, [{ matchers: all, mint, maxt }]);
      const src = new SnapshotSource(pre.snapshot);
      const got = src.select(all, mint, maxt);
      const want = head.select(all, mint, maxt);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) {
        expect(got[i]!.labels).toEqual(want[i]!.labels);
        const g = got[i]!.samples(), w = want[i]!.samples();
        expect(g.length).toBe(w.length);
        expect(Array.from(g.t.subarray(0, g.length))).toEqual(Array.from(w.t.subarray(0, w.length)));
        expect(Array.from(g.v.subarray(0, g.length))).toEqual(Array.from(w.v.subarray(0, w.length)));
      }
      // Matchers are applied again on the worker's side.
      expect(src.select([new Matcher('=', '__name__', 'odd')], mint, maxt).length).toBe(25);
    }
    const whole = await prefetchHead(head, [{ matchers: all, mint: 0, maxt: Infinity }]);
    expect(whole.samples).toBe(50 * 300);
    expect(whole.series).toBe(50);
  });

  it('copies the open chunk, so later appends do not change a snapshot', async () => {
    const head = headWith(1, 10);
    const pre = await prefetchHead(head, [{ matchers: all, mint: 0, maxt: Infinity }]);
    const app = head.appender();
    app.append(head.lookup(labelsFromObject({ __name__: 'even', i: '0' })), 10 * 15_000, 42);
    app.commit();
    expect(new SnapshotSource(pre.snapshot).select(all, 0, Infinity)[0]!.samples().length).toBe(10);
  });

  it('skips series garbage-collected before their chunks were read', () => {
    const head = headWith(4, 3);
    const refs = head.matchingRefs(all, 0, Infinity);
    expect(refs.length).toBe(4);
    head.truncate(RANGE);
    const sink = { chunk: () => expect.unreachable('no chunk of a dropped series') };
    for (const ref of refs) expect(head.readChunks(ref, 0, Infinity, sink)).toBeNull();
    const symbolSink = { ...sink, seriesSymbols: () => expect.unreachable('no labels of a dropped series') };
    for (const ref of refs) expect(head.readSeries(ref, 0, Infinity, symbolSink)).toBe(false);
  });

  it('yields to the event loop while copying many series', async () => {
    const head = headWith(3000, 40);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    let ran = false;
    setImmediate(() => (ran = true));
    await prefetchHead(head, [{ matchers: all, mint: 0, maxt: Infinity }], { sliceMs: 0 });
    clearInterval(ticker);
    expect(ran).toBe(true);
    // 3000 series checked every 32: about 94 yields, each letting other callbacks run.
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops once the copied chunks exceed the sample budget', async () => {
    const head = headWith(100, 10);
    await expect(prefetchHead(head, [{ matchers: all, mint: 0, maxt: Infinity }], { maxSamples: 500 })).rejects.toBeInstanceOf(ExecutionError);
    const ok = await prefetchHead(head, [{ matchers: all, mint: 0, maxt: Infinity }], { maxSamples: 1000 });
    expect(ok.samples).toBe(1000);
  });
});
