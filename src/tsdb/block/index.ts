/** Persisted, immutable blocks: writing, opening for queries, listing. See FORMAT.md for the bytes on disk. */
export { Block, appendBlockSeries, blockSeriesBound } from './block.js';
export { writeBlock, BlockWriteError, DEFAULT_CHUNK_SAMPLES, DEFAULT_FRAME_BYTES } from './writer.js';
export type { WriteBlockOptions, SeriesInput } from './writer.js';
export { listBlocks, listTieredBlocks, removeBlockLeftovers, removeColdDuplicates } from './list.js';
export { readMeta, META_FILE, CHUNKS_FILE, INDEX_FILE } from './meta.js';
export type { BlockMeta } from './meta.js';
export { BlockFormatError } from './errors.js';
export { newBlockId, isBlockId } from './ulid.js';
