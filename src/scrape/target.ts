import type { Labels } from '../model/labels.js';
import type { RelabelConfig } from './relabel/index.js';
import type { Dispatcher } from 'undici';

/** One thing to scrape, after service discovery and target relabeling. */
export interface ScrapeTarget {
  /** Full URL: scheme://address/metrics_path?params. */
  readonly url: string;
  /** Final target labels (job, instance, …), attached to every sample; no `__` labels. */
  readonly labels: Labels;
  /** Labels as discovered, before relabel_configs (shown by /api/v1/targets). */
  readonly discoveredLabels: Labels;
  /** Per-target interval and timeout (from `__scrape_interval__` / `__scrape_timeout__`); default: the job's. */
  readonly scrapeIntervalMs?: number;
  readonly scrapeTimeoutMs?: number;
}

/** How a job scrapes its targets: the resolved, defaulted form of one `scrape_configs` entry. */
export interface ScrapeOptions {
  readonly jobName: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  /** 0 = no limit, for this and the other limits. */
  readonly sampleLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly bodySizeLimit: number;
  readonly metricRelabel: readonly RelabelConfig[];
  /** Authorization headers resolved from basic_auth / authorization. */
  readonly headers: Readonly<Record<string, string>>;
  /** Connection pool for this job (TLS settings live here). */
  readonly dispatcher: Dispatcher;
}

export type TargetHealth = 'up' | 'down' | 'unknown';

/**
 * A job's options with nothing switched on — no limits, no metric relabeling, no credentials — overridden by
 * `over`: the starting point of tests and benchmarks that drive scrape loops directly.
 */
export function plainScrapeOptions(jobName: string, dispatcher: Dispatcher, over: Partial<ScrapeOptions> = {}): ScrapeOptions {
  return {
    jobName,
    intervalMs: 1000,
    timeoutMs: 500,
    honorLabels: false,
    honorTimestamps: true,
    sampleLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    bodySizeLimit: 0,
    metricRelabel: [],
    headers: {},
    dispatcher,
    ...over,
  };
}
