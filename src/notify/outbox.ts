/**
 * The durable outbox. Every notification is inserted (in the same transaction as the notification-log entry that
 * marks it decided) before anything is sent; a delivery loop sends due entries, marks them sent, and retries
 * failures with exponential backoff. Entries survive restarts, are delivered in order within a group, switch to the
 * route's fallback receiver once the primary has failed for `fallback_after`, and are dropped after `max_age`.
 *
 * Delivery is at-least-once: a crash between a receiver accepting a notification and the "sent" mark being
 * committed re-sends that one notification after restart (receivers can dedupe on groupKey + content).
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../model/clock.js';
import { nopLogger, type Logger } from '../log/index.js';
import type { OutboxConfig } from './config.js';
import type { Notification, Notifier } from './notifiers.js';
import { deliveryMetrics, type DeliveryMetrics } from './metrics.js';

export interface OutboxEntry {
  receiver: string;
  groupKey: string;
  /** Dedupe slot: a notification with the same receiver, group, slot and content is stored once. */
  slot: number;
  notification: Notification;
  fallback: string;
  fallbackAfterMs: number;
}

interface Row {
  id: number;
  receiver: string;
  group_key: string;
  body: string;
  created_at: number;
  next_attempt_at: number;
  attempts: number;
  fallback: string;
  fallback_after: number;
}

/** Kept this long after delivery so the dedupe key still suppresses a re-insert. */
const DONE_RETENTION_MS = 7 * 24 * 3600_000;

export class Outbox {
  private readonly metrics: DeliveryMetrics = deliveryMetrics();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private draining: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly knownReceivers = new Set<string>();
  private readonly insert: Database.Statement<unknown[]>;
  private readonly nextDue: Database.Statement<[number], Row>;

