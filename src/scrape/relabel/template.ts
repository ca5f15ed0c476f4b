/**
 * Replacement templates as Go's `regexp.Expand` reads them: `$1`, `${1}`, `$name`, `${name}`, `$$` for a literal
 * dollar. A name is the longest run of letters, digits and `_` (so `$1x` names group "1x", not group 1 then "x");
 * a reference to a group that does not exist or did not take part in the match expands to nothing; a malformed
 * reference (`$` followed by no name, `${` without `}`) leaves the `$` as text.
 */

/** One piece of a compiled template: literal text, a group by number, or a group by name. */
type Segment = { readonly kind: 0; readonly text: string } | { readonly kind: 1; readonly index: number } | { readonly kind: 2; readonly name: string };

export interface Template {
  readonly source: string;
  /** The expansion when the template has no group references (`$$` already unescaped), else null. */
  readonly literal: string | null;
  readonly segments: readonly Segment[];
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Compiles a template once so that expansion per label set only concatenates. */
export function compileTemplate(source: string): Template {
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c !== '$') { text += c; i++; continue; }
    if (source[i + 1] === '$') { text += '$'; i += 2; continue; }
    const ref = readReference(source, i + 1);
    if (ref === null) { text += '$'; i++; continue; }
    if (text !== '') { segments.push({ kind: 0, text }); text = ''; }
    segments.push(ref.index >= 0 ? { kind: 1, index: ref.index } : { kind: 2, name: ref.name });
    i = ref.end;
  }
  if (text !== '') segments.push({ kind: 0, text });
  const literal = segments.every((s) => s.kind === 0) ? segments.map((s) => (s.kind === 0 ? s.text : '')).join('') : null;
  return { source, literal, segments };
}

function readReference(s: string, start: number): { name: string; index: number; end: number } | null {
  let i = start;
  const brace = s[i] === '{';
  if (brace) i++;
  const nameStart = i;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return null;
  const name = s.slice(nameStart, i);
  if (brace) {
    if (s[i] !== '}') return null;
    i++;
  }
  return { name, index: groupNumber(name), end: i };
}

/** Go treats a name as a group number only if it is all ASCII digits without a leading zero (and not huge). */
function groupNumber(name: string): number {
  if (!/^[0-9]+$/.test(name)) return -1;
  if (name.length > 1 && name[0] === '0') return -1;
  if (name.length > 8) return -1;
  return Number(name);
}

/** Expands `t` against a match of an anchored regex (`m` from `RegExp.exec`). */
export function expandTemplate(t: Template, m: RegExpExecArray): string {
  if (t.literal !== null) return t.literal;
  let out = '';
  const segs = t.segments;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.kind === 0) out += s.text;
    else if (s.kind === 1) { if (s.index < m.length) out += m[s.index] ?? ''; }
    else out += m.groups?.[s.name] ?? '';
  }
  return out;
}
