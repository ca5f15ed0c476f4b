/**
 * Wire shapes of alert delivery: Alertmanager's label-set fingerprint, the webhook payload (version "4"), the
 * `/api/v2/alerts` postable alerts, and the data e-mail templates see (Alertmanager's template data names).
 */

/** An alert as the notify stage holds it. Times are ms since the epoch. */
export interface NotifyAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook body, version 4. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/**
 * Alertmanager's fingerprint of a label set (FNV-1a 64 over sorted name, 0xff, value, 0xff, over UTF-8 bytes), as
 * 16 hex digits. The 64-bit state is kept in four 16-bit limbs so no BigInt is needed.
 */
export function fingerprint(labels: Record<string, string>): string {
  // Offset basis 0xcbf29ce484222325, lowest limb first.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  const add = (b: number) => {
    h0 ^= b;
    // Multiply by the FNV prime 0x100000001b3 (limbs 0x01b3, 0, 0x0100, 0), keeping 64 bits.
    const r0 = h0 * 0x1b3;
    const r1 = h1 * 0x1b3 + (r0 >>> 16);
    const r2 = h2 * 0x1b3 + h0 * 0x100 + (r1 >>> 16);
    const r3 = h3 * 0x1b3 + h1 * 0x100 + (r2 >>> 16);
    h0 = r0 & 0xffff; h1 = r1 & 0xffff; h2 = r2 & 0xffff; h3 = r3 & 0xffff;
  };
  const addString = (s: string) => {
    for (const b of Buffer.from(s, 'utf8')) add(b);
    add(0xff);
  };
  for (const name of Object.keys(labels).sort()) {
    addString(name);
    addString(labels[name]!);
  }
  const hex = (x: number) => x.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

/** Go's time.Time JSON form (RFC 3339 with ms trimmed); Go's zero time for 0. */
export function timeJSON(ms: number): string {
  if (ms <= 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z');
}

/** Alertmanager's label-set text: `{a="b", c="d"}` sorted by name. */
export function formatLabelSet(ls: Record<string, string>): string {
  return '{' + Object.keys(ls).sort().map((k) => `${k}=${JSON.stringify(ls[k])}`).join(', ') + '}';
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0]! };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return sortKeys(out);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** Builds the webhook payload for a group's alerts at `now` (an alert with endsAt <= now is resolved). */
export function buildWebhookPayload(
  receiver: string, groupKey: string, groupLabels: Record<string, string>, alerts: readonly NotifyAlert[],
  now: number, externalURL: string, maxAlerts = 0,
): WebhookPayload {
  const wa: WebhookAlert[] = alerts.map((a) => ({
    status: a.endsAt > 0 && a.endsAt <= now ? 'resolved' : 'firing',
    labels: sortKeys(a.labels), annotations: sortKeys(a.annotations),
    // Like Alertmanager: a firing alert's endsAt is when it expires unless re-sent (Prometheus's validity end).
    startsAt: timeJSON(a.startsAt), endsAt: timeJSON(a.endsAt),
    generatorURL: a.generatorURL, fingerprint: fingerprint(a.labels),
  }));
  const shown = maxAlerts > 0 ? wa.slice(0, maxAlerts) : wa;
  return {
    version: '4', groupKey, truncatedAlerts: wa.length - shown.length,
    status: wa.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver, groupLabels: sortKeys(groupLabels), commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)), externalURL, alerts: shown,
  };
}

/** Alertmanager API v2 postable alerts from a payload's alerts (an unset endsAt is left out). */
export function postableAlerts(p: WebhookPayload): Array<Record<string, unknown>> {
  return p.alerts.map((a) => ({
    labels: a.labels, annotations: a.annotations, startsAt: a.startsAt,
    ...(a.endsAt === '0001-01-01T00:00:00Z' ? {} : { endsAt: a.endsAt }), generatorURL: a.generatorURL,
  }));
}

/** Alertmanager's template data names for a payload (`.Status`, `.Alerts.Firing`, `.GroupLabels`, ...). */
export function templateData(p: WebhookPayload): Record<string, unknown> {
  const alerts = p.alerts.map((a) => ({
    Status: a.status, Labels: a.labels, Annotations: a.annotations, StartsAt: a.startsAt, EndsAt: a.endsAt,
    GeneratorURL: a.generatorURL, Fingerprint: a.fingerprint,
  }));
  const list = Object.assign([...alerts], {
    Firing: alerts.filter((a) => a.Status === 'firing'),
    Resolved: alerts.filter((a) => a.Status === 'resolved'),
  });
  return {
    Receiver: p.receiver, Status: p.status, Alerts: list, GroupLabels: p.groupLabels, CommonLabels: p.commonLabels,
    CommonAnnotations: p.commonAnnotations, ExternalURL: p.externalURL, GroupKey: p.groupKey,
    GroupLabelValues: Object.keys(p.groupLabels).sort().map((k) => p.groupLabels[k]),
  };
}
