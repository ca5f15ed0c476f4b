/**
 * Alerting and recording rules: one evaluation turns query results into samples to append and, for alerting
 * rules, moves each alert through inactive → pending → firing (`for`), keeps it firing for `keep_firing_for`
 * after the condition clears, and retains resolved alerts for 15 minutes so their resolution can be re-sent.
 * The state transitions follow Prometheus's AlertingRule.Eval.
 */
import { labelsToObject, labelsFromObject, METRIC_NAME, type Labels } from '../model/labels.js';
import type { InstantSample } from '../model/sample.js';
import { ExecutionError } from '../model/errors.js';
import { expandAlertTemplate, type QueryFunc } from './template.js';
import type { RuleSpec } from './rulefile.js';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** How long a resolved alert stays in memory (and is re-sent), as in Prometheus. */
export const RESOLVED_RETENTION_MS = 15 * 60 * 1000;

/** One alert instance of an alerting rule. Times are ms since the epoch; 0 means "not set". */
export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  value: number;
  activeAt: number;
  firedAt: number;
  /** When the condition stopped while `keep_firing_for` holds the alert firing. */
  keepFiringSince: number;
  resolvedAt: number;
  lastSentAt: number;
  validUntil: number;
}

/** What the rules stage hands to alert delivery (the notify stage's input; Alertmanager's postable alert). */
export interface OutgoingAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ms */
  startsAt: number;
  /** ms; in the past (resolvedAt) for resolved alerts, `validUntil` for firing ones. */
  endsAt: number;
  generatorURL: string;
}

export interface RuleEnv {
  query: QueryFunc;
  externalLabels: Record<string, string>;
  externalURL: string;
}

/** Health and timing of a rule's last evaluation, for /api/v1/rules. */
export interface RuleHealth {
  health: 'unknown' | 'ok' | 'err';
  lastError: string;
  /** ms since epoch of the last evaluation (0 = never). */
  lastEvaluation: number;
  /** Seconds the last evaluation took. */
  evaluationTime: number;
}

function withoutName(ls: Labels): Record<string, string> {
  const o = labelsToObject(ls);
  delete o[METRIC_NAME];
  return o;
}

/** Identity of a label set (names sorted; JSON keeps it unambiguous). */
function key(o: Record<string, string>): string {
  const names = Object.keys(o).sort();
  let s = '';
  for (const n of names) s += JSON.stringify(n) + ':' + JSON.stringify(o[n]) + ',';
  return s;
}

export class RecordingRule {
  readonly kind = 'recording' as const;
  readonly health: RuleHealth = { health: 'unknown', lastError: '', lastEvaluation: 0, evaluationTime: 0 };
  constructor(readonly spec: RuleSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** Runs the query at `queryTs` and returns the samples to record (stamped `ts`), or throws ExecutionError. */
  async eval(env: RuleEnv, ts: number, queryTs: number, limit: number): Promise<InstantSample[]> {
    const res = await env.query(this.spec.expr, queryTs);
    const out: InstantSample[] = [];
    const seen = new Set<string>();
    for (const s of res) {
      const o = labelsToObject(s.labels);
      o[METRIC_NAME] = this.spec.name;
      for (const [k, v] of Object.entries(this.spec.labels)) o[k] = v;
      const labels = labelsFromObject(o);
      const k = key(o);
      if (seen.has(k)) throw new ExecutionError('vector contains metrics with the same labelset after applying rule labels');
      seen.add(k);
      out.push({ labels, t: ts, v: s.v });
    }
    if (limit > 0 && out.length > limit) throw new ExecutionError(`exceeded limit ${limit} with ${out.length} series`);
    return out;
  }
}

export class AlertingRule {
  readonly kind = 'alerting' as const;
  readonly health: RuleHealth = { health: 'unknown', lastError: '', lastEvaluation: 0, evaluationTime: 0 };
  /** Active alerts (pending, firing, or resolved within retention) by label-set key. */
  active = new Map<string, Alert>();

