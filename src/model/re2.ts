/**
 * Translates Go RE2 syntax (what Prometheus accepts in matchers, relabel rules and label_replace) into an equivalent
 * JavaScript regex source for the `u` flag. JavaScript has no inline modifiers, so scoped flags are applied by
 * rewriting: case-insensitive letters become `[aA]` classes, `.` becomes `[^\n]` or (dot-all) `[\s\S]`, ungreedy
 * scopes swap greedy and lazy quantifiers, multi-line `^`/`$` become lookarounds on `\n`. Constructs RE2 rejects
 * (lookaround, backreferences, possessive quantifiers, unknown escapes) throw Re2SyntaxError with a position.
 */

/** A pattern RE2 would not compile; `pos` is the offset in the pattern (UTF-16 units) where the problem starts. */
export class Re2SyntaxError extends Error {
  constructor(message: string, readonly pattern: string, readonly pos: number) {
    super(`${message} at position ${pos}`);
    this.name = 'Re2SyntaxError';
  }
}

interface Flags { i: boolean; m: boolean; s: boolean; U: boolean }

type Ranges = Array<[number, number]>;

const MAX_CP = 0x10ffff;
const DIGIT: Ranges = [[0x30, 0x39]];
// RE2's \s is ASCII [\t\n\f\r ] — not \v and no Unicode spaces, unlike JavaScript's \s.
const SPACE: Ranges = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];

const POSIX: Record<string, Ranges> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** Unicode general categories JavaScript accepts bare in `\p{..}`; any other name is taken as a script. */
const CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

function complement(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/** A code point written so it is literal both inside and outside a class under the `u` flag. */
function lit(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCodePoint(cp);
  }
  if (cp >= 0x80 && cp !== 0x2028 && cp !== 0x2029) return String.fromCodePoint(cp);
  return `\\u{${cp.toString(16)}}`;
}

