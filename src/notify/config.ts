/**
 * vigil's alert-delivery configuration: the top-level `notifiers:`, `route:`, `inhibit_rules:` and `outbox:` keys
 * of the daemon config, plus Prometheus's `alerting.alertmanagers` (documented in README.md of this folder).
 * `parseNotifyConfig` takes the already-parsed YAML values and returns a validated, defaults-filled config, or
 * throws the error its `errorAt` builds (by default a BadDataError naming the key path).
 */
import { BadDataError } from '../model/errors.js';
import { parseDuration } from '../model/duration.js';
import type { Matcher } from '../model/matcher.js';
import { parseMatchers } from './matchers.js';

export interface WebhookConfig {
  type: 'webhook';
  name: string;
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  sendResolved: boolean;
  /** Maximum alerts in one payload (0 = all); the rest are counted in `truncatedAlerts`. */
  maxAlerts: number;
}

export interface AlertmanagerConfig {
  type: 'alertmanager';
  name: string;
  /** Base URLs; alerts go to `<url>/api/v2/alerts` on each. */
  urls: string[];
  headers: Record<string, string>;
  timeoutMs: number;
  sendResolved: boolean;
  /** Groups routed here are re-sent this often (Alertmanager expires alerts not re-sent). Default 1 m. */
  resendIntervalMs: number;
}

export interface EmailConfig {
  type: 'email';
  name: string;
  host: string;
  port: number;
  from: string;
  to: string[];
  auth: { user: string; pass: string } | null;
  /** `secure: true` = TLS from the start (port 465); otherwise STARTTLS when offered (`require_tls` forces it). */
  secure: boolean;
  requireTls: boolean;
  insecureSkipVerify: boolean;
  subject: string;
  body: string;
  timeoutMs: number;
  sendResolved: boolean;
}

export type ReceiverConfig = WebhookConfig | AlertmanagerConfig | EmailConfig;

export interface RouteConfig {
  receiver: string;
  /** Label names to group by; `['...']` groups by all labels. */
  groupBy: string[];
  groupByAll: boolean;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  matchers: Matcher[];
  continue: boolean;
  /** vigil: receiver used for a notification whose primary receiver has failed for `fallbackAfterMs`. */
  fallbackReceiver: string;
  fallbackAfterMs: number;
  routes: RouteConfig[];
}

export interface InhibitRuleConfig {
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  equal: string[];
}

export interface OutboxConfig {
  retryInitialMs: number;
  retryMaxMs: number;
  /** A notification not delivered within this age is dropped (counted in vigil_notifications_dropped_total). */
  maxAgeMs: number;
}

export interface NotifyConfig {
  receivers: Map<string, ReceiverConfig>;
  /** The `route:` tree (null when only `alerting.alertmanagers` is configured). */
  route: RouteConfig | null;
  /** One catch-all route per Prometheus-style `alerting.alertmanagers` entry, evaluated besides `route`. */
  alertmanagerRoutes: RouteConfig[];
  inhibitRules: InhibitRuleConfig[];
  outbox: OutboxConfig;
  /** Base URL put in payloads' `externalURL`. */
  externalURL: string;
}

