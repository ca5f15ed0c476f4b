/**
 * Routing, grouping, silencing, inhibition and de-duplication, as Alertmanager does them, in process:
 *
 * - `put` stores alerts (durably) and routes each through the route tree (first matching child wins unless
 *   `continue`), into an aggregation group per route and `group_by` label values.
 * - A group is flushed `group_wait` after it is created and then every `group_interval`. A flush drops silenced
 *   and inhibited alerts, and decides against the notification log whether the receiver must hear about it
 *   (new firing alerts, newly resolved ones, or `repeat_interval` passed). A decided notification is written to the
 *   outbox in the same transaction as the log entry, so a restart can neither lose nor duplicate it.
 * - Groups routed to an `alertmanager` receiver are re-sent every `resend_interval` without de-duplication, since
 *   Alertmanager expires alerts that are not re-sent (it de-duplicates itself).
 */
import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../model/clock.js';
import { nopLogger, type Logger } from '../log/index.js';
import type { InhibitRuleConfig, NotifyConfig, RouteConfig } from './config.js';
import { formatMatchers, matchesAll } from './matchers.js';
import { buildWebhookPayload, fingerprint, formatLabelSet, type NotifyAlert } from './payload.js';
import type { Outbox } from './outbox.js';
import type { Silences } from './silences.js';

interface RouteNode {
  cfg: RouteConfig;
  /** Alertmanager's route key: parent key + '/' + matchers; the prefix of group keys. */
  key: string;
  /** Unique id (key plus position) so sibling routes with equal matchers keep separate groups. */
  id: string;
  children: RouteNode[];
}

interface Group {
  route: RouteNode;
  groupKey: string;
  groupLabels: Record<string, string>;
  fps: Set<string>;
  timer: TimerHandle | null;
  hasFlushed: boolean;
  /** No flush before this time (restored groups wait for rules to refresh their alerts after a restart). */
  notBefore: number;
}

interface LogEntry {
  firing: string[];
  resolved: string[];
  ts: number;
}

function buildRoutes(cfg: RouteConfig, parent: RouteNode | null, idx: number): RouteNode {
  const key = (parent ? parent.key + '/' : '') + formatMatchers(cfg.matchers);
  const node: RouteNode = { cfg, key, id: parent ? `${parent.id}/${idx}` : `root${idx}`, children: [] };
  node.children = cfg.routes.map((c, i) => buildRoutes(c, node, i));
  return node;
}

function buildRoots(cfg: NotifyConfig): RouteNode[] {
  return [...(cfg.route ? [cfg.route] : []), ...cfg.alertmanagerRoutes].map((r, i) => buildRoutes(r, null, i));
}

/** Alertmanager's route matching: the deepest matching routes, stopping at the first match unless `continue`. */
function matchRoutes(node: RouteNode, labels: Record<string, string>): RouteNode[] {
  if (!matchesAll(node.cfg.matchers, labels)) return [];
  const all: RouteNode[] = [];
  for (const c of node.children) {
    const m = matchRoutes(c, labels);
    all.push(...m);
    if (m.length && !c.cfg.continue) break;
  }
  return all.length ? all : [node];
}

function isSubset(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(b);
  return a.every((x) => s.has(x));
}

/** Pure de-duplication decision (Alertmanager's DedupStage.needsUpdate). */
export function needsUpdate(entry: LogEntry | undefined, firing: string[], resolved: string[], sendResolved: boolean, repeatMs: number, now: number): boolean {
  if (!entry) return firing.length > 0;
  if (!isSubset(firing, entry.firing)) return true;
  if (firing.length === 0) return entry.firing.length > 0;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return true;
  return entry.ts + repeatMs <= now;
}

/** True if a source alert (other than the target itself) has the same values for all `equal` labels. */
function inhibits(rule: InhibitRuleConfig, sources: ReadonlyArray<[string, NotifyAlert]>, fp: string, target: NotifyAlert): boolean {
  if (!matchesAll(rule.targetMatchers, target.labels)) return false;
  for (const [sfp, s] of sources) {
    if (sfp !== fp && rule.equal.every((n) => (s.labels[n] ?? '') === (target.labels[n] ?? ''))) return true;
  }
  return false;
}

