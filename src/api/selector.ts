import { BadDataError } from '../model/errors.js';
import type { Matcher } from '../model/matcher.js';
import { parseExpr } from '../promql/index.js';

/** Parses a `match[]` series selector (`up{job="x"}`) into matchers; anything but a plain selector is bad_data. */
export function parseSeriesSelector(s: string): Matcher[] {
  const e = parseExpr(s);
  if (e.type !== 'VectorSelector' || e.offset !== 0 || e.at !== null) {
    throw new BadDataError(`invalid series selector "${s}": only a plain vector selector is allowed`);
  }
  return e.matchers;
}
