import { Engine } from '../promql/index.js';
import type { Queryable } from '../tsdb/types.js';
import type { QueryOptions, QueryResult, QueryRunner } from './query-runner.js';

/** Evaluates on the calling thread: for tests, tools and the worker threads themselves. */
export class LocalQueryRunner implements QueryRunner {
  constructor(
    private readonly storage: Queryable,
    private readonly engine = new Engine(),
  ) {}

  async instant(expr: string, t: number, _opts?: QueryOptions): Promise<QueryResult> {
    return { value: this.engine.instantQuery(this.storage, expr, t) };
  }

  async range(expr: string, start: number, end: number, stepMs: number, _opts?: QueryOptions): Promise<QueryResult> {
    return { value: this.engine.rangeQuery(this.storage, expr, start, end, stepMs) };
  }
}
