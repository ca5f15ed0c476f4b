/**
 * Remote write out: one RemoteQueue per `remote_write` entry, fed by an AppenderTap with every committed batch.
 * The daemon creates it from `config.remoteWrite` and `config.global.externalLabels`, `start()`s it, calls
 * `applyConfig` on reload and `stop()` at shutdown.
 */
import type { Logger } from '../log/index.js';
import { systemClock, type Clock } from '../model/clock.js';
import { labelsKey, type Labels } from '../model/labels.js';
import type { RemoteWriteConfig } from '../config/types.js';
import { RemoteQueue, queueName } from './queue.js';
import type { AppenderTap, CommitObserver, CommittedBatch } from './tap.js';

export interface RemoteWriterOptions {
  /** The tap the daemon's appenders go through. */
  tap: AppenderTap;
  externalLabels: Labels;
  logger: Logger;
  /** Default the system clock. Drives batch deadlines and retry backoff. */
  clock?: Clock;
  /** Real time a stopping queue spends on its last attempt to send what waits. Default 5 s. */
  flushDeadlineMs?: number;
}

/** What distinguishes two configs of one queue; compiled regexes are compared by their source. */
function configKey(c: RemoteWriteConfig, external: Labels): string {
  return JSON.stringify(c, (_k, v: unknown) => (v instanceof RegExp ? v.source : v)) + labelsKey(external);
}

/**
 * @example
 * const writer = new RemoteWriter(config.remoteWrite, { tap, externalLabels: config.global.externalLabels, logger });
 * writer.start();
 * await writer.applyConfig(next.remoteWrite, next.global.externalLabels); // on reload
 * await writer.stop();
 */
export class RemoteWriter implements CommitObserver {
  private queues = new Map<string, { key: string; queue: RemoteQueue }>();
  private unsubscribe: (() => void) | null = null;
  private readonly clock: Clock;

  constructor(private configs: RemoteWriteConfig[], private readonly opts: RemoteWriterOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Creates the queues and starts receiving committed batches. Idempotent. */
  start(): void {
    if (this.unsubscribe !== null) return;
    this.sync(this.configs, this.opts.externalLabels);
    this.unsubscribe = this.opts.tap.subscribe(this);
  }

  /**
   * Applies a reloaded config: queues whose settings (or the external labels) changed are stopped (one last send
   * attempt) and replaced; unchanged queues keep their waiting samples; removed ones are stopped.
   */
  async applyConfig(configs: RemoteWriteConfig[], externalLabels: Labels = this.opts.externalLabels): Promise<void> {
    this.configs = configs;
    this.opts.externalLabels = externalLabels;
    const stale = this.sync(configs, externalLabels);
    await Promise.all(stale.map((q) => q.stop(this.opts.flushDeadlineMs)));
  }

  /** Stops receiving, then stops every queue (each makes one last attempt to send what waits). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const qs = [...this.queues.values()].map((e) => e.queue);
    this.queues.clear();
    await Promise.all(qs.map((q) => q.stop(this.opts.flushDeadlineMs)));
  }

  /** Sends everything waiting in every queue now (retrying as configured). For shutdown hooks and tests. */
  async flush(): Promise<void> {
    await Promise.all([...this.queues.values()].map((e) => e.queue.flush()));
  }

  /** Resolves when no queue is in the middle of sending (retries still scheduled are not waited for). */
  async settled(): Promise<void> {
    await Promise.all([...this.queues.values()].map((e) => e.queue.settled()));
  }

  /** The running queues by name. */
  list(): RemoteQueue[] {
    return [...this.queues.values()].map((e) => e.queue);
  }

  onCommit(batch: CommittedBatch): void {
    for (const e of this.queues.values()) e.queue.onCommit(batch);
  }

  /** Makes the queue set match `configs`; returns the queues taken out (to be stopped by the caller). */
  private sync(configs: RemoteWriteConfig[], external: Labels): RemoteQueue[] {
    const next = new Map<string, { key: string; queue: RemoteQueue }>();
    const stale: RemoteQueue[] = [];
    for (const c of configs) {
      const name = queueName(c);
      const key = configKey(c, external);
      const cur = this.queues.get(name);
      if (cur !== undefined && cur.key === key) {
        next.set(name, cur);
        this.queues.delete(name);
        continue;
      }
      next.set(name, {
        key,
        queue: new RemoteQueue({ config: c, externalLabels: external, clock: this.clock, logger: this.opts.logger.child({ component: 'remote' }) }),
      });
    }
    for (const e of this.queues.values()) stale.push(e.queue);
    this.queues = next;
    if (stale.length > 0 || configs.length > 0) {
      this.opts.logger.info('remote write queues', { queues: [...next.keys()], replaced: stale.length });
    }
    return stale;
  }
}
