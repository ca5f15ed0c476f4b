import { describe, expect, it } from 'vitest';
import client from 'prom-client';
import fc from 'fast-check';
import { getLabel, labelsFromObject, type Labels } from '../../model/labels.js';
import { Matcher, type MatchType } from '../../model/matcher.js';
import { STALE_NAN, isStaleNaN } from '../../model/sample.js';
import { AppendStatus } from '../types.js';
import { RecordType, decodeSamplesRecord, decodeSeriesRecord, recordType } from '../records.js';
import { Head, SLOT_SPACE, type BatchLog } from './head.js';

const H = 3600_000;
const L = (o: Record<string, string>): Labels => labelsFromObject(o);

class CapturingLog implements BatchLog {
  batches: Uint8Array[][] = [];
  logBatch(records: Uint8Array[]): void {
    this.batches.push(records.map((r) => r.slice()));
  }
}

function newHead(opts: { log?: BatchLog; hashFn?: (l: Labels) => number } = {}): Head {
  return new Head({ chunkRangeMs: 2 * H, log: opts.log ?? null, hashFn: opts.hashFn });
}

function samplesOf(head: Head, labels: Labels, mint = -Infinity, maxt = Infinity): [number, number][] {
  const m = labels.map((l) => new Matcher('=', l.name, l.value));
  const res = head.select(m, mint, maxt).filter((s) => s.labels.length === labels.length);
  if (res.length === 0) return [];
  const b = res[0]!.samples();
  const out: [number, number][] = [];
  for (let i = 0; i < b.length; i++) out.push([b.t[i]!, b.v[i]!]);
  return out;
}

async function counterValue(name: string): Promise<number> {
  const m = client.register.getSingleMetric(name);
  if (!m) return 0;
  const v = await m.get();
  return v.values.reduce((a, x) => a + x.value, 0);
}

describe('head series identity', () => {
  it('returns the same ref for the same labels and distinct refs otherwise', () => {
    const head = newHead();
    const a = head.getOrCreate(L({ __name__: 'up', job: 'a' }));
    const b = head.getOrCreate(L({ __name__: 'up', job: 'b' }));
    expect(a).not.toBe(b);
    expect(head.getOrCreate(L({ job: 'a', __name__: 'up' }))).toBe(a);
    expect(head.lookup(L({ __name__: 'up', job: 'a' }))).toBe(a);
    expect(head.lookup(L({ __name__: 'up', job: 'c' }))).toBe(0);
    expect(head.seriesCount).toBe(2);
    expect(head.labelsOf(head.slotOf(b))).toEqual(L({ __name__: 'up', job: 'b' }));
  });

  it('keeps colliding label sets apart when every hash is equal', () => {
    const head = newHead({ hashFn: () => 42 });
    const sets = Array.from({ length: 50 }, (_, i) => L({ __name__: 'm', i: String(i) }));
    const refs = sets.map((s) => head.getOrCreate(s));
    expect(new Set(refs).size).toBe(50);
    sets.forEach((s, i) => expect(head.getOrCreate(s)).toBe(refs[i]));
    const app = head.appender();
    refs.forEach((r, i) => expect(app.append(r, 1000, i)).toBe(AppendStatus.OK));
    app.commit();
    sets.forEach((s, i) => expect(samplesOf(head, s)).toEqual([[1000, i]]));
    // Garbage-collect the even ones (no samples after the truncation point); odd ones stay findable.
    const app2 = head.appender();
    refs.forEach((r, i) => {
      if (i % 2 === 1) expect(app2.append(r, 3 * H, i + 100)).toBe(AppendStatus.OK);
    });
    app2.commit();
    expect(head.truncate(2 * H).removedSeries).toBe(25);
    sets.forEach((s, i) => {
      if (i % 2 === 1) expect(head.lookup(s)).toBe(refs[i]);
      else expect(head.lookup(s)).toBe(0);
    });
  });

  it('hands out a new ref for a reused slot and refuses the stale one', () => {
    const head = newHead();
    const app = head.appender();
    const old = app.ref(L({ __name__: 'gone' }));
    app.append(old, 1000, 1);
    app.commit();
    head.truncate(2 * H);
    expect(head.slotOf(old)).toBe(-1);
    const fresh = head.getOrCreate(L({ __name__: 'new' }));
    expect(fresh % SLOT_SPACE).toBe(old % SLOT_SPACE);
    expect(fresh).not.toBe(old);
    expect(head.appender().append(old, 3 * H, 1)).toBe(-1);
  });
});

