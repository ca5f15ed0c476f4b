/**
 * One target's scrape loop: on a stable per-target offset within the interval, fetch, parse, relabel, check
 * limits and append one atomic batch; then the synthetic series (`up`, `scrape_*`), and staleness markers for
 * series that disappeared. A failed scrape (down, time-out, oversized, malformed, limit exceeded) commits nothing
 * of the body, writes `up 0`, and marks every series of the last good scrape stale, as Prometheus does.
 */
import { hashLabels, labelsKey, METRIC_NAME, type Label, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/sample.js';
import type { Clock, TimerHandle } from '../model/clock.js';
import type { Logger } from '../log/index.js';
import { AppendStatus, type Appender } from '../tsdb/types.js';
import { LabelsBuilder, relabelBuilder } from './relabel/index.js';
import { Entry, ExpositionParser, formatFromContentType, type ExpositionFormat, type MetricType } from './parse/index.js';
import { BodyBuffer, ScrapeFetcher, scrapeRequestHeaders } from './fetch.js';
import type { ScrapeOptions, ScrapeTarget, TargetHealth } from './target.js';
import { scrapeMetrics } from './metrics.js';
import { DROPPED, EXPLICIT_TS, SeriesCache } from './series-cache.js';
import { MetadataLines } from './metadata-lines.js';

export interface FamilyMetadata {
  type: MetricType;
  help: string;
  unit: string;
}

/** A scrape that must fail as a whole; the message becomes the target's lastError. */
class ScrapeFailure extends Error {}

const TIMESTAMP_TOLERANCE_MS = 25;

const REPORT_NAMES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

export interface ScrapeLoopDeps {
  appender: () => Appender;
  clock: Clock;
  logger: Logger;
}

export class ScrapeLoop {
  health: TargetHealth = 'unknown';
  lastError = '';
  lastScrape = 0;
  lastScrapeDurationMs = 0;
  readonly metadata = new Map<string, FamilyMetadata>();

  /**
   * Series of recent scrapes by their raw bytes. Labels are not kept: the head holds them, and the rare caller that
   * needs them again (a series the head garbage-collected) re-derives them from the key bytes.
   */
  private readonly cache = new SeriesCache();
  /** This target's HELP/TYPE/UNIT lines of the last body, so unchanged ones are not decoded again. */
  private readonly metadataLines = new MetadataLines();
  /** The batch reused by every scrape of this loop (its buffers keep their grown size). */
  private app: Appender | null = null;
  private readonly bodyBuffer = new BodyBuffer();
  /** One parser for every body of this loop (reset per scrape), so a scrape allocates no parser state. */
  private readonly parser = new ExpositionParser(new Uint8Array(0), 'text');
  private readonly fetcher: ScrapeFetcher;
  private readonly reportRefs = new Int32Array(REPORT_NAMES.length);
  /** The last body's sample counts: scraped, post metric relabeling, series added (no result object per scrape). */
  private readonly counts = new Float64Array(3);
  private lastContentType: string | undefined;
  private lastFormat: ExpositionFormat = 'text';
  private readonly reportLabels: Labels[];
  private readonly builder = new LabelsBuilder();
  private iter = 0;
  private offset: number | undefined;
  /** This job's children of the scrape self-metrics (resolving labels per scrape costs more than the update). */
  private selfMetrics: LoopMetrics | null = null;
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    readonly target: ScrapeTarget,
    readonly opts: ScrapeOptions,
    private readonly deps: ScrapeLoopDeps,
  ) {
    this.reportLabels = REPORT_NAMES.map((n) => withName(target.labels, n));
    this.fetcher = new ScrapeFetcher(opts.dispatcher, target.url, scrapeRequestHeaders(opts.headers, this.timeoutMs));
  }

  /** Stable offset of this target within the interval, so a job's scrapes spread evenly and keep their slot. */
  offsetMs(): number {
    // Hashed once: the labels and interval of a loop never change, and this runs before every scrape.
    return (this.offset ??= hashLabels(this.target.labels) % this.intervalMs);
  }

  get intervalMs(): number {
    return this.target.scrapeIntervalMs ?? this.opts.intervalMs;
  }

  get timeoutMs(): number {
    return this.target.scrapeTimeoutMs ?? this.opts.timeoutMs;
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const interval = this.intervalMs;
    let next = now - (now % interval) + this.offsetMs();
    if (next <= now) next += interval;
    this.timer = this.deps.clock.setTimeout(() => {
      // A timer that fires a little late still stamps the scheduled time: constant deltas between a series'
      // timestamps compress to almost nothing (Prometheus 2.43+ aligns within a tolerance the same way).
      const fired = this.deps.clock.now();
      const t = fired - next <= TIMESTAMP_TOLERANCE_MS ? next : fired;
      this.running = this.scrape(t).finally(() => {
        this.running = null;
        this.schedule();
      });
    }, next - now);
  }

  /**
   * Stops the loop, waiting for a scrape in flight. With `markStale`, every series of the last scrape and the
   * report series get a staleness marker (the target went away); without, they are left for a successor loop.
   */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    if (this.running) await this.running;
    if (!markStale) return;
    const app = this.appender();
    const t = this.deps.clock.now();
    this.appendStale(app, t, this.iter + 1);
    for (let i = 0; i < REPORT_NAMES.length; i++) this.appendRef(app, i, t, STALE_NAN);
    app.commit();
  }

  /** One scrape at time `t` (ms). Exposed for tests; the loop calls it on schedule. */
  async scrape(t: number): Promise<void> {
    const started = performance.now();
    const iter = ++this.iter;
    let scraped = 0, postRelabel = 0, added = 0;
    const app = this.appender();
    let error: string | null = null;
    try {
      const res = await this.fetcher.fetch(this.timeoutMs, this.opts.bodySizeLimit, this.bodyBuffer);
      // A target answers with the same Content-Type every time: decide the format once per distinct header.
      if (res.contentType !== this.lastContentType) {
        this.lastContentType = res.contentType;
        this.lastFormat = formatFromContentType(res.contentType);
      }
      this.appendBody(app, res.body, this.lastFormat, t, iter);
      scraped = this.counts[0]!;
      postRelabel = this.counts[1]!;
      added = this.counts[2]!;
      this.appendStale(app, t, iter);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      app.rollback();
      this.forgetIteration(iter);
      this.appendStale(app, t, iter);
    }
    const durationMs = performance.now() - started;
    this.appendRef(app, 0, t, error === null ? 1 : 0);
    this.appendRef(app, 1, t, durationMs / 1000);
    this.appendRef(app, 2, t, scraped);
    this.appendRef(app, 3, t, postRelabel);
    this.appendRef(app, 4, t, added);
    app.commit();

    this.health = error === null ? 'up' : 'down';
    this.lastError = error ?? '';
    this.lastScrape = t;
    this.lastScrapeDurationMs = durationMs;
    const m = (this.selfMetrics ??= loopMetrics(this.opts.jobName));
    (error === null ? m.success : m.failure).inc();
    m.duration.observe(durationMs / 1000);
    if (error !== null) this.deps.logger.debug('scrape failed', { url: this.target.url, err: error });
  }

  private appender(): Appender {
    return (this.app ??= this.deps.appender());
  }

  /**
   * Parses and appends one body; its sample counts (scraped, post-relabel, added) land in `counts`. Throws
   * ScrapeFailure or ParseError to fail the scrape as a whole.
   */
  private appendBody(app: Appender, body: Uint8Array, format: 'text' | 'openmetrics', t: number, iter: number): void {
    const p = this.parser;
    p.reset(body, format);
    const o = this.opts;
    const cache = this.cache;
    let scraped = 0, postRelabel = 0, added = 0, exemplars = 0;
    cache.startScrape();
    this.metadataLines.begin();
    for (;;) {
      // Fast path: the series that held this position last time, matched by its raw bytes without scanning them.
      let i = cache.hint(scraped);
      if (i >= 0 && p.nextKnownSeries(cache.keyBytes, cache.keyView, cache.keyStart(i), cache.keyLength(i))) {
        cache.hit(scraped, i);
      } else {
        const e = p.next();
        if (e === Entry.EOF) break;
        if (e !== Entry.Series) {
          if (e === Entry.Type || e === Entry.Help || e === Entry.Unit) this.noteMetadata(p, body, e, format === 'openmetrics');
          continue;
        }
        const ks = p.seriesKeyStart(), ke = p.seriesKeyEnd();
        i = cache.lookup(body, ks, ke, scraped);
        if (i < 0) {
          const labels = this.sampleLabels(p.labels());
          if (labels !== null) this.checkLabelLimits(labels);
          i = cache.insert(body, ks, ke, scraped);
          if (labels === null) cache.flags[i] = DROPPED;
          else {
            cache.ref[i] = app.ref(labels);
            added++;
          }
        }
      }
      scraped++;
      // Entry arrays are re-read after an insert: growing the cache replaces them.
      const flags = cache.flags[i]!;
      if ((flags & DROPPED) !== 0) {
        if (cache.seen[i] !== iter) cache.prev[i] = cache.seen[i]!;
        cache.seen[i] = iter;
        continue;
      }
      if (cache.seen[i] === iter) {
        // The same series twice in one body: Prometheus rejects the second as a duplicate.
        scrapeMetrics().duplicates.inc({ job: o.jobName });
        continue;
      }
      postRelabel++;
      if (o.sampleLimit > 0 && postRelabel > o.sampleLimit) {
        throw new ScrapeFailure(`sample limit exceeded (limit ${o.sampleLimit})`);
      }
      const ts = o.honorTimestamps ? p.timestamp() : undefined;
      cache.flags[i] = ts !== undefined ? flags | EXPLICIT_TS : flags & ~EXPLICIT_TS;
      cache.prev[i] = cache.seen[i]!;
      cache.seen[i] = iter;
      if (p.exemplar() !== undefined) exemplars++;
      this.appendSample(app, i, ts ?? t);
    }
    if (exemplars) scrapeMetrics().exemplars.inc({ job: o.jobName }, exemplars);
    this.counts[0] = scraped;
    this.counts[1] = postRelabel;
    this.counts[2] = added;
  }

  /**
   * Appends the parser's current value at `t` to cache entry `i`'s series, re-creating the series if the head
   * dropped it, and counts a rejection. Kept out of `appendBody` on purpose: V8 compiles this small method with the
   * appender's code inlined, so the value reaches it unboxed; inlined into the big per-body loop, the call into the
   * appender no longer fits V8's inlining budget there, and every value that is not a small integer is boxed into a
   * new heap number to pass it (measured: 113 KB/s of garbage at 10 targets × 2 000 series @ 1 s).
   */
  private appendSample(app: Appender, i: number, t: number): void {
    const cache = this.cache, p = this.parser;
    let status = app.append(cache.ref[i]!, t, p.value());
    if (status === -1) {
      // The head dropped the series since it was cached: create it again from this line's labels.
      const labels = this.sampleLabels(p.labels());
      if (labels === null) return;
      cache.ref[i] = app.ref(labels);
      status = app.append(cache.ref[i]!, t, p.value());
    }
    if (status !== AppendStatus.OK) scrapeMetrics().rejected.inc({ job: this.opts.jobName, reason: REJECT_REASON[status] ?? 'unknown' });
  }

  /** Labels of a cached series, re-derived from its key bytes as a scrape would (null if relabeling drops it). */
  private labelsOfEntry(i: number): Labels | null {
    const key = this.cache.key(i);
    const line = new Uint8Array(key.length + 3);
    line.set(key);
    line[key.length] = 0x20; // ' 0\n': a sample value so the key parses as a series line
    line[key.length + 1] = 0x30;
    line[key.length + 2] = 0x0a;
    const p = new ExpositionParser(line, 'text');
    if (p.next() !== Entry.Series) throw new Error(`BUG: cached series key does not parse: ${p.seriesKey()}`);
    return this.sampleLabels(p.labels());
  }

  /** Target labels merged in (honor_labels decides conflicts), then metric_relabel_configs; null = dropped. */
  private sampleLabels(scrapedLabels: Labels): Labels | null {
    const b = this.builder.reset(scrapedLabels);
    for (const tl of this.target.labels) {
      const existing = b.get(tl.name);
      if (this.opts.honorLabels) {
        if (existing === '') b.set(tl.name, tl.value);
        continue;
      }
      if (existing !== '') {
        // Keep the scraped value as exported_<name> (repeating the prefix past existing ones), as Prometheus does.
        let name = 'exported_' + tl.name;
        while (b.get(name) !== '') name = 'exported_' + name;
        b.set(name, existing);
      }
      b.set(tl.name, tl.value);
    }
    if (!relabelBuilder(b, this.opts.metricRelabel)) return null;
    const out = b.labels();
    return out.length === 0 ? null : out;
  }

  private checkLabelLimits(labels: Labels): void {
    const o = this.opts;
    if (o.labelLimit > 0 && labels.length > o.labelLimit) {
      throw new ScrapeFailure(`label_limit exceeded (metric: ${nameOf(labels)}, number of labels: ${labels.length}, limit: ${o.labelLimit})`);
    }
    if (o.labelNameLengthLimit === 0 && o.labelValueLengthLimit === 0) return;
    for (const l of labels) {
      if (o.labelNameLengthLimit > 0 && l.name.length > o.labelNameLengthLimit) {
        throw new ScrapeFailure(`label_name_length_limit exceeded (metric: ${nameOf(labels)}, label name: ${l.name}, limit: ${o.labelNameLengthLimit})`);
      }
      if (o.labelValueLengthLimit > 0 && l.value.length > o.labelValueLengthLimit) {
        throw new ScrapeFailure(`label_value_length_limit exceeded (metric: ${nameOf(labels)}, label value: ${l.value}, limit: ${o.labelValueLengthLimit})`);
      }
    }
  }

  /** A failed scrape's samples were rolled back: the series it touched count as last seen before it. */
  private forgetIteration(iter: number): void {
    const c = this.cache;
    for (let i = 0; i < c.end; i++) if (c.has(i) && c.seen[i] === iter) c.seen[i] = c.prev[i]!;
  }

  /**
   * Series seen in the previous iteration but not in `iter` get a stale marker at `t`. Entries unseen for a while
   * leave the cache so it does not grow with churn.
   */
  private appendStale(app: Appender, t: number, iter: number): void {
    const c = this.cache;
    for (let i = 0; i < c.end; i++) {
      if (!c.has(i)) continue;
      const seen = c.seen[i]!;
      if (seen === iter) continue;
      if (seen === iter - 1 && (c.flags[i]! & (DROPPED | EXPLICIT_TS)) === 0) {
        if (app.append(c.ref[i]!, t, STALE_NAN) === -1) {
          const labels = this.labelsOfEntry(i);
          if (labels !== null) app.append(app.ref(labels), t, STALE_NAN);
        }
      }
      if (seen < iter - 10) c.delete(i);
    }
  }

  private appendRef(app: Appender, i: number, t: number, v: number): void {
    let ref = this.reportRefs[i]!;
    if (ref === 0 || app.append(ref, t, v) === -1) {
      ref = app.ref(this.reportLabels[i]!);
      this.reportRefs[i] = ref;
      app.append(ref, t, v);
    }
  }

  private noteMetadata(p: ExpositionParser, body: Uint8Array, e: Entry, openMetrics: boolean): void {
    const lines = this.metadataLines;
    const pos = lines.note(p, body, e, openMetrics);
    const fam = lines.family[pos]!;
    let md = this.metadata.get(fam);
    if (!md) {
      md = { type: 'unknown', help: '', unit: '' };
      this.metadata.set(fam, md);
    }
    if (e === Entry.Type) md.type = p.type();
    else if (e === Entry.Help) md.help = lines.text[pos]!;
    else md.unit = lines.text[pos]!;
  }
}

const REJECT_REASON: Record<number, string> = {
  [AppendStatus.OutOfOrder]: 'out_of_order',
  [AppendStatus.DuplicateTimestamp]: 'duplicate_timestamp',
  [AppendStatus.OutOfBounds]: 'out_of_bounds',
};

interface LoopMetrics {
  success: { inc(): void };
  failure: { inc(): void };
  duration: { observe(v: number): void };
}

function loopMetrics(job: string): LoopMetrics {
  const m = scrapeMetrics();
  return {
    success: m.scrapes.labels({ job, result: 'success' }),
    failure: m.scrapes.labels({ job, result: 'failure' }),
    duration: m.duration.labels({ job }),
  };
}

function withName(labels: Labels, name: string): Labels {
  const out: Label[] = labels.filter((l) => l.name !== METRIC_NAME);
  out.push({ name: METRIC_NAME, value: name });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function nameOf(labels: Labels): string {
  for (const l of labels) if (l.name === METRIC_NAME) return l.value;
  return labelsKey(labels);
}
