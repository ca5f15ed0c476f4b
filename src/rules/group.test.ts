import { describe, it, expect } from 'vitest';
import client from 'prom-client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../model/clock.js';
import { formatLabels, labelsFromObject, type Labels } from '../model/labels.js';
import { isStaleNaN, type InstantSample } from '../model/sample.js';
import type { Appender } from '../tsdb/types.js';
import { parseRuleFile } from './rulefile.js';
import { RuleGroup, evalSlot } from './group.js';
import { RuleSet } from './rule-set.js';
import { AlertStateStore } from './state-store.js';
import { alertsResponse, rulesResponse, formatValueE, rfc3339 } from './api.js';
import { AlertingRule, type OutgoingAlert } from './alert.js';

/** An Appender that records committed batches, so tests can check what one evaluation wrote. */
class BatchRecorder {
  batches: Array<Array<{ series: string; t: number; v: number }>> = [];
  appender = (): Appender => {
    const refs: Labels[] = [];
    let pending: Array<{ series: string; t: number; v: number }> = [];
    return {
      ref: (ls) => refs.push(ls),
      append: (ref, t, v) => { pending.push({ series: formatLabels(refs[ref - 1]!), t, v }); return 0; },
      commit: () => { this.batches.push(pending); pending = []; },
      rollback: () => { pending = []; },
    };
  };
  last(): Array<{ series: string; t: number; v: number }> {
    return this.batches[this.batches.length - 1] ?? [];
  }
}

/** A query function over a mutable table of results per expression. */
function fakeQuery(table: Map<string, Array<[Record<string, string>, number]>>) {
  return async (expr: string, t: number): Promise<InstantSample[]> =>
    (table.get(expr) ?? []).map(([l, v]) => ({ labels: labelsFromObject(l), t, v }));
}

const RULES = `groups:
  - name: app
    interval: 10s
    rules:
      - record: job:requests:rate1m
        expr: sum by (job) (rate(app_http_requests_total[1m]))
        labels: { source: rule }
      - alert: QueueBacklog
        expr: app_queue_messages > 100
        for: 30s
        labels: { severity: '{{ if gt $value 1000.0 }}page{{ else }}ticket{{ end }}' }
        annotations:
          summary: 'Queue {{ $labels.queue }} has {{ $value }} messages'
`;

function setup(opts: { store?: AlertStateStore; src?: string; now?: number } = {}) {
  const table = new Map<string, Array<[Record<string, string>, number]>>();
  const rec = new BatchRecorder();
  const sent: OutgoingAlert[][] = [];
  const clock = new ManualClock(opts.now ?? 1_700_000_000_000);
  const { groups, errors } = parseRuleFile('rules.yml', opts.src ?? RULES);
  expect(errors).toEqual([]);
  const deps = {
    query: fakeQuery(table), externalLabels: { cluster: 'eu1' }, externalURL: 'http://vigil:9190', appender: rec.appender,
    clock, sendAlerts: (a: OutgoingAlert[]) => sent.push(a), store: opts.store, resendDelayMs: 60_000,
  };
  const group = new RuleGroup({ ...groups[0]!, intervalMs: groups[0]!.intervalMs! }, deps);
  return { table, rec, sent, clock, group, deps, spec: groups[0]! };
}

