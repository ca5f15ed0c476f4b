/** Block compaction, downsampling and retention: the planner (pure), its runner, the daemon's schedule, stats. */
export { planNext, obsoleteBlocks, DEFAULT_RANGES, DEFAULT_TIERS, RES_5M, RES_1H, WINDOW_GRACE_MS } from './plan.js';
export type { PlanBlock, PlanOptions, Step, DownsampleTier } from './plan.js';
export { compactDir, describeStep, readBlockMetas, removeObsoleteBlocks } from './run.js';
export type { CompactorOptions, CompactorStep, StepReport } from './run.js';
export { copyBlockToCold, isColdBlock, nextColdMove, type ColdStep, type ColdTier } from './cold.js';
export { scheduleBlockCompaction, type CompactionSchedule } from './schedule.js';
export { resolutionStats, dirBytes, type ResolutionStats } from './stats.js';
