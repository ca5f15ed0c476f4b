/**
 * Parsed expressions of recent queries, by their text. A dashboard sends the same few expressions over and over,
 * and each range query was parsed twice on the main thread (by the results cache, then by the runner): both now
 * share one syntax tree per text. Trees are never modified after parsing (the engine keys its per-query state by
 * node, it does not write to nodes), so sharing them between queries is safe. Texts that fail to parse are not kept.
 */
import { parseExpr, type Expr } from '../promql/index.js';

/** Distinct expression texts kept; the least recently used goes first. */
export const PARSED_CAPACITY = 256;

/** Longest expression text kept (longer ones are parsed every time: they are rare and would hold memory). */
const MAX_TEXT = 4096;

const trees = new Map<string, Expr>();

/**
 * `parseExpr(text)`, from the shared tree of an earlier call when there is one. Throws parseExpr's error for an
 * invalid expression.
 */
export function parseCached(text: string): Expr {
  const hit = trees.get(text);
  if (hit !== undefined) {
    trees.delete(text);
    trees.set(text, hit);
    return hit;
  }
  const expr = parseExpr(text);
  if (text.length <= MAX_TEXT) {
    trees.set(text, expr);
    if (trees.size > PARSED_CAPACITY) trees.delete(trees.keys().next().value!);
  }
  return expr;
}
