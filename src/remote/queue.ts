/**
 * One `remote_write` destination: an in-memory queue of committed samples, shipped in remote-write 1.0 requests.
 *
 * - Samples enter through `onCommit` (a CommitObserver): labels get external labels (the series' own win) and
 *   `write_relabel_configs`, once per series (cached by ref); dropped series cost nothing after the first time.
 * - A request is sent when `max_samples_per_send` samples wait, or `batch_send_deadline` after the oldest waiting
 *   sample arrived. One request is in flight at a time (one shard), so samples reach the remote in commit order.
 * - 5xx, 429 (with `retry_on_http_429`) and network errors are retried with exponential backoff from
 *   `min_backoff` to `max_backoff` (or after the answer's Retry-After), without end until the request succeeds or the queue stops; other 4xx
 *   answers drop the request with an error log.
 * - Memory is bounded: at most `capacity × max_shards` samples wait (what Prometheus would buffer with the same
 *   settings); beyond that new samples are dropped and counted.
 */
import { createHash } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { Logger } from '../log/index.js';
import type { Clock, TimerHandle } from '../model/clock.js';
import type { Labels } from '../model/labels.js';
import type { RemoteWriteConfig, HTTPClientConfig } from '../config/types.js';
import { relabel } from '../scrape/relabel/index.js';
import { authHeaders, httpAgent } from '../net/http-client.js';
import type { SeriesRef } from '../tsdb/types.js';
import { withExternalLabels } from './labels.js';
import { queueMetrics, type QueueLabels } from './metrics.js';
import { encodeWriteRequest, type WireSeries } from './proto.js';
import type { CommitObserver, CommittedBatch } from './tap.js';

export const REMOTE_WRITE_USER_AGENT = 'vigil/0.1.0';
export const REMOTE_WRITE_VERSION = '0.1.0';
const EMPTY = new Float64Array(0);

export interface RemoteQueueOptions {
  config: RemoteWriteConfig;
  externalLabels: Labels;
  clock: Clock;
  logger: Logger;
  /** HTTP client; default an undici Agent with the config's TLS settings. */
  dispatcher?: Dispatcher;
}

/** A request being sent (or waiting to be retried). */
interface Batch {
  body: Buffer;
  samples: number;
  maxT: number;
}

type Outcome = 'sent' | 'retry' | 'dropped';

