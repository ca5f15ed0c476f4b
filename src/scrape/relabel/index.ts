/**
 * Relabeling: Prometheus's `relabel_configs` / `metric_relabel_configs` / `write_relabel_configs` rules.
 *
 * Build rules once with `compileRelabelConfig` (validates like Prometheus, throws `RelabelConfigError` naming the
 * offending field), then apply them per label set with `relabel` (pure; null means dropped).
 *
 * @example
 * const rules = [compileRelabelConfig({ source_labels: ['__address__'], regex: '(.*):\\d+', target_label: 'host' })];
 * relabel(labelsFromObject({ __address__: 'db1:9100' }), rules); // → __address__="db1:9100", host="db1"
 */
export {
  compileRelabelConfig, isValidLabelName, RelabelConfigError,
  DEFAULT_REGEX, DEFAULT_REPLACEMENT, DEFAULT_SEPARATOR,
  type RelabelAction, type RelabelConfig, type RelabelConfigInput,
} from './config.js';
export { relabel, relabelBuilder } from './relabel.js';
export { LabelsBuilder } from './builder.js';
export { hashmod, MAX_HASHMOD_MODULUS } from './hashmod.js';
export { compileTemplate, expandTemplate, type Template } from './template.js';
