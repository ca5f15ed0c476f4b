import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../model/clock.js';
import { AlertDelivery } from './delivery.js';
import { configFromYaml } from './test-support.js';
import { fingerprint } from './payload.js';

const AM_BIN = '/usr/bin/prometheus-alertmanager';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let am: ChildProcess | null = null;
let amDir = '';
let amURL = '';
let amLog = '';

beforeAll(async () => {
  const dir = (amDir = mkdtempSync(join(tmpdir(), 'vigil-am-')));
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  const port = await freePort();
  amURL = `http://127.0.0.1:${port}`;
  am = spawn(AM_BIN, [
    `--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  am.stderr!.on('data', (c: Buffer) => { amLog += c.toString(); });
  // Wait for readiness (bounded); the test itself does not depend on timing.
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${amURL}/-/ready`)).ok) return;
    } catch { /* not listening yet */ }
    if (am.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`alertmanager did not become ready:\n${amLog}`);
}, 30_000);

afterAll(async () => {
  if (am && am.exitCode === null) {
    const exited = new Promise((r) => am!.once('exit', r));
    am.kill('SIGTERM');
    await exited;
  }
  if (amDir) rmSync(amDir, { recursive: true, force: true });
});

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

describe.runIf(existsSync(AM_BIN))('interop with a real Alertmanager', () => {
  it("vigil's alerts appear in Alertmanager's /api/v2/alerts with labels, annotations and the same fingerprint", async () => {
    // Alertmanager validates alert times against its own wall clock, so this test runs on real time (no waiting).
    const clock = new ManualClock(Date.now());
    const d = AlertDelivery.open({
      dataDir: mkdtempSync(join(tmpdir(), 'vigil-am-notify-')), clock,
      config: configFromYaml(`
notifiers:
  am: { type: alertmanager, urls: ['${amURL}'], resend_interval: 1m }
route: { receiver: am, group_by: [alertname] }
`),
    });
    try {
      const now = clock.now();
      const labels = { alertname: 'HighErrorRatio', job: 'api', severity: 'page' };
      d.put([{ labels, annotations: { summary: 'api errors at 7.5%' }, startsAt: now - 60_000, endsAt: now + 240_000, generatorURL: 'http://vigil.test/graph?g0.expr=x' }]);
      await clock.advance(100); // alertmanager receivers get group_wait 0
      expect(d.outbox.counts()).toMatchObject({ sent: 1, pending: 0 });
      const res = await fetch(`${amURL}/api/v2/alerts`);
      const alerts = (await res.json()) as GettableAlert[];
      expect(alerts).toHaveLength(1);
      const a = alerts[0]!;
      expect(a.labels).toEqual(labels);
      expect(a.annotations).toEqual({ summary: 'api errors at 7.5%' });
      expect(a.generatorURL).toBe('http://vigil.test/graph?g0.expr=x');
      expect(a.status.state).toBe('active');
      expect(a.fingerprint).toBe(fingerprint(labels));
      expect(Date.parse(a.startsAt)).toBe(now - 60_000);
      expect(Date.parse(a.endsAt)).toBe(now + 240_000);

      // Resolution: the alert is posted again with endsAt in the past and Alertmanager marks it resolved.
      d.put([{ labels, annotations: { summary: 'api errors at 7.5%' }, startsAt: now - 60_000, endsAt: now - 1_000, generatorURL: 'http://vigil.test/graph?g0.expr=x' }]);
      await clock.advance(60_000);
      const after = (await (await fetch(`${amURL}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`)).json()) as GettableAlert[];
      expect(after).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it("accepts Prometheus's alerting.alertmanagers section unchanged", async () => {
    const clock = new ManualClock(Date.now());
    const d = AlertDelivery.open({
      dataDir: mkdtempSync(join(tmpdir(), 'vigil-am-notify-')), clock,
      config: configFromYaml(`
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['${amURL.replace('http://', '')}']
`),
    });
    try {
      const now = clock.now();
      const labels = { alertname: 'TargetDown', job: 'node', instance: 'db-1:9100' };
      d.put([{ labels, annotations: { summary: 'db-1 down' }, startsAt: now, endsAt: now + 240_000, generatorURL: '' }]);
      await clock.advance(100);
      const alerts = (await (await fetch(`${amURL}/api/v2/alerts?filter=alertname%3D%22TargetDown%22`)).json()) as GettableAlert[];
      expect(alerts.map((a) => [a.labels, a.annotations, a.fingerprint])).toEqual([[labels, { summary: 'db-1 down' }, fingerprint(labels)]]);
    } finally {
      await d.close();
    }
  });
});
