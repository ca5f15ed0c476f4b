/**
 * The error types that cross stage boundaries. Each stage throws these (or subclasses) with context; the HTTP API
 * maps them to Prometheus's `errorType` and status code in one place (src/api).
 */

/** Bad user input: a query, a parameter, a config or rule file. Maps to `bad_data` / 400. */
export class BadDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadDataError';
  }
}

/** A query or operation that was valid but failed while running. Maps to `execution` / 422. */
export class ExecutionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutionError';
  }
}

/** A query that ran out of time. Maps to `timeout` / 503. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/**
 * An error at a position in a source text (config, rule file, PromQL, exposition body).
 * `toString()` reads `file:line:column: message` like Prometheus's tools.
 */
export class PositionedError extends BadDataError {
  constructor(
    readonly detail: string,
    readonly file: string | undefined,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file ? `${file}:` : ''}${line}:${column}: ${detail}`);
    this.name = 'PositionedError';
  }
}
