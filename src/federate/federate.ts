/**
 * `GET /federate?match[]=…`: the latest sample of every series any selector matches, as exposition text 0.0.4,
 * so another Prometheus (or vigil) can scrape this one. Semantics follow Prometheus's federation handler: the
 * newest sample within the lookback window ending now, stale markers left out, external labels added where the
 * series lacks them, series grouped and sorted by metric name with one `# TYPE` line per name, each sample with
 * its own timestamp.
 */
import type { Logger } from '../log/index.js';
import { BadDataError } from '../model/errors.js';
import { METRIC_NAME, compareLabels, getLabel, labelsKey, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { isStaleNaN } from '../model/sample.js';
import type { Queryable } from '../tsdb/types.js';
import { parseSeriesSelector } from '../api/selector.js';
import type { Request, Response, Router } from '../api/router.js';
import { TextWriter, type MetricType } from '../scrape/parse/index.js';
import { withExternalLabels } from '../remote/labels.js';

/** Prometheus's default `--query.lookback-delta`. */
export const DEFAULT_LOOKBACK_MS = 5 * 60 * 1000;

export const FEDERATE_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface FederateDeps {
  storage: Queryable;
  /** Read per request, so a config reload takes effect. */
  externalLabels: Labels | (() => Labels);
  logger: Logger;
  /** Default Date.now. */
  now?: () => number;
  /** Default 5m. */
  lookbackMs?: number;
  /** The type of a metric family when known (scrape metadata); `untyped` otherwise. */
  metricType?: (name: string) => MetricType | undefined;
}

interface Latest {
  labels: Labels;
  name: string;
  t: number;
  v: number;
}

/**
 * Selects the newest non-stale sample in [now − lookback, now] of each series matched by any of the selectors,
 * each series once, sorted by metric name and then by labels.
 */
export function latestSamples(storage: Queryable, selectors: readonly Matcher[][], now: number, lookbackMs: number): Latest[] {
  const mint = now - lookbackMs;
  const seen = new Set<string>();
  const out: Latest[] = [];
  const q = storage.querier();
  try {
    for (const matchers of selectors) {
      for (const s of q.select(matchers, mint, now)) {
        const key = labelsKey(s.labels);
        if (seen.has(key)) continue;
        seen.add(key);
        const buf = s.samples();
        // Samples are in time order: the last one at or before `now` is the newest in the window.
        let i = buf.length - 1;
        while (i >= 0 && buf.t[i]! > now) i--;
        if (i < 0 || buf.t[i]! < mint) continue;
        const v = buf.v[i]!;
        if (isStaleNaN(v)) continue;
        out.push({ labels: s.labels, name: getLabel(s.labels, METRIC_NAME), t: buf.t[i]!, v });
      }
    }
  } finally {
    q.close();
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareLabels(a.labels, b.labels)));
  return out;
}

/** Renders samples (sorted by name, as latestSamples returns them) as text format 0.0.4. */
export function renderFederation(
  samples: readonly Latest[],
  external: Labels,
  metricType: (name: string) => MetricType | undefined = () => undefined,
): string {
  const w = new TextWriter();
  let current: string | null = null;
  for (const s of samples) {
    if (s.name !== current) {
      current = s.name;
      w.writeType(s.name, metricType(s.name) ?? 'untyped');
    }
    w.writeSeries(withExternalLabels(s.labels, external), s.v, s.t);
  }
  return w.flush();
}

/** Adds `GET /federate` to the router. Bad or missing `match[]` answers 400 with the reason. */
export function registerFederate(router: Router, deps: FederateDeps): void {
  const now = deps.now ?? Date.now;
  const lookback = deps.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  const external = typeof deps.externalLabels === 'function' ? deps.externalLabels : ((l: Labels) => () => l)(deps.externalLabels);
  router.add(['GET', 'POST'], '/federate', (req: Request): Response => {
    try {
      const raw = req.params.getAll('match[]');
      if (raw.length === 0) throw new BadDataError('no match[] parameter provided');
      const selectors = raw.map((s) => {
        try {
          return parseSeriesSelector(s);
        } catch (e) {
          throw new BadDataError(`invalid parameter "match[]": ${(e as Error).message}`);
        }
      });
      const body = renderFederation(latestSamples(deps.storage, selectors, now(), lookback), external(), deps.metricType);
      return { status: 200, headers: { 'Content-Type': FEDERATE_CONTENT_TYPE }, body };
    } catch (e) {
      if (!(e instanceof BadDataError)) throw e;
      deps.logger.debug('federation request refused', { err: e });
      return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: e.message + '\n' };
    }
  });
}
