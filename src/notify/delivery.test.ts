import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import client from 'prom-client';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../model/clock.js';
import { labelsFromObject } from '../model/labels.js';
import type { Appender } from '../tsdb/types.js';
import { AlertStateStore, parseRuleFile, RuleGroup } from '../rules/index.js';
import { AlertDelivery } from './delivery.js';
import { configFromYaml, WebhookReceiver } from './test-support.js';
import type { NotifyAlert } from './payload.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const noopAppender = (): Appender => ({ ref: () => 1, append: () => 0, commit: () => {}, rollback: () => {} });

let dir: string;
let hook: WebhookReceiver;
let clock: ManualClock;
const open: AlertDelivery[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
  hook = await new WebhookReceiver().start();
  clock = new ManualClock(T0);
});
afterEach(async () => {
  for (const d of open.splice(0)) await d.close().catch(() => {});
  await hook.stop();
  rmSync(dir, { recursive: true, force: true });
});

function deliver(yamlText: string): AlertDelivery {
  const d = AlertDelivery.open({ dataDir: dir, config: configFromYaml(yamlText.replaceAll('HOOK', hook.url)), clock });
  open.push(d);
  return d;
}

const BASIC = `
notifiers:
  team:
    type: webhook
    url: HOOK
    headers: { X-Token: secret }
route:
  receiver: team
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 5m
`;

function alert(labels: Record<string, string>, startsAt = clock.now(), endsAt = clock.now() + 4 * 60_000): NotifyAlert {
  return { labels: { alertname: 'HighCPU', ...labels }, annotations: { summary: `cpu ${labels['instance'] ?? ''}` }, startsAt, endsAt, generatorURL: 'http://vigil.test:9190/graph' };
}

async function metric(name: string, receiver: string): Promise<number> {
  const m = client.register.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.find((x) => x.labels['receiver'] === receiver)?.value ?? 0;
}

