/**
 * JSON bodies of `/api/v1/rules` and `/api/v1/alerts`, shaped exactly as Prometheus serves them (the HTTP layer in
 * src/api only wraps these in a response).
 */
import type { RuleGroup } from './group.js';
import { AlertingRule, type Alert, type Rule } from './alert.js';

/** Go's RFC3339Nano in UTC (trailing zeros of the fraction dropped); ms 0 is Go's zero time. */
export function rfc3339(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z');
}

/** strconv.FormatFloat(v, 'e', -1, 64): the alert `value` string (`1e+00`, `9.5e-01`). */
export function formatValueE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

function apiAlert(a: Alert): ApiAlert {
  const out: ApiAlert = { labels: a.labels, annotations: a.annotations, state: a.state, activeAt: rfc3339(a.activeAt), value: formatValueE(a.value) };
  if (a.keepFiringSince) out.keepFiringSince = rfc3339(a.keepFiringSince);
  return out;
}

function activeAlerts(r: AlertingRule): Alert[] {
  return [...r.active.values()].filter((a) => a.state !== 'inactive');
}

/** Groups ordered by file, then name, as Prometheus lists them. */
function sortGroups(groups: readonly RuleGroup[]): RuleGroup[] {
  return [...groups].sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface RulesQuery {
  /** `alert` or `record` (Prometheus's `type` parameter). */
  type?: string;
  ruleName?: readonly string[];
  ruleGroup?: readonly string[];
  file?: readonly string[];
  excludeAlerts?: boolean;
}

function ruleJSON(r: Rule, excludeAlerts: boolean): Record<string, unknown> {
  const h = r.health;
  const common = { health: h.health, evaluationTime: h.evaluationTime, lastEvaluation: rfc3339(h.lastEvaluation) };
  if (r instanceof AlertingRule) {
    const out: Record<string, unknown> = {
      state: r.state(), name: r.name, query: r.spec.expr, duration: r.spec.forMs / 1000, keepFiringFor: r.spec.keepFiringForMs / 1000,
      labels: r.spec.labels, annotations: r.spec.annotations,
    };
    if (!excludeAlerts) out['alerts'] = activeAlerts(r).map(apiAlert);
    Object.assign(out, common);
    if (h.lastError) out['lastError'] = h.lastError;
    out['type'] = 'alerting';
    return out;
  }
  const out: Record<string, unknown> = { name: r.name, query: r.spec.expr };
  if (Object.keys(r.spec.labels).length) out['labels'] = r.spec.labels;
  Object.assign(out, { health: h.health });
  if (h.lastError) out['lastError'] = h.lastError;
  Object.assign(out, { evaluationTime: h.evaluationTime, lastEvaluation: rfc3339(h.lastEvaluation), type: 'recording' });
  return out;
}

/** `{"status":"success","data":{"groups":[...]}}` for `/api/v1/rules`. */
export function rulesResponse(groups: readonly RuleGroup[], q: RulesQuery = {}): { status: 'success'; data: { groups: unknown[] } } {
  const want = q.type === 'alert' ? 'alerting' : q.type === 'record' ? 'recording' : null;
  const out: unknown[] = [];
  for (const g of sortGroups(groups)) {
    if (q.ruleGroup?.length && !q.ruleGroup.includes(g.name)) continue;
    if (q.file?.length && !q.file.includes(g.file)) continue;
    const rules = g.rules
      .filter((r) => (!want || r.kind === want) && (!q.ruleName?.length || q.ruleName.includes(r.name)))
      .map((r) => ruleJSON(r, q.excludeAlerts ?? false));
    if ((want || q.ruleName?.length) && rules.length === 0) continue;
    out.push({
      name: g.name, file: g.file, rules, interval: g.intervalMs / 1000, limit: g.spec.limit,
      evaluationTime: g.health.evaluationTime, lastEvaluation: rfc3339(g.health.lastEvaluation),
    });
  }
  return { status: 'success', data: { groups: out } };
}

/** `{"status":"success","data":{"alerts":[...]}}` for `/api/v1/alerts` (pending and firing alerts). */
export function alertsResponse(groups: readonly RuleGroup[]): { status: 'success'; data: { alerts: ApiAlert[] } } {
  const alerts: ApiAlert[] = [];
  for (const g of sortGroups(groups)) for (const r of g.rules) if (r instanceof AlertingRule) alerts.push(...activeAlerts(r).map(apiAlert));
  return { status: 'success', data: { alerts } };
}
