import type { ScrapeConfig } from '../config/index.js';
import { formatDuration, parseDuration } from '../model/duration.js';
import type { Label, Labels } from '../model/labels.js';
import { LabelsBuilder, relabelBuilder } from '../scrape/relabel/index.js';
import { ADDRESS_LABEL } from './static.js';
import type { TargetGroup } from './types.js';

export const JOB_LABEL = 'job';
export const INSTANCE_LABEL = 'instance';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';

/** A target that survived relabeling: what the scrape loop scrapes and /api/v1/targets shows as active. */
export interface ScrapeTarget {
  /** Labels before relabeling (target, group, job and scrape defaults): /api/v1/targets `discoveredLabels`. */
  discoveredLabels: Labels;
  /** Labels after relabeling with `__meta_*` removed and `instance` defaulted; keeps `__address__`, `__scheme__`, … */
  targetLabels: Labels;
  /** The labels attached to scraped series: targetLabels without any `__`-prefixed name. */
  labels: Labels;
  /** `scheme://address/path?params` built from the target labels and the job's params. */
  url: string;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
}

/** A target that relabeling dropped (shown as dropped in /api/v1/targets). */
export interface DroppedTarget {
  discoveredLabels: Labels;
}

/** A target that cannot be scraped (no address, bad interval…); logged by the caller, not scraped. */
export interface FailedTarget {
  discoveredLabels: Labels;
  error: string;
}

export interface GroupTargets {
  active: ScrapeTarget[];
  dropped: DroppedTarget[];
  failed: FailedTarget[];
}

const builder = new LabelsBuilder();

/**
 * Prometheus's `targetsFromGroup` + `PopulateLabels` (2.42+: no default port is added): for each target of the
 * group, merge target and group labels (the target's win), add `job`, `__scheme__`, `__metrics_path__`,
 * `__scrape_interval__`, `__scrape_timeout__` and `__param_<name>` when absent, apply `relabel_configs`, drop
 * `__meta_*` labels and default `instance` to `__address__`. Pure.
 */
export function targetsFromGroup(group: TargetGroup, sc: ScrapeConfig): GroupTargets {
  const out: GroupTargets = { active: [], dropped: [], failed: [] };
  const defaults: Label[] = [
    { name: JOB_LABEL, value: sc.jobName },
    { name: SCRAPE_INTERVAL_LABEL, value: formatDuration(sc.scrapeIntervalMs) },
    { name: SCRAPE_TIMEOUT_LABEL, value: formatDuration(sc.scrapeTimeoutMs) },
    { name: METRICS_PATH_LABEL, value: sc.metricsPath },
    { name: SCHEME_LABEL, value: sc.scheme },
  ];
  for (const [name, values] of Object.entries(sc.params)) {
    if (values.length > 0) defaults.push({ name: PARAM_LABEL_PREFIX + name, value: values[0]! });
  }
  for (const target of group.targets) {
    const b = builder.reset(target);
    for (const l of group.labels) if (b.get(l.name) === '') b.set(l.name, l.value);
    for (const l of defaults) if (b.get(l.name) === '') b.set(l.name, l.value);
    const discoveredLabels = b.labels();
    if (!relabelBuilder(b, sc.relabelConfigs)) {
      out.dropped.push({ discoveredLabels });
      continue;
    }
    const address = b.get(ADDRESS_LABEL);
    if (address === '') { out.failed.push({ discoveredLabels, error: 'no address' }); continue; }
    if (address.includes('/')) { out.failed.push({ discoveredLabels, error: `${JSON.stringify(address)} is not a valid hostname` }); continue; }

    let intervalMs: number, timeoutMs: number;
    try {
      intervalMs = parseDuration(b.get(SCRAPE_INTERVAL_LABEL));
      timeoutMs = parseDuration(b.get(SCRAPE_TIMEOUT_LABEL));
    } catch (e) {
      out.failed.push({ discoveredLabels, error: `error parsing scrape interval or timeout: ${(e as Error).message}` });
      continue;
    }
    if (intervalMs === 0) { out.failed.push({ discoveredLabels, error: 'scrape interval cannot be 0' }); continue; }
    if (timeoutMs === 0) { out.failed.push({ discoveredLabels, error: 'scrape timeout cannot be 0' }); continue; }
    if (timeoutMs > intervalMs) {
      out.failed.push({
        discoveredLabels,
        error: `scrape timeout cannot be greater than scrape interval (${JSON.stringify(formatDuration(timeoutMs))} > ${JSON.stringify(formatDuration(intervalMs))})`,
      });
      continue;
    }
    for (let i = b.size - 1; i >= 0; i--) {
      const name = b.nameAt(i);
      if (name.startsWith(META_LABEL_PREFIX)) b.del(name);
    }
    if (b.get(INSTANCE_LABEL) === '') b.set(INSTANCE_LABEL, address);
    const targetLabels = b.labels();
    out.active.push({
      discoveredLabels,
      targetLabels,
      labels: targetLabels.filter((l) => !l.name.startsWith('__')),
      url: scrapeUrl(targetLabels, sc.params),
      scrapeIntervalMs: intervalMs,
      scrapeTimeoutMs: timeoutMs,
    });
  }
  return out;
}

/**
 * The scrape URL of a target, as Prometheus's `Target.URL()`: scheme, address and path from the labels; query
 * from the job's params with each `__param_<name>` label replacing that name's first value; keys sorted.
 */
export function scrapeUrl(targetLabels: Labels, params: Readonly<Record<string, readonly string[]>>): string {
  const q = new Map<string, string[]>();
  for (const [k, v] of Object.entries(params)) q.set(k, [...v]);
  let scheme = '', address = '', metricsPath = '';
  for (const l of targetLabels) {
    if (l.name === SCHEME_LABEL) scheme = l.value;
    else if (l.name === ADDRESS_LABEL) address = l.value;
    else if (l.name === METRICS_PATH_LABEL) metricsPath = l.value;
    else if (l.name.startsWith(PARAM_LABEL_PREFIX)) {
      const k = l.name.slice(PARAM_LABEL_PREFIX.length);
      const vs = q.get(k);
      if (vs && vs.length > 0) vs[0] = l.value; else q.set(k, [l.value]);
    }
  }
  const parts: string[] = [];
  for (const k of [...q.keys()].sort()) for (const v of q.get(k)!) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
  if (metricsPath !== '' && !metricsPath.startsWith('/')) metricsPath = '/' + metricsPath;
  return `${scheme}://${address}${metricsPath}${parts.length > 0 ? '?' + parts.join('&') : ''}`;
}

/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay literal; space becomes '+'. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}
