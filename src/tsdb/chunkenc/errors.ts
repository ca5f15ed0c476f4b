import { ExecutionError } from '../../model/errors.js';

/** Where in a chunk decoding failed; every field is optional because some failures happen before it is known. */
export interface ChunkDecodeContext {
  /** Encoding id from the chunk's first byte. */
  encoding?: number;
  /** Total chunk size in bytes. */
  size?: number;
  /** Byte offset (or bit offset / 8, rounded down) where the problem was seen. */
  offset?: number;
}

/**
 * A chunk's bytes are not a valid encoding (truncated, unknown encoding id, impossible header field).
 * It is an ExecutionError so that a query that meets a corrupt chunk fails as `execution`, like any other
 * storage fault.
 */
export class ChunkDecodeError extends ExecutionError {
  readonly encoding: number | undefined;
  readonly size: number | undefined;
  readonly offset: number | undefined;

  constructor(message: string, ctx: ChunkDecodeContext = {}) {
    const where: string[] = [];
    if (ctx.encoding !== undefined) where.push(`encoding ${ctx.encoding}`);
    if (ctx.size !== undefined) where.push(`${ctx.size} bytes`);
    if (ctx.offset !== undefined) where.push(`at byte ${ctx.offset}`);
    super(`cannot decode chunk: ${message}${where.length ? ` (${where.join(', ')})` : ''}`);
    this.name = 'ChunkDecodeError';
    this.encoding = ctx.encoding;
    this.size = ctx.size;
    this.offset = ctx.offset;
  }
}
