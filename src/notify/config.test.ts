import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { parseNotifyConfig } from './config.js';
import { parseMatchers, formatMatchers, matchesAll } from './matchers.js';
import { needsUpdate } from './dispatch.js';
import { buildWebhookPayload, fingerprint } from './payload.js';
import { compileAnchored } from '../model/matcher.js';

const cfg = (text: string) => parseNotifyConfig(parse(text) as Record<string, unknown>);

describe('notify config', () => {
  it('fills Alertmanager defaults and inherits route settings', () => {
    const c = cfg(`
notifiers:
  team: { type: webhook, url: 'http://127.0.0.1:1/x' }
  am: { type: alertmanager, url: 'http://127.0.0.1:9093' }
route:
  receiver: team
  group_by: [alertname, job]
  routes:
    - matchers: ['severity="page"', 'team=~"db|infra"']
      receiver: am
      group_wait: 5s
    - matchers: ['env!="prod"']
      group_by: ['...']
      continue: true
`)!;
    expect(c.route).toMatchObject({ receiver: 'team', groupBy: ['alertname', 'job'], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3600_000 });
    const [page, nonprod] = c.route!.routes;
    expect(page).toMatchObject({ receiver: 'am', groupBy: ['alertname', 'job'], groupWaitMs: 5_000, groupIntervalMs: 300_000, continue: false });
    expect(page!.matchers.map(String)).toEqual(['severity="page"', 'team=~"db|infra"']);
    expect(nonprod).toMatchObject({ receiver: 'team', groupByAll: true, continue: true });
    expect(c.receivers.get('am')).toMatchObject({ type: 'alertmanager', urls: ['http://127.0.0.1:9093'], resendIntervalMs: 60_000 });
    expect(c.outbox).toEqual({ retryInitialMs: 1000, retryMaxMs: 300_000, maxAgeMs: 86_400_000 });
    expect(cfg('scrape_configs: []')).toBeNull();
  });

  it('rejects bad settings naming the key path', () => {
    const bad: Array<[string, RegExp]> = [
      ['notifiers: { a: { type: sms } }', /^notifiers\.a\.type: unknown notifier type "sms"/],
      ['notifiers: { a: { type: webhook } }', /^notifiers\.a\.url: missing required field/],
      ['notifiers: { a: { type: webhook, url: "ftp://x" } }', /^notifiers\.a\.url: invalid URL/],
      ['notifiers: { a: { type: webhook, url: "http://x", nope: 1 } }', /^notifiers\.a\.nope: unknown field/],
      ['notifiers: { a: { type: webhook, url: "http://x" } }\nroute: { receiver: b }', /^route\.receiver: undefined receiver "b"/],
      ['notifiers: { a: { type: webhook, url: "http://x" } }\nroute: { receiver: a, routes: [ { matchers: ["x=~\\"(\\""] } ] }', /^route\.routes\[0\]\.matchers\[0\]: invalid matcher/],
      ['notifiers: { a: { type: webhook, url: "http://x" } }\nroute: { receiver: a, group_wait: 5q }', /^route\.group_wait: not a valid duration/],
      ['notifiers: { a: { type: webhook, url: "http://x" } }\nroute: { receiver: a, group_by: ["...", "x"] }', /^route\.group_by: cannot have wildcard/],
      ['notifiers: { a: { type: email, host: h, from: f } }', /^notifiers\.a\.to: at least one recipient/],
      ['notifiers: { a: { type: webhook, url: "http://x" }, b: { type: webhook, url: "http://y" } }', /route: missing/],
    ];
    for (const [text, re] of bad) expect(() => cfg(text), text).toThrow(re);
  });
});

