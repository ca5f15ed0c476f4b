/**
 * Alerting through the whole daemon: `vigil run` scrapes a target, evaluates a rule file, and the webhook receiver
 * on loopback gets the Alertmanager payload when the alert fires and when it resolves; /api/v1/rules and
 * /api/v1/alerts show it; silences work through the API; a bad rule file fails a reload and keeps the old rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort, startProgram, type Started } from './support/process.js';
import { until } from './support/wait.js';
import { TestTarget } from '../src/scrape/testing/target-server.js';

const CLI = path.resolve('dist/src/cli/main.js');
let dir = '';
let vigil: Started | null = null;
let target: TestTarget | null = null;
let receiver: http.Server | null = null;

afterEach(async () => {
  await vigil?.stop('SIGKILL');
  await target?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => (receiver ? receiver.close(r) : r(null)));
  vigil = null;
  target = null;
  receiver = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function webhookReceiver(): Promise<{ url: string; payloads: any[] }> {
  const payloads: any[] = [];
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      payloads.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, payloads };
}


describe('alerting in the daemon', () => {
  it('fires, notifies the webhook with rendered annotations, resolves, and serves rules and alerts', async () => {
    target = await TestTarget.start({ body: 'queue_depth{queue="orders"} 150\n' });
    const hook = await webhookReceiver();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alerting-'));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), `groups:
  - name: queues
    interval: 200ms
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 100
        for: 400ms
        labels: { severity: page }
        annotations:
          summary: 'queue {{ $labels.queue }} holds {{ $value }} messages'
`);
    fs.writeFileSync(path.join(dir, 'scrape.yaml'), `global:
  scrape_interval: 200ms
  scrape_timeout: 150ms
  external_labels: { cluster: test }
rule_files: [rules.yaml]
scrape_configs:
  - job_name: app
    static_configs: [{ targets: ['${target.address}'] }]
notifiers:
  hook: { type: webhook, url: '${hook.url}' }
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 300ms
  repeat_interval: 1h
`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    vigil = await startProgram(
      process.execPath,
      [CLI, 'run', '--config', path.join(dir, 'scrape.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`],
      `${base}/-/ready`,
    );

    const pending = await until('pending alert', async () => {
      const a = (await (await fetch(`${base}/api/v1/alerts`)).json()) as any;
      return a.data.alerts.find((x: any) => x.state === 'pending');
    });
    expect(pending.labels).toMatchObject({ alertname: 'QueueBacklog', queue: 'orders', severity: 'page' });

    const firing = await until('firing webhook', () => hook.payloads.find((p) => p.status === 'firing'));
    expect(firing).toMatchObject({ version: '4', receiver: 'hook', status: 'firing', groupLabels: { alertname: 'QueueBacklog' } });
    expect(firing.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'QueueBacklog', queue: 'orders', severity: 'page', job: 'app', cluster: 'test' },
      annotations: { summary: 'queue orders holds 150 messages' },
    });
    expect(typeof firing.alerts[0].fingerprint).toBe('string');
    expect(firing.alerts[0].generatorURL).toMatch(/graph/);

    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as any;
    expect(rules.data.groups[0].rules[0]).toMatchObject({ name: 'QueueBacklog', state: 'firing', health: 'ok', type: 'alerting' });

    target.reply = { body: 'queue_depth{queue="orders"} 3\n' };
    const resolved = await until('resolved webhook', () => hook.payloads.find((p) => p.status === 'resolved'));
    expect(resolved.alerts[0]).toMatchObject({ status: 'resolved', labels: { alertname: 'QueueBacklog' } });
    // One firing notification (repeat_interval is an hour), then the resolution.
    expect(hook.payloads.filter((p) => p.status === 'firing')).toHaveLength(1);
  });

  it('rejects a reload with a broken rule file at file:line and keeps evaluating the old rules', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alerting-'));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), 'groups:\n  - name: g\n    rules:\n      - record: one\n        expr: vector(1)\n');
    fs.writeFileSync(path.join(dir, 'scrape.yaml'), 'global: { evaluation_interval: 200ms }\nrule_files: [rules.yaml]\nscrape_configs: []\n');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    vigil = await startProgram(process.execPath, [CLI, 'run', '--config', path.join(dir, 'scrape.yaml'), '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`], `${base}/-/ready`);
    await until('recording rule output', async () => {
      const r = (await (await fetch(`${base}/api/v1/query?query=one`)).json()) as any;
      return r.data.result.length === 1;
    });
    fs.writeFileSync(path.join(dir, 'rules.yaml'), 'groups:\n  - name: g\n    rules:\n      - record: one\n        expr: sum(\n');
    const res = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatch(/rules\.yaml:5:\d+/);
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as any;
    expect(rules.data.groups[0].rules[0]).toMatchObject({ name: 'one', query: 'vector(1)' });
  });
});
