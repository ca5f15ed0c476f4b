/**
 * Delivery self-metrics in prom-client's default registry. Created once per process (a second Outbox — e.g. after
 * a reload or in tests — reuses the registered collectors instead of failing on a duplicate name).
 */
import client from 'prom-client';

function counter(name: string, help: string): client.Counter<'receiver'> {
  const existing = client.register.getSingleMetric(name);
  if (existing) return existing as client.Counter<'receiver'>;
  return new client.Counter({ name, help, labelNames: ['receiver'] });
}

function gauge(name: string, help: string): client.Gauge<'receiver'> {
  const existing = client.register.getSingleMetric(name);
  if (existing) return existing as client.Gauge<'receiver'>;
  return new client.Gauge({ name, help, labelNames: ['receiver'] });
}

export interface DeliveryMetrics {
  sent: client.Counter<'receiver'>;
  failed: client.Counter<'receiver'>;
  retried: client.Counter<'receiver'>;
  dropped: client.Counter<'receiver'>;
  queued: client.Gauge<'receiver'>;
}

export function deliveryMetrics(): DeliveryMetrics {
  return {
    sent: counter('vigil_notifications_sent_total', 'Notifications delivered, by receiver.'),
    failed: counter('vigil_notifications_failed_total', 'Delivery attempts that failed, by receiver.'),
    retried: counter('vigil_notifications_retried_total', 'Delivery attempts that were retries of an earlier failure, by receiver.'),
    dropped: counter('vigil_notifications_dropped_total', 'Notifications given up after outbox.max_age, by receiver.'),
    queued: gauge('vigil_notifications_queued', 'Notifications waiting in the durable outbox, by receiver.'),
  };
}