export const DEFAULT_EMAIL_SUBJECT = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}] {{ .GroupLabelValues | join " " }}';
export const DEFAULT_EMAIL_BODY = `{{ range .Alerts }}[{{ .Status | toUpper }}] {{ .Labels.alertname }}
{{ range $k, $v := .Annotations }}{{ $k }}: {{ $v }}
{{ end }}Labels:{{ range $k, $v := .Labels }} {{ $k }}={{ $v }}{{ end }}
Started: {{ .StartsAt }}{{ if eq .Status "resolved" }}, ended: {{ .EndsAt }}{{ end }}
Source: {{ .GeneratorURL }}

{{ end }}`;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Builds the error for a problem at `path` inside top-level `section` (e.g. `route`, `['routes', 0, 'receiver']`).
 * The daemon passes one that points at file:line:column (src/config's RawSection.errorAt); the default names the
 * key path.
 */
export type ConfigErrorAt = (section: string, path: ReadonlyArray<string | number>, message: string) => Error;

const keyPathError: ConfigErrorAt = (section, path, message) =>
  new BadDataError(`${section}${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}: ${message}`);

class Ctx {
  constructor(readonly section: string, readonly path: ReadonlyArray<string | number>, private readonly errorAt: ConfigErrorAt) {}
  err(msg: string): Error {
    return this.errorAt(this.section, this.path, msg);
  }
  at(k: string | number): Ctx {
    return new Ctx(this.section, [...this.path, k], this.errorAt);
  }
  keys(o: Obj, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) throw this.at(k).err('unknown field');
  }
  str(o: Obj, k: string, def?: string): string {
    const v = o[k];
    if (v === undefined || v === null) {
      if (def === undefined) throw this.at(k).err('missing required field');
      return def;
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw this.at(k).err('must be a string');
    return String(v);
  }
  dur(o: Obj, k: string, def: number): number {
    const v = o[k];
    if (v === undefined || v === null) return def;
    try {
      return parseDuration(String(v));
    } catch (e) {
      throw this.at(k).err((e as Error).message);
    }
  }
  count(o: Obj, k: string): number {
    const v = o[k] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw this.at(k).err('must be a non-negative integer');
    return v;
  }
  bool(o: Obj, k: string, def: boolean): boolean {
    const v = o[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') throw this.at(k).err('must be true or false');
    return v;
  }
  strList(o: Obj, k: string): string[] {
    const v = o[k];
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.at(k).err('must be a list of strings');
    return v as string[];
  }
  strMap(o: Obj, k: string): Record<string, string> {
    const v = o[k];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) throw this.at(k).err('must be a mapping');
    const out: Record<string, string> = {};
    for (const [kk, vv] of Object.entries(v)) out[kk] = String(vv);
    return out;
  }
  matchers(o: Obj, k: string): Matcher[] {
    return this.strList(o, k).flatMap((s, i) => {
      try {
        return parseMatchers(s);
      } catch (e) {
        throw this.at(k).at(i).err((e as Error).message);
      }
    });
  }
  url(k: string, v: string): string {
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme must be http or https');
    } catch (e) {
      throw this.at(k).err(`invalid URL ${JSON.stringify(v)}: ${(e as Error).message}`);
    }
    return v;
  }
}

function parseReceiver(name: string, raw: unknown, c: Ctx): ReceiverConfig {
  if (!isObj(raw)) throw c.err('must be a mapping');
  const type = c.str(raw, 'type');
  const common = { name, timeoutMs: c.dur(raw, 'timeout', 10_000) };
  switch (type) {
    case 'webhook':
      c.keys(raw, ['type', 'url', 'headers', 'timeout', 'send_resolved', 'max_alerts']);
      return {
        ...common, type, url: c.url('url', c.str(raw, 'url')), headers: c.strMap(raw, 'headers'),
        sendResolved: c.bool(raw, 'send_resolved', true), maxAlerts: c.count(raw, 'max_alerts'),
      };
    case 'alertmanager': {
      c.keys(raw, ['type', 'url', 'urls', 'headers', 'timeout', 'send_resolved', 'resend_interval']);
      const urls = [...c.strList(raw, 'url'), ...c.strList(raw, 'urls')].map((u) => c.url('urls', u));
      if (urls.length === 0) throw c.at('urls').err('at least one Alertmanager URL is required');
      return {
        ...common, type, urls, headers: c.strMap(raw, 'headers'), sendResolved: c.bool(raw, 'send_resolved', true),
        resendIntervalMs: c.dur(raw, 'resend_interval', 60_000),
      };
    }
    case 'email': {
      c.keys(raw, ['type', 'host', 'port', 'from', 'to', 'auth', 'tls', 'subject', 'body', 'timeout', 'send_resolved']);
      const auth = raw['auth'];
      let a: EmailConfig['auth'] = null;
      if (auth !== undefined && auth !== null) {
        if (!isObj(auth)) throw c.at('auth').err('must be a mapping with username and password');
        a = { user: c.at('auth').str(auth, 'username'), pass: c.at('auth').str(auth, 'password', '') };
      }
      const tls = isObj(raw['tls']) ? raw['tls'] : {};
      const to = c.strList(raw, 'to');
      if (to.length === 0) throw c.at('to').err('at least one recipient is required');
      const port = Number(c.str(raw, 'port', '25'));
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw c.at('port').err('must be a TCP port');
      return {
        ...common, type, host: c.str(raw, 'host'), port, from: c.str(raw, 'from'), to, auth: a,
        secure: c.at('tls').bool(tls, 'enabled', port === 465), requireTls: c.at('tls').bool(tls, 'require_starttls', false),
        insecureSkipVerify: c.at('tls').bool(tls, 'insecure_skip_verify', false),
        subject: c.str(raw, 'subject', DEFAULT_EMAIL_SUBJECT), body: c.str(raw, 'body', DEFAULT_EMAIL_BODY),
        sendResolved: c.bool(raw, 'send_resolved', true),
      };
    }
    default:
      throw c.at('type').err(`unknown notifier type ${JSON.stringify(type)} (webhook, alertmanager or email)`);
  }
}

const ROUTE_KEYS = ['receiver', 'group_by', 'group_wait', 'group_interval', 'repeat_interval', 'matchers', 'continue', 'routes', 'fallback_receiver', 'fallback_after'];

