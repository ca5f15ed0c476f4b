export { Head, HeadAppender, BufferedSeries, SLOT_SPACE } from './head.js';
export type { HeadOptions, HeadStats, HeadCardinality, BatchLog, TruncateResult, HeadChunkSink } from './head.js';
export { MemPostings, PostingList, intersect, union, subtract } from './postings.js';
export { SymbolTable } from './symbols.js';