describe('recording rules', () => {
  it('append results with __name__ and rule labels in one batch, and stale markers for vanished series', async () => {
    const { table, rec, group } = setup();
    table.set('sum by (job) (rate(app_http_requests_total[1m]))', [[{ job: 'api' }, 12.5], [{ job: 'web' }, 3]]);
    await group.evaluate(10_000);
    expect(rec.batches).toHaveLength(1);
    expect(rec.last()).toEqual([
      { series: 'job:requests:rate1m{job="api", source="rule"}', t: 10_000, v: 12.5 },
      { series: 'job:requests:rate1m{job="web", source="rule"}', t: 10_000, v: 3 },
    ]);
    table.set('sum by (job) (rate(app_http_requests_total[1m]))', [[{ job: 'api' }, 13]]);
    await group.evaluate(20_000);
    const b = rec.last();
    expect(b[0]).toEqual({ series: 'job:requests:rate1m{job="api", source="rule"}', t: 20_000, v: 13 });
    expect(b[1]!.series).toBe('job:requests:rate1m{job="web", source="rule"}');
    expect(isStaleNaN(b[1]!.v)).toBe(true);
  });

  it('record a failing query as rule health err while other rules still run', async () => {
    const metric = async (name: string) => (await client.register.getSingleMetric(name)?.get())?.values.find((v) => v.labels['rule_group'] === 'rules.yml;app')?.value ?? 0;
    const failures0 = await metric('vigil_rule_evaluation_failures_total');
    const evals0 = await metric('vigil_rule_evaluations_total');
    const { group, deps } = setup();
    deps.query = async (expr: string) => { if (expr.startsWith('sum')) throw new Error('boom'); return []; };
    await group.evaluate(5_000);
    expect(group.rules[0]!.health).toMatchObject({ health: 'err', lastError: 'boom', lastEvaluation: 5_000 });
    expect(group.rules[1]!.health).toMatchObject({ health: 'ok', lastError: '' });
    expect(await metric('vigil_rule_evaluation_failures_total') - failures0).toBe(1);
    expect(await metric('vigil_rule_evaluations_total') - evals0).toBe(2);
    expect(await metric('vigil_rule_group_last_evaluation_timestamp_seconds')).toBe(5);
  });
});

describe('alerting rules', () => {
  it('go pending, fire after `for`, write ALERTS series, send with templates, then resolve', async () => {
    const { table, rec, sent, group } = setup();
    const t0 = 1_000_000;
    table.set('app_queue_messages > 100', [[{ __name__: 'app_queue_messages', queue: 'orders' }, 250]]);
    await group.evaluate(t0);
    const rule = group.rules[1] as AlertingRule;
    expect(rule.state()).toBe('pending');
    expect(sent).toEqual([]); // pending alerts are not sent
    expect(rec.last().filter((s) => s.series.startsWith('ALERTS'))).toEqual([
      { series: 'ALERTS{alertname="QueueBacklog", alertstate="pending", queue="orders", severity="ticket"}', t: t0, v: 1 },
      { series: 'ALERTS_FOR_STATE{alertname="QueueBacklog", queue="orders", severity="ticket"}', t: t0, v: t0 / 1000 },
    ]);
    await group.evaluate(t0 + 20_000); // 20s < for 30s
    expect(rule.state()).toBe('pending');
    await group.evaluate(t0 + 30_000);
    expect(rule.state()).toBe('firing');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual([{
      labels: { alertname: 'QueueBacklog', queue: 'orders', severity: 'ticket' },
      annotations: { summary: 'Queue orders has 250 messages' },
      startsAt: t0 + 30_000, endsAt: t0 + 30_000 + 4 * 60_000,
      generatorURL: 'http://vigil:9190/graph?g0.expr=app_queue_messages%20%3E%20100&g0.tab=1',
    }]);
    // Still firing 10s later: within the resend delay, nothing is re-sent.
    await group.evaluate(t0 + 40_000);
    expect(sent).toHaveLength(1);
    await group.evaluate(t0 + 90_000);
    expect(sent).toHaveLength(2);
    // Condition clears: resolved, sent once with endsAt = resolution time.
    table.set('app_queue_messages > 100', []);
    await group.evaluate(t0 + 100_000);
    expect(rule.state()).toBe('inactive');
    expect(sent[2]![0]).toMatchObject({ startsAt: t0 + 30_000, endsAt: t0 + 100_000 });
    expect(rec.last().filter((s) => s.series.startsWith('ALERTS{')).every((s) => isStaleNaN(s.v))).toBe(true);
    // Kept for re-sending during the 15 m retention, then dropped.
    expect(rule.active.size).toBe(1);
    await group.evaluate(t0 + 100_000 + 15 * 60_000 + 1);
    expect(rule.active.size).toBe(0);
  });

  it('keep firing for keep_firing_for after the condition clears, and drop pending alerts at once', async () => {
    const src = `groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        keep_firing_for: 1m
      - alert: Slow
        expr: slow > 1
        for: 5m
`;
    const { table, group } = setup({ src });
    table.set('up == 0', [[{ job: 'a' }, 0]]);
    table.set('slow > 1', [[{ job: 'a' }, 2]]);
    await group.evaluate(0);
    const [down, slow] = group.rules as AlertingRule[];
    expect(down!.state()).toBe('firing'); // for: 0 fires on the first evaluation
    expect(slow!.state()).toBe('pending');
    table.clear();
    await group.evaluate(30_000);
    expect(down!.state()).toBe('firing');
    expect([...down!.active.values()][0]!.keepFiringSince).toBe(30_000);
    expect(slow!.active.size).toBe(0);
    await group.evaluate(89_999);
    expect(down!.state()).toBe('firing');
    await group.evaluate(90_000);
    expect(down!.state()).toBe('inactive');
  });

  it('enforce the group limit', async () => {
    const src = 'groups:\n  - name: g\n    limit: 1\n    rules:\n      - alert: A\n        expr: x\n';
    const { table, group } = setup({ src });
    table.set('x', [[{ i: '1' }, 1], [{ i: '2' }, 1]]);
    await group.evaluate(0);
    expect(group.rules[0]!.health.lastError).toBe('exceeded limit of 1 with 2 alerts');
  });
});

