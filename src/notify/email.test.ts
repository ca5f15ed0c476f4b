import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ManualClock } from '../model/clock.js';
import { AlertDelivery } from './delivery.js';
import { configFromYaml } from './test-support.js';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

async function startSmtp(opts: { user?: string; pass?: string } = {}): Promise<{ server: SMTPServer; port: number; mails: Mail[]; logins: string[] }> {
  const mails: Mail[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: !opts.user,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.pass) { logins.push(auth.username ?? ''); cb(null, { user: auth.username }); }
      else cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port, mails, logins };
}

/** Undoes quoted-printable soft line breaks and escapes so assertions read the text as sent. */
function decodeQP(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const servers: SMTPServer[] = [];
const deliveries: AlertDelivery[] = [];
afterEach(async () => {
  for (const d of deliveries.splice(0)) await d.close();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

describe('e-mail notifier', () => {
  it('delivers to a real SMTP server with the default subject and body rendered', async () => {
    const smtp = await startSmtp({ user: 'vigil', pass: 's3cret' });
    servers.push(smtp.server);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const d = AlertDelivery.open({
      dataDir: mkdtempSync(join(tmpdir(), 'vigil-mail-')), clock,
      config: configFromYaml(`
notifiers:
  mail:
    type: email
    host: 127.0.0.1
    port: ${smtp.port}
    from: vigil@example.test
    to: [oncall@example.test, lead@example.test]
    auth: { username: vigil, password: s3cret }
route: { receiver: mail, group_by: [alertname], group_wait: 5s }
`),
    });
    deliveries.push(d);
    const now = clock.now();
    d.put([
      { labels: { alertname: 'HighMemory', instance: 'web-1' }, annotations: { summary: 'Memory at 93% on web-1' }, startsAt: now, endsAt: now + 600_000, generatorURL: 'http://vigil.test/graph' },
      { labels: { alertname: 'HighMemory', instance: 'web-2' }, annotations: { summary: 'Memory at 97% on web-2' }, startsAt: now, endsAt: now + 600_000, generatorURL: 'http://vigil.test/graph' },
    ]);
    await clock.advance(6_000);
    expect(smtp.mails).toHaveLength(1);
    const m = smtp.mails[0]!;
    expect(smtp.logins).toEqual(['vigil']);
    expect(m.from).toBe('vigil@example.test');
    expect(m.to).toEqual(['oncall@example.test', 'lead@example.test']);
    expect(m.raw).toMatch(/^Subject: \[FIRING:2\] HighMemory\r?$/m);
    const body = decodeQP(m.raw);
    expect(body).toContain('[FIRING] HighMemory');
    expect(body).toContain('summary: Memory at 93% on web-1');
    expect(body).toContain('summary: Memory at 97% on web-2');
    expect(body).toContain('Labels: alertname=HighMemory instance=web-2');
    expect(body).toContain('Source: http://vigil.test/graph');
  });

  it('renders custom subject and body templates', async () => {
    const smtp = await startSmtp();
    servers.push(smtp.server);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const d = AlertDelivery.open({
      dataDir: mkdtempSync(join(tmpdir(), 'vigil-mail-')), clock,
      config: configFromYaml(`
notifiers:
  mail:
    type: email
    host: 127.0.0.1
    port: ${smtp.port}
    from: vigil@example.test
    to: oncall@example.test
    subject: '{{ .CommonLabels.severity | toUpper }}: {{ .CommonAnnotations.summary }}'
    body: '{{ range .Alerts }}{{ .Labels.queue }} is {{ .Status }}{{ end }} ({{ .Receiver }})'
route: { receiver: mail, group_wait: 0s }
`),
    });
    deliveries.push(d);
    const now = clock.now();
    d.put([{ labels: { alertname: 'QueueBacklog', queue: 'orders', severity: 'page' }, annotations: { summary: 'orders backlog' }, startsAt: now, endsAt: now + 600_000, generatorURL: '' }]);
    await clock.advance(1_000);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.raw).toMatch(/^Subject: PAGE: orders backlog\r?$/m);
    expect(decodeQP(smtp.mails[0]!.raw)).toContain('orders is firing (mail)');
  });
});
