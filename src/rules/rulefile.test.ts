import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuleFile } from './rulefile.js';
import { checkRulesCommand } from './check.js';

/** Stand-in for PromQL's parser (which another engineer is writing): rejects unbalanced parentheses with a position. */
function parenValidator(expr: string): void {
  let depth = 0, open = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(') { if (depth++ === 0) open = i; }
    else if (expr[i] === ')' && --depth < 0) throw new Error(`1:${i + 1}: parse error: unexpected right parenthesis ')'`);
  }
  if (depth > 0) throw new Error(`1:${open + 1}: parse error: unclosed left parenthesis`);
}

const GOOD = `groups:
  - name: node
    interval: 30s
    limit: 10
    rules:
      - record: instance:cpu:rate5m
        expr: rate(app_cpu_seconds_total[5m])
        labels: { team: infra }
      - alert: HighCPU
        expr: instance:cpu:rate5m > 0.9
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: '{{ if gt $value 0.95 }}page{{ else }}ticket{{ end }}'
        annotations:
          summary: 'CPU at {{ $value | humanizePercentage }} on {{ $labels.instance }}'
`;

describe('rule files', () => {
  it('parses groups and rules with durations, labels and compiled templates', () => {
    const { groups, errors } = parseRuleFile('good.yml', GOOD, parenValidator);
    expect(errors).toEqual([]);
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect([g.name, g.intervalMs, g.limit]).toEqual(['node', 30_000, 10]);
    expect(g.rules.map((r) => [r.kind, r.name, r.forMs, r.keepFiringForMs])).toEqual([
      ['recording', 'instance:cpu:rate5m', 0, 0],
      ['alerting', 'HighCPU', 300_000, 60_000],
    ]);
    expect(g.rules[0]!.labels).toEqual({ team: 'infra' });
    expect(Object.keys(g.rules[1]!.annotationTemplates)).toEqual(['summary']);
    expect([g.rules[1]!.line, g.rules[1]!.column]).toEqual([9, 9]);
  });

  it('reports every problem as file:line:column', () => {
    const src = [
      'groups:', //                                 1
      '  - name: a', //                             2
      '    rules:', //                              3
      '      - record: bad-name', //                4
      '        expr: sum(up', //                    5
      '      - alert: A', //                        6
      '        expr: up == 0', //                   7
      '        severity: page', //                  8  (belongs under labels)
      '      - alert: B', //                        9
      '        labels: { "bad-label": x }', //      10
      '        annotations:', //                    11
      '          summary: "{{ $value | nofn }}"', // 12
      '      - record: r', //                       13
      '        expr: up', //                        14
      '        for: 5m', //                         15
      '      - alert: C', //                        16
      '  - name: a', //                             17
      '    interval: 5x', //                        18
      '    rules: []', //                           19
    ].join('\n');
    const { errors } = parseRuleFile('bad.yml', src, parenValidator);
    expect(errors.map((e) => e.message)).toEqual([
      'bad.yml:5:15: group "a", rule 1, "bad-name": could not parse expression: 1:4: parse error: unclosed left parenthesis',
      'bad.yml:4:17: group "a", rule 1, "bad-name": invalid recording rule name: bad-name',
      'bad.yml:8:9: group "a", rule 2: field severity not found in rule',
      'bad.yml:9:9: group "a", rule 3, "B": field \'expr\' must be set in rule',
      'bad.yml:10:19: group "a", rule 3, "B": invalid label name: bad-label',
      'bad.yml:12:20: group "a", rule 3, "B": annotation "summary": template: 1:13: function "nofn" not defined',
      "bad.yml:15:14: group \"a\", rule 4, \"r\": invalid field 'for' in recording rule",
      "bad.yml:16:9: group \"a\", rule 5, \"C\": field 'expr' must be set in rule",
      'bad.yml:17:5: groupname: "a" is repeated in the same file',
      'bad.yml:18:15: group "a": not a valid duration string: "5x"',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const dup = parseRuleFile('d.yml', 'groups:\n  - name: a\n    name: b\n    rules: []\n');
    expect(dup.errors).toHaveLength(1);
    expect(dup.errors[0]!.message).toMatch(/^d\.yml:3:5: yaml: Map keys must be unique/);
    const bad = parseRuleFile('s.yml', 'groups: [\n');
    expect(bad.errors[0]!.message).toMatch(/^s\.yml:\d+:\d+: yaml: /);
    expect(parseRuleFile('e.yml', '').errors).toEqual([]);
  });

  it('check rules prints promtool-like output and returns the exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-check-'));
    const good = join(dir, 'good.yml');
    const bad = join(dir, 'bad.yml');
    writeFileSync(good, GOOD);
    writeFileSync(bad, 'groups:\n  - name: x\n    rules:\n      - record: r\n        expr: sum(up\n');
    const out: string[] = [], err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await checkRulesCommand([good], parenValidator, io)).toBe(0);
    expect(out).toEqual([`Checking ${good}`, '  SUCCESS: 2 rules found', '']);
    out.length = 0;
    expect(await checkRulesCommand([good, bad], parenValidator, io)).toBe(1);
    expect(out).toEqual([`Checking ${good}`, '  SUCCESS: 2 rules found', '', `Checking ${bad}`, '']);
    expect(err).toEqual(['  FAILED:', `${bad}:5:15: group "x", rule 1, "r": could not parse expression: 1:4: parse error: unclosed left parenthesis`]);
    expect(await checkRulesCommand([join(dir, 'missing.yml')], parenValidator, io)).toBe(1);
  });
});
