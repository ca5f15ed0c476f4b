/**
 * A rule group: its rules evaluated in order at a fixed interval on a stable schedule. Like Prometheus, each
 * group's evaluation times are offset within the interval by a hash of its name and file, so groups spread out
 * and a restart keeps the same phase. All samples of one evaluation (recording results, `ALERTS`,
 * `ALERTS_FOR_STATE`, stale markers for series that vanished) are appended in one batch.
 */
import type { Appender } from '../tsdb/types.js';
import type { Clock, TimerHandle } from '../model/clock.js';
import { hashLabels, labelsFromObject, labelsKey, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/sample.js';
import type { Logger } from '../log/index.js';
import { nopLogger } from '../log/index.js';
import { AlertingRule, RecordingRule, type OutgoingAlert, type Rule, type RuleEnv } from './alert.js';
import type { RuleGroupSpec } from './rulefile.js';
import type { AlertStateStore } from './state-store.js';
import { ruleMetrics } from './metrics.js';

const metrics = ruleMetrics();

export interface RuleGroupDeps extends RuleEnv {
  appender: () => Appender;
  clock: Clock;
  /** Receives alerts due for sending after each evaluation (the notify stage's `put`). */
  sendAlerts: (alerts: OutgoingAlert[]) => void;
  store?: AlertStateStore;
  /** Default 1 m (Prometheus's --rules.alert.resend-delay). */
  resendDelayMs?: number;
  /** Pending alerts saved longer ago than this are not restored at start. Default 1 h (--rules.alert.for-outage-tolerance). */
  outageToleranceMs?: number;
  logger?: Logger;
}

export interface GroupHealth {
  /** ms since epoch of the last evaluation (0 = never). */
  lastEvaluation: number;
  /** Seconds the last evaluation took. */
  evaluationTime: number;
  missedIterations: number;
}

/** The time of the evaluation slot at or before `now`, with Prometheus's per-group offset. */
export function evalSlot(now: number, intervalMs: number, hash: number): number {
  const offset = hash % intervalMs;
  const adj = now - offset;
  return adj - (((adj % intervalMs) + intervalMs) % intervalMs) + offset;
}

export class RuleGroup {
  readonly rules: Rule[];
  readonly health: GroupHealth = { lastEvaluation: 0, evaluationTime: 0, missedIterations: 0 };
  readonly hash: number;
  private timer: TimerHandle | null = null;
  private stopped = true;
  private running: Promise<void> = Promise.resolve();
  /** Series each rule wrote in its previous evaluation, for stale markers. */
  private previous = new Map<Rule, Map<string, Labels>>();

  constructor(readonly spec: RuleGroupSpec & { intervalMs: number }, private readonly deps: RuleGroupDeps) {
    this.hash = hashLabels(labelsFromObject({ name: spec.name, file: spec.file }));
    this.rules = spec.rules.map((r) => (r.kind === 'recording' ? new RecordingRule(r) : new AlertingRule(r)));
    if (deps.store) {
      const since = deps.clock.now() - (deps.outageToleranceMs ?? 3600_000);
      for (const r of this.rules) if (r instanceof AlertingRule) r.active = deps.store.load(this.ruleKey(r), since);
    }
  }

  get name(): string {
    return this.spec.name;
  }
  get file(): string {
    return this.spec.file;
  }
  get intervalMs(): number {
    return this.spec.intervalMs;
  }

  private get metricLabel(): string {
    return `${this.spec.file};${this.spec.name}`;
  }

  /**
   * Identity of a rule's persisted state: file, group, kind, name, and which of the same-named rules it is, so
   * adding or moving other rules does not orphan it.
   */
  ruleKey(r: Rule): string {
    let nth = 0;
    for (const o of this.rules) {
      if (o === r) break;
      if (o.kind === r.kind && o.name === r.name) nth++;
    }
    return `${this.spec.file}\x00${this.spec.name}\x00${r.kind}\x00${r.name}\x00${nth}`;
  }

  /** Takes over alert state and stale-marker bookkeeping from the same-named rules of `old` (reload). */
  copyState(old: RuleGroup): void {
    const byName = new Map<string, Rule[]>();
    for (const r of old.rules) byName.set(r.kind + r.name, [...(byName.get(r.kind + r.name) ?? []), r]);
    for (const r of this.rules) {
      const o = byName.get(r.kind + r.name)?.shift();
      if (!o) continue;
      if (r instanceof AlertingRule && o instanceof AlertingRule) r.active = o.active;
      Object.assign(r.health, o.health);
      const prev = old.previous.get(o);
      if (prev) this.previous.set(r, prev);
    }
    Object.assign(this.health, old.health);
  }

  /** Starts evaluating at the group's slots after now. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const now = this.deps.clock.now();
    this.schedule(evalSlot(now, this.intervalMs, this.hash) + this.intervalMs);
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => this.tick(at), at - this.deps.clock.now());
  }

  private async tick(slot: number): Promise<void> {
    if (this.stopped) return;
    this.running = this.evaluate(slot).catch((e: unknown) => {
      (this.deps.logger ?? nopLogger).error('rule group evaluation failed', { group: this.name, err: e instanceof Error ? e.message : String(e) });
    });
    await this.running;
    let next = slot + this.intervalMs;
    const now = this.deps.clock.now();
    if (now >= next) {
      const missed = Math.floor((now - slot) / this.intervalMs) - 1;
      if (missed > 0) {
        this.health.missedIterations += missed;
        metrics.missed.inc({ rule_group: this.metricLabel }, missed);
      }
      next = slot + (missed + 1) * this.intervalMs;
      if (next <= now) next += this.intervalMs;
    }
    this.schedule(next);
  }

  /** Stops scheduling and waits for a running evaluation to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.running;
  }

  /**
   * Evaluates every rule at `ts` (queries run at `ts - query_offset`), appends the results in one batch, sends due
   * alerts and saves alert state. A failing rule records its error and the others still run.
   */
  async evaluate(ts: number): Promise<void> {
    const log = this.deps.logger ?? nopLogger;
    const started = performance.now();
    const app = this.deps.appender();
    const queryTs = ts - this.spec.queryOffsetMs;
    const toSend: OutgoingAlert[] = [];
    const groupLabels = this.spec.labels;
    for (const rule of this.rules) {
      const t0 = performance.now();
      let samples;
      metrics.evaluations.inc({ rule_group: this.metricLabel });
      try {
        samples = await rule.eval(this.deps, ts, queryTs, this.spec.limit);
        rule.health.health = 'ok';
        rule.health.lastError = '';
      } catch (e) {
        rule.health.health = 'err';
        rule.health.lastError = (e as Error).message;
        metrics.failures.inc({ rule_group: this.metricLabel });
        log.warn('rule evaluation failed', { group: this.name, rule: rule.name, err: (e as Error).message });
        samples = null;
      }
      rule.health.lastEvaluation = ts;
      if (rule instanceof AlertingRule) toSend.push(...rule.alertsToSend(ts, this.deps.resendDelayMs ?? 60_000, this.intervalMs, this.generatorURL(rule)));
      if (samples) {
        const now = new Map<string, Labels>();
        for (const s of samples) {
          const labels = Object.keys(groupLabels).length ? mergeGroupLabels(s.labels, groupLabels) : s.labels;
          now.set(labelsKey(labels), labels);
          app.append(app.ref(labels), ts, s.v);
        }
        const prev = this.previous.get(rule);
        if (prev) for (const [k, labels] of prev) if (!now.has(k)) app.append(app.ref(labels), ts, STALE_NAN);
        this.previous.set(rule, now);
      }
      rule.health.evaluationTime = (performance.now() - t0) / 1000;
    }
    try {
      app.commit();
    } catch (e) {
      log.error('committing rule results failed', { group: this.name, err: (e as Error).message });
      app.rollback();
    }
    if (toSend.length) this.deps.sendAlerts(toSend);
    this.deps.store?.save(this.rules.filter((r): r is AlertingRule => r instanceof AlertingRule).map((r) => [this.ruleKey(r), r.active]), this.deps.clock.now());
    this.health.lastEvaluation = ts;
    this.health.evaluationTime = (performance.now() - started) / 1000;
    metrics.lastDuration.set({ rule_group: this.metricLabel }, this.health.evaluationTime);
    metrics.lastEvaluation.set({ rule_group: this.metricLabel }, ts / 1000);
  }

  private generatorURL(rule: Rule): string {
    const base = this.deps.externalURL.replace(/\/$/, '');
    return `${base}/graph?g0.expr=${encodeURIComponent(rule.spec.expr)}&g0.tab=1`;
  }
}

function mergeGroupLabels(ls: Labels, groupLabels: Record<string, string>): Labels {
  const o: Record<string, string> = { ...groupLabels };
  for (const l of ls) o[l.name] = l.value;
  return labelsFromObject(o);
}
