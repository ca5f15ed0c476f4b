/**
 * The write-ahead log: durable, replayable storage of the head's opaque records. See FORMAT.md.
 */
export { Wal, type WalOptions, type ReplayStats, type WalTruncation } from './wal.js';
export { WalCorruptionError } from './errors.js';
export type { CheckpointStep } from './checkpoint.js';
export { walMetrics, type WalMetrics } from './metrics.js';