describe('head postings and matchers', () => {
  const series = ([
    { __name__: 'up', job: 'a', instance: '1' },
    { __name__: 'up', job: 'b', instance: '2' },
    { __name__: 'up', instance: '3' },
    { __name__: 'cpu_seconds_total', job: 'a', mode: 'idle' },
    { __name__: 'cpu_seconds_total', job: 'ab', mode: 'user' },
  ] as Record<string, string>[]).map(L);
  const head = newHead();
  const app = head.appender();
  for (const s of series) app.append(app.ref(s), 1000, 1);
  app.commit();

  // Sorted as strings: these tests are about which series match; order is checked separately.
  const names = (ms: Matcher[]): string[] =>
    head
      .select(ms, 0, 2000)
      .map((s) => `${getLabel(s.labels, '__name__')}/${getLabel(s.labels, 'job')}/${getLabel(s.labels, 'instance') || getLabel(s.labels, 'mode')}`)
      .sort();

  it('returns series sorted by label set', () => {
    const got = head.select([new Matcher('=~', '__name__', '.+')], 0, 2000).map((s) => s.labels);
    // compareLabels order: __name__ first, then the next label name/value pair decides.
    expect(got).toEqual([series[3], series[4], series[0], series[1], series[2]]);
  });

  it('resolves =, !=, =~, !~ including label-absent semantics', () => {
    expect(names([new Matcher('=', 'job', 'a')])).toEqual(['cpu_seconds_total/a/idle', 'up/a/1']);
    expect(names([new Matcher('=', '__name__', 'up'), new Matcher('!=', 'job', 'a')])).toEqual(['up//3', 'up/b/2']);
    expect(names([new Matcher('=~', 'job', 'a|b')])).toEqual(['cpu_seconds_total/a/idle', 'up/a/1', 'up/b/2']);
    expect(names([new Matcher('=', '__name__', 'up'), new Matcher('=~', 'job', 'a|')])).toEqual(['up//3', 'up/a/1']);
    expect(names([new Matcher('=', '__name__', 'up'), new Matcher('!~', 'job', 'a.*')])).toEqual(['up//3', 'up/b/2']);
    expect(names([new Matcher('=', 'job', '')])).toEqual(['up//3']);
    expect(names([new Matcher('!=', 'job', '')])).toHaveLength(4);
    expect(names([new Matcher('=', 'nope', 'x')])).toEqual([]);
  });

  it('matches __name__ by regex and starts all-negative sets from every series', () => {
    expect(names([new Matcher('=~', '__name__', 'cpu.*')])).toEqual(['cpu_seconds_total/a/idle', 'cpu_seconds_total/ab/user']);
    expect(names([new Matcher('=~', '__name__', 'up|cpu_seconds_total')])).toHaveLength(5);
    expect(names([new Matcher('!=', '__name__', 'up')])).toEqual(['cpu_seconds_total/a/idle', 'cpu_seconds_total/ab/user']);
    expect(names([new Matcher('!~', 'job', 'a')])).toEqual(['cpu_seconds_total/ab/user', 'up//3', 'up/b/2']);
  });

  it('serves label names and values', () => {
    expect(head.labelNames([], 0, 2000)).toEqual(['__name__', 'instance', 'job', 'mode']);
    expect(head.labelValues('job', [], 0, 2000)).toEqual(['a', 'ab', 'b']);
    expect(head.labelValues('job', [new Matcher('=', '__name__', 'up')], 0, 2000)).toEqual(['a', 'b']);
    expect(head.labelNames([new Matcher('=', '__name__', 'up')], 0, 2000)).toEqual(['__name__', 'instance', 'job']);
    expect(head.labelNames([], 5000, 6000)).toEqual([]);
  });

  it('reports cardinality top lists', () => {
    const c = head.cardinality(2);
    expect(c.seriesCountByMetricName).toEqual([{ name: 'up', value: 3 }, { name: 'cpu_seconds_total', value: 2 }]);
    // __name__ has 2 values, instance 3, job 3 (a, ab, b), mode 2: ties broken by name.
    expect(c.labelValueCountByLabelName).toEqual([{ name: 'instance', value: 3 }, { name: 'job', value: 3 }]);
    expect(c.seriesCountByLabelValuePair).toEqual([{ name: '__name__=up', value: 3 }, { name: '__name__=cpu_seconds_total', value: 2 }]);
    // Bytes of values times series: 'cpu_seconds_total' (17) × 2 + 'up' (2) × 3 = 40.
    expect(c.memoryInBytesByLabelName[0]).toEqual({ name: '__name__', value: 40 });
  });

  it('agrees with a brute-force filter on random series and matchers', () => {
    const values = ['', 'a', 'b', 'ab', 'c'];
    const labelArb = fc.record({ x: fc.constantFrom(...values), y: fc.constantFrom(...values), z: fc.constantFrom(...values) });
    const matcherArb = fc.record({
      type: fc.constantFrom<MatchType>('=', '!=', '=~', '!~'),
      name: fc.constantFrom('x', 'y', 'z', 'w'),
      value: fc.constantFrom('', 'a', 'b', 'a|b', 'a.*', '.*', '.+', 'a|'),
    });
    fc.assert(
      fc.property(fc.array(labelArb, { minLength: 1, maxLength: 30 }), fc.array(matcherArb, { minLength: 1, maxLength: 3 }), (objs, ms) => {
        const h = newHead();
        const a = h.appender();
        const sets = new Map<string, Labels>();
        objs.forEach((o, i) => {
          const ls = L({ ...o, id: String(i) });
          sets.set(String(i), ls);
          a.append(a.ref(ls), 1000, i);
        });
        a.commit();
        const matchers = ms.map((m) => new Matcher(m.type, m.name, m.value));
        const want = [...sets.values()].filter((ls) => matchers.every((m) => m.matches(getLabel(ls, m.name)))).map((ls) => getLabel(ls, 'id')).sort();
        const got = h.select(matchers, 0, 2000).map((s) => getLabel(s.labels, 'id')).sort();
        expect(got).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});

describe('head appender', () => {
  it('counts and rejects out-of-order, duplicate and out-of-bounds samples, accepts exact repeats', async () => {
    const head = newHead();
    const ooo0 = await counterValue('vigil_tsdb_out_of_order_samples_total');
    const dup0 = await counterValue('vigil_tsdb_duplicate_samples_total');
    const oob0 = await counterValue('vigil_tsdb_out_of_bounds_samples_total');
    const ls = L({ __name__: 'm' });
    const app = head.appender();
    const r = app.ref(ls);
    expect(app.append(r, 10 * H, 1)).toBe(AppendStatus.OK);
    expect(app.append(r, 10 * H - 1, 2)).toBe(AppendStatus.OutOfOrder); // within the batch
    expect(app.append(r, 10 * H, 2)).toBe(AppendStatus.DuplicateTimestamp);
    expect(app.append(r, 10 * H, 1)).toBe(AppendStatus.OK); // same t, same value
    app.commit();
    const app2 = head.appender();
    expect(app2.append(r, 10 * H - 1000, 5)).toBe(AppendStatus.OutOfOrder);
    expect(app2.append(r, 10 * H, 3)).toBe(AppendStatus.DuplicateTimestamp);
    expect(app2.append(r, 10 * H, 1)).toBe(AppendStatus.OK);
    // More than half a block range behind the newest sample: out of bounds, as Prometheus.
    const other = app2.ref(L({ __name__: 'other' }));
    expect(app2.append(other, 10 * H - 1.5 * H, 1)).toBe(AppendStatus.OutOfBounds);
    expect(app2.append(other, 10 * H - 0.5 * H, 1)).toBe(AppendStatus.OK);
    app2.commit();
    head.minValidTime = 12 * H;
    expect(head.appender().append(r, 11 * H, 1)).toBe(AppendStatus.OutOfBounds);
    expect(samplesOf(head, ls)).toEqual([[10 * H, 1]]);
    expect(await counterValue('vigil_tsdb_out_of_order_samples_total')).toBe(ooo0 + 2);
    expect(await counterValue('vigil_tsdb_duplicate_samples_total')).toBe(dup0 + 2);
    expect(await counterValue('vigil_tsdb_out_of_bounds_samples_total')).toBe(oob0 + 2);
  });

  it('re-checks at commit against batches committed meanwhile', () => {
    const head = newHead();
    const ls = L({ __name__: 'm' });
    const a = head.appender(), b = head.appender();
    const r = a.ref(ls);
    expect(a.append(r, 2000, 1)).toBe(AppendStatus.OK);
    expect(b.append(r, 3000, 1)).toBe(AppendStatus.OK);
    b.commit();
    a.commit(); // 2000 is now out of order: dropped, not reordered
    expect(samplesOf(head, ls)).toEqual([[3000, 1]]);
  });

  it('makes a batch visible and logged only on commit, and forgets it on rollback', () => {
    const log = new CapturingLog();
    const head = newHead({ log });
    const app = head.appender();
    const refs = [0, 1, 2].map((i) => app.ref(L({ __name__: 'm', i: String(i) })));
    refs.forEach((r, i) => app.append(r, 1000, i));
    refs.forEach((r, i) => app.append(r, 2000, i + 10));
    expect(head.select([new Matcher('=', '__name__', 'm')], 0, 5000)).toEqual([]);
    app.rollback();
    expect(log.batches).toHaveLength(0);
    expect(head.select([new Matcher('=', '__name__', 'm')], 0, 5000)).toEqual([]);
    expect(head.stats().numSamples).toBe(0);

    refs.forEach((r, i) => app.append(r, 1000, i));
    refs.forEach((r, i) => app.append(r, 2000, i + 10));
    app.commit();
    expect(log.batches).toHaveLength(1);
    const [seriesRec, samplesRec] = log.batches[0]!;
    expect(recordType(seriesRec!)).toBe(RecordType.Series);
    expect(decodeSeriesRecord(seriesRec!).map((e) => e.ref).sort()).toEqual([...refs].sort());
    const cols = decodeSamplesRecord(samplesRec!);
    expect(cols.length).toBe(6);
    const got = head.select([new Matcher('=', '__name__', 'm')], 0, 5000);
    expect(got.map((s) => [...s.samples().v.subarray(0, 2)])).toEqual([[0, 10], [1, 11], [2, 12]]);

    // Known series are not logged again.
    app.append(refs[0]!, 3000, 1);
    app.commit();
    expect(log.batches[1]!.map((r) => recordType(r))).toEqual([RecordType.SamplesCompact]);
  });

  it('leaves memory untouched when the WAL write fails', () => {
    const head = newHead({
      log: {
        logBatch() {
          throw new Error('disk full');
        },
      },
    });
    const app = head.appender();
    const r = app.ref(L({ __name__: 'm' }));
    app.append(r, 1000, 1);
    expect(() => app.commit()).toThrow('disk full');
    expect(head.stats().numSamples).toBe(0);
  });

  it('stores stale markers as ordinary samples with their payload', () => {
    const head = newHead();
    const app = head.appender();
    const ls = L({ __name__: 'm' });
    const r = app.ref(ls);
    app.append(r, 1000, 1);
    app.append(r, 2000, STALE_NAN);
    app.commit();
    // Read the typed array directly: storing a NaN into a plain JS array may canonicalize its payload.
    const buf = head.select([new Matcher('=', '__name__', 'm')], 0, 5000)[0]!.samples();
    expect(buf.length).toBe(2);
    expect(isStaleNaN(buf.v[1]!)).toBe(true);
    // A repeated stale marker at the same time is an exact repeat, not a duplicate.
    expect(head.appender().append(r, 2000, STALE_NAN)).toBe(AppendStatus.OK);
    expect(head.appender().append(r, 2000, NaN)).toBe(AppendStatus.DuplicateTimestamp);
  });
});

describe('head chunks and truncation', () => {
  it('cuts a chunk every 120 samples and at block-range boundaries', () => {
    const head = newHead();
    const ls = L({ __name__: 'm' });
    const app = head.appender();
    const r = app.ref(ls);
    for (let i = 0; i < 250; i++) app.append(r, 1000 + i * 15_000, i);
    app.commit();
    expect(head.chunks.size).toBe(2);
    expect(head.stats()).toMatchObject({ numChunks: 3, numSamples: 250, numSeries: 1 });
    const s = samplesOf(head, ls);
    expect(s).toHaveLength(250);
    expect(s[249]).toEqual([1000 + 249 * 15_000, 249]);
    // Query ranges that start and end inside chunks.
    expect(samplesOf(head, ls, 1000 + 100 * 15_000, 1000 + 130 * 15_000).map((x) => x[1])).toEqual(
      Array.from({ length: 31 }, (_, i) => 100 + i),
    );

    const h2 = newHead();
    const a2 = h2.appender();
    const r2 = a2.ref(ls);
    a2.append(r2, 2 * H - 1000, 1);
    a2.append(r2, 2 * H, 2); // first sample of the next range starts a new chunk
    a2.commit();
    expect(h2.chunks.size).toBe(1);
    expect(h2.chunks.maxT(0)).toBe(2 * H - 1000);
  });

  it('truncates whole chunks and garbage-collects emptied series', () => {
    const head = newHead();
    const app = head.appender();
    const keep = app.ref(L({ __name__: 'keep' }));
    const gone = app.ref(L({ __name__: 'gone', extra: 'x' }));
    for (let t = 0; t < 3 * H; t += 60_000) app.append(keep, t, t);
    for (let t = 0; t < H; t += 60_000) app.append(gone, t, t);
    app.commit();
    const before = head.stats();
    expect(before.minTime).toBe(0);
    const res = head.truncate(2 * H);
    expect(res.removedSeries).toBe(1);
    expect(head.seriesCount).toBe(1);
    expect(head.minTime()).toBe(2 * H);
    expect(head.labelNames([], 0, 10 * H)).toEqual(['__name__']);
    expect(head.symbols.lookup('extra')).toBe(-1);
    const s = samplesOf(head, L({ __name__: 'keep' }));
    expect(s[0]![0]).toBe(2 * H);
    expect(s).toHaveLength(60);
    expect(head.appender().append(keep, 2 * H - 1, 1)).toBe(AppendStatus.OutOfBounds);
    expect(() => head.truncate(H + 1)).toThrow(/multiple/);
  });
});

describe('head WAL replay', () => {
  const cols = (refs: number[], t: number[], v: number[]) => ({
    refs: Float64Array.from(refs),
    t: Float64Array.from(t),
    v: Float64Array.from(v),
    length: refs.length,
  });

  it('restores refs, lets a newer generation replace a slot, aliases a label set logged under two refs', () => {
    const head = newHead();
    head.minValidTime = 1000;
    const A = L({ __name__: 'a' }), B = L({ __name__: 'b' });
    const a1 = SLOT_SPACE + 5, b2 = 2 * SLOT_SPACE + 5, b9 = SLOT_SPACE + 9;
    head.replaySeries([{ ref: a1, labels: A }]);
    expect(head.replaySamples(cols([a1], [500], [1]))).toBe(0); // below minValidTime
    head.replaySeries([{ ref: b2, labels: B }]); // slot 5 was freed and reused before this was logged
    expect(head.replaySamples(cols([b2, a1], [2000, 2000], [2, 3]))).toBe(1);
    head.replaySeries([{ ref: b9, labels: B }]);
    expect(head.replaySamples(cols([b9, b9], [2000, 3000], [2, 4]))).toBe(1); // 2000 already there
    head.finishReplay();
    expect(head.lookup(A)).toBe(0);
    expect(head.lookup(B)).toBe(b2);
    expect(samplesOf(head, B)).toEqual([[2000, 2], [3000, 4]]);
    expect(head.seriesCount).toBe(1);
    // Freed slots are handed out again, lowest first, under a new generation.
    expect(head.getOrCreate(L({ __name__: 'c' }))).toBe(SLOT_SPACE + 1);
  });

  it('drops replayed series that received no samples', () => {
    const head = newHead();
    head.replaySeries([{ ref: SLOT_SPACE + 1, labels: L({ __name__: 'x' }) }]);
    head.finishReplay();
    expect(head.seriesCount).toBe(0);
    expect(head.labelNames([], -Infinity, Infinity)).toEqual([]);
  });
});

