import { Engine } from '../promql/index.js';
import { parseMaxSourceResolution } from '../tsdb/downsample/policy.js';
import { BadDataError } from '../model/errors.js';
import type { Queryable, SelectHints } from '../tsdb/types.js';
import type { QueryOptions, QueryResult, QueryRunner } from './query-runner.js';

/** Evaluates on the calling thread: for tests, tools and the worker threads themselves. */
export class LocalQueryRunner implements QueryRunner {
  constructor(
    private readonly storage: Queryable,
    private readonly engine = new Engine(),
  ) {}

  async instant(expr: string, t: number, opts?: QueryOptions): Promise<QueryResult> {
    const value = this.engine.instantQuery(this.storage, expr, t, hintsOf(opts));
    return withResolutionWarning(value, this.engine.servedResolutions);
  }

  async range(expr: string, start: number, end: number, stepMs: number, opts?: QueryOptions): Promise<QueryResult> {
    const value = this.engine.rangeQuery(this.storage, expr, start, end, stepMs, hintsOf(opts));
    return withResolutionWarning(value, this.engine.servedResolutions);
  }
}

/** `max_source_resolution` as select hints: a fixed resolution, or none (auto: the engine decides per selector). */
function hintsOf(opts: QueryOptions | undefined): SelectHints | undefined {
  let r: number | undefined;
  try {
    r = parseMaxSourceResolution(opts?.maxSourceResolution);
  } catch (e) {
    throw new BadDataError((e as Error).message);
  }
  return r === undefined ? undefined : { resolution: r };
}

/** Says in the answer's warnings when downsampled data served it (Prometheus clients show warnings as they are). */
function withResolutionWarning(value: QueryResult['value'], served: readonly number[]): QueryResult {
  const coarse = served.filter((r) => r > 0);
  if (coarse.length === 0) return { value };
  const name = (r: number) => (r % 3_600_000 === 0 ? `${r / 3_600_000}h` : `${r / 60_000}m`);
  return { value, warnings: [`served from downsampled data at resolution ${coarse.map(name).join(', ')}${served.includes(0) ? ' and raw data' : ''}`] };
}
