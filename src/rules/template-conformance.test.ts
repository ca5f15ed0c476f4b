import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { labelsFromObject } from '../model/labels.js';
import type { InstantSample } from '../model/sample.js';
import { compileTemplate, expandAlertTemplate } from './template.js';

const PROMTOOL = '/usr/bin/promtool';

/** Annotation templates as users write them; each is rendered for every value below. */
const TEMPLATES = [
  '{{ $value }}',
  '{{ .Value }}',
  '{{ $value | humanize }}',
  '{{ humanize1024 $value }}',
  '{{ $value | humanizeDuration }}',
  '{{ $value | humanizePercentage }}',
  '{{ if lt $value 9e9 }}{{ $value | humanizeTimestamp }}{{ end }}',
  '{{ printf "%.2f" $value }}',
  '{{ printf "%g|%e|%8.3f|%-6s|%q" $value $value $value $labels.v $labels.v }}',
  '{{ $labels.instance | reReplaceAll ":[0-9]+$" "" | toUpper }} {{ "disk full on /var" | title }}',
  '{{ if gt $value 100.0 }}high{{ else if lt $value 0.0 }}negative{{ else }}normal{{ end }}',
  '{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}',
  '{{ with $labels.missing }}has{{ else }}none{{ end }}[{{ $labels.missing }}]',
  '{{ match "^web" $labels.instance }} {{ len $labels }} {{ index $labels "v" }}',
  '{{ with query "sum(tmpl_input)" }}{{ . | first | value | humanize }}{{ end }}',
  '{{ range query "tmpl_input" | sortByLabel "v" }}{{ .Labels.v }}:{{ .Value }} {{ end }}',
  '{{ reReplaceAll "(web)-(\\\\d+)" "${2}_$1" $labels.instance }}|{{ reReplaceAll "(web)-(\\\\d+)" "$1_x$2" $labels.instance }}|{{ reReplaceAll "(?P<host>[a-z]+)-" "$host=$$" $labels.instance }}',
  '{{ $value | printf "%.1f%%" }} {{ humanize "2048" }} {{ toLower "ÄBC" }} {{ title "hello-world foo_bar" }}',
  '{{ $x := args "a" 2 }}{{ $x.arg0 }}{{ $x.arg1 }} {{ $externalURL }} {{ $externalLabels.region }}',
];

const VALUES = [1234567.891, 0.000123, 0, -42.5, 1e21, 90061.5, 0.25, 1536, 12345678912, 1435065584.128, 2.5, 1062.5, 0.125, -0.0625];

describe.runIf(existsSync(PROMTOOL))('templates render exactly as Prometheus renders them', () => {
  it(`for ${TEMPLATES.length} templates × ${VALUES.length} values (checked by promtool test rules)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tmpl-'));
    const annotations = Object.fromEntries(TEMPLATES.map((t, i) => [`a${i}`, t]));
    writeFileSync(join(dir, 'rules.yml'), stringify({
      groups: [{ name: 'tmpl', rules: [{ alert: 'Tmpl', expr: 'tmpl_input', annotations }] }],
    }));
    const series = VALUES.map((v, i) => ({ labels: { __name__: 'tmpl_input', v: String(i), instance: `web-${i}:9100` }, v }));
    const evalMs = 60_000;
    const query = async (expr: string, t: number): Promise<InstantSample[]> => {
      // The two queries the templates run, answered from the same input the promtool test loads.
      if (expr === 'tmpl_input') return series.map((s) => ({ labels: labelsFromObject(s.labels), t, v: s.v }));
      if (expr === 'sum(tmpl_input)') return [{ labels: [], t, v: VALUES.reduce((a, b) => a + b, 0) }];
      throw new Error(`unexpected query ${expr}`);
    };
    const compiled = TEMPLATES.map((t) => compileTemplate(t));
    const expAlerts = [];
    for (const s of series) {
      const exp: Record<string, string> = {};
      for (let i = 0; i < compiled.length; i++) {
        exp[`a${i}`] = await expandAlertTemplate(compiled[i]!, {
          labels: s.labels, externalLabels: { region: 'eu' }, externalURL: 'http://vigil.test:9190', value: s.v,
        }, { query, timeMs: evalMs });
      }
      const { __name__: _n, ...labels } = s.labels;
      expAlerts.push({ exp_labels: labels, exp_annotations: exp });
    }
    writeFileSync(join(dir, 'test.yml'), stringify({
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        external_labels: { region: 'eu' },
        external_url: 'http://vigil.test:9190',
        input_series: series.map((s) => ({
          series: `tmpl_input{v="${s.labels.v}", instance="${s.labels.instance}"}`,
          values: `${s.v} ${s.v}`,
        })),
        alert_rule_test: [{ eval_time: '1m', alertname: 'Tmpl', exp_alerts: expAlerts }],
      }],
    }));
    let out = '';
    try {
      out = execFileSync(PROMTOOL, ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    expect(out).toContain('SUCCESS');
  });
});
