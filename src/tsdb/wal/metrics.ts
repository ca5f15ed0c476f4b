/**
 * The WAL's prom-client metrics, in the default registry, shared by every Wal in the process. Registration is
 * guarded so a second copy of this module (or a test that creates many WALs) reuses the existing collectors.
 */
import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help });
}

function gauge(name: string, help: string): Gauge {
  return (register.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help });
}

function histogram(name: string, help: string, buckets: number[]): Histogram {
  return (register.getSingleMetric(name) as Histogram | undefined) ?? new Histogram({ name, help, buckets });
}

export interface WalMetrics {
  readonly records: Counter;
  readonly bytesWritten: Counter;
  readonly fsyncDuration: Histogram;
  readonly corruptions: Counter;
  readonly truncations: Counter;
  readonly segmentCurrent: Gauge;
}

let metrics: WalMetrics | undefined;

/** The process-wide WAL metrics, created on first use. */
export function walMetrics(): WalMetrics {
  metrics ??= {
    records: counter('vigil_tsdb_wal_records_total', 'Records appended to the write-ahead log.'),
    bytesWritten: counter(
      'vigil_tsdb_wal_bytes_written_total',
      'Bytes written to write-ahead log segments, framing included.',
    ),
    fsyncDuration: histogram(
      'vigil_tsdb_wal_fsync_duration_seconds',
      'Duration of write-ahead log segment fsyncs.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    corruptions: counter(
      'vigil_tsdb_wal_corruptions_total',
      'Corrupt or torn write-ahead log data found on open (repaired or not).',
    ),
    truncations: counter(
      'vigil_tsdb_wal_truncations_total',
      'Write-ahead log truncations: checkpoints that removed old segments.',
    ),
    segmentCurrent: gauge('vigil_tsdb_wal_segment_current', 'Index of the write-ahead log segment being written.'),
  };
  return metrics;
}
