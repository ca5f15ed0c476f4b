/**
 * A tap on the ingest path: wraps an Appender factory so that every committed batch is also offered to observers
 * (the remote-write queues). Samples are recorded in typed arrays as they are appended and handed over only after
 * the inner `commit()` returned, so observers see exactly what the engine accepted, in commit order.
 *
 * The tap remembers the labels of every ref its appenders resolved (callers such as the scrape cache keep refs
 * across batches and call `ref()` only once per series). That map is never pruned: a series the head garbage
 * collected keeps its entry until the process restarts (see README.md).
 */
import type { Logger } from '../log/index.js';
import { nopLogger } from '../log/index.js';
import type { Labels } from '../model/labels.js';
import { AppendStatus, type Appender, type SeriesRef } from '../tsdb/types.js';

/**
 * One committed batch. Valid only during `onCommit`: the arrays are reused for the next batch, so an observer
 * copies what it keeps. Only the first `length` entries are meaningful.
 */
export interface CommittedBatch {
  readonly length: number;
  readonly refs: Float64Array;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** Labels of a ref seen in this or an earlier batch of the same tap. */
  labelsOf(ref: SeriesRef): Labels | undefined;
}

/** Receives committed batches. Must not throw and must return quickly (it runs on the ingest path). */
export interface CommitObserver {
  onCommit(batch: CommittedBatch): void;
}

/**
 * @example
 * const tap = new AppenderTap(() => db.appender());
 * tap.subscribe(remoteWriter);
 * new ScrapeManager({ appender: tap.appender, ... });
 */
export class AppenderTap {
  private readonly labels = new Map<SeriesRef, Labels>();
  private readonly observers = new Set<CommitObserver>();

  /**
   * `resolve`, if given, looks a ref's labels up in the engine (the head keeps them anyway): the tap then remembers
   * nothing, which saves a Labels value per series (about 0.5 KiB each in the daemon).
   */
  constructor(
    private readonly inner: () => Appender,
    private readonly logger: Logger = nopLogger,
    private readonly resolve: ((ref: SeriesRef) => Labels | undefined) | null = null,
  ) {}

  /** The wrapped factory, to hand to the scrape manager, rules and the remote-write receiver. */
  readonly appender = (): Appender => new TappedAppender(this.inner(), this);

  /** Adds an observer; returns the function that removes it. */
  subscribe(o: CommitObserver): () => void {
    this.observers.add(o);
    return () => this.observers.delete(o);
  }

  /** Number of refs whose labels the tap remembers. */
  get knownSeries(): number {
    return this.labels.size;
  }

  /** @internal */
  get observing(): boolean {
    return this.observers.size > 0;
  }

  /** @internal */
  remember(ref: SeriesRef, labels: Labels): void {
    if (this.resolve === null && this.labels.get(ref) !== labels) this.labels.set(ref, labels);
  }

  /** @internal */
  labelsOf = (ref: SeriesRef): Labels | undefined => (this.resolve === null ? this.labels.get(ref) : this.resolve(ref));

  /** @internal */
  publish(batch: CommittedBatch): void {
    for (const o of this.observers) {
      try {
        o.onCommit(batch);
      } catch (e) {
        this.logger.error('BUG: commit observer threw', { err: e });
      }
    }
  }
}

class TappedAppender implements Appender, CommittedBatch {
  refs = new Float64Array(64);
  t = new Float64Array(64);
  v = new Float64Array(64);
  length = 0;

  constructor(private readonly inner: Appender, private readonly tap: AppenderTap) {}

  labelsOf(ref: SeriesRef): Labels | undefined {
    return this.tap.labelsOf(ref);
  }

  ref(labels: Labels): SeriesRef {
    const r = this.inner.ref(labels);
    this.tap.remember(r, labels);
    return r;
  }

  append(ref: SeriesRef, t: number, v: number): AppendStatus | -1 {
    const st = this.inner.append(ref, t, v);
    if (st === AppendStatus.OK && this.tap.observing) {
      if (this.length === this.t.length) this.grow();
      const i = this.length++;
      this.refs[i] = ref;
      this.t[i] = t;
      this.v[i] = v;
    }
    return st;
  }

  commit(): void {
    try {
      this.inner.commit();
      if (this.length > 0) this.tap.publish(this);
    } finally {
      this.length = 0;
    }
  }

  rollback(): void {
    this.length = 0;
    this.inner.rollback();
  }

  private grow(): void {
    const c = this.t.length * 2;
    const refs = new Float64Array(c), t = new Float64Array(c), v = new Float64Array(c);
    refs.set(this.refs);
    t.set(this.t);
    v.set(this.v);
    this.refs = refs;
    this.t = t;
    this.v = v;
  }
}
