/**
 * PromQL syntax tree, as produced by `parseExpr` and consumed by the engine. Nodes are plain objects; the engine keys
 * its per-query caches by node identity, so one parsed tree may be evaluated many times but must not be mutated.
 */
import type { Matcher } from '../model/matcher.js';

/** The four value types of PromQL, named as Prometheus's parser names them. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Byte offsets [start, end) into the query text, for error messages. */
export interface PosRange {
  start: number;
  end: number;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless';

export type AggregateOp =
  | 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar'
  | 'quantile' | 'topk' | 'bottomk' | 'count_values';

/** `@ <t>` on a selector or subquery: a fixed time in ms, or the query's start/end resolved at evaluation. */
export type AtModifier = { kind: 'time'; t: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberLiteral { type: 'NumberLiteral'; value: number; pos: PosRange }
export interface StringLiteral { type: 'StringLiteral'; value: string; pos: PosRange }

export interface VectorSelector {
  type: 'VectorSelector';
  /** Metric name written outside the braces, '' if none (it is also present in `matchers`). */
  name: string;
  matchers: Matcher[];
  /** ms; positive looks into the past. */
  offset: number;
  at: AtModifier | null;
  pos: PosRange;
}

export interface MatrixSelector { type: 'MatrixSelector'; vs: VectorSelector; rangeMs: number; pos: PosRange }

export interface SubqueryExpr {
  type: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  /** 0 means "the default evaluation interval". */
  stepMs: number;
  offset: number;
  at: AtModifier | null;
  pos: PosRange;
}

export interface Call { type: 'Call'; func: FunctionSignature; args: Expr[]; pos: PosRange }

export interface AggregateExpr {
  type: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** `on(...)` when true, `ignoring(...)` (or nothing) when false. */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side by group_left/group_right. */
  include: string[];
}

export interface BinaryExpr {
  type: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Present only when both operands are instant vectors. */
  matching: VectorMatching | null;
  pos: PosRange;
}

export interface UnaryExpr { type: 'UnaryExpr'; op: '+' | '-'; expr: Expr; pos: PosRange }
export interface ParenExpr { type: 'ParenExpr'; expr: Expr; pos: PosRange }

export type Expr =
  | NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr
  | Call | AggregateExpr | BinaryExpr | UnaryExpr | ParenExpr;

/** A PromQL function's type signature. `variadic`: 0 fixed, n > 0 up to n optional trailing args, -1 unbounded. */
export interface FunctionSignature {
  name: string;
  argTypes: ValueType[];
  variadic: number;
  returnType: ValueType;
}

/** The static type of an expression. */
export function exprType(e: Expr): ValueType {
  switch (e.type) {
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'VectorSelector': return 'vector';
    case 'MatrixSelector': return 'matrix';
    case 'SubqueryExpr': return 'matrix';
    case 'Call': return e.func.returnType;
    case 'AggregateExpr': return 'vector';
    case 'BinaryExpr':
      return exprType(e.lhs) === 'scalar' && exprType(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'UnaryExpr': return exprType(e.expr);
    case 'ParenExpr': return exprType(e.expr);
  }
}

/** True if `pred` holds for `e` or any expression inside it (a matrix selector's vector selector included). */
export function someNode(e: Expr, pred: (n: Expr) => boolean): boolean {
  if (pred(e)) return true;
  switch (e.type) {
    case 'NumberLiteral':
    case 'StringLiteral':
    case 'VectorSelector':
      return false;
    case 'MatrixSelector':
      return someNode(e.vs, pred);
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      return someNode(e.expr, pred);
    case 'Call':
      return e.args.some((a) => someNode(a, pred));
    case 'AggregateExpr':
      return someNode(e.expr, pred) || (e.param !== null && someNode(e.param, pred));
    case 'BinaryExpr':
      return someNode(e.lhs, pred) || someNode(e.rhs, pred);
  }
}

/** Prometheus's user-facing names for value types, used in error messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector': return 'instant vector';
    case 'matrix': return 'range vector';
    default: return t;
  }
}

export function isComparisonOp(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOp(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}
