/**
 * Label matchers (`=`, `!=`, `=~`, `!~`), shared by the querier, PromQL, relabeling-free APIs and silences.
 * Regexes are fully anchored, as in Prometheus (RE2 syntax; JavaScript's engine covers the subset users write).
 */
import { translateRe2 } from './re2.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  readonly re: RegExp | null;
  constructor(readonly type: MatchType, readonly name: string, readonly value: string) {
    this.re = type === '=~' || type === '!~' ? compileAnchored(value) : null;
  }

  /** True if `v` (the label's value, '' when absent) satisfies the matcher. */
  matches(v: string): boolean {
    switch (this.type) {
      case '=': return v === this.value;
      case '!=': return v !== this.value;
      case '=~': return this.re!.test(v);
      case '!~': return !this.re!.test(v);
    }
  }

  /** True if the matcher accepts a series that lacks the label entirely. */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

export class RegexSyntaxError extends Error {
  constructor(readonly pattern: string, cause: unknown) {
    super(`error parsing regexp: ${cause instanceof Error ? cause.message : String(cause)}: \`${pattern}\``);
    this.name = 'RegexSyntaxError';
  }
}

const anchoredCache = new Map<string, RegExp>();

/**
 * Compiles an RE2 pattern (Go regexp syntax, as Prometheus 2 uses) anchored at both ends as `^(?:pattern)$`.
 * Without an `(?s)` flag `.` does not match a newline, as in Prometheus 2. Throws RegexSyntaxError for patterns RE2
 * rejects (lookaround, backreferences, unknown escapes, …) or the translation cannot compile.
 */
export function compileAnchored(pattern: string): RegExp {
  let re = anchoredCache.get(pattern);
  if (re) return re;
  try {
    const { source, flags } = translateRe2(pattern);
    re = new RegExp(`^(?:${source})$`, flags);
  } catch (e) {
    throw new RegexSyntaxError(pattern, e);
  }
  if (anchoredCache.size > 10_000) anchoredCache.clear();
  anchoredCache.set(pattern, re);
  return re;
}
