/** Backfilling data into a data dir (`vigil import openmetrics`). */
export { importOpenMetrics, ImportError, DEFAULT_IMPORT_MEMORY_BYTES } from './openmetrics.js';
export type { ImportOptions, ImportSummary } from './openmetrics.js';
export { chooseBlockRange, alignedWindows, BLOCK_RANGE_LADDER } from './ranges.js';
export { linePieces, DEFAULT_PIECE_BYTES } from './pieces.js';
export type { Piece } from './pieces.js';