function parseRoute(raw: unknown, c: Ctx, parent: RouteConfig | null, receivers: Map<string, ReceiverConfig>): RouteConfig {
  if (!isObj(raw)) throw c.err('must be a mapping');
  c.keys(raw, ROUTE_KEYS);
  const receiver = c.str(raw, 'receiver', parent?.receiver ?? '');
  if (!receiver) throw c.at('receiver').err('the root route must name a receiver');
  if (!receivers.has(receiver)) throw c.at('receiver').err(`undefined receiver ${JSON.stringify(receiver)}`);
  const groupBy = raw['group_by'] === undefined ? parent?.groupBy ?? [] : c.strList(raw, 'group_by');
  const groupByAll = raw['group_by'] === undefined ? parent?.groupByAll ?? false : groupBy.includes('...');
  if (groupByAll && groupBy.length > 1) throw c.at('group_by').err("cannot have wildcard group_by (`...`) and other labels at the same time");
  const fallbackReceiver = c.str(raw, 'fallback_receiver', parent?.fallbackReceiver ?? '');
  if (fallbackReceiver && !receivers.has(fallbackReceiver)) throw c.at('fallback_receiver').err(`undefined receiver ${JSON.stringify(fallbackReceiver)}`);
  if (!parent && raw['matchers'] !== undefined) throw c.at('matchers').err('the root route must not have matchers');
  if (!parent && raw['continue'] !== undefined) throw c.at('continue').err('the root route cannot have continue set');
  const r: RouteConfig = {
    receiver, groupBy: groupByAll ? [] : groupBy, groupByAll,
    groupWaitMs: c.dur(raw, 'group_wait', parent?.groupWaitMs ?? 30_000),
    groupIntervalMs: c.dur(raw, 'group_interval', parent?.groupIntervalMs ?? 5 * 60_000),
    repeatIntervalMs: c.dur(raw, 'repeat_interval', parent?.repeatIntervalMs ?? 4 * 3600_000),
    matchers: c.matchers(raw, 'matchers'), continue: c.bool(raw, 'continue', false),
    fallbackReceiver, fallbackAfterMs: c.dur(raw, 'fallback_after', parent?.fallbackAfterMs ?? 5 * 60_000), routes: [],
  };
  if (r.groupIntervalMs <= 0) throw c.at('group_interval').err('must be positive');
  if (r.repeatIntervalMs <= 0) throw c.at('repeat_interval').err('must be positive');
  const routes = raw['routes'];
  if (routes !== undefined && routes !== null) {
    if (!Array.isArray(routes)) throw c.at('routes').err('must be a list');
    r.routes = routes.map((x, i) => parseRoute(x, c.at('routes').at(i), r, receivers));
  }
  return r;
}

/** The top-level config keys alert delivery reads (plain parsed YAML values). */
export interface NotifySections {
  notifiers?: unknown;
  route?: unknown;
  inhibit_rules?: unknown;
  outbox?: unknown;
  /** Prometheus's `alerting:` section: its `alertmanagers` receive every alert, as in Prometheus. */
  alerting?: unknown;
}

/**
 * Validates the delivery sections of a parsed config. Returns null when there is nothing to deliver to (no
 * `notifiers:` and no `alerting.alertmanagers`); alerts are then only visible in the API.
 */
