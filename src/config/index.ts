/**
 * The scrape configuration: Prometheus's `prometheus.yml` format (global, rule_files, scrape_configs,
 * remote_write) plus vigil's own top-level sections kept as raw YAML with positions (storage, notifiers, route,
 * inhibit_rules, alerting).
 *
 * `parseConfig(text, file)` / `loadConfigFile(file)` return a fully-defaulted, validated `Config` (durations in ms,
 * sizes in bytes, paths absolute) or throw `ConfigError` / `ConfigErrorList`, each error at `file:line:column`.
 *
 * @example
 * const cfg = await loadConfigFile('config/scrape.yaml');
 * for (const sc of cfg.scrapeConfigs) console.log(sc.jobName, sc.scrapeIntervalMs);
 */
export type * from './types.js';
export { parseConfig, DEFAULT_GLOBAL, DEFAULT_QUEUE_CONFIG } from './parse.js';
export { loadConfigFile, checkConfigCommand, type CheckConfigOptions } from './load.js';
export { ConfigError, ConfigErrorList, configErrorsOf } from './errors.js';
export { RawSection } from './raw.js';
export { parseByteSize, ByteSizeError } from './units.js';
export { configToYaml, SECRET_PLACEHOLDER } from './serialize.js';
