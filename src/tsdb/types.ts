/**
 * The engine's narrow interfaces: what the scrape loop, remote-write, rules and import write through (`Appender`),
 * and what PromQL and the APIs read through (`Querier`). Everything else in src/tsdb is private to the engine.
 *
 * Timestamps are milliseconds since the epoch as plain numbers (exact to ±2^53), values are float64.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** Opaque, process-local id of a head series. 0 is never a valid ref. */
export type SeriesRef = number;

/** Outcome of one `Appender.append`; anything but OK means the sample was dropped and counted. */
export const enum AppendStatus {
  OK = 0,
  /** Older than the series' newest sample. */
  OutOfOrder = 1,
  /** Same timestamp as the newest sample, different value (same value is accepted silently, as Prometheus does). */
  DuplicateTimestamp = 2,
  /** Older than what the head accepts (already persisted in a block). */
  OutOfBounds = 3,
}

/**
 * A batch of samples committed atomically (one scrape, one remote-write request, one rule group evaluation).
 * Nothing is visible to queriers, nor in the WAL, before `commit()`; after `commit()` returns, the batch is in the
 * WAL (written to the OS; fsync follows on the WAL's timer) and visible to new queriers.
 */
export interface Appender {
  /**
   * Returns the ref of the series with these labels, creating it if needed. Labels must be normalized
   * (sorted, unique names, no empty values). A ref stays valid for as long as the series is in the head; callers may
   * cache it across batches (the scrape cache does) and must handle `append` returning -1 for a ref the head dropped.
   */
  ref(labels: Labels): SeriesRef;
  /** Queues one sample. Returns an AppendStatus, or -1 if `ref` is unknown (series was garbage collected). */
  append(ref: SeriesRef, t: number, v: number): AppendStatus | -1;
  commit(): void;
  rollback(): void;
}

/** Decoded samples of one series over a time range, in time order. Only the first `length` entries are valid. */
export interface SampleBuffer {
  t: Float64Array;
  v: Float64Array;
  length: number;
}

/**
 * What the samples of a downsampled read stand for, per window: the stored aggregates, or avg (sum / count). A
 * `counter` read is a reset-adjusted, monotonic chain of the counter's first and last value in each window.
 */
export type SampleAggregate = 'count' | 'sum' | 'min' | 'max' | 'counter' | 'avg';

export interface Series {
  readonly labels: Labels;
  /**
   * Set when the samples are window aggregates whose meaning differs from raw samples for the caller: 'count' means
   * each value counts raw samples (so count_over_time must add them up). Absent for raw samples.
   */
  readonly aggregate?: SampleAggregate;
  /** Samples with mint <= t <= maxt of the select() that produced this series, merged over head and blocks. */
  samples(): SampleBuffer;
}

export interface SelectHints {
  /** Resolution in ms the caller would be happy with (0 = raw). Used by downsampled tiers. */
  resolution?: number;
  /** Caller needs only the label sets (e.g. /api/v1/series); samples() may then return nothing. */
  labelsOnly?: boolean;
  /** Which aggregate downsampled data should supply (default avg); raw data is returned as is. */
  aggregate?: SampleAggregate;
  /**
   * Caller reads only each series' newest sample in [mint, maxt] (an instant selector read at one time). A source
   * may then return a suffix of the range's samples that still holds that newest sample (e.g. only the newest
   * overlapping chunk); sources that ignore the hint return everything, which is equally correct.
   */
  latestOnly?: boolean;
}

/**
 * A consistent read view over head and blocks. Results are sorted by labels (compareLabels) and each label set
 * appears once. A querier must be closed; blocks it reads are not deleted while it is open.
 */
export interface Querier {
  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): Series[];
  labelNames(matchers: readonly Matcher[], mint: number, maxt: number): string[];
  labelValues(name: string, matchers: readonly Matcher[], mint: number, maxt: number): string[];
  /** Resolutions (ms, 0 = raw) that served this querier's selects so far; optional (queriers of one tier omit it). */
  servedResolutions?(): number[];
  close(): void;
}

export interface Queryable {
  querier(): Querier;
}

/** The engine as the rest of the daemon sees it. */
export interface Storage extends Queryable {
  appender(): Appender;
  close(): Promise<void>;
}