describe("Prometheus's alerting.alertmanagers", () => {
  it('becomes catch-all alertmanager receivers next to the route tree', () => {
    const c = cfg(`
alerting:
  alertmanagers:
    - scheme: https
      path_prefix: /am/
      timeout: 5s
      basic_auth: { username: u, password: p }
      static_configs: [ { targets: ['am-1:9093', 'am-2:9093'] } ]
`)!;
    expect(c.route).toBeNull();
    expect(c.receivers.get('alerting.alertmanagers[0]')).toEqual({
      type: 'alertmanager', name: 'alerting.alertmanagers[0]', urls: ['https://am-1:9093/am', 'https://am-2:9093/am'],
      headers: { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') }, timeoutMs: 5000, sendResolved: true, resendIntervalMs: 60_000,
    });
    expect(c.alertmanagerRoutes).toMatchObject([{ receiver: 'alerting.alertmanagers[0]', groupBy: [], groupWaitMs: 0, matchers: [] }]);
    expect(() => cfg('alerting: { alertmanagers: [ { api_version: v1, static_configs: [ { targets: [x] } ] } ] }')).toThrow(/^alerting\.alertmanagers\[0\]\.api_version: only Alertmanager API v2/);
    expect(() => cfg('alerting: { alert_relabel_configs: [] }')).toThrow(/^alerting\.alert_relabel_configs: unknown field/);
  });

  it('reports errors through the positioned error factory it is given', () => {
    const calls: Array<[string, ReadonlyArray<string | number>, string]> = [];
    const errorAt = (section: string, path: ReadonlyArray<string | number>, msg: string) => { calls.push([section, path, msg]); return new Error(`x.yml:9:9: ${msg}`); };
    expect(() => parseNotifyConfig(parse('notifiers: { a: { type: webhook, url: "http://x" } }\nroute: { receiver: a, routes: [ { receiver: nope } ] }') as Record<string, unknown>, '', errorAt))
      .toThrow('x.yml:9:9: undefined receiver "nope"');
    expect(calls).toEqual([['route', ['routes', 0, 'receiver'], 'undefined receiver "nope"']]);
  });
});

describe('matchers', () => {
  it('parses quoted, bare and braced forms', () => {
    expect(parseMatchers('severity="page"').map(String)).toEqual(['severity="page"']);
    expect(parseMatchers('{job=~"api|web", env!=prod}').map(String)).toEqual(['job=~"api|web"', 'env!="prod"']);
    expect(parseMatchers('msg="a, \\"b\\""')[0]!.value).toBe('a, "b"');
    expect(() => parseMatchers('=x')).toThrow(/bad matcher format/);
    const ms = parseMatchers('job=~"api|web",env!="prod"');
    expect(matchesAll(ms, { job: 'api', env: 'dev' })).toBe(true);
    expect(matchesAll(ms, { job: 'apix' })).toBe(false);
    expect(formatMatchers(ms)).toBe('{job=~"api|web",env!="prod"}');
  });
});

describe('dedup decision (Alertmanager needsUpdate)', () => {
  it('sends new firing alerts, resolutions, and repeats after repeat_interval only', () => {
    expect(needsUpdate(undefined, [], [], true, 1000, 0)).toBe(false);
    expect(needsUpdate(undefined, ['a'], [], true, 1000, 0)).toBe(true);
    const e = { firing: ['a', 'b'], resolved: [], ts: 0 };
    expect(needsUpdate(e, ['a'], [], false, 1000, 10)).toBe(false); // subset, resolved not sent
    expect(needsUpdate(e, ['a'], ['b'], true, 1000, 10)).toBe(true); // newly resolved, send_resolved
    expect(needsUpdate(e, ['a', 'c'], [], true, 1000, 10)).toBe(true); // new firing alert
    expect(needsUpdate(e, [], ['a', 'b'], false, 1000, 10)).toBe(true); // everything resolved
    expect(needsUpdate(e, ['a', 'b'], [], true, 1000, 999)).toBe(false);
    expect(needsUpdate(e, ['a', 'b'], [], true, 1000, 1000)).toBe(true);
  });
});

describe('webhook payload', () => {
  it('has the Alertmanager v4 shape', () => {
    const now = Date.UTC(2026, 0, 1, 0, 10);
    const p = buildWebhookPayload('team', '{}:{alertname="A"}', { alertname: 'A' }, [
      { labels: { alertname: 'A', i: '1', env: 'prod' }, annotations: { s: 'x' }, startsAt: Date.UTC(2026, 0, 1), endsAt: now + 1000, generatorURL: 'g' },
      { labels: { alertname: 'A', i: '2', env: 'prod' }, annotations: { s: 'y' }, startsAt: Date.UTC(2026, 0, 1), endsAt: now - 1000, generatorURL: 'g' },
    ], now, 'http://ext', 1);
    expect(Object.keys(p)).toEqual(['version', 'groupKey', 'truncatedAlerts', 'status', 'receiver', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'alerts']);
    expect(p).toMatchObject({ version: '4', status: 'firing', truncatedAlerts: 1, commonLabels: { alertname: 'A', env: 'prod' }, commonAnnotations: {} });
    expect(p.alerts).toEqual([{
      status: 'firing', labels: { alertname: 'A', env: 'prod', i: '1' }, annotations: { s: 'x' }, startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-01-01T00:10:01Z', generatorURL: 'g', fingerprint: fingerprint({ alertname: 'A', i: '1', env: 'prod' }),
    }]);
    // Fingerprint of the empty label set is FNV-1a's offset basis, as in Prometheus's model package.
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });
});

describe('matcher text round trip', () => {
  it('parseMatchers(formatMatchers(ms)) gives the same matchers', async () => {
    const fc = await import('fast-check');
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    // Values must be valid RE2 (what =~ / !~ compile), not merely valid JavaScript regexes.
    const value = fc.string({ maxLength: 12 }).filter((v) => { try { compileAnchored(v); return true; } catch { return false; } });
    const op = fc.constantFrom('=', '!=', '=~', '!~');
    fc.assert(fc.property(fc.array(fc.tuple(name, op, value), { minLength: 1, maxLength: 4 }), (ms) => {
      const text = formatMatchers(ms.map(([n, o, v]) => parseMatchers(`${n}${o}${JSON.stringify(v)}`)[0]!));
      expect(parseMatchers(text).map(String)).toEqual(ms.map(([n, o, v]) => `${n}${o}${JSON.stringify(v)}`));
    }));
  });
});

describe('fingerprint', () => {
  it('equals FNV-1a 64 computed with BigInt (the reference definition)', async () => {
    const fc = await import('fast-check');
    const reference = (labels: Record<string, string>): string => {
      let h = 0xcbf29ce484222325n;
      const add = (b: number) => { h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn; };
      for (const k of Object.keys(labels).sort()) {
        for (const b of Buffer.from(k, 'utf8')) add(b);
        add(0xff);
        for (const b of Buffer.from(labels[k]!, 'utf8')) add(b);
        add(0xff);
      }
      return h.toString(16).padStart(16, '0');
    };
    fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.fullUnicodeString({ maxLength: 20 })), (ls) => {
      expect(fingerprint(ls)).toBe(reference(ls));
    }));
  });
});
