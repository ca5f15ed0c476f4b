/**
 * Prometheus HTTP API v1 over vigil's engine: the same paths, parameters and JSON shapes, so Grafana's
 * Prometheus data source, promtool and scripts work unchanged. Query evaluation itself is behind `QueryRunner`
 * (worker threads in the daemon, in-process in tests).
 */
import { BadDataError } from '../model/errors.js';
import { Matcher } from '../model/matcher.js';
import { labelsToObject, type Labels } from '../model/labels.js';
import type { Queryable } from '../tsdb/types.js';
import { parseSeriesSelector } from './selector.js';
import type { Router, Request, Response } from './router.js';
import { errorResponse, success } from './errors.js';
import { formatValue, timestampJSON } from './format.js';
import { querySuccessJSON } from './result-json.js';
import { MAX_TIME, MIN_TIME, parseDurationParam, timeParam } from './params.js';
import type { QueryResult, QueryRunner } from './query-runner.js';

export interface ApiV1Deps {
  storage: Queryable;
  queries: QueryRunner;
  /** /api/v1/targets body (`data`), given the `state` filter. */
  targets(state: string): unknown;
  /** /api/v1/metadata body (`data`). */
  metadata(metric: string, limit: number): unknown;
  /** The config file's text, for /api/v1/status/config. */
  configYaml(): string;
  tsdbStatus(): unknown;
  now?: () => number;
}

export const BUILD_INFO = {
  version: '2.42.0-vigil.0.1.0',
  revision: 'vigil',
  branch: 'main',
  buildUser: 'vigil',
  buildDate: '20261125-00:00:00',
  goVersion: 'node' + process.versions.node,
};

const MAX_POINTS = 11_000;

