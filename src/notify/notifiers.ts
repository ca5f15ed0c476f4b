/**
 * The three receiver kinds. Each turns one notification (a webhook v4 payload) into a delivery and throws DeliveryError when the receiver did not accept it, so the outbox retries.
 */
import nodemailer from 'nodemailer';
import { compileTemplate, executeTemplate } from '../rules/index.js';
import type { ParsedTemplate } from '../rules/index.js';
import type { AlertmanagerConfig, EmailConfig, ReceiverConfig, WebhookConfig } from './config.js';
import { postableAlerts, templateData, type WebhookPayload } from './payload.js';

/** What the outbox stores and hands to a notifier. */
export interface Notification {
  payload: WebhookPayload;
}

export class DeliveryError extends Error {
  constructor(readonly receiver: string, message: string, options?: { cause?: unknown }) {
    super(`notify ${receiver}: ${message}`, options);
    this.name = 'DeliveryError';
  }
}

export interface Notifier {
  readonly name: string;
  readonly config: ReceiverConfig;
  send(n: Notification): Promise<void>;
  close(): void;
}

async function postJSON(receiver: string, url: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'vigil', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new DeliveryError(receiver, `POST ${url}: ${(e as Error).message}`, { cause: e });
  }
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status > 299) {
    throw new DeliveryError(receiver, `POST ${url}: unexpected status ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}

class WebhookNotifier implements Notifier {
  constructor(readonly config: WebhookConfig) {}
  get name(): string {
    return this.config.name;
  }
  send(n: Notification): Promise<void> {
    return postJSON(this.name, this.config.url, n.payload, this.config.headers, this.config.timeoutMs);
  }
  close(): void {}
}

class AlertmanagerNotifier implements Notifier {
  constructor(readonly config: AlertmanagerConfig) {}
  get name(): string {
    return this.config.name;
  }
  /** Posts to every configured Alertmanager; succeeds if at least one accepted (as Prometheus does). */
  async send(n: Notification): Promise<void> {
    const body = postableAlerts(n.payload);
    const errors: string[] = [];
    let ok = 0;
    await Promise.all(this.config.urls.map(async (u) => {
      try {
        await postJSON(this.name, u.replace(/\/$/, '') + '/api/v2/alerts', body, this.config.headers, this.config.timeoutMs);
        ok++;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }));
    if (ok === 0) throw new DeliveryError(this.name, errors.join('; '));
  }
  close(): void {}
}

class EmailNotifier implements Notifier {
  private readonly transport: nodemailer.Transporter;
  private readonly subject: ParsedTemplate;
  private readonly body: ParsedTemplate;
  constructor(readonly config: EmailConfig) {
    this.subject = compileTemplate(config.subject);
    this.body = compileTemplate(config.body);
    this.transport = nodemailer.createTransport({
      host: config.host, port: config.port, secure: config.secure, requireTLS: config.requireTls,
      auth: config.auth ?? undefined, tls: { rejectUnauthorized: !config.insecureSkipVerify },
      connectionTimeout: config.timeoutMs, greetingTimeout: config.timeoutMs, socketTimeout: config.timeoutMs,
    });
  }
  get name(): string {
    return this.config.name;
  }
  async send(n: Notification): Promise<void> {
    const data = templateData(n.payload);
    let subject: string, text: string;
    try {
      subject = (await executeTemplate(this.subject, data, {})).replace(/\s+/g, ' ').trim();
      text = await executeTemplate(this.body, data, {});
    } catch (e) {
      throw new DeliveryError(this.name, `rendering e-mail template: ${(e as Error).message}`, { cause: e });
    }
    try {
      await this.transport.sendMail({ from: this.config.from, to: this.config.to.join(', '), subject, text });
    } catch (e) {
      throw new DeliveryError(this.name, `SMTP ${this.config.host}:${this.config.port}: ${(e as Error).message}`, { cause: e });
    }
  }
  close(): void {
    this.transport.close();
  }
}

/** Builds the notifier for a receiver config (templates compiled now, so a bad template fails at load). */
export function createNotifier(c: ReceiverConfig): Notifier {
  switch (c.type) {
    case 'webhook': return new WebhookNotifier(c);
    case 'alertmanager': return new AlertmanagerNotifier(c);
    case 'email': return new EmailNotifier(c);
  }
}
