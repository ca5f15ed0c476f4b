import { bench, describe } from 'vitest';
import { labelsFromObject, type Labels } from '../../model/labels.js';
import { compileRelabelConfig, relabel } from './index.js';

// Typical metric_relabel_configs, run per scraped sample: `npx vitest bench --run src/scrape/relabel`.
const series: Labels[] = Array.from({ length: 1000 }, (_, i) => labelsFromObject({
  __name__: `http_requests_total_${i % 50}`, instance: `10.0.${i % 255}.${i % 7}:9100`, job: 'node', method: 'GET',
  code: String(200 + (i % 5)), pod_template_hash: 'abc', le: String(i),
}));
const dropOnly = [compileRelabelConfig({ source_labels: ['__name__'], regex: 'go_gc_.*|process_.*', action: 'drop' })];
const threeRules = [
  ...dropOnly,
  compileRelabelConfig({ action: 'labeldrop', regex: 'pod_template_hash|controller_revision_hash' }),
  compileRelabelConfig({ source_labels: ['instance'], regex: '(.*):\\d+', target_label: 'host' }),
];
const hashmodRule = [compileRelabelConfig({ source_labels: ['instance'], modulus: 8, target_label: '__tmp_shard', action: 'hashmod' })];

describe('relabel, 1000 series per iteration', () => {
  bench('drop rule that keeps everything (no change)', () => { for (const s of series) relabel(s, dropOnly); });
  bench('drop + labeldrop + replace', () => { for (const s of series) relabel(s, threeRules); });
  bench('hashmod', () => { for (const s of series) relabel(s, hashmodRule); });
});
