/**
 * The engine's self-metrics on prom-client's default registry, created once per process. Several Dbs in one
 * process (tests) share them; gauges sum over every open head.
 */
import client from 'prom-client';

export interface TsdbMetrics {
  samplesAppended: client.Counter;
  outOfOrder: client.Counter;
  duplicate: client.Counter;
  outOfBounds: client.Counter;
  gcDuration: client.Histogram;
  blocksLoaded: client.Gauge;
  compactions: client.Counter;
}

/** What the series/chunk gauges read at scrape time. */
export interface HeadGaugeSource {
  readonly seriesCount: number;
  chunkCount(): number;
}

const heads = new Set<HeadGaugeSource>();
const blockCounts = new Map<object, number>();
let cached: TsdbMetrics | undefined;

function counter(name: string, help: string): client.Counter {
  const existing = client.register.getSingleMetric(name);
  return (existing as client.Counter | undefined) ?? new client.Counter({ name, help });
}

function gauge(name: string, help: string, collect: () => number): client.Gauge {
  const existing = client.register.getSingleMetric(name);
  if (existing !== undefined) return existing as client.Gauge;
  return new client.Gauge({
    name,
    help,
    collect() {
      this.set(collect());
    },
  });
}

/** The engine's metrics, registered on first use. */
export function tsdbMetrics(): TsdbMetrics {
  if (cached !== undefined) return cached;
  gauge('vigil_tsdb_head_series', 'Series in the head.', () => {
    let n = 0;
    for (const h of heads) n += h.seriesCount;
    return n;
  });
  gauge('vigil_tsdb_head_chunks', 'Chunks in the head (completed and open).', () => {
    let n = 0;
    for (const h of heads) n += h.chunkCount();
    return n;
  });
  const gcName = 'vigil_tsdb_head_gc_duration_seconds';
  const gcDuration =
    (client.register.getSingleMetric(gcName) as client.Histogram | undefined) ??
    new client.Histogram({
      name: gcName,
      help: 'Time to truncate the head and garbage-collect its series after a head compaction.',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    });
  cached = {
    samplesAppended: counter('vigil_tsdb_head_samples_appended_total', 'Samples appended to the head.'),
    outOfOrder: counter('vigil_tsdb_out_of_order_samples_total', 'Samples rejected for being older than their series\' newest sample.'),
    duplicate: counter('vigil_tsdb_duplicate_samples_total', 'Samples rejected for repeating a timestamp with a different value.'),
    outOfBounds: counter('vigil_tsdb_out_of_bounds_samples_total', 'Samples rejected for being older than the head accepts.'),
    gcDuration,
    blocksLoaded: gauge('vigil_tsdb_blocks_loaded', 'Persisted blocks currently open.', () => {
      let n = 0;
      for (const c of blockCounts.values()) n += c;
      return n;
    }),
    compactions: counter('vigil_tsdb_compactions_total', 'Head compactions that persisted a block.'),
  };
  return cached;
}

/** Makes a head count in the series and chunk gauges until unregistered. */
export function registerHeadGauges(h: HeadGaugeSource): void {
  tsdbMetrics();
  heads.add(h);
}

export function unregisterHeadGauges(h: HeadGaugeSource): void {
  heads.delete(h);
}

/** Sets the number of blocks one Db (the key) has open; 0 or a closed Db removes it. */
export function setBlocksLoaded(db: object, n: number): void {
  if (n === 0) blockCounts.delete(db);
  else blockCounts.set(db, n);
}
