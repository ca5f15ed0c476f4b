/**
 * Where queries run. The HTTP API, the CLI and the UI ask a `QueryRunner`; the daemon's runner evaluates in
 * worker threads so a heavy query never delays scrapes, and the in-process runner serves tests and tools.
 */
import type { Value } from '../promql/index.js';

export interface QueryOptions {
  timeoutMs?: number;
  /** raw | 5m | 1h | auto */
  maxSourceResolution?: string;
}

export interface QueryResult {
  value: Value;
  warnings?: string[];
}

export interface QueryRunner {
  instant(expr: string, t: number, opts?: QueryOptions): Promise<QueryResult>;
  range(expr: string, start: number, end: number, stepMs: number, opts?: QueryOptions): Promise<QueryResult>;
}