  constructor(readonly spec: RuleSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** The rule's overall state: the most severe of its alerts. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /**
   * Evaluates at `ts` (querying at `queryTs`), updating `active`, and returns the `ALERTS` and `ALERTS_FOR_STATE`
   * samples for pending and firing alerts. Template errors do not fail the evaluation: the text becomes
   * `<error expanding template: ...>`, as in Prometheus.
   */
  async eval(env: RuleEnv, ts: number, queryTs: number, limit: number): Promise<InstantSample[]> {
    const res = await env.query(this.spec.expr, queryTs);
    const seen = new Set<string>();
    const ctx = { query: env.query, timeMs: queryTs, externalURL: env.externalURL };
    for (const s of res) {
      const data = { labels: labelsToObject(s.labels), externalLabels: env.externalLabels, externalURL: env.externalURL, value: s.v };
      const expand = async (tpl: (typeof this.spec.labelTemplates)[string], raw: string) => {
        try {
          return await expandAlertTemplate(tpl, data, ctx);
        } catch (e) {
          return `<error expanding template: ${(e as Error).message} (in ${JSON.stringify(raw)})>`;
        }
      };
      const labels = withoutName(s.labels);
      for (const [k, tpl] of Object.entries(this.spec.labelTemplates)) {
        const v = await expand(tpl, this.spec.labels[k]!);
        if (v === '') delete labels[k];
        else labels[k] = v;
      }
      labels['alertname'] = this.spec.name;
      const annotations: Record<string, string> = {};
      for (const [k, tpl] of Object.entries(this.spec.annotationTemplates)) annotations[k] = await expand(tpl, this.spec.annotations[k]!);
      const k = key(labels);
      if (seen.has(k)) throw new ExecutionError('vector contains metrics with the same labelset after applying alert labels');
      seen.add(k);
      const a = this.active.get(k);
      if (a && a.state !== 'inactive') {
        a.value = s.v;
        a.annotations = annotations;
        continue;
      }
      this.active.set(k, {
        labels: sortObject(labels), annotations, state: 'pending', value: s.v, activeAt: ts, firedAt: 0,
        keepFiringSince: 0, resolvedAt: 0, lastSentAt: 0, validUntil: 0,
      });
    }

    const out: InstantSample[] = [];
    let numActive = 0;
    for (const [k, a] of this.active) {
      if (!seen.has(k)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.spec.keepFiringForMs > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.spec.keepFiringForMs) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(k);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = 0;
      }
      numActive++;
      if (a.state === 'pending' && ts - a.activeAt >= this.spec.forMs) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      out.push(
        { labels: labelsFromObject({ ...a.labels, [METRIC_NAME]: 'ALERTS', alertstate: a.state }), t: ts, v: 1 },
        { labels: labelsFromObject({ ...a.labels, [METRIC_NAME]: 'ALERTS_FOR_STATE' }), t: ts, v: a.activeAt / 1000 },
      );
    }
    if (limit > 0 && numActive > limit) {
      this.active.clear();
      throw new ExecutionError(`exceeded limit of ${limit} with ${numActive} alerts`);
    }
    return out;
  }

  /**
   * Alerts due for (re-)sending at `ts`: firing ones every `resendDelayMs`, resolved ones once after resolution.
   * Marks them sent. Firing alerts are valid for 4 × max(resend delay, interval), as Prometheus sets `endsAt`.
   */
  alertsToSend(ts: number, resendDelayMs: number, intervalMs: number, generatorURL: string): OutgoingAlert[] {
    const out: OutgoingAlert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const due = a.lastSentAt === 0 || a.resolvedAt > a.lastSentAt || a.lastSentAt + resendDelayMs <= ts;
      if (!due) continue;
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(resendDelayMs, intervalMs);
      out.push({
        labels: { ...a.labels }, annotations: { ...a.annotations }, startsAt: a.firedAt || a.activeAt,
        endsAt: a.resolvedAt ? a.resolvedAt : a.validUntil, generatorURL,
      });
    }
    return out;
  }
}

export type Rule = RecordingRule | AlertingRule;

function sortObject(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