describe('alert delivery end to end', () => {
  it('an alert goes pending, fires, is delivered with rendered annotations, then resolves and the resolution is delivered', async () => {
    const delivery = deliver(BASIC);
    const rules = parseRuleFile('app.yml', `groups:
  - name: app
    interval: 10s
    rules:
      - alert: QueueBacklog
        expr: app_queue_messages > 1000
        for: 30s
        labels: { severity: page }
        annotations:
          summary: 'Queue {{ $labels.queue }} holds {{ $value | humanize }} messages'
          runbook: '{{ $externalURL }}/runbooks/queue'
`);
    let current: Array<[Record<string, string>, number]> = [[{ __name__: 'app_queue_messages', queue: 'orders' }, 12345]];
    const group = new RuleGroup({ ...rules.groups[0]!, intervalMs: 10_000 }, {
      query: async (_e, t) => current.map(([l, v]) => ({ labels: labelsFromObject(l), t, v })),
      externalLabels: {}, externalURL: 'http://vigil.test:9190', appender: noopAppender, clock,
      sendAlerts: (a) => delivery.put(a),
    });
    group.start();
    await clock.advance(35_000); // evaluations at most 3: pending, not yet firing for 30 s
    expect(hook.received).toEqual([]);
    await clock.advance(60_000); // fires, then group_wait 10 s, then delivered
    expect(hook.received).toHaveLength(1);
    const p = hook.received[0]!;
    expect(p).toMatchObject({
      version: '4', status: 'firing', receiver: 'team', groupKey: '{}:{alertname="QueueBacklog"}', truncatedAlerts: 0,
      groupLabels: { alertname: 'QueueBacklog' }, commonLabels: { alertname: 'QueueBacklog', queue: 'orders', severity: 'page' },
      externalURL: 'http://vigil.test:9190',
    });
    expect(p.alerts).toHaveLength(1);
    expect(p.alerts[0]).toMatchObject({
      status: 'firing', labels: { alertname: 'QueueBacklog', queue: 'orders', severity: 'page' },
      annotations: { summary: 'Queue orders holds 12.35k messages', runbook: 'http://vigil.test:9190/runbooks/queue' },
    });
    // A firing alert's endsAt is its validity end: 4 × max(resend delay 1 m, interval 10 s) after it was sent.
    expect(Date.parse(p.alerts[0]!.endsAt) - Date.parse(p.alerts[0]!.startsAt)).toBe(240_000);
    expect(p.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(hook.headers[0]!['x-token']).toBe('secret');
    // Condition clears: the rule resolves, and the next group_interval flush tells the receiver.
    current = [];
    await clock.advance(2 * 60_000);
    expect(hook.received).toHaveLength(2);
    const r = hook.received[1]!;
    expect(r.status).toBe('resolved');
    expect(r.alerts[0]!.status).toBe('resolved');
    expect(Date.parse(r.alerts[0]!.endsAt)).toBeGreaterThan(Date.parse(r.alerts[0]!.startsAt));
    // Nothing more after that.
    await clock.advance(10 * 60_000);
    expect(hook.received).toHaveLength(2);
    await group.stop();
  });

  it('groups alerts by group_by labels into one notification per group', async () => {
    const d = deliver(BASIC);
    d.put([alert({ instance: 'a' }), alert({ instance: 'b' }), alert({ alertname: 'DiskFull', instance: 'a' })]);
    await clock.advance(5_000);
    d.put([alert({ instance: 'c' })]); // joins the HighCPU group before its first flush
    await clock.advance(10_000);
    expect(hook.received).toHaveLength(2);
    const byKey = Object.fromEntries(hook.received.map((p) => [p.groupKey, p.alerts.map((a) => a.labels['instance'])]));
    expect(byKey).toEqual({ '{}:{alertname="HighCPU"}': ['a', 'b', 'c'], '{}:{alertname="DiskFull"}': ['a'] });
    expect(hook.received.find((p) => p.groupKey.includes('HighCPU'))!.commonLabels).toEqual({ alertname: 'HighCPU' });
  });

  it('routes through the tree: first matching child wins unless continue, unmatched alerts stay at the root', async () => {
    const pager = await new WebhookReceiver().start();
    try {
      const d = deliver(`
notifiers:
  team: { type: webhook, url: HOOK }
  pager: { type: webhook, url: ${pager.url} }
route:
  receiver: team
  group_by: [alertname]
  group_wait: 1s
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      continue: true
    - matchers: ['team=~"db|storage"']
      group_by: [team]
    - matchers: ['team="db"']
      receiver: pager
`);
      d.put([alert({ alertname: 'A', severity: 'page', team: 'db' }), alert({ alertname: 'B', team: 'web' })]);
      await clock.advance(2_000);
      expect(pager.received.map((p) => p.groupKey)).toEqual(['{}/{severity="page"}:{alertname="A"}']);
      expect(hook.received.map((p) => p.groupKey).sort()).toEqual(['{}/{team=~"db|storage"}:{team="db"}', '{}:{alertname="B"}']);
    } finally {
      await pager.stop();
    }
  });

  it('serves receivers concurrently: one that hangs does not hold up another', async () => {
    let fastArrived!: () => void;
    const fastSeen = new Promise<void>((r) => { fastArrived = r; });
    let sawFastWhileHolding = false;
    const slow = createServer((req, res) => {
      req.resume();
      // Hold the request until the other receiver has been called (capped well below the 5 s client timeout).
      let held = true;
      const cap = setTimeout(() => { held = false; res.writeHead(200).end(); }, 3_000);
      void fastSeen.then(() => {
        if (!held) return;
        sawFastWhileHolding = true;
        clearTimeout(cap);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const d = deliver(`
notifiers:
  slow: { type: webhook, url: 'http://127.0.0.1:${(slow.address() as AddressInfo).port}/', timeout: 5s }
  fast: { type: webhook, url: HOOK }
route:
  receiver: slow
  group_wait: 0s
  routes: [ { matchers: ['team="fast"'], receiver: fast } ]
`);
      const origPush = hook.received.push.bind(hook.received);
      hook.received.push = (...items) => { fastArrived(); return origPush(...items); };
      d.put([alert({ instance: 'a' }), alert({ instance: 'b', team: 'fast' })]);
      await clock.advance(1_000);
      expect(hook.received).toHaveLength(1);
      expect(sawFastWhileHolding).toBe(true);
      expect(d.outbox.counts()).toMatchObject({ sent: 2, pending: 0 });
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('reload switches receivers and routes without re-sending what was already notified', async () => {
    const other = await new WebhookReceiver().start();
    try {
      const d = deliver(BASIC);
      d.put([alert({ instance: 'a' }, T0, T0 + 3_600_000)]);
      await clock.advance(15_000);
      expect(hook.received).toHaveLength(1);
      d.reload(configFromYaml(BASIC.replaceAll('HOOK', hook.url)));
      await clock.advance(60_000);
      expect(hook.received).toHaveLength(1); // same receiver and group: the notification log still applies
      d.reload(configFromYaml(BASIC.replace('url: HOOK', `url: ${other.url}`).replace(/team/g, 'oncall')));
      await clock.advance(60_000);
      expect(other.received.map((p) => p.receiver)).toEqual(['oncall']); // a new receiver has not been told yet
      expect(hook.received).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });

  it('repeats an unchanged notification only after repeat_interval', async () => {
    const d = deliver(BASIC);
    const refresh = () => d.put([alert({ instance: 'a' }, T0)]);
    refresh();
    for (let i = 0; i < 8; i++) {
      await clock.advance(60_000);
      refresh(); // rules re-send firing alerts every minute
    }
    // Flushes at 10s, 70s, 130s, ...: first notification at 10s, the repeat at 10s + 5m = 310s.
    expect(hook.received).toHaveLength(2);
    await clock.advance(60_000);
    expect(hook.received).toHaveLength(2);
  });

  it('does not notify silenced alerts, and notifies once the silence expires; silences persist', async () => {
    const d = deliver(BASIC);
    const { silenceID } = d.createSilence({ matchers: ['instance="a"'], endsAt: T0 + 3_600_000, createdBy: 'ops', comment: 'maintenance' });
    expect(() => d.createSilence({ matchers: ['instance=~".*"'], duration: 60_000, createdBy: 'x', comment: 'y' })).toThrow(/must not match the empty string/);
    d.put([alert({ instance: 'a' }, T0, T0 + 3_600_000)]);
    await clock.advance(2 * 60_000);
    expect(hook.received).toEqual([]);
    expect(d.listSilences()).toMatchObject([{ id: silenceID, status: { state: 'active' }, matchers: [{ name: 'instance', value: 'a', isRegex: false, isEqual: true }], createdBy: 'ops', comment: 'maintenance' }]);
    expect(d.expireSilence(silenceID).status.state).toBe('expired');
    await clock.advance(60_000);
    expect(hook.received).toHaveLength(1);
    await d.close();
    open.length = 0;
    const again = deliver(BASIC);
    expect(again.listSilences().map((s) => [s.id, s.status.state])).toEqual([[silenceID, 'expired']]);
    expect(() => again.expireSilence(silenceID)).toThrow(/already expired/);
  });

  it('inhibits target alerts while a matching source alert fires', async () => {
    const d = deliver(`${BASIC}
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [instance]
`.replace('group_by: [alertname]', "group_by: ['...']"));
    d.put([
      alert({ alertname: 'NodeDown', severity: 'critical', instance: 'a' }),
      alert({ alertname: 'HighCPU', severity: 'warning', instance: 'a' }),
      alert({ alertname: 'HighCPU', severity: 'warning', instance: 'b' }),
    ]);
    await clock.advance(15_000);
    const names = () => hook.received.map((p) => `${p.alerts[0]!.labels['alertname']}/${p.alerts[0]!.labels['instance']}/${p.status}`).sort();
    expect(names()).toEqual(['HighCPU/b/firing', 'NodeDown/a/firing']);
    // The source resolves: the inhibited alert is notified at its group's next flush.
    d.put([alert({ alertname: 'NodeDown', severity: 'critical', instance: 'a' }, T0, clock.now())]);
    await clock.advance(60_000);
    expect(names()).toEqual(['HighCPU/a/firing', 'HighCPU/b/firing', 'NodeDown/a/firing', 'NodeDown/a/resolved']);
  });

  it('survives a restart while the receiver is down: delivered afterwards, exactly once', async () => {
    const port = hook.port;
    await hook.stop(); // receiver down: connections refused
    let d = deliver(BASIC);
    d.put([alert({ instance: 'a' }, T0, T0 + 3_600_000)]);
    await clock.advance(30_000);
    expect(d.outbox.counts()).toEqual({ pending: 1, sent: 0, dropped: 0 });
    await d.close();
    open.length = 0;
    clock = new ManualClock(clock.now() + 5_000);
    await hook.start(port);
    d = deliver(BASIC);
    await clock.advance(4 * 60_000); // less than repeat_interval after the first (undelivered) decision
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.alerts.map((a) => a.labels['instance'])).toEqual(['a']);
    expect(d.outbox.counts()).toEqual({ pending: 0, sent: 1, dropped: 0 });
    // repeat_interval still counts from the decision made before the restart (T0 + 10 s): the group, recreated at
    // T0 + 35 s and flushed every minute, repeats at its first flush after T0 + 310 s, i.e. T0 + 335 s.
    await clock.advanceTo(T0 + 334_000);
    expect(hook.received).toHaveLength(1);
    await clock.advanceTo(T0 + 335_000);
    expect(hook.received).toHaveLength(2);
  });

  it('retries with backoff, counts failures, falls back, and drops what is too old', async () => {
    const fallback = await new WebhookReceiver().start();
    try {
      const d = deliver(`
notifiers:
  primary: { type: webhook, url: HOOK }
  pager: { type: webhook, url: ${fallback.url} }
  flaky: { type: webhook, url: http://127.0.0.1:${hook.port}/other }
route:
  receiver: primary
  group_wait: 0s
  fallback_receiver: pager
  fallback_after: 1m
  routes:
    - matchers: ['team="db"']
      receiver: flaky
      fallback_receiver: ''
outbox: { retry_initial_backoff: 1s, retry_max_backoff: 8s, max_age: 2m }
`);
      hook.failWith = 503;
      const failed0 = await metric('vigil_notifications_failed_total', 'primary');
      const retried0 = await metric('vigil_notifications_retried_total', 'primary');
      const dropped0 = await metric('vigil_notifications_dropped_total', 'flaky');
      const sent0 = await metric('vigil_notifications_sent_total', 'pager');
      d.put([alert({ instance: 'a' }, T0, T0 + 3_600_000), alert({ instance: 'z', team: 'db' }, T0, T0 + 3_600_000)]);
      await clock.advance(20_000);
      // Attempts at 0, 1, 3, 7, 15 s (backoff 1, 2, 4, 8 s) for each receiver.
      expect(await metric('vigil_notifications_failed_total', 'primary') - failed0).toBe(5);
      expect(await metric('vigil_notifications_retried_total', 'primary') - retried0).toBe(4);
      expect(await metric('vigil_notifications_queued', 'primary')).toBe(1);
      await clock.advance(50_000);
      // Attempts continue every 8 s; the first one after fallback_after (1 m, at 63 s) goes to the fallback receiver.
      expect(fallback.received).toHaveLength(1);
      expect(fallback.received[0]!.receiver).toBe('primary');
      expect(await metric('vigil_notifications_sent_total', 'pager') - sent0).toBe(1);
      expect(await metric('vigil_notifications_queued', 'primary')).toBe(0);
      // The db team's route has no fallback: its notification expires after max_age (2 m) and is dropped.
      expect(await metric('vigil_notifications_dropped_total', 'flaky') - dropped0).toBe(0);
      await clock.advance(60_000);
      expect(await metric('vigil_notifications_dropped_total', 'flaky') - dropped0).toBe(1);
      expect(d.outbox.counts()).toEqual({ pending: 0, sent: 1, dropped: 1 });
      expect(hook.received).toEqual([]);
    } finally {
      await fallback.stop();
    }
  });

  it('restarting rules and delivery together while the receiver is down pages once, then resolves once', async () => {
    const port = hook.port;
    await hook.stop();
    const spec = parseRuleFile('self.yml', `groups:
  - name: self
    interval: 10s
    rules:
      - alert: TargetDown
        expr: up == 0
        annotations: { summary: '{{ $labels.instance }} is down' }
`).groups[0]!;
    let down = true;
    const start = (c: ManualClock) => {
      const store = new AlertStateStore(join(dir, 'rules.db'));
      const d = deliver(BASIC);
      const g = new RuleGroup({ ...spec, intervalMs: 10_000 }, {
        query: async (_e, t) => (down ? [{ labels: labelsFromObject({ __name__: 'up', instance: 'db-1' }), t, v: 0 }] : []),
        externalLabels: {}, externalURL: 'http://vigil.test:9190', appender: noopAppender, clock: c, store,
        sendAlerts: (a) => d.put(a),
      });
      g.start();
      return { store, d, g };
    };
    let s = start(clock);
    await clock.advance(60_000); // fires at the first evaluation; the notification is queued but cannot be delivered
    expect(s.d.outbox.counts()).toMatchObject({ pending: 1, sent: 0 });
    await s.g.stop();
    await s.d.close();
    s.store.close();
    open.length = 0;

    clock = new ManualClock(clock.now() + 20_000);
    await hook.start(port);
    s = start(clock);
    await clock.advance(3 * 60_000);
    expect(hook.received.map((p) => `${p.status}:${p.alerts[0]!.annotations['summary']}`)).toEqual(['firing:db-1 is down']);
    down = false;
    await clock.advance(3 * 60_000);
    expect(hook.received.map((p) => p.status)).toEqual(['firing', 'resolved']);
    await s.g.stop();
    s.store.close();
  });

  it('after a downtime longer than alert validity, a still-firing alert neither resolves falsely nor pages again', async () => {
    const cfg = BASIC.replace('repeat_interval: 5m', 'repeat_interval: 4h');
    const spec = parseRuleFile('self.yml', 'groups:\n  - name: self\n    interval: 30s\n    rules:\n      - alert: Down\n        expr: up == 0\n').groups[0]!;
    const start = (c: ManualClock) => {
      const store = new AlertStateStore(join(dir, 'rules.db'));
      const d = AlertDelivery.open({ dataDir: dir, config: configFromYaml(cfg.replaceAll('HOOK', hook.url)), clock: c });
      open.push(d);
      const g = new RuleGroup({ ...spec, intervalMs: 30_000 }, {
        query: async (_e, t) => [{ labels: labelsFromObject({ __name__: 'up', instance: 'x' }), t, v: 0 }],
        externalLabels: {}, externalURL: '', appender: noopAppender, clock: c, store, sendAlerts: (a) => d.put(a),
      });
      g.start();
      return { store, d, g };
    };
    let s = start(clock);
    await clock.advance(2 * 60_000);
    expect(hook.received.map((p) => p.status)).toEqual(['firing']);
    await s.g.stop();
    await s.d.close();
    s.store.close();
    open.length = 0;
    clock = new ManualClock(clock.now() + 30 * 60_000); // down for 30 min: the stored alert's endsAt has passed
    s = start(clock);
    await clock.advance(10 * 60_000);
    expect(hook.received.map((p) => p.status)).toEqual(['firing']);
    await s.g.stop();
    s.store.close();
  });
});
