/**
 * Set operations over sorted series-id lists and the resolution of label matchers to series ids, as Prometheus's
 * PostingsForMatchers does: a matcher that matches the empty string also selects series lacking the label, so it is
 * applied by subtracting the series whose value it rejects; any other matcher intersects with the union of the
 * values it accepts. All inputs and outputs are sorted, duplicate-free Int32Arrays.
 */
import type { Matcher } from '../../model/matcher.js';
import type { NamePostings } from './index-format.js';

export function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!, y = b[j]!;
    if (x === y) { out[n++] = x; i++; j++; } else if (x < y) i++; else j++;
  }
  return out.subarray(0, n);
}

/** a minus b. */
export function subtract(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out[n++] = x;
    i++;
  }
  return out.subarray(0, n);
}

/** Union of many sorted lists: concatenation then sort and dedupe is O(N log N) and allocation-light. */
export function union(lists: readonly Int32Array[]): Int32Array {
  if (lists.length === 0) return new Int32Array(0);
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Int32Array(total);
  let p = 0;
  for (const l of lists) { all.set(l, p); p += l.length; }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (n === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}

/** Lists of the values of one label name that satisfy `pred`. */
function listsWhere(np: NamePostings | undefined, pred: (v: string) => boolean): Int32Array[] {
  if (!np) return [];
  const out: Int32Array[] = [];
  for (let i = 0; i < np.values.length; i++) if (pred(np.values[i]!)) out.push(np.lists[i]!);
  return out;
}

function valueList(np: NamePostings | undefined, value: string): Int32Array {
  if (!np) return new Int32Array(0);
  // Values are sorted by UTF-16 code units (JavaScript string order), so a binary search finds an equality match.
  let lo = 0, hi = np.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (np.values[mid]! < value) lo = mid + 1; else hi = mid;
  }
  return lo < np.values.length && np.values[lo] === value ? np.lists[lo]! : new Int32Array(0);
}

/**
 * Series ids (sorted) selected by all `matchers` among `numSeries` series. No matchers selects every series.
 */
export function postingsForMatchers(
  postings: Map<string, NamePostings>,
  numSeries: number,
  matchers: readonly Matcher[],
): Int32Array {
  let result: Int32Array | null = null;
  const subtractions: Int32Array[] = [];
  // Positive matchers first: they shrink the candidate set before any subtraction.
  for (const m of matchers) {
    const np = postings.get(m.name);
    if (m.matchesEmpty()) {
      // Series with the label and a value the matcher rejects are excluded; series lacking it stay.
      const rejected = m.type === '!=' ? [valueList(np, m.value)] : listsWhere(np, (v) => !m.matches(v));
      subtractions.push(union(rejected));
      continue;
    }
    const accepted = m.type === '=' ? valueList(np, m.value) : union(listsWhere(np, (v) => m.matches(v)));
    result = result === null ? accepted : intersect(result, accepted);
    if (result.length === 0) return result;
  }
  if (result === null) {
    result = new Int32Array(numSeries);
    for (let i = 0; i < numSeries; i++) result[i] = i;
  }
  for (const s of subtractions) if (s.length) result = subtract(result, s);
  return result;
}
