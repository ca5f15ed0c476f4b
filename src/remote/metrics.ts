/**
 * Self-metrics of remote write (in and out) and remote read, on prom-client's default registry, created once per
 * process and shared by every receiver and queue in it (tests run several).
 */
import client from 'prom-client';

export interface ReceiverMetrics {
  /** Samples committed from remote-write requests. */
  receivedSamples: client.Counter;
  /** Requests by HTTP status code. */
  requests: client.Counter<'code'>;
  /** Samples rejected by the engine (reason: out_of_order, duplicate_timestamp, out_of_bounds, invalid_labels). */
  rejectedSamples: client.Counter<'reason'>;
  /** Remote-read queries answered, and series / samples returned. */
  readQueries: client.Counter;
  readSamples: client.Counter;
}

export type QueueLabels = 'remote_name' | 'url';

export interface QueueMetrics {
  sent: client.Counter<QueueLabels>;
  failed: client.Counter<QueueLabels>;
  retried: client.Counter<QueueLabels>;
  dropped: client.Counter<QueueLabels | 'reason'>;
  pending: client.Gauge<QueueLabels>;
  highestSent: client.Gauge<QueueLabels>;
  sentBytes: client.Counter<QueueLabels>;
}

function counter<T extends string>(name: string, help: string, labelNames: readonly T[] = []): client.Counter<T> {
  const existing = client.register.getSingleMetric(name);
  return (existing as client.Counter<T> | undefined) ?? new client.Counter<T>({ name, help, labelNames });
}

function gauge<T extends string>(name: string, help: string, labelNames: readonly T[]): client.Gauge<T> {
  const existing = client.register.getSingleMetric(name);
  return (existing as client.Gauge<T> | undefined) ?? new client.Gauge<T>({ name, help, labelNames });
}

let receiver: ReceiverMetrics | undefined;
let queue: QueueMetrics | undefined;

export function receiverMetrics(): ReceiverMetrics {
  receiver ??= {
    receivedSamples: counter('vigil_remote_write_received_samples_total', 'Samples committed from remote-write requests.'),
    requests: counter('vigil_remote_write_requests_total', 'Remote-write requests received, by response code.', ['code']),
    rejectedSamples: counter(
      'vigil_remote_write_rejected_samples_total',
      'Samples of remote-write requests the engine refused (the whole request is rolled back), by reason.',
      ['reason'],
    ),
    readQueries: counter('vigil_remote_read_queries_total', 'Remote-read queries answered.'),
    readSamples: counter('vigil_remote_read_samples_total', 'Samples returned by remote-read queries.'),
  };
  return receiver;
}

export function queueMetrics(): QueueMetrics {
  const l = ['remote_name', 'url'] as const;
  queue ??= {
    sent: counter('vigil_remote_storage_samples_total', 'Samples sent to remote storage and accepted by it.', l),
    failed: counter('vigil_remote_storage_samples_failed_total', 'Samples the remote storage refused with a non-retryable error (4xx).', l),
    retried: counter('vigil_remote_storage_samples_retried_total', 'Samples re-sent after a retryable error (5xx, 429, network).', l),
    dropped: counter(
      'vigil_remote_storage_samples_dropped_total',
      'Samples never sent: dropped by write_relabel_configs, a full queue, sample_age_limit or shutdown.',
      [...l, 'reason'],
    ),
    pending: gauge('vigil_remote_storage_samples_pending', 'Samples queued in memory, waiting to be sent.', l),
    highestSent: gauge('vigil_remote_storage_queue_highest_sent_timestamp_seconds', 'Newest sample timestamp accepted by the remote storage.', l),
    sentBytes: counter('vigil_remote_storage_sent_bytes_total', 'Compressed bytes of accepted remote-write requests.', l),
  };
  return queue;
}
