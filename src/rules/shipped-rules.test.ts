import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseRuleFile } from './rulefile.js';

const RULE_DIR = resolve(import.meta.dirname, '../../config/rules');
const PROMTOOL = '/usr/bin/promtool';
const files = readdirSync(RULE_DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(RULE_DIR, f));

describe('rule files shipped in config/rules', () => {
  it('exist for the app signals and for vigil itself', () => {
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const metric of ['app_cpu_seconds_total', 'app_memory_bytes', 'app_http_requests_total', 'app_queue_messages', 'up == 0', 'vigil_tsdb_wal_corruptions_total', 'vigil_notifications_failed_total']) {
      expect(all, metric).toContain(metric);
    }
  });

  it.runIf(existsSync(PROMTOOL))('are accepted by promtool check rules', () => {
    const out = execFileSync(PROMTOOL, ['check', 'rules', ...files], { encoding: 'utf8' });
    for (const f of files) expect(out).toContain(`Checking ${f}\n  SUCCESS:`);
  });

  it('are accepted by vigil with the same rule counts promtool reports', () => {
    for (const f of files) {
      const { groups, errors } = parseRuleFile(f, readFileSync(f, 'utf8'));
      expect(errors.map((e) => e.message)).toEqual([]);
      const n = groups.reduce((s, g) => s + g.rules.length, 0);
      if (existsSync(PROMTOOL)) {
        const out = execFileSync(PROMTOOL, ['check', 'rules', f], { encoding: 'utf8' });
        expect(out).toContain(`SUCCESS: ${n} rules found`);
      }
    }
  });
});

describe('rule files shipped in config/rules, with the real PromQL parser', () => {
  it('parse without errors', async () => {
    const { parseExpr } = await import('../promql/index.js');
    for (const f of files) {
      const { errors } = parseRuleFile(f, readFileSync(f, 'utf8'), (e) => { parseExpr(e); });
      expect(errors.map((e) => e.message)).toEqual([]);
    }
    const bad = parseRuleFile('bad.yml', 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n', (e) => { parseExpr(e); });
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]!.message).toMatch(/^bad\.yml:5:15: group "g", rule 1, "A": could not parse expression: /);
  });
});
