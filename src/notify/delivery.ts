/**
 * Alert delivery as one object the daemon wires up: `put` takes alerts from rule evaluation; silences are managed
 * through the `*Silence*` methods (the HTTP layer and `vigil silence` call these); `reload` applies a new config;
 * `close` stops timers and keeps queued notifications on disk for the next start.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../model/clock.js';
import { nopLogger, type Logger } from '../log/index.js';
import type { NotifyConfig } from './config.js';
import { openNotifyDb } from './db.js';
import { Dispatcher } from './dispatch.js';
import { createNotifier, type Notifier } from './notifiers.js';
import { Outbox } from './outbox.js';
import { Silences, type SilenceInput, type SilenceJSON } from './silences.js';
import type { NotifyAlert } from './payload.js';

export interface AlertDeliveryOptions {
  /** Directory for `notify.db` (created if missing). */
  dataDir: string;
  config: NotifyConfig;
  clock?: Clock;
  logger?: Logger;
  /**
   * After a start, groups restored from disk are not flushed for this long (default 2 m), so rule evaluation can
   * refresh alerts whose endsAt passed while vigil was down instead of announcing a false resolution.
   */
  startupGraceMs?: number;
}

export class AlertDelivery {
  readonly silences: Silences;
  readonly outbox: Outbox;
  private readonly dispatcher: Dispatcher;
  private notifiers: Map<string, Notifier>;
  private readonly db: Database.Database;

  private constructor(opts: AlertDeliveryOptions) {
    const clock = opts.clock ?? systemClock;
    const logger = opts.logger ?? nopLogger;
    mkdirSync(opts.dataDir, { recursive: true });
    this.db = openNotifyDb(join(opts.dataDir, 'notify.db'));
    this.notifiers = AlertDelivery.buildNotifiers(opts.config);
    this.silences = new Silences(this.db, clock);
    this.outbox = new Outbox(this.db, this.notifiers, clock, opts.config.outbox, logger);
    this.dispatcher = new Dispatcher(this.db, opts.config, this.outbox, this.silences, clock, logger, opts.startupGraceMs);
    this.outbox.kick();
  }

  /** Opens the notify database in `dataDir`, restores alerts, groups and the outbox, and starts delivering. */
  static open(opts: AlertDeliveryOptions): AlertDelivery {
    return new AlertDelivery(opts);
  }

  private static buildNotifiers(cfg: NotifyConfig): Map<string, Notifier> {
    const m = new Map<string, Notifier>();
    for (const [name, rc] of cfg.receivers) m.set(name, createNotifier(rc));
    return m;
  }

  /** Takes alerts (e.g. a RuleGroup's `sendAlerts`); times in ms. */
  put(alerts: readonly NotifyAlert[]): void {
    this.dispatcher.put(alerts);
  }

  /** Applies a new (already validated) config. Notifier construction errors leave the old config running. */
  reload(cfg: NotifyConfig): void {
    const next = AlertDelivery.buildNotifiers(cfg);
    for (const n of this.notifiers.values()) n.close();
    this.notifiers = next;
    this.outbox.reconfigure(next, cfg.outbox);
    this.dispatcher.reconfigure(cfg);
  }

  /** Creates (or, with `id`, updates) a silence; returns `{ silenceID }` as Alertmanager's API does. Throws BadDataError. */
  createSilence(input: SilenceInput): { silenceID: string } {
    return { silenceID: this.silences.create(input).id };
  }

  listSilences(): SilenceJSON[] {
    return this.silences.list().map((s) => this.silences.toJSON(s));
  }

  getSilence(id: string): SilenceJSON | undefined {
    const s = this.silences.get(id);
    return s ? this.silences.toJSON(s) : undefined;
  }

  /** Expires a silence now; throws BadDataError if unknown or already expired. */
  expireSilence(id: string): SilenceJSON {
    return this.silences.toJSON(this.silences.expire(id));
  }

  /** Alerts held for delivery, with fingerprint and whether silenced or inhibited. */
  alerts(): ReturnType<Dispatcher['list']> {
    return this.dispatcher.list();
  }

  /** Stops timers, waits for an in-flight send, closes notifiers and the database. */
  async close(): Promise<void> {
    this.dispatcher.close();
    await this.outbox.close();
    for (const n of this.notifiers.values()) n.close();
    this.db.close();
  }
}