export function parseNotifyConfig(doc: NotifySections, externalURL = 'http://127.0.0.1:9190', errorAt: ConfigErrorAt = keyPathError): NotifyConfig | null {
  const rawReceivers = doc.notifiers;
  const receivers = new Map<string, ReceiverConfig>();
  const c = new Ctx('notifiers', [], errorAt);
  if (rawReceivers !== undefined && rawReceivers !== null) {
    if (!isObj(rawReceivers)) throw c.err('must be a mapping of receiver name to settings');
    for (const [name, raw] of Object.entries(rawReceivers)) receivers.set(name, parseReceiver(name, raw, c.at(name)));
  }
  let route: RouteConfig | null = null;
  let routeRaw = doc.route;
  if (receivers.size > 0) {
    if (routeRaw === undefined || routeRaw === null) {
      if (receivers.size !== 1) throw new Ctx('route', [], errorAt).err('missing; it is required when more than one notifier is defined');
      routeRaw = { receiver: [...receivers.keys()][0] };
    }
    route = parseRoute(routeRaw, new Ctx('route', [], errorAt), null, receivers);
  } else if (routeRaw !== undefined && routeRaw !== null) {
    throw new Ctx('route', [], errorAt).err('requires notifiers: to define receivers');
  }
  const alertmanagerRoutes = parseAlerting(doc.alerting, new Ctx('alerting', [], errorAt), receivers);
  if (!route && alertmanagerRoutes.length === 0) return null;
  const inhibitRules: InhibitRuleConfig[] = [];
  const ir = doc.inhibit_rules;
  if (ir !== undefined && ir !== null) {
    const ic = new Ctx('inhibit_rules', [], errorAt);
    if (!Array.isArray(ir)) throw ic.err('must be a list');
    ir.forEach((x, i) => {
      const cc = ic.at(i);
      if (!isObj(x)) throw cc.err('must be a mapping');
      cc.keys(x, ['source_matchers', 'target_matchers', 'equal']);
      inhibitRules.push({ sourceMatchers: cc.matchers(x, 'source_matchers'), targetMatchers: cc.matchers(x, 'target_matchers'), equal: cc.strList(x, 'equal') });
    });
  }
  const oc = new Ctx('outbox', [], errorAt);
  if (doc.outbox !== undefined && doc.outbox !== null && !isObj(doc.outbox)) throw oc.err('must be a mapping');
  const ob: Obj = isObj(doc.outbox) ? doc.outbox : {};
  oc.keys(ob, ['retry_initial_backoff', 'retry_max_backoff', 'max_age', 'external_url']);
  return {
    receivers, route, alertmanagerRoutes, inhibitRules,
    outbox: { retryInitialMs: oc.dur(ob, 'retry_initial_backoff', 1000), retryMaxMs: oc.dur(ob, 'retry_max_backoff', 5 * 60_000), maxAgeMs: oc.dur(ob, 'max_age', 24 * 3600_000) },
    externalURL: oc.str(ob, 'external_url', externalURL),
  };
}

/**
 * Prometheus's `alerting.alertmanagers` (static_configs targets, scheme, path_prefix, timeout, basic_auth,
 * authorization): each becomes an `alertmanager` receiver with its own route that takes every alert, in one group.
 * `alert_relabel_configs` is not supported and rejected rather than ignored.
 */
function parseAlerting(raw: unknown, c: Ctx, receivers: Map<string, ReceiverConfig>): RouteConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!isObj(raw)) throw c.err('must be a mapping');
  c.keys(raw, ['alertmanagers']);
  const ams = raw['alertmanagers'];
  if (ams === undefined || ams === null) return [];
  if (!Array.isArray(ams)) throw c.at('alertmanagers').err('must be a list');
  return ams.map((am, i) => {
    const cc = c.at('alertmanagers').at(i);
    if (!isObj(am)) throw cc.err('must be a mapping');
    cc.keys(am, ['static_configs', 'scheme', 'path_prefix', 'timeout', 'api_version', 'basic_auth', 'authorization']);
    const apiVersion = cc.str(am, 'api_version', 'v2');
    if (apiVersion !== 'v2') throw cc.at('api_version').err('only Alertmanager API v2 is supported');
    const scheme = cc.str(am, 'scheme', 'http');
    if (scheme !== 'http' && scheme !== 'https') throw cc.at('scheme').err('must be http or https');
    const prefix = cc.str(am, 'path_prefix', '').replace(/\/$/, '');
    const targets: string[] = [];
    const sc = am['static_configs'];
    if (!Array.isArray(sc) || sc.length === 0) throw cc.at('static_configs').err('at least one static_config with targets is required');
    sc.forEach((x, j) => {
      if (!isObj(x)) throw cc.at('static_configs').at(j).err('must be a mapping');
      targets.push(...cc.at('static_configs').at(j).strList(x, 'targets'));
    });
    const headers: Record<string, string> = {};
    if (isObj(am['basic_auth'])) {
      const ba = am['basic_auth'];
      const bc = cc.at('basic_auth');
      headers['authorization'] = 'Basic ' + Buffer.from(`${bc.str(ba, 'username')}:${bc.str(ba, 'password', '')}`).toString('base64');
    }
    if (isObj(am['authorization'])) {
      const az = am['authorization'];
      headers['authorization'] = `${cc.at('authorization').str(az, 'type', 'Bearer')} ${cc.at('authorization').str(az, 'credentials')}`;
    }
    const name = `alerting.alertmanagers[${i}]`;
    const urls = targets.map((t) => cc.url('static_configs', `${scheme}://${t}${prefix}`));
    receivers.set(name, { type: 'alertmanager', name, urls, headers, timeoutMs: cc.dur(am, 'timeout', 10_000), sendResolved: true, resendIntervalMs: 60_000 });
    return {
      receiver: name, groupBy: [], groupByAll: false, groupWaitMs: 0, groupIntervalMs: 60_000, repeatIntervalMs: 60_000,
      matchers: [], continue: false, fallbackReceiver: '', fallbackAfterMs: 0, routes: [],
    };
  });
}
