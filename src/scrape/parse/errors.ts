import { PositionedError } from '../../model/errors.js';

/**
 * A malformed exposition body. `line` and `column` are 1-based (column counts UTF-8 characters), `offset` is the
 * byte offset of the offending input in the body, `snippet` the line up to and including it.
 * The message reads `line:column: expected X, got "Y" while parsing "snippet"`.
 */
export class ParseError extends PositionedError {
  constructor(
    detail: string,
    line: number,
    column: number,
    readonly offset: number,
    readonly snippet: string,
  ) {
    super(detail, undefined, line, column);
    this.name = 'ParseError';
  }
}

const SNIPPET_MAX = 80;
const FOUND_MAX = 24;

const utf8 = new TextDecoder('utf-8');

/** Quotes bytes for a message the way Go's %q would: printable ASCII as is, the rest escaped. */
function quote(b: Uint8Array, s: number, e: number): string {
  return JSON.stringify(utf8.decode(b.subarray(s, e)));
}

/** Describes what sits at `offset`: a token-sized piece of input, or the end of the line or the input. */
function describeFound(b: Uint8Array, end: number, offset: number): string {
  if (offset >= end) return 'end of input';
  const c = b[offset]!;
  if (c === 10) return 'end of line';
  if (c === 13) return '"\\r" (lines must end with \\n alone, not \\r\\n)';
  let e = offset + 1;
  // A token runs to the next separator; single punctuation is reported alone.
  const isWord = (x: number): boolean => x > 32 && x !== 34 && x !== 44 && x !== 61 && x !== 123 && x !== 125;
  if (isWord(c)) while (e < end && e - offset < FOUND_MAX && isWord(b[e]!)) e++;
  return quote(b, offset, e);
}

/**
 * Builds the error for a problem at byte `offset`, on the line that starts at `lineStart` and has 1-based number
 * `line` (lineOffset already added). `expected` says what the grammar wanted there.
 */
export function parseErrorAt(
  b: Uint8Array, end: number, offset: number, line: number, lineStart: number, expected: string,
  through = offset + 1,
): ParseError {
  let column = 1;
  const stop = Math.min(offset, end);
  for (let i = lineStart; i < stop; i++) if ((b[i]! & 0xc0) !== 0x80) column++;
  let snipEnd = Math.min(through, end);
  if (snipEnd > lineStart && b[snipEnd - 1] === 10) snipEnd--;
  const snipStart = Math.max(lineStart, snipEnd - SNIPPET_MAX);
  const snippet = utf8.decode(b.subarray(snipStart, snipEnd));
  const detail = `${expected}, got ${describeFound(b, end, offset)} while parsing ${JSON.stringify(snippet)}`;
  return new ParseError(detail, line, column, offset, snippet);
}

/** An error about a whole token rather than a position in the grammar (bad number, unknown type, ...). */
export function tokenErrorAt(
  b: Uint8Array, end: number, offset: number, line: number, lineStart: number, message: string,
): ParseError {
  let tokEnd = offset;
  while (tokEnd < end && b[tokEnd] !== 32 && b[tokEnd] !== 9 && b[tokEnd] !== 10) tokEnd++;
  const err = parseErrorAt(b, end, offset, line, lineStart, message, Math.max(tokEnd, offset + 1));
  const detail = `${message} while parsing ${JSON.stringify(err.snippet)}`;
  return new ParseError(detail, line, err.column, offset, err.snippet);
}