/** Prometheus names a queue by its `name`, or by a short hash of its config when unnamed. */
export function queueName(c: RemoteWriteConfig): string {
  return c.name ?? createHash('sha256').update(c.url).digest('hex').slice(0, 6);
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; 0 when absent or unreadable. */
export function parseRetryAfter(h: string | string[] | undefined, now: number): number {
  const v = (Array.isArray(h) ? h[0] : h)?.trim();
  if (!v) return 0;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

export class RemoteQueue implements CommitObserver {
  readonly name: string;
  readonly maxPending: number;
  private readonly cfg: RemoteWriteConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private readonly headers: Record<string, string>;
  private readonly metricLabels: Record<QueueLabels, string>;
  private readonly external: Labels;
  /** Labels to send per engine ref: null when write_relabel_configs dropped the series. */
  private readonly sendLabels = new Map<SeriesRef, Labels | null>();

  // Waiting samples live in [start, end) of three parallel arrays that grow by doubling up to maxPending.
  private refs = new Float64Array(1024);
  private ts = new Float64Array(1024);
  private vs = new Float64Array(1024);
  private start = 0;
  private end = 0;

  private inflight: Batch | null = null;
  private attempts = 0;
  private deadlineTimer: TimerHandle | null = null;
  private deadlineHit = false;
  private retryTimer: TimerHandle | null = null;
  private pumping: Promise<void> | null = null;
  private stopped = false;
  /** Aborts the send loop's request in flight when the queue stops, so shutdown never waits out remote_timeout. */
  private readonly stopping = new AbortController();
  private highestSent = 0;
  /** From the last answer's Retry-After header, ms (0: none). */
  private retryAfterMs = 0;

  constructor(opts: RemoteQueueOptions) {
    this.cfg = opts.config;
    this.clock = opts.clock;
    this.name = queueName(opts.config);
    this.logger = opts.logger.child({ remote_name: this.name, url: opts.config.url });
    this.external = opts.externalLabels;
    const q = opts.config.queueConfig;
    this.maxPending = Math.max(q.capacity * Math.max(1, q.maxShards), q.maxSamplesPerSend);
    this.ownDispatcher = opts.dispatcher === undefined;
    this.dispatcher = opts.dispatcher ?? httpAgent(opts.config.http, 2);
    this.headers = {
      ...opts.config.headers,
      ...authHeaders(opts.config.http),
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'User-Agent': REMOTE_WRITE_USER_AGENT,
      'X-Prometheus-Remote-Write-Version': REMOTE_WRITE_VERSION,
    };
    this.metricLabels = { remote_name: this.name, url: opts.config.url };
  }

  /** Samples waiting in memory, the one in flight included. */
  get pending(): number {
    return this.end - this.start + (this.inflight?.samples ?? 0);
  }

  onCommit(batch: CommittedBatch): void {
    if (this.stopped) return;
    const m = queueMetrics();
    let relabelDropped = 0, full = 0;
    for (let i = 0; i < batch.length; i++) {
      const ref = batch.refs[i]!;
      let ls = this.sendLabels.get(ref);
      if (ls === undefined) {
        const own = batch.labelsOf(ref);
        ls = own === undefined ? null : relabel(withExternalLabels(own, this.external), this.cfg.writeRelabelConfigs);
        if (ls !== null && ls.length === 0) ls = null;
        this.sendLabels.set(ref, ls);
      }
      if (ls === null) { relabelDropped++; continue; }
      if (this.end - this.start >= this.maxPending) { full++; continue; }
      if (this.end === this.ts.length) this.makeRoom();
      const j = this.end++;
      this.refs[j] = ref;
      this.ts[j] = batch.t[i]!;
      this.vs[j] = batch.v[i]!;
    }
    if (relabelDropped > 0) m.dropped.inc({ ...this.metricLabels, reason: 'relabel' }, relabelDropped);
    if (full > 0) {
      m.dropped.inc({ ...this.metricLabels, reason: 'queue_full' }, full);
      this.logger.warn('remote write queue full: samples dropped', { dropped: full, maxPending: this.maxPending });
    }
    this.updatePending();
    const waiting = this.end - this.start;
    if (waiting >= this.cfg.queueConfig.maxSamplesPerSend) this.kick();
    else if (waiting > 0 && this.deadlineTimer === null) this.armDeadline();
  }

  /** Resolves when the send loop running now (if any) has stopped: for tests and shutdown hooks. */
  async settled(): Promise<void> {
    await this.pumping;
  }

  /** Sends everything waiting now, retrying as configured; resolves when the queue is empty or stopped. */
  async flush(): Promise<void> {
    for (;;) {
      // Re-set each round: samples committed during a send would otherwise wait for their own deadline.
      this.deadlineHit = true;
      this.kick();
      await this.pumping;
      if (this.stopped || this.pending === 0 || this.retryTimer !== null) return;
    }
  }

  /**
   * Stops accepting samples and makes one last attempt (no retries, at most `deadlineMs` of real time) to send
   * what waits; whatever is left is dropped and counted (reason "shutdown").
   */
  async stop(deadlineMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    this.deadlineTimer?.cancel();
    this.retryTimer?.cancel();
    this.deadlineTimer = this.retryTimer = null;
    await this.pumping;
    const until = Date.now() + deadlineMs;
    while (this.pending > 0 && Date.now() < until) {
      const b = this.inflight ?? this.takeBatch();
      this.inflight = null;
      if (b === null) continue; // every sample taken was older than sample_age_limit
      const outcome = await this.send(b, Math.min(this.cfg.remoteTimeoutMs, Math.max(1, until - Date.now())));
      if (outcome === 'retry') {
        this.inflight = b;
        break;
      }
    }
    const lost = this.pending;
    if (lost > 0) {
      queueMetrics().dropped.inc({ ...this.metricLabels, reason: 'shutdown' }, lost);
      this.logger.warn('remote write stopped with samples unsent', { samples: lost });
    }
    this.inflight = null;
    this.start = this.end = 0;
    this.updatePending();
    if (this.ownDispatcher) await this.dispatcher.close();
  }

  private armDeadline(): void {
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = null;
      this.deadlineHit = true;
      this.kick();
      return this.pumping ?? undefined;
    }, this.cfg.queueConfig.batchSendDeadlineMs);
  }

  private kick(): void {
    if (this.stopped || this.pumping !== null || this.retryTimer !== null) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async pump(): Promise<void> {
    // Encoding starts after the committing caller (a scrape loop, the receiver) has returned, not inside its commit.
    await Promise.resolve();
    const maxPerSend = this.cfg.queueConfig.maxSamplesPerSend;
    while (!this.stopped) {
      if (this.inflight === null) {
        const waiting = this.end - this.start;
        if (waiting === 0) { this.deadlineHit = false; break; }
        if (waiting < maxPerSend && !this.deadlineHit) {
          if (this.deadlineTimer === null) this.armDeadline();
          break;
        }
        this.inflight = this.takeBatch();
        if (this.inflight === null) continue;
      }
      const outcome = await this.send(this.inflight, this.cfg.remoteTimeoutMs, this.stopping.signal);
      if (outcome === 'retry') {
        if (this.stopped) break;
        this.attempts++;
        const q = this.cfg.queueConfig;
        const backoff = Math.min(q.maxBackoffMs, q.minBackoffMs * 2 ** Math.min(this.attempts - 1, 30));
        // A server that says when to come back (Retry-After on 429/5xx) is believed, as Prometheus does.
        const wait = this.retryAfterMs > 0 ? this.retryAfterMs : backoff;
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = null;
          this.kick();
          return this.pumping ?? undefined;
        }, wait);
        break;
      }
      this.inflight = null;
      this.attempts = 0;
      this.updatePending();
    }
  }

  /** Takes up to max_samples_per_send waiting samples, grouped into one series per ref (time order kept). */
  private takeBatch(): Batch | null {
    const n = Math.min(this.end - this.start, this.cfg.queueConfig.maxSamplesPerSend);
    if (n === 0) return null;
    const ageLimit = this.cfg.queueConfig.sampleAgeLimitMs;
    const oldest = ageLimit > 0 ? this.clock.now() - ageLimit : -Infinity;
    // Two passes (count, then fill) so each series' samples go straight into typed arrays.
    const byRef = new Map<SeriesRef, WireSeries & { n: number }>();
    const stop = this.start + n;
    for (let i = this.start; i < stop; i++) {
      if (this.ts[i]! < oldest) continue;
      const s = byRef.get(this.refs[i]!);
      if (s === undefined) byRef.set(this.refs[i]!, { labels: [], timestamps: EMPTY, values: EMPTY, n: 1 });
      else s.n++;
    }
    for (const [ref, s] of byRef) {
      s.labels = [...this.sendLabels.get(ref)!];
      s.timestamps = new Float64Array(s.n);
      s.values = new Float64Array(s.n);
      s.n = 0;
    }
    let maxT = -Infinity, samples = 0, tooOld = 0;
    for (let i = this.start; i < stop; i++) {
      const t = this.ts[i]!;
      if (t < oldest) { tooOld++; continue; }
      const s = byRef.get(this.refs[i]!)!;
      s.timestamps[s.n] = t;
      s.values[s.n++] = this.vs[i]!;
      if (t > maxT) maxT = t;
      samples++;
    }
    this.start = stop;
    if (this.start === this.end) {
      this.start = this.end = 0;
      // The deadline was for the samples just taken; later ones get their own.
      this.deadlineHit = false;
    }
    if (tooOld > 0) queueMetrics().dropped.inc({ ...this.metricLabels, reason: 'too_old' }, tooOld);
    if (samples === 0) return null;
    const series: WireSeries[] = [...byRef.values()];
    return { body: encodeWriteRequest(series), samples, maxT };
  }

  private async send(b: Batch, timeoutMs: number, cancel?: AbortSignal): Promise<Outcome> {
    const m = queueMetrics();
    let status: number;
    let text = '';
    this.retryAfterMs = 0;
    try {
      const res = await request(this.cfg.url, {
        dispatcher: this.dispatcher,
        method: 'POST',
        headers: this.headers,
        body: b.body,
        signal: cancel ? AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]) : AbortSignal.timeout(timeoutMs),
      });
      status = res.statusCode;
      if (status === 429 || status >= 500) this.retryAfterMs = parseRetryAfter(res.headers['retry-after'], this.clock.now());
      text = status >= 300 ? (await res.body.text()).slice(0, 512) : '';
      if (status < 300) await res.body.dump();
    } catch (e) {
      if (cancel?.aborted) return 'retry';
      this.logger.warn('remote write request failed; will retry', { err: e, samples: b.samples, attempt: this.attempts + 1 });
      m.retried.inc(this.metricLabels, b.samples);
      return 'retry';
    }
    if (status >= 200 && status < 300) {
      m.sent.inc(this.metricLabels, b.samples);
      m.sentBytes.inc(this.metricLabels, b.body.length);
      if (b.maxT / 1000 > this.highestSent) {
        this.highestSent = b.maxT / 1000;
        m.highestSent.set(this.metricLabels, this.highestSent);
      }
      return 'sent';
    }
    if (status >= 500 || (status === 429 && this.cfg.queueConfig.retryOnHttp429)) {
      this.logger.warn('remote write got a retryable answer', { status, body: text, samples: b.samples, attempt: this.attempts + 1 });
      m.retried.inc(this.metricLabels, b.samples);
      return 'retry';
    }
    this.logger.error('remote write refused; samples dropped', { status, body: text, samples: b.samples });
    m.failed.inc(this.metricLabels, b.samples);
    return 'dropped';
  }

  private makeRoom(): void {
    // Compacting only when at most half is in use keeps the copying amortized O(1) per sample.
    if (this.start > 0 && this.end - this.start <= this.ts.length / 2) {
      this.refs.copyWithin(0, this.start, this.end);
      this.ts.copyWithin(0, this.start, this.end);
      this.vs.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      return;
    }
    const c = this.ts.length * 2;
    const refs = new Float64Array(c), ts = new Float64Array(c), vs = new Float64Array(c);
    refs.set(this.refs);
    ts.set(this.ts);
    vs.set(this.vs);
    this.refs = refs;
    this.ts = ts;
    this.vs = vs;
  }

  private updatePending(): void {
    queueMetrics().pending.set(this.metricLabels, this.pending);
  }
}
