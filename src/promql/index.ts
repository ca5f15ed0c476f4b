/**
 * PromQL for vigil: parse (`parseExpr`) and evaluate (`Engine`) queries with Prometheus 2.42 semantics against any
 * `Queryable`. The HTTP API, rules and CLI use only what is exported here.
 */
export { parseExpr } from './parser.js';
export { PromQLParseError } from './lexer.js';
export { Engine, type EngineOptions, type Value, type MatrixSeries } from './engine.js';
export type { Expr, ValueType } from './ast.js';
export { exprType } from './ast.js';
