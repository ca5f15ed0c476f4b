export * from './types.js';
export { Db, DbLockedError, DEFAULT_BLOCK_RANGE_MS } from './db.js';
export type { DbOptions, DbStats, CompactionResult } from './db.js';
export { MergeQuerier, mergeSamples, mergeSeriesLists } from './querier.js';
export type { QuerySource } from './querier.js';
export { Head, HeadAppender } from './head/index.js';
export type { HeadOptions, HeadStats, HeadCardinality } from './head/index.js';
export {
  RecordType,
  RecordDecodeError,
  recordType,
  encodeSeriesRecord,
  decodeSeriesRecord,
  encodeSamplesRecord,
  decodeSamplesRecord,
  newSamplesColumns,
} from './records.js';
export type { SeriesEntry, SamplesColumns } from './records.js';
export { tsdbMetrics } from './metrics.js';
export { compactDir, scheduleBlockCompaction, resolutionStats, DEFAULT_TIERS, DEFAULT_RANGES } from './compact/index.js';
export type { CompactorOptions, StepReport, CompactionSchedule, ResolutionStats } from './compact/index.js';
export { TieredQuerier, tierSet, parseMaxSourceResolution, AGGR_LABEL } from './downsample/index.js';