  constructor(
    private readonly db: Database.Database,
    private notifiers: ReadonlyMap<string, Notifier>,
    private readonly clock: Clock,
    private cfg: OutboxConfig,
    private readonly logger: Logger = nopLogger,
  ) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO outbox (receiver, group_key, slot, content_hash, body, created_at,
      next_attempt_at, fallback, fallback_after) VALUES (?,?,?,?,?,?,?,?,?)`);
    // Only the oldest pending entry of each (receiver, group) is eligible, so a group's notifications arrive in order.
    this.nextDue = db.prepare(`SELECT * FROM outbox o WHERE status = 'pending' AND next_attempt_at <= ?
      AND id = (SELECT MIN(id) FROM outbox p WHERE p.status = 'pending' AND p.receiver = o.receiver AND p.group_key = o.group_key)
      ORDER BY next_attempt_at, id`);
    this.updateQueued();
  }

  /** Swaps receivers and settings after a config reload; queued entries for removed receivers are dropped when due. */
  reconfigure(notifiers: ReadonlyMap<string, Notifier>, cfg: OutboxConfig): void {
    this.notifiers = notifiers;
    this.cfg = cfg;
  }

  /**
   * Stores a notification (synchronously, so callers can wrap it in their own transaction). Returns false if an
   * identical one for the same receiver, group and slot is already stored.
   */
  enqueue(e: OutboxEntry): boolean {
    const body = JSON.stringify(e.notification);
    const hash = createHash('sha256').update(body.replace(/"(startsAt|endsAt)":"[^"]*"/g, '')).digest('hex').slice(0, 32);
    const now = this.clock.now();
    const r = this.insert.run(e.receiver, e.groupKey, e.slot, hash, body, now, now, e.fallback, e.fallbackAfterMs);
    return r.changes > 0;
  }

  /** Starts (or re-runs) the delivery loop now. */
  kick(): void {
    this.scheduleAt(this.clock.now());
  }

  private scheduleAt(at: number): void {
    if (this.closed) return;
    if (this.timer && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      return this.drain();
    }, at - this.clock.now());
  }

  /** Delivers every due entry; resolves when none is due. Concurrent calls share one loop. */
  drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.again = false;
          while (!this.closed && (await this.deliverDue())) { /* next round */ }
        } while (this.again && !this.closed);
      } catch (e) {
        this.logger.error('outbox delivery loop failed; retrying', { err: (e as Error).message });
        this.scheduleAt(this.clock.now() + this.cfg.retryInitialMs);
      } finally {
        this.draining = null;
        if (!this.closed) {
          try {
            this.updateQueued();
            this.prune();
            this.scheduleNext();
          } catch (e) {
            this.logger.error('outbox bookkeeping failed', { err: (e as Error).message });
          }
        }
      }
    })();
    return this.draining;
  }

  private scheduleNext(): void {
    const r = this.db.prepare(`SELECT MIN(next_attempt_at) AS t FROM outbox WHERE status = 'pending'`).get() as { t: number | null };
    if (r.t !== null) this.scheduleAt(Math.max(r.t, this.clock.now()));
  }

  /**
   * One round: every due entry that is the oldest pending one of its group is attempted. Receivers are served
   * concurrently (a receiver timing out does not delay the others); each receiver's entries go one at a time.
   * Returns false when nothing was due.
   */
  private async deliverDue(): Promise<boolean> {
    const rows = this.nextDue.all(this.clock.now());
    if (rows.length === 0) return false;
    const byReceiver = new Map<string, Row[]>();
    for (const r of rows) byReceiver.set(r.receiver, [...(byReceiver.get(r.receiver) ?? []), r]);
    await Promise.all([...byReceiver.values()].map(async (list) => {
      for (const row of list) if (!this.closed) await this.deliver(row);
    }));
    return true;
  }

  private async deliver(row: Row): Promise<void> {
    const now = this.clock.now();
    if (now - row.created_at > this.cfg.maxAgeMs) {
      this.finish(row.id, 'dropped', '', 'expired after ' + (now - row.created_at) + 'ms');
      this.metrics.dropped.inc({ receiver: row.receiver });
      this.logger.warn('notification dropped after max_age', { receiver: row.receiver, groupKey: row.group_key, attempts: row.attempts });
      return;
    }
    const useFallback = row.fallback !== '' && row.attempts > 0 && now - row.created_at >= row.fallback_after;
    const target = useFallback ? row.fallback : row.receiver;
    const notifier = this.notifiers.get(target);
    if (!notifier) {
      this.finish(row.id, 'dropped', '', `receiver ${target} no longer configured`);
      this.metrics.dropped.inc({ receiver: target });
      return;
    }
    if (row.attempts > 0) this.metrics.retried.inc({ receiver: target });
    try {
      await notifier.send(JSON.parse(row.body) as Notification);
    } catch (e) {
      const attempts = row.attempts + 1;
      const backoff = Math.min(this.cfg.retryInitialMs * 2 ** (attempts - 1), this.cfg.retryMaxMs);
      this.db.prepare('UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?')
        .run(attempts, this.clock.now() + backoff, (e as Error).message, row.id);
      this.metrics.failed.inc({ receiver: target });
      this.logger.warn('notification failed, will retry', { receiver: target, attempts, retryInMs: backoff, err: (e as Error).message });
      return;
    }
    this.finish(row.id, 'sent', target, '');
    this.metrics.sent.inc({ receiver: target });
  }

  private finish(id: number, status: 'sent' | 'dropped', via: string, err: string): void {
    this.db.prepare('UPDATE outbox SET status = ?, delivered_via = ?, last_error = ?, done_at = ? WHERE id = ?').run(status, via, err, this.clock.now(), id);
  }

  private prune(): void {
    this.db.prepare(`DELETE FROM outbox WHERE status != 'pending' AND done_at < ?`).run(this.clock.now() - DONE_RETENTION_MS);
  }

  private updateQueued(): void {
    const rows = this.db.prepare(`SELECT receiver, COUNT(*) AS n FROM outbox WHERE status = 'pending' GROUP BY receiver`).all() as Array<{ receiver: string; n: number }>;
    const seen = new Set<string>();
    for (const r of rows) {
      this.metrics.queued.set({ receiver: r.receiver }, r.n);
      seen.add(r.receiver);
      this.knownReceivers.add(r.receiver);
    }
    for (const r of this.knownReceivers) if (!seen.has(r)) this.metrics.queued.set({ receiver: r }, 0);
  }

  /** Entries by status, for tests and `vigil` diagnostics. */
  counts(): { pending: number; sent: number; dropped: number } {
    const out = { pending: 0, sent: 0, dropped: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: keyof typeof out; n: number }>) out[r.status] = r.n;
    return out;
  }

  /** Stops the loop (after the in-flight send finishes). Pending entries stay stored for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    if (this.draining) await this.draining;
  }
}