function rangesBody(r: Ranges): string {
  let s = '';
  for (const [lo, hi] of r) s += lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`;
  return s;
}

/** Other-case variants of one code point (simple case mapping), excluding the code point itself. */
function caseVariants(cp: number): number[] {
  const c = String.fromCodePoint(cp);
  const out: number[] = [];
  for (const v of [c.toLowerCase(), c.toUpperCase()]) {
    const vc = v.codePointAt(0)!;
    if (v.length === String.fromCodePoint(vc).length && vc !== cp && !out.includes(vc)) out.push(vc);
  }
  // RE2 folds the Kelvin sign and long s with k and s; toLowerCase alone only maps one way.
  if (cp === 0x6b || cp === 0x4b) out.push(0x212a);
  if (cp === 0x73 || cp === 0x53) out.push(0x17f);
  return out;
}

/** Class body that adds the other case of every code point in `r` (ranges too large to walk are left as is). */
function foldRanges(r: Ranges): string {
  let extra = '';
  for (const [lo, hi] of r) {
    if (hi - lo > 0x3000) continue;
    for (let cp = lo; cp <= hi; cp++) {
      for (const v of caseVariants(cp)) if (v < lo || v > hi) extra += lit(v);
    }
  }
  return rangesBody(r) + extra;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);

/**
 * Translates an RE2 pattern into a JavaScript source to compile with the returned flags (always `u`).
 * Capture groups keep their numbers and names; no capturing groups are added. Throws Re2SyntaxError for anything
 * Go's regexp/syntax (Perl flags, as Prometheus uses) rejects that this scanner recognises.
 *
 * @example translateRe2('(?i)ab') // { source: '[aA][bB]', flags: 'u' }
 */
export function translateRe2(pattern: string): { source: string; flags: string } {
  const p = pattern;
  let pos = 0;
  let out = '';
  let flags: Flags = { i: false, m: false, s: false, U: false };
  const stack: Flags[] = [];
  // Whether the last emitted item can take a quantifier, and whether it was itself a quantifier.
  let canRepeat = false;
  let afterQuant = false;
  const fail = (msg: string, at: number): never => { throw new Re2SyntaxError(msg, p, at); };

  const cpAt = (i: number): number => p.codePointAt(i)!;
  const cpLen = (cp: number): number => (cp > 0xffff ? 2 : 1);

  const emitLiteral = (cp: number): void => {
    const vs = flags.i ? caseVariants(cp) : [];
    out += vs.length === 0 ? lit(cp) : `[${lit(cp)}${vs.map(lit).join('')}]`;
  };

  /** Parses `\p..`/`\P..` at p[start] === '\\'; returns JS text (usable inside a class) and the end offset. */
  const unicodeClass = (start: number): { text: string; end: number } => {
    let neg = p[start + 1] === 'P';
    let name: string;
    let end: number;
    if (p[start + 2] === '{') {
      const close = p.indexOf('}', start + 3);
      if (close < 0) fail('invalid character class range', start);
      name = p.slice(start + 3, close);
      end = close + 1;
    } else {
      if (start + 2 >= p.length) fail('invalid character class range', start);
      name = String.fromCodePoint(cpAt(start + 2));
      end = start + 2 + name.length;
    }
    if (name.startsWith('^')) { neg = !neg; name = name.slice(1); }
    if (!/^[A-Za-z_]+$/.test(name)) fail('invalid character class range', start);
    const prop = name === 'Any' ? 'Any' : CATEGORIES.has(name) ? name : `Script=${name}`;
    const text = `\\${neg ? 'P' : 'p'}{${prop}}`;
    try { new RegExp(text, 'u'); } catch { fail(`invalid character class range: \\p{${name}}`, start); }
    return { text, end };
  };

  /** Parses a single-code-point escape (`\x..`, octal, `\n` etc., punctuation); returns null for an
   * alphanumeric escape this function does not know (the caller decides whether it is a class or an error). */
  const charEscape = (start: number): { cp: number; end: number } | null => {
    const c = p[start + 1];
    if (c === undefined) return fail('trailing backslash at end of expression', start);
    switch (c) {
      case 'a': return { cp: 7, end: start + 2 };
      case 'f': return { cp: 12, end: start + 2 };
      case 't': return { cp: 9, end: start + 2 };
      case 'n': return { cp: 10, end: start + 2 };
      case 'r': return { cp: 13, end: start + 2 };
      case 'v': return { cp: 11, end: start + 2 };
      case 'x': {
        if (p[start + 2] === '{') {
          const close = p.indexOf('}', start + 3);
          const hex = close < 0 ? '' : p.slice(start + 3, close);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || parseInt(hex, 16) > MAX_CP) fail('invalid escape sequence', start);
          return { cp: parseInt(hex, 16), end: close + 1 };
        }
        const hex = p.slice(start + 2, start + 4);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail('invalid escape sequence', start);
        return { cp: parseInt(hex, 16), end: start + 4 };
      }
    }
    // Octal: \0 plus up to two digits, or \1-\7 followed by an octal digit; a lone \1..\9 is a backreference.
    if (c === '0' || (c >= '1' && c <= '7' && isOctal(p[start + 2]))) {
      let end = start + 2;
      while (end < start + 4 && isOctal(p[end])) end++;
      return { cp: parseInt(p.slice(start + 1, end), 8), end };
    }
    if (isDigit(c)) return fail('invalid escape sequence (backreferences are not supported)', start);
    const cp = cpAt(start + 1);
    if (cp < 0x80 && !isAlnum(c)) return { cp, end: start + 2 };
    return null;
  };

  /** Class-usable text for \d \s \w and their negations, or null. */
  const perlClass = (c: string | undefined): Ranges | null => {
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return complement(DIGIT);
      case 's': return SPACE;
      case 'S': return complement(SPACE);
      case 'w': return WORD;
      case 'W': return complement(WORD);
      default: return null;
    }
  };

  const parseClass = (start: number): number => {
    let i = start + 1;
    let neg = false;
    if (p[i] === '^') { neg = true; i++; }
    let body = '';
    let first = true;
    const ranges: Ranges = [];
    while (i < p.length && (p[i] !== ']' || first)) {
      first = false;
      if (p[i] === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':]', i + 2);
        if (close >= 0) {
          let name = p.slice(i + 2, close);
          const negPosix = name.startsWith('^');
          if (negPosix) name = name.slice(1);
          const r = POSIX[name];
          if (!r) fail('invalid character class range', i);
          let set = r;
          if (flags.i && (name === 'lower' || name === 'upper')) set = POSIX.alpha!;
          if (negPosix) set = complement(set);
          body += rangesBody(set);
          i = close + 2;
          continue;
        }
      }
      if (p[i] === '\\') {
        const c = p[i + 1];
        if (c === 'p' || c === 'P') {
          const u = unicodeClass(i);
          body += u.text;
          i = u.end;
          continue;
        }
        const pc = perlClass(c);
        if (pc) { body += rangesBody(pc); i += 2; continue; }
      }
      const lo = classChar(i);
      i = lo.end;
      if (p[i] === '-' && p[i + 1] !== ']' && i + 1 < p.length) {
        const hi = classChar(i + 1);
        if (hi.cp < lo.cp) fail('invalid character class range', i - 1);
        ranges.push([lo.cp, hi.cp]);
        i = hi.end;
      } else {
        ranges.push([lo.cp, lo.cp]);
      }
    }
    if (i >= p.length) fail('missing closing ]', start);
    body += flags.i ? foldRanges(ranges) : rangesBody(ranges);
    out += `[${neg ? '^' : ''}${body}]`;
    return i + 1;
  };

  /** One literal code point inside a class (raw or escaped). */
  const classChar = (i: number): { cp: number; end: number } => {
    if (p[i] === '\\') {
      const e = charEscape(i);
      if (!e) fail('invalid escape sequence', i);
      return e!;
    }
    const cp = cpAt(i);
    return { cp, end: i + cpLen(cp) };
  };

  /** Parses `{n}`, `{n,}`, `{n,m}` at `i`; null if it is not a repetition (then `{` is a literal). */
  const parseRepeat = (i: number): { text: string; end: number } | null => {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > 1000 || max > 1000 || (max >= 0 && max < min)) fail('invalid repeat count', i);
    return { text: m[0], end: i + m[0].length };
  };

  while (pos < p.length) {
    const c = p[pos]!;
    // Quantifiers.
    let quant: string | null = null;
    let qEnd = pos + 1;
    if (c === '*' || c === '+' || c === '?') quant = c;
    else if (c === '{') {
      const r = parseRepeat(pos);
      if (r) { quant = r.text; qEnd = r.end; }
    }
    if (quant !== null) {
      if (afterQuant) fail(`invalid nested repetition operator: \`${p.slice(pos - 1, qEnd)}\``, pos);
      if (!canRepeat) fail(`missing argument to repetition operator: \`${quant}\``, pos);
      let lazy = false;
      if (p[qEnd] === '?') { lazy = true; qEnd++; }
      out += quant + (lazy !== flags.U ? '?' : '');
      pos = qEnd;
      afterQuant = true;
      continue;
    }
    afterQuant = false;
    canRepeat = true;
    switch (c) {
      case '(': {
        if (p[pos + 1] !== '?') {
          stack.push(flags);
          flags = { ...flags };
          out += '(';
          pos++;
          canRepeat = false;
          continue;
        }
        // (?P<name>…) is RE2's spelling; (?<name>…) is accepted too because label_replace pre-rewrites to it.
        if (p.startsWith('(?P<', pos) || (p[pos + 2] === '<' && p[pos + 3] !== '=' && p[pos + 3] !== '!')) {
          const nameStart = pos + (p[pos + 2] === 'P' ? 4 : 3);
          const close = p.indexOf('>', nameStart);
          const name = close < 0 ? '' : p.slice(nameStart, close);
          if (!/^[A-Za-z0-9_]+$/.test(name)) fail('invalid named capture', pos);
          // Go allows a leading digit; JavaScript cannot name such a group, so it is refused here.
          if (isDigit(name[0])) fail('invalid named capture', pos);
          stack.push(flags);
          flags = { ...flags };
          out += `(?<${name}>`;
          pos = close + 1;
          canRepeat = false;
          continue;
        }
        // Flag groups: (?flags) or (?flags:...), flags from imsU with an optional '-' negation.
        let j = pos + 2;
        const next: Flags = { ...flags };
        let negate = false;
        let sawFlag = false;
        let sawNeg = false;
        for (; j < p.length; j++) {
          const f = p[j]!;
          if (f === 'i' || f === 'm' || f === 's' || f === 'U') { next[f] = !negate; sawFlag = true; continue; }
          if (f === '-' && !negate) { negate = true; sawNeg = false; continue; }
          break;
        }
        if (negate) sawNeg = p[j - 1] !== '-';
        const term = p[j];
        if ((term !== ')' && term !== ':') || !sawFlag || (negate && !sawNeg)) {
          const what = p.slice(pos, Math.min(p.length, pos + 4));
          fail(`invalid or unsupported Perl syntax: \`${what}\``, pos);
        }
        if (term === ')') {
          flags = next;
          canRepeat = false;
        } else {
          stack.push(flags);
          flags = next;
          out += '(?:';
          canRepeat = false;
        }
        pos = j + 1;
        continue;
      }
      case ')': {
        const prev = stack.pop();
        if (!prev) fail('unexpected )', pos);
        flags = prev!;
        out += ')';
        pos++;
        continue;
      }
      case '|':
        out += '|';
        pos++;
        canRepeat = false;
        continue;
      case '.':
        out += flags.s ? '[\\s\\S]' : '[^\\n]';
        pos++;
        continue;
      case '^':
        out += flags.m ? '(?<![^\\n])' : '^';
        pos++;
        canRepeat = false;
        continue;
      case '$':
        out += flags.m ? '(?![^\\n])' : '$';
        pos++;
        canRepeat = false;
        continue;
      case '[':
        pos = parseClass(pos);
        continue;
      case '\\': {
        const e = p[pos + 1];
        if (e === 'Q') {
          const close = p.indexOf('\\E', pos + 2);
          const text = close < 0 ? p.slice(pos + 2) : p.slice(pos + 2, close);
          if (text === '') canRepeat = false;
          for (const ch of text) emitLiteral(ch.codePointAt(0)!);
          pos = close < 0 ? p.length : close + 2;
          continue;
        }
        if (e === 'A' || e === 'z') { out += e === 'A' ? '^' : '$'; pos += 2; canRepeat = false; continue; }
        if (e === 'b' || e === 'B') { out += `\\${e}`; pos += 2; canRepeat = false; continue; }
        if (e === 'p' || e === 'P') {
          const u = unicodeClass(pos);
          out += u.text;
          pos = u.end;
          continue;
        }
        const pc = perlClass(e);
        if (pc) { out += `[${rangesBody(pc)}]`; pos += 2; continue; }
        const ce = charEscape(pos);
        if (!ce) fail(`invalid escape sequence: \`${p.slice(pos, pos + 2)}\``, pos);
        emitLiteral(ce!.cp);
        pos = ce!.end;
        continue;
      }
      default: {
        const cp = cpAt(pos);
        emitLiteral(cp);
        pos += cpLen(cp);
      }
    }
  }
  if (stack.length > 0) fail('missing closing )', p.length);
  return { source: out, flags: 'u' };
}
