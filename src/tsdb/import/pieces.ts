/**
 * Cuts a byte stream into pieces of whole lines for the exposition parser, so that a file of any size is parsed with
 * bounded memory. Each piece carries the number of lines before it (the parser's `lineOffset`) and whether it is the
 * last one. The last complete line is always held back for the final piece, so an OpenMetrics `# EOF` that ends the
 * stream lands in the piece parsed with `requireEof`.
 */

export interface Piece {
  bytes: Uint8Array;
  /** Lines before this piece (its first line is lineOffset + 1). */
  lineOffset: number;
  /** True for the last piece of the stream. */
  final: boolean;
  /** Bytes of the stream consumed up to the end of this piece. */
  endOffset: number;
}

/** Default piece size: large enough that per-piece overhead vanishes, small enough to bound memory. */
export const DEFAULT_PIECE_BYTES = 8 * 1024 * 1024;

const NL = 10;

/**
 * Yields line-aligned pieces of about `pieceBytes` (a piece grows past it only to hold a longer line).
 * `source` is any stream of byte chunks (a file read stream, stdin).
 */
export async function* linePieces(
  source: AsyncIterable<Uint8Array>,
  pieceBytes: number = DEFAULT_PIECE_BYTES,
): AsyncGenerator<Piece> {
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let lineOffset = 0;
  let consumed = 0;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    pending.push(chunk);
    pendingLen += chunk.length;
    if (pendingLen < pieceBytes) continue;
    const buf = concat(pending, pendingLen);
    // Cut after the second-to-last newline: the last complete line stays for a later (possibly the final) piece.
    const last = buf.lastIndexOf(NL);
    const cut = last > 0 ? buf.lastIndexOf(NL, last - 1) : -1;
    if (cut < 0) {
      pending = [buf];
      continue;
    }
    const piece = buf.subarray(0, cut + 1);
    consumed += piece.length;
    yield { bytes: piece, lineOffset, final: false, endOffset: consumed };
    lineOffset += countLines(piece);
    const rest = buf.subarray(cut + 1);
    pending = [rest];
    pendingLen = rest.length;
  }
  const buf = concat(pending, pendingLen);
  consumed += buf.length;
  yield { bytes: buf, lineOffset, final: true, endOffset: consumed };
}

function concat(parts: Uint8Array[], total: number): Buffer {
  if (parts.length === 1) {
    const p = parts[0]!;
    return Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  }
  return Buffer.concat(parts, total);
}

/** Number of newline bytes in `b`. */
export function countLines(b: Uint8Array): number {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let n = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}

/** True if the last line of `b` (ignoring its newline) is exactly `# EOF`. */
export function endsWithEofMarker(b: Uint8Array): boolean {
  let end = b.length;
  if (end > 0 && b[end - 1] === NL) end--;
  const marker = '# EOF';
  if (end < marker.length) return false;
  const start = end - marker.length;
  if (start > 0 && b[start - 1] !== NL) return false;
  for (let i = 0; i < marker.length; i++) if (b[start + i] !== marker.charCodeAt(i)) return false;
  return true;
}