describe('alert state persistence', () => {
  it('restores pending and firing alerts after a restart without re-sending or restarting `for`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    const path = join(dir, 'rules.db');
    let store = new AlertStateStore(path);
    let s = setup({ store });
    s.table.set('app_queue_messages > 100', [[{ queue: 'a' }, 500]]);
    await s.group.evaluate(0);
    await s.group.evaluate(30_000); // fires and is sent
    s.table.set('app_queue_messages > 100', [[{ queue: 'a' }, 500], [{ queue: 'b' }, 700]]);
    await s.group.evaluate(40_000); // b pending since 40s
    expect(s.sent).toHaveLength(1);
    store.close();

    store = new AlertStateStore(path);
    s = setup({ store });
    s.table.set('app_queue_messages > 100', [[{ queue: 'a' }, 500], [{ queue: 'b' }, 700]]);
    const rule = s.group.rules[1] as AlertingRule;
    expect([...rule.active.values()].map((a) => [a.labels['queue'], a.state, a.activeAt])).toEqual([['a', 'firing', 0], ['b', 'pending', 40_000]]);
    await s.group.evaluate(50_000);
    expect(s.sent).toEqual([]); // a was sent at 30s; resend delay 1m not over
    await s.group.evaluate(70_000); // b: 30s since 40s → fires, sent now
    expect(s.sent.flat().map((a) => a.labels['queue'])).toEqual(['b']);
    store.close();
  });
});

describe('alert state after a long outage', () => {
  it('restores firing alerts but restarts `for` for pending ones saved more than an hour ago', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigil-rules-')), 'rules.db');
    let store = new AlertStateStore(path);
    let s = setup({ store });
    s.table.set('app_queue_messages > 100', [[{ queue: 'a' }, 500]]);
    await s.group.evaluate(0);
    await s.group.evaluate(30_000);
    s.table.set('app_queue_messages > 100', [[{ queue: 'a' }, 500], [{ queue: 'b' }, 700]]);
    await s.group.evaluate(40_000);
    store.close();
    store = new AlertStateStore(path);
    s = setup({ store, now: 1_700_000_000_000 + 2 * 3600_000 });
    const rule = s.group.rules[1] as AlertingRule;
    expect([...rule.active.values()].map((a) => [a.labels['queue'], a.state])).toEqual([['a', 'firing']]);
    store.close();
  });
});

