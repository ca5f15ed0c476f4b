/**
 * PromQL tokenizer. Produces the whole token list up front (queries are short); the parser decides whether an
 * identifier is a keyword from context, as Prometheus's grammar lets keywords serve as label names.
 */
import { PositionedError } from '../model/errors.js';

export type TokenKind =
  | 'ident' | 'number' | 'duration' | 'string' | 'op' | '(' | ')' | '{' | '}' | '[' | ']' | ',' | ':' | '@' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text for ident/op/duration/number; the unquoted value for strings. */
  text: string;
  start: number;
  end: number;
}

/** A PromQL syntax or type error, reading like Prometheus's: `1:5: parse error: unexpected …`. */
export class PromQLParseError extends PositionedError {
  constructor(readonly query: string, readonly position: number, message: string) {
    const { line, column } = lineColumn(query, position);
    super(`parse error: ${message}`, undefined, line, column);
    this.name = 'PromQLParseError';
  }
}

/** 1-based line and column of a byte offset. */
export function lineColumn(src: string, pos: number): { line: number; column: number } {
  let line = 1, lineStart = 0;
  for (let i = 0; i < pos && i < src.length; i++) {
    if (src.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  return { line, column: pos - lineStart + 1 };
}

const DURATION_AT = /^(?:[0-9]+(?:ms|[smhdwy]))+/;
const HEX_AT = /^0[xX][0-9a-fA-F]+/;
const DEC_AT = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const IDENT_AT = /^[a-zA-Z_][a-zA-Z0-9_:]*/;
const OPS = ['==', '!=', '>=', '<=', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '='];

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /[a-zA-Z0-9_]/.test(c);
}

/** Tokenizes a query; throws PromQLParseError on malformed input. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let parens = 0, brackets = 0, braces = 0;
  const fail = (pos: number, msg: string): never => { throw new PromQLParseError(src, pos, msg); };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const rest = src.slice(i);
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const d = DURATION_AT.exec(rest);
      if (d && !isAlnum(src[i + d[0].length])) {
        out.push({ kind: 'duration', text: d[0], start: i, end: i + d[0].length });
        i += d[0].length;
        continue;
      }
      const n = HEX_AT.exec(rest) ?? DEC_AT.exec(rest);
      if (!n || isAlnum(src[i + n[0].length]) || src[i + n[0].length] === '.') {
        let j = i;
        while (j < src.length && (isAlnum(src[j]) || src[j] === '.')) j++;
        const text = src.slice(i, j);
        // Prometheus reads a number followed by a unit as a duration, and reports what it could not read.
        if (/^[0-9.]+(?:ms|[smhdwy])$/.test(text)) fail(i, `not a valid duration string: ${JSON.stringify(text)}`);
        const digits = /^[0-9]+/.exec(text);
        if (digits && /^[a-zA-Z]/.test(text.slice(digits[0].length))) fail(i, `bad duration syntax: ${JSON.stringify(digits[0])}`);
        fail(i, `bad number or duration syntax: ${JSON.stringify(text)}`);
      }
      out.push({ kind: 'number', text: n![0], start: i, end: i + n![0].length });
      i += n![0].length;
      continue;
    }
    const id = IDENT_AT.exec(rest);
    if (id) {
      out.push({ kind: 'ident', text: id[0], start: i, end: i + id[0].length });
      i += id[0].length;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const { value, end } = scanString(src, i, fail);
      out.push({ kind: 'string', text: value, start: i, end });
      i = end;
      continue;
    }
    if ('(){}[],:@'.includes(c)) {
      if (c === '(') parens++;
      else if (c === ')' && --parens < 0) fail(i + 1, "unexpected right parenthesis ')'");
      else if (c === '[') brackets++;
      else if (c === ']' && --brackets < 0) fail(i, "unexpected right bracket ']'");
      else if (c === '{') braces++;
      else if (c === '}' && --braces < 0) fail(i, "unexpected character: '}'");
      out.push({ kind: c as TokenKind, text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === '!~' && braces === 0) fail(i, "unexpected character after '!': '~'");
    if (op) {
      out.push({ kind: 'op', text: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    if (c === '!') fail(i + 1, `unexpected character after '!': '${src[i + 1] ?? ''}'`);
    fail(i, `unexpected character: '${c}'`);
  }
  if (braces > 0) fail(src.length, 'unexpected end of input inside braces');
  if (parens > 0) fail(src.length, 'unclosed left parenthesis');
  if (brackets > 0) fail(src.length, 'unclosed left bracket');
  out.push({ kind: 'eof', text: '', start: src.length, end: src.length });
  return out;
}

/** Scans a quoted string starting at `start` and returns its unescaped value (Go's escape rules). */
function scanString(
  src: string, start: number, fail: (pos: number, msg: string) => never,
): { value: string; end: number } {
  const q = src[start]!;
  let i = start + 1;
  let value = '';
  if (q === '`') {
    const close = src.indexOf('`', i);
    if (close < 0) fail(start, 'unterminated raw string');
    return { value: src.slice(i, close), end: close + 1 };
  }
  for (;;) {
    if (i >= src.length || src[i] === '\n') fail(start, 'unterminated quoted string');
    const ch = src[i]!;
    if (ch === q) return { value, end: i + 1 };
    if (ch !== '\\') { value += ch; i++; continue; }
    const e = src[i + 1];
    i += 2;
    switch (e) {
      case 'a': value += '\x07'; break;
      case 'b': value += '\b'; break;
      case 'f': value += '\f'; break;
      case 'n': value += '\n'; break;
      case 'r': value += '\r'; break;
      case 't': value += '\t'; break;
      case 'v': value += '\v'; break;
      case '\\': value += '\\'; break;
      case '"': case "'":
        if (e !== q) fail(i - 2, 'unknown escape sequence');
        value += e;
        break;
      case 'x': case 'u': case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = src.slice(i, i + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail(i - 2, 'illegal character in escape sequence');
        const code = parseInt(hex, 16);
        if (e === 'x') value += String.fromCharCode(code); // a raw byte; exact for ASCII
        else {
          if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) fail(i - 2, 'escape sequence is an invalid Unicode code point');
          value += String.fromCodePoint(code);
        }
        i += n;
        break;
      }
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = src.slice(i - 1, i + 2);
          if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) fail(i - 2, 'illegal character in escape sequence');
          value += String.fromCharCode(parseInt(oct, 8));
          i += 2;
          break;
        }
        fail(i - 2, 'unknown escape sequence');
    }
  }
}