export function registerApiV1(router: Router, deps: ApiV1Deps): void {
  const now = deps.now ?? Date.now;
  const both = ['GET', 'POST'] as const;
  const wrap = (fn: (req: Request) => Promise<Response> | Response) => async (req: Request) => {
    try {
      return await fn(req);
    } catch (e) {
      return errorResponse(e);
    }
  };

  router.add(both, '/api/v1/query', wrap(async (req) => {
    const query = requireParam(req, 'query');
    const t = timeParam(req.params, 'time', now());
    const timeoutMs = optionalDuration(req, 'timeout');
    const res = await deps.queries.instant(query, t, { timeoutMs, maxSourceResolution: resolutionParam(req) });
    return json200(querySuccessJSON(res));
  }));

  router.add(both, '/api/v1/query_range', wrap(async (req) => {
    const query = requireParam(req, 'query');
    const start = timeParam(req.params, 'start', NaN);
    const end = timeParam(req.params, 'end', NaN);
    if (Number.isNaN(start)) throw new BadDataError('invalid parameter "start": cannot parse "" to a valid timestamp');
    if (Number.isNaN(end)) throw new BadDataError('invalid parameter "end": cannot parse "" to a valid timestamp');
    if (end < start) throw new BadDataError('invalid parameter "end": end timestamp must not be before start time');
    const stepRaw = req.params.get('step') ?? '';
    let step: number;
    try {
      step = parseDurationParam(stepRaw);
    } catch (e) {
      throw new BadDataError(`invalid parameter "step": ${(e as Error).message}`);
    }
    if (step <= 0) {
      throw new BadDataError('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    }
    if ((end - start) / step > MAX_POINTS) {
      throw new BadDataError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const timeoutMs = optionalDuration(req, 'timeout');
    const res = await deps.queries.range(query, start, end, step, { timeoutMs, maxSourceResolution: resolutionParam(req) });
    return json200(querySuccessJSON(res));
  }));

  router.add(both, '/api/v1/query_exemplars', wrap(() => success([])));

  router.add(both, '/api/v1/series', wrap((req) => {
    const selectors = req.params.getAll('match[]');
    if (selectors.length === 0) throw new BadDataError('no match[] parameter provided');
    const { start, end } = timeRange(req);
    const q = deps.storage.querier();
    try {
      const seen = new Map<string, Labels>();
      for (const s of selectors) {
        for (const series of q.select(parseMatchers(s), start, end, { labelsOnly: true })) {
          seen.set(JSON.stringify(series.labels), series.labels);
        }
      }
      const limit = limitParam(req);
      const out = [...seen.values()].map(labelsToObject);
      return success(limit > 0 ? out.slice(0, limit) : out);
    } finally {
      q.close();
    }
  }));

  router.add(both, '/api/v1/labels', wrap((req) => {
    const { start, end } = timeRange(req);
    const q = deps.storage.querier();
    try {
      const names = new Set<string>();
      const selectors = req.params.getAll('match[]');
      if (selectors.length === 0) for (const n of q.labelNames([], start, end)) names.add(n);
      for (const s of selectors) for (const n of q.labelNames(parseMatchers(s), start, end)) names.add(n);
      const limit = limitParam(req);
      const out = [...names].sort();
      return success(limit > 0 ? out.slice(0, limit) : out);
    } finally {
      q.close();
    }
  }));

  router.add(['GET'], '/api/v1/label/:name/values', wrap((req) => {
    const name = req.pathParams.name!;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new BadDataError(`invalid label name: "${name}"`);
    const { start, end } = timeRange(req);
    const q = deps.storage.querier();
    try {
      const values = new Set<string>();
      const selectors = req.params.getAll('match[]');
      if (selectors.length === 0) for (const v of q.labelValues(name, [], start, end)) values.add(v);
      for (const s of selectors) for (const v of q.labelValues(name, parseMatchers(s), start, end)) values.add(v);
      const limit = limitParam(req);
      const out = [...values].sort();
      return success(limit > 0 ? out.slice(0, limit) : out);
    } finally {
      q.close();
    }
  }));

  router.add(['GET'], '/api/v1/metadata', wrap((req) => {
    const limit = Number(req.params.get('limit') ?? '-1');
    return success(deps.metadata(req.params.get('metric') ?? '', Number.isFinite(limit) ? limit : -1));
  }));
  router.add(['GET'], '/api/v1/targets', wrap((req) => success(deps.targets(req.params.get('state') ?? 'any'))));
  router.add(['GET'], '/api/v1/status/buildinfo', wrap(() => success(BUILD_INFO)));
  router.add(['GET'], '/api/v1/status/config', wrap(() => success({ yaml: deps.configYaml() })));
  router.add(['GET'], '/api/v1/status/tsdb', wrap(() => success(deps.tsdbStatus())));
  router.add(['GET'], '/api/v1/status/flags', wrap(() => success({})));
  router.add(['GET'], '/api/v1/status/runtimeinfo', wrap(() => success({
    startTime: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    CWD: process.cwd(),
    reloadConfigSuccess: true,
    goroutineCount: 0,
    GOMAXPROCS: 1,
    storageRetention: '',
  })));
}

/** A 200 answer whose body is JSON already (the query endpoints write theirs as bytes: result-json.ts). */
function json200(body: Buffer): Response {
  return { status: 200, headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, body };
}

function requireParam(req: Request, name: string): string {
  const v = req.params.get(name);
  if (v === null || v === '') throw new BadDataError(`invalid parameter "${name}": empty`);
  return v;
}

function optionalDuration(req: Request, name: string): number | undefined {
  const v = req.params.get(name);
  if (v === null || v === '') return undefined;
  try {
    return parseDurationParam(v);
  } catch (e) {
    throw new BadDataError(`invalid parameter "${name}": ${(e as Error).message}`);
  }
}

function resolutionParam(req: Request): string {
  const v = req.params.get('max_source_resolution') ?? 'auto';
  if (!['raw', '5m', '1h', 'auto', '0s', '0'].includes(v)) {
    throw new BadDataError(`invalid parameter "max_source_resolution": must be raw, 5m, 1h or auto, got "${v}"`);
  }
  return v === '0s' || v === '0' ? 'raw' : v;
}

function limitParam(req: Request): number {
  const v = req.params.get('limit');
  if (v === null || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new BadDataError(`invalid parameter "limit": cannot parse "${v}" to a valid limit`);
  return n;
}

function timeRange(req: Request): { start: number; end: number } {
  return { start: timeParam(req.params, 'start', MIN_TIME), end: timeParam(req.params, 'end', MAX_TIME) };
}

function parseMatchers(selector: string): Matcher[] {
  try {
    return parseSeriesSelector(selector);
  } catch (e) {
    throw new BadDataError(`invalid parameter "match[]": ${(e as Error).message}`);
  }
}

/**
 * The engine's result in Prometheus's JSON shape (values as strings, times as float seconds), as an object tree.
 * The query endpoints write the same JSON without the tree (result-json.ts, checked against this one).
 */
export function formatResult(res: QueryResult): unknown {
  const v = res.value;
  switch (v.type) {
    case 'scalar':
      return { resultType: 'scalar', result: [timestampJSON(v.t), formatValue(v.v)] };
    case 'string':
      return { resultType: 'string', result: [timestampJSON(v.t), v.v] };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: labelsToObject(s.labels), value: [timestampJSON(s.t), formatValue(s.v)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => {
          const values: [number, string][] = new Array(s.t.length);
          for (let i = 0; i < s.t.length; i++) values[i] = [timestampJSON(s.t[i]!), formatValue(s.v[i]!)];
          return { metric: labelsToObject(s.labels), values };
        }),
      };
  }
}
