/**
 * Label matchers (`=`, `!=`, `=~`, `!~`), shared by the querier, PromQL, relabeling-free APIs and silences.
 * Regexes are fully anchored, as in Prometheus (RE2 syntax; JavaScript's engine covers the subset users write).
 */
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
 * Compiles an RE2-style pattern anchored at both ends; a leading `(?i)` makes it case-insensitive. The `s` flag makes `.` match newlines as Prometheus's
 * `(?s:...)` wrapping does. Throws RegexSyntaxError for patterns JavaScript cannot compile.
 */
export function compileAnchored(pattern: string): RegExp {
  let re = anchoredCache.get(pattern);
  if (re) return re;
  try {
    const ci = pattern.startsWith('(?i)');
    // RE2 spells named groups `(?P<name>…)`; JavaScript only knows `(?<name>…)`.
    const body = (ci ? pattern.slice(4) : pattern).replace(/\\z/g, '$').replace(/\(\?P</g, '(?<');
    re = new RegExp(`^(?:${body})$`, ci ? 'si' : 's');
  } catch (e) {
    throw new RegexSyntaxError(pattern, e);
  }
  if (anchoredCache.size > 10_000) anchoredCache.clear();
  anchoredCache.set(pattern, re);
  return re;
}

