/**
 * Alertmanager-style matcher strings (`severity="page"`, `job=~"api|web"`, `env!=prod`, optionally wrapped in
 * `{...}` and comma-separated), used by routes, inhibit rules and silences. Values may be quoted (JSON-style
 * escapes) or bare.
 */
import { BadDataError } from '../model/errors.js';
import { Matcher, type MatchType } from '../model/matcher.js';

const ONE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,"}{]*?)\s*(?:,|$)/;

/** Parses one or more comma-separated matchers; throws BadDataError naming the offending text. */
export function parseMatchers(input: string): Matcher[] {
  let s = input.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const out: Matcher[] = [];
  while (s.trim() !== '') {
    const m = ONE.exec(s);
    if (!m) throw new BadDataError(`bad matcher format: ${JSON.stringify(input)}`);
    const raw = m[3]!;
    let value: string;
    try {
      value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    } catch {
      throw new BadDataError(`bad quoted value in matcher ${JSON.stringify(input)}`);
    }
    try {
      out.push(new Matcher(m[2] as MatchType, m[1]!, value));
    } catch (e) {
      throw new BadDataError(`invalid matcher ${JSON.stringify(input)}: ${(e as Error).message}`);
    }
    s = s.slice(m[0].length);
  }
  return out;
}

/** True if every matcher accepts the label set (absent labels count as ''). */
export function matchesAll(ms: readonly Matcher[], labels: Record<string, string>): boolean {
  for (const m of ms) if (!m.matches(labels[m.name] ?? '')) return false;
  return true;
}

/** Alertmanager's text form of a matcher list: `{a="b",c=~"d"}`. */
export function formatMatchers(ms: readonly Matcher[]): string {
  return '{' + ms.map((m) => m.toString()).join(',') + '}';
}
