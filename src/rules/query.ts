/**
 * The bridge from the PromQL engine to rules: Prometheus's EngineQueryFunc. A vector result is returned as is, a
 * scalar becomes one sample with no labels, anything else is an error (rules need instant vectors).
 */
import { Engine } from '../promql/index.js';
import type { Queryable } from '../tsdb/types.js';
import { ExecutionError } from '../model/errors.js';
import type { QueryFunc } from './template.js';

/** A QueryFunc evaluating instant queries with `engine` against `queryable`. */
export function engineQueryFunc(queryable: Queryable, engine: Engine = new Engine()): QueryFunc {
  return async (expr, tMs) => {
    const v = engine.instantQuery(queryable, expr, tMs);
    switch (v.type) {
      case 'vector': return v.samples;
      case 'scalar': return [{ labels: [], t: v.t, v: v.v }];
      default: throw new ExecutionError(`rule result is not a vector or scalar: got ${v.type}`);
    }
  };
}
