/** Downsampled data: the aggregates (pure), their blocks on disk, the querier over all tiers, the read policy. */
export { downsampleRaw, downsampleAggr, mergeAggr, stitchCounter, AGGREGATES, COUNTER_MAX_DROP_EVERY } from './aggregate.js';
export type { Aggregate, AggrSeries, CounterPart } from './aggregate.js';
export { AGGR_LABEL, aggrSeriesInputs, readAggregates, readAggregate } from './block-io.js';
export { TieredQuerier, tierSet, planStretches, preferenceOrder } from './tiered-querier.js';
export type { TierSet, Interval, Stretch } from './tiered-querier.js';
export { aggregateFor, autoResolution, parseMaxSourceResolution, DOWNSAMPLED_RESOLUTIONS } from './policy.js';
export type { SelectorShape } from './policy.js';
