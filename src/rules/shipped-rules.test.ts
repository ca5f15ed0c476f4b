import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseRuleFile } from './rulefile.js';
import { RuleGroup } from './group.js';
import { AlertingRule } from './alert.js';
import { ManualClock } from '../model/clock.js';
import { parseDuration } from '../model/duration.js';
import { compareLabels, getLabel, labelsFromObject, labelsToObject, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Appender, Queryable, Series } from '../tsdb/types.js';

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

/** Prometheus's expanding notation for test series: `a`, `axN` (a repeated), `a+bxN` / `a-bxN` (a, a±b, ...). */
function expandValues(spec: string): number[] {
  const out: number[] = [];
  for (const tok of spec.trim().split(/\s+/)) {
    const m = /^(-?[\d.e]+)(?:([+-][\d.e]+))?x(\d+)$/.exec(tok);
    if (!m) { out.push(Number(tok)); continue; }
    const a = Number(m[1]), b = m[2] ? Number(m[2]) : 0, n = Number(m[3]);
    for (let i = 0; i <= n; i++) out.push(a + i * b);
  }
  return out;
}

function parseSeries(s: string): Record<string, string> {
  const m = /^([a-zA-Z_:][\w:]*)\{(.*)\}$/.exec(s.trim())!;
  const o: Record<string, string> = { __name__: m[1]! };
  for (const p of m[2]!.matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) o[p[1]!] = p[2]!;
  return o;
}

/** A small writable in-memory storage: rule results are visible to later queries, as in the real TSDB. */
function memStorage(): { queryable: Queryable; appender: () => Appender; add: (l: Record<string, string>, t: number, v: number) => void } {
  const series = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  const add = (l: Record<string, string>, t: number, v: number) => {
    const labels = labelsFromObject(l);
    const k = JSON.stringify(labels);
    let s = series.get(k);
    if (!s) series.set(k, (s = { labels, t: [], v: [] }));
    s.t.push(t); s.v.push(v);
  };
  const queryable: Queryable = {
    querier: () => ({
      select: (ms: readonly Matcher[], mint: number, maxt: number): Series[] =>
        [...series.values()]
          .filter((s) => ms.every((m) => m.matches(getLabel(s.labels, m.name))))
          .sort((a, b) => compareLabels(a.labels, b.labels))
          .map((s) => {
            const idx = s.t.map((t, i) => [t, i] as const).filter(([t]) => t >= mint && t <= maxt).map(([, i]) => i);
            return { labels: s.labels, samples: () => ({ t: Float64Array.from(idx.map((i) => s.t[i]!)), v: Float64Array.from(idx.map((i) => s.v[i]!)), length: idx.length }) };
          }),
      labelNames: () => [],
      labelValues: () => [],
      close: () => {},
    }),
  };
  const appender = (): Appender => {
    const refs: Labels[] = [];
    const pending: Array<[Labels, number, number]> = [];
    return {
      ref: (l) => refs.push(l),
      append: (ref, t, v) => { pending.push([refs[ref - 1]!, t, v]); return 0; },
      commit: () => { for (const [l, t, v] of pending) add(labelsToObject(l), t, v); },
      rollback: () => { pending.length = 0; },
    };
  };
  return { queryable, appender, add };
}

interface PromtoolTests {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<{
    interval: string;
    input_series: Array<{ series: string; values: string }>;
    alert_rule_test: Array<{ eval_time: string; alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }> }>;
  }>;
}

describe('promtool rule unit tests for the shipped rules', () => {
  const testFile = join(RULE_DIR, 'tests', 'rules.test.yaml');

  it.runIf(existsSync(PROMTOOL))('pass in Prometheus (promtool test rules)', () => {
    const out = execFileSync(PROMTOOL, ['test', 'rules', testFile], { encoding: 'utf8', cwd: join(RULE_DIR, 'tests') });
    expect(out).toContain('SUCCESS');
  });

  it('produce the same firing alerts, labels and annotations when vigil evaluates them', async () => {
    const { parseExpr } = await import('../promql/index.js');
    const { engineQueryFunc } = await import('./query.js');
    const doc = parseYaml(readFileSync(testFile, 'utf8')) as PromtoolTests;
    const specs = doc.rule_files.flatMap((f) => {
      const path = resolve(RULE_DIR, 'tests', f);
      const r = parseRuleFile(path, readFileSync(path, 'utf8'), (e) => { parseExpr(e); });
      expect(r.errors).toEqual([]);
      return r.groups;
    });
    const evalEvery = parseDuration(doc.evaluation_interval);
    for (const t of doc.tests) {
      const step = parseDuration(t.interval);
      for (const art of t.alert_rule_test) {
        const store = memStorage();
        for (const s of t.input_series) expandValues(s.values).forEach((v, i) => store.add(parseSeries(s.series), i * step, v));
        const groups = specs.map((g) => new RuleGroup({ ...g, intervalMs: evalEvery }, {
          query: engineQueryFunc(store.queryable), appender: store.appender, externalLabels: {}, externalURL: '',
          clock: new ManualClock(0), sendAlerts: () => {},
        }));
        const end = parseDuration(art.eval_time);
        for (let ts = 0; ts <= end; ts += evalEvery) for (const g of groups) await g.evaluate(ts);
        const firing = groups.flatMap((g) => g.rules)
          .filter((r): r is AlertingRule => r instanceof AlertingRule && r.name === art.alertname)
          .flatMap((r) => [...r.active.values()].filter((a) => a.state === 'firing'))
          .map((a) => ({ labels: a.labels, annotations: a.annotations }));
        const expected = art.exp_alerts.map((e) => ({ labels: { alertname: art.alertname, ...e.exp_labels }, annotations: e.exp_annotations }));
        expect(firing, `${art.alertname} at ${art.eval_time}`).toEqual(expected);
      }
    }
  });
});