describe('scheduling', () => {
  it('evaluates on a stable, hash-offset slot every interval', async () => {
    const { group, clock, rec } = setup();
    const slot = evalSlot(clock.now(), 10_000, group.hash);
    expect(slot).toBeLessThanOrEqual(clock.now());
    expect((slot - (group.hash % 10_000)) % 10_000).toBe(0);
    group.start();
    await clock.advance(35_000);
    expect(rec.batches).toHaveLength(Math.floor((clock.now() - slot) / 10_000));
    expect(group.health.lastEvaluation).toBe(slot + rec.batches.length * 10_000);
    await group.stop();
    const n = rec.batches.length;
    await clock.advance(60_000);
    expect(rec.batches).toHaveLength(n);
  });

  it('reload keeps alert state of groups with the same name and file', async () => {
    const table = new Map<string, Array<[Record<string, string>, number]>>();
    const clock = new ManualClock(0);
    const set = new RuleSet({ query: fakeQuery(table), externalLabels: {}, externalURL: '', appender: new BatchRecorder().appender, clock, sendAlerts: () => {} });
    set.replace(parseRuleFile('r.yml', RULES).groups);
    table.set('app_queue_messages > 100', [[{ queue: 'a' }, 500]]);
    await set.list()[0]!.evaluate(0);
    set.replace(parseRuleFile('r.yml', RULES.replace('for: 30s', 'for: 1m')).groups);
    const rule = set.list()[0]!.rules[1] as AlertingRule;
    expect(rule.spec.forMs).toBe(60_000);
    expect([...rule.active.values()][0]!.activeAt).toBe(0);
    set.replace(parseRuleFile('other.yml', RULES).groups);
    expect((set.list()[0]!.rules[1] as AlertingRule).active.size).toBe(0);
    await expect(set.load(['/nonexistent/rules.yml'])).rejects.toThrow(/nonexistent\/rules\.yml:1:1: error reading file/);
    expect(set.list()[0]!.file).toBe('other.yml');
    await set.stop();
  });
});

describe('API bodies', () => {
  it('shape /api/v1/rules and /api/v1/alerts like Prometheus', async () => {
    const { table, group } = setup();
    table.set('app_queue_messages > 100', [[{ queue: 'q' }, 1]]);
    await group.evaluate(1_700_000_000_500);
    const body = rulesResponse([group]);
    const g = body.data.groups[0] as Record<string, unknown>;
    expect(Object.keys(g)).toEqual(['name', 'file', 'rules', 'interval', 'limit', 'evaluationTime', 'lastEvaluation']);
    expect([g['name'], g['file'], g['interval'], g['lastEvaluation']]).toEqual(['app', 'rules.yml', 10, '2023-11-14T22:13:20.5Z']);
    const [recRule, alertRule] = g['rules'] as Array<Record<string, unknown>>;
    expect(recRule).toMatchObject({ name: 'job:requests:rate1m', labels: { source: 'rule' }, health: 'ok', type: 'recording' });
    expect(recRule).not.toHaveProperty('lastError');
    expect(alertRule).toMatchObject({
      state: 'pending', name: 'QueueBacklog', query: 'app_queue_messages > 100', duration: 30, keepFiringFor: 0, type: 'alerting',
      alerts: [{ labels: { alertname: 'QueueBacklog', queue: 'q', severity: 'ticket' }, annotations: { summary: 'Queue q has 1 messages' }, state: 'pending', activeAt: '2023-11-14T22:13:20.5Z', value: '1e+00' }],
    });
    expect(rulesResponse([group], { type: 'record' }).data.groups[0]).toMatchObject({ rules: [{ type: 'recording' }] });
    expect(alertsResponse([group]).data.alerts).toHaveLength(1);
    const other = setup({ src: 'groups:\n  - name: zzz\n    rules: []\n  - name: aaa\n    rules: []\n' });
    const g2 = parseRuleFile('a.yml', 'groups:\n  - name: zzz\n    rules: []\n  - name: aaa\n    rules: []\n').groups.map((s) => new RuleGroup({ ...s, intervalMs: 60_000 }, other.deps));
    expect(rulesResponse([group, ...g2]).data.groups.map((x) => `${(x as { file: string }).file}/${(x as { name: string }).name}`))
      .toEqual(['a.yml/aaa', 'a.yml/zzz', 'rules.yml/app']);
    expect(formatValueE(0.95)).toBe('9.5e-01');
    expect(formatValueE(1234)).toBe('1.234e+03');
    expect(rfc3339(0)).toBe('0001-01-01T00:00:00Z');
  });
});