export class Dispatcher {
  private readonly alerts = new Map<string, NotifyAlert>();
  private readonly groups = new Map<string, Group>();
  /** The `route:` tree and the catch-all routes of `alerting.alertmanagers`; an alert is routed through each. */
  private roots: RouteNode[];
  private closed = false;
  private readonly due = new Set<string>();
  private batchTimer: TimerHandle | null = null;
  private readonly stmt: {
    nflogGet: Database.Statement<[string, string], { firing: string; resolved: string; ts: number }>;
    nflogPut: Database.Statement<[string, string, string, string, number]>;
    alertPut: Database.Statement<[string, string, number]>;
    alertDel: Database.Statement<[string]>;
  };

  constructor(
    private readonly db: Database.Database,
    private cfg: NotifyConfig,
    private readonly outbox: Outbox,
    private readonly silences: Silences,
    private readonly clock: Clock,
    private readonly logger: Logger = nopLogger,
    startupGraceMs = 2 * 60_000,
  ) {
    this.stmt = {
      nflogGet: db.prepare('SELECT firing, resolved, ts FROM nflog WHERE receiver = ? AND group_key = ?'),
      nflogPut: db.prepare('INSERT OR REPLACE INTO nflog VALUES (?,?,?,?,?)'),
      alertPut: db.prepare('INSERT OR REPLACE INTO alerts VALUES (?,?,?)'),
      alertDel: db.prepare('DELETE FROM alerts WHERE fingerprint = ?'),
    };
    this.roots = buildRoots(cfg);
    const rows = db.prepare('SELECT fingerprint, body FROM alerts').all() as Array<{ fingerprint: string; body: string }>;
    for (const r of rows) this.alerts.set(r.fingerprint, JSON.parse(r.body) as NotifyAlert);
    // Stored firing alerts may have passed their endsAt while vigil was down; flushing them at once would announce a
    // false resolution and page again when rule evaluation re-sends them. Give the rules time to refresh them.
    const notBefore = clock.now() + startupGraceMs;
    for (const [fp, a] of this.alerts) this.route(fp, a, notBefore);
  }

  /** Applies a new config: rebuilds routes and regroups the stored alerts (the notification log keeps dedupe). */
  reconfigure(cfg: NotifyConfig): void {
    this.cfg = cfg;
    this.roots = buildRoots(cfg);
    for (const g of this.groups.values()) g.timer?.cancel();
    this.groups.clear();
    this.due.clear();
    for (const [fp, a] of this.alerts) this.route(fp, a);
  }

  /** Receives alerts (from rule evaluation or the API), stores them and routes them into groups. */
  put(alerts: readonly NotifyAlert[]): void {
    const now = this.clock.now();
    const changed: Array<[string, NotifyAlert]> = [];
    this.db.transaction(() => {
      for (const a of alerts) {
        const fp = fingerprint(a.labels);
        const old = this.alerts.get(fp);
        const merged: NotifyAlert = { ...a, labels: { ...a.labels }, annotations: { ...a.annotations } };
        // An update of a still-active alert keeps its original start (Alertmanager's merge).
        if (old && (old.endsAt === 0 || old.endsAt > now) && old.startsAt < merged.startsAt) merged.startsAt = old.startsAt;
        this.alerts.set(fp, merged);
        this.stmt.alertPut.run(fp, JSON.stringify(merged), merged.endsAt);
        changed.push([fp, merged]);
      }
    })();
    for (const [fp, a] of changed) this.route(fp, a);
    this.gc(now);
  }

