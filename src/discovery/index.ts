/**
 * Service discovery: target groups from `static_configs` and `file_sd_configs`, and Prometheus's target
 * population (`targetsFromGroup`: job/scheme/path/param labels, relabel_configs, instance default, scrape URL).
 *
 * @example
 * const dm = new DiscoveryManager({ onUpdate: (sets) => {
 *   for (const [job, groups] of sets) {
 *     const sc = config.scrapeConfigs.find((s) => s.jobName === job)!;
 *     const active = groups.flatMap((g) => targetsFromGroup(g, sc).active);
 *   }
 * } });
 * dm.applyConfig(config);
 */
export type { TargetGroup, Discoverer, GroupsCallback, Timers } from './types.js';
export { realTimers } from './types.js';
export { StaticDiscoverer, staticGroups, ADDRESS_LABEL } from './static.js';
export { FileDiscoverer, FileSDError, parseFileSDGroups, FILEPATH_LABEL, type FileDiscovererOptions } from './file.js';
export { DiscoveryManager, type DiscoveryOptions, type TargetSets } from './manager.js';
export {
  targetsFromGroup, scrapeUrl,
  JOB_LABEL, INSTANCE_LABEL, SCHEME_LABEL, METRICS_PATH_LABEL, SCRAPE_INTERVAL_LABEL, SCRAPE_TIMEOUT_LABEL,
  PARAM_LABEL_PREFIX, META_LABEL_PREFIX,
  type ScrapeTarget, type DroppedTarget, type FailedTarget, type GroupTargets,
} from './targets.js';
export { expandFileGlob, globToRegExp, splitGlob, validateGlob, hasGlobMeta, GlobError } from './glob.js';
