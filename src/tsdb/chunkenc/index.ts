/**
 * Chunk encodings of the time-series engine. Every chunk starts with a 1-byte encoding id:
 *   1 = XOR (the head's streaming Gorilla chunk), 2 = block (dense encoding for persisted blocks).
 * Byte layouts: FORMAT.md in this folder.
 */
import type { SampleBuffer } from '../types.js';
import { blockNumSamples, decodeBlockInto, ENCODING_BLOCK } from './block.js';
import { ChunkDecodeError } from './errors.js';
import { decodeXorInto, ENCODING_XOR, xorNumSamples } from './xor.js';

export { XorAppender, ENCODING_XOR } from './xor.js';
export { encodeBlockChunk, ENCODING_BLOCK, MAX_BLOCK_CHUNK_SAMPLES } from './block.js';
export { ChunkDecodeError, type ChunkDecodeContext } from './errors.js';
export { newSampleBuffer, pushSample, ensureSampleCapacity } from './samples.js';

function encodingOf(chunk: Uint8Array): number {
  if (chunk.length === 0) throw new ChunkDecodeError('empty chunk', { size: 0 });
  return chunk[0]!;
}

/**
 * Decodes any chunk produced by this module (dispatching on the encoding byte) and appends to `out` the samples
 * with mint <= t <= maxt, in time order. `out` grows by doubling as needed (its arrays may be replaced).
 * Throws ChunkDecodeError, with the encoding, size and offset, on corrupt input; `out.length` is then unchanged
 * but entries beyond it may have been overwritten.
 *
 * @example
 * const out = newSampleBuffer();
 * decodeChunkInto(chunk, 0, Date.now(), out);
 */
export function decodeChunkInto(chunk: Uint8Array, mint: number, maxt: number, out: SampleBuffer): void {
  const enc = encodingOf(chunk);
  if (enc === ENCODING_XOR) {
    const before = out.length;
    try {
      decodeXorInto(chunk, mint, maxt, out);
    } catch (e) {
      out.length = before;
      throw e;
    }
  } else if (enc === ENCODING_BLOCK) decodeBlockInto(chunk, mint, maxt, out);
  else throw new ChunkDecodeError(`unknown encoding ${enc}`, { encoding: enc, size: chunk.length, offset: 0 });
}

/** Number of samples in a chunk, read from its header only (cheap). Throws ChunkDecodeError on a bad header. */
export function chunkNumSamples(chunk: Uint8Array): number {
  const enc = encodingOf(chunk);
  if (enc === ENCODING_XOR) return xorNumSamples(chunk);
  if (enc === ENCODING_BLOCK) return blockNumSamples(chunk);
  throw new ChunkDecodeError(`unknown encoding ${enc}`, { encoding: enc, size: chunk.length, offset: 0 });
}