  private route(fp: string, a: NotifyAlert, notBefore = 0): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const r of this.roots.flatMap((root) => matchRoutes(root, a.labels))) {
      const groupLabels: Record<string, string> = {};
      if (r.cfg.groupByAll) Object.assign(groupLabels, a.labels);
      else for (const n of r.cfg.groupBy) if (a.labels[n]) groupLabels[n] = a.labels[n]!;
      const groupKey = `${r.key}:${formatLabelSet(groupLabels)}`;
      const id = `${r.id}\x00${groupKey}`;
      let g = this.groups.get(id);
      if (!g) {
        g = { route: r, groupKey, groupLabels, fps: new Set(), timer: null, hasFlushed: false, notBefore };
        this.groups.set(id, g);
        this.schedule(g, id, this.isAlertmanager(r) ? 0 : r.cfg.groupWaitMs);
      }
      g.fps.add(fp);
      // An alert older than group_wait need not wait again (e.g. after a restart).
      if (!g.hasFlushed && a.startsAt + r.cfg.groupWaitMs < now) this.schedule(g, id, 0);
    }
  }

  private isAlertmanager(r: RouteNode): boolean {
    return this.cfg.receivers.get(r.cfg.receiver)?.type === 'alertmanager';
  }

  private schedule(g: Group, id: string, delay: number): void {
    g.timer?.cancel();
    delay = Math.max(delay, g.notBefore - this.clock.now());
    g.timer = this.clock.setTimeout(() => {
      g.timer = null;
      this.due.add(id);
      // Groups due at the same moment (e.g. one group per instance) are flushed together in one transaction.
      this.batchTimer ??= this.clock.setTimeout(() => this.flushDue(), 0);
    }, delay);
  }

  /** Flushes every due group inside one SQLite transaction (one fsync), each group in its own savepoint. */
  private flushDue(): void {
    this.batchTimer = null;
    if (this.closed) return;
    const ids = [...this.due];
    this.due.clear();
    let queued = false;
    const failed: string[] = [];
    try {
      this.db.transaction(() => {
        for (const id of ids) {
          const g = this.groups.get(id);
          if (!g) continue;
          try {
            if (this.flushOne(g, id)) queued = true;
          } catch (e) {
            this.logger.error('notification group flush failed', { groupKey: g.groupKey, err: (e as Error).message });
            failed.push(id);
          }
        }
      })();
    } catch (e) {
      // The commit itself failed (e.g. disk full): nothing was recorded, so every group decides again later.
      this.logger.error('recording notification decisions failed', { groups: ids.length, err: (e as Error).message });
      failed.push(...ids);
      queued = false;
    }
    for (const id of failed) {
      const g = this.groups.get(id);
      if (g) this.schedule(g, id, g.route.cfg.groupIntervalMs);
    }
    if (queued) this.outbox.kick();
  }

  /** Firing alerts matching each inhibit rule's source matchers, computed once per flush. */
  private inhibitSources(now: number): Array<Array<[string, NotifyAlert]>> {
    return this.cfg.inhibitRules.map((rule) => {
      const out: Array<[string, NotifyAlert]> = [];
      for (const [fp, a] of this.alerts) {
        if ((a.endsAt === 0 || a.endsAt > now) && matchesAll(rule.sourceMatchers, a.labels)) out.push([fp, a]);
      }
      return out;
    });
  }

  private muted(fp: string, a: NotifyAlert, sources: Array<Array<[string, NotifyAlert]>>): boolean {
    if (this.silences.mutedBy(a.labels).length) return true;
    return this.cfg.inhibitRules.some((rule, i) => inhibits(rule, sources[i]!, fp, a));
  }

  /** Flushes one group in a savepoint; returns true if a notification was queued. */
  private flushOne(g: Group, id: string): boolean {
    return this.db.transaction(() => this.flush(g, id))();
  }

  private flush(g: Group, id: string): boolean {
    if (this.closed || this.groups.get(id) !== g) return false;
    let queued = false;
    const now = this.clock.now();
    g.hasFlushed = true;
    const r = g.route.cfg;
    const receiver = this.cfg.receivers.get(r.receiver)!;
    const visible: Array<[string, NotifyAlert]> = [];
    const sources = this.inhibitSources(now);
    for (const fp of g.fps) {
      const a = this.alerts.get(fp);
      if (!a) { g.fps.delete(fp); continue; }
      if (!this.muted(fp, a, sources)) visible.push([fp, a]);
    }
    const isResolved = (a: NotifyAlert) => a.endsAt !== 0 && a.endsAt <= now;
    const firing = visible.filter(([, a]) => !isResolved(a));
    const resolved = visible.filter(([, a]) => isResolved(a));
    const sendResolved = receiver.sendResolved;
    const toSend = (sendResolved ? visible : firing).map(([, a]) => a);
    const entry = (fps: Array<[string, NotifyAlert]>) => fps.map(([fp]) => fp).sort();
    const maxAlerts = receiver.type === 'webhook' ? receiver.maxAlerts : 0;
    const payload = () => buildWebhookPayload(r.receiver, g.groupKey, g.groupLabels, toSend, now, this.cfg.externalURL, maxAlerts);

    if (receiver.type === 'alertmanager') {
      if (toSend.length) {
        this.outbox.enqueue({
          receiver: r.receiver, groupKey: g.groupKey, slot: Math.floor(now / receiver.resendIntervalMs),
          notification: { payload: payload() }, fallback: r.fallbackReceiver, fallbackAfterMs: r.fallbackAfterMs,
        });
        queued = true;
      }
    } else {
      const row = this.stmt.nflogGet.get(r.receiver, g.groupKey);
      const last = row ? { firing: JSON.parse(row.firing) as string[], resolved: JSON.parse(row.resolved) as string[], ts: row.ts } : undefined;
      const f = entry(firing), rs = entry(resolved);
      if (needsUpdate(last, f, rs, sendResolved, r.repeatIntervalMs, now)) {
        // Same transaction as the caller's: the notification and the log entry that suppresses its duplicate.
        if (toSend.length) {
          this.outbox.enqueue({
            receiver: r.receiver, groupKey: g.groupKey, slot: Math.floor(now / r.groupIntervalMs),
            notification: { payload: payload() }, fallback: r.fallbackReceiver, fallbackAfterMs: r.fallbackAfterMs,
          });
          queued = true;
        }
        this.stmt.nflogPut.run(r.receiver, g.groupKey, JSON.stringify(f), JSON.stringify(rs), now);
        this.logger.debug('notification queued', { receiver: r.receiver, groupKey: g.groupKey, firing: f.length, resolved: rs.length });
      }
    }
    // Resolved alerts have been told (or were muted); they leave the group.
    for (const fp of [...g.fps]) {
      const a = this.alerts.get(fp);
      if (a && isResolved(a)) g.fps.delete(fp);
    }
    if (g.fps.size === 0) {
      this.groups.delete(id);
      return queued;
    }
    this.schedule(g, id, receiver.type === 'alertmanager' ? receiver.resendIntervalMs : r.groupIntervalMs);
    return queued;
  }

  /** Forgets alerts resolved over an hour ago that no group still holds. */
  private gc(now: number): void {
    const held = new Set<string>();
    for (const g of this.groups.values()) for (const fp of g.fps) held.add(fp);
    for (const [fp, a] of this.alerts) {
      if (a.endsAt !== 0 && a.endsAt < now - 3600_000 && !held.has(fp)) {
        this.alerts.delete(fp);
        this.stmt.alertDel.run(fp);
      }
    }
  }

  /** Alerts currently held, with their silenced/inhibited status (for an `/api/v2/alerts`-like view). */
  list(): Array<NotifyAlert & { fingerprint: string; muted: boolean }> {
    const sources = this.inhibitSources(this.clock.now());
    return [...this.alerts].map(([fp, a]) => ({ ...a, fingerprint: fp, muted: this.muted(fp, a, sources) }));
  }

  close(): void {
    this.closed = true;
    this.batchTimer?.cancel();
    for (const g of this.groups.values()) g.timer?.cancel();
    this.groups.clear();
  }
}
