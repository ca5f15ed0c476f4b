/**
 * Durable alert state (SQLite, `<data dir>/rules.db`): every active alert of every alerting rule with its labels,
 * annotations, activeAt, state, keep_firing_for start, last sent and resolvedAt. Written after each rule
 * evaluation in one transaction; read when a rule group starts so a restart neither re-pages (lastSentAt survives)
 * nor forgets a pending alert (activeAt survives, so `for` keeps counting from the original start).
 */
import Database from 'better-sqlite3';
import type { Alert, AlertState } from './alert.js';

interface Row {
  alert_key: string;
  labels: string;
  annotations: string;
  state: string;
  value: number;
  active_at: number;
  fired_at: number;
  keep_firing_since: number;
  resolved_at: number;
  last_sent_at: number;
  valid_until: number;
  saved_at: number;
}

export class AlertStateStore {
  private readonly db: Database.Database;
  private readonly selectRule: Database.Statement<[string], Row>;
  private readonly deleteRule: Database.Statement<[string]>;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly deleteOne: Database.Statement<[string, string]>;
  /** What is on disk, per rule and alert, as a signature of the restorable fields (to write only changes). */
  private readonly saved = new Map<string, Map<string, string>>();

  /** Opens (creating if needed) the store at `path`. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS alert_state (
      rule_key TEXT NOT NULL, alert_key TEXT NOT NULL, labels TEXT NOT NULL, annotations TEXT NOT NULL,
      state TEXT NOT NULL, value REAL, active_at INTEGER NOT NULL, fired_at INTEGER NOT NULL,
      keep_firing_since INTEGER NOT NULL, resolved_at INTEGER NOT NULL, last_sent_at INTEGER NOT NULL,
      valid_until INTEGER NOT NULL, saved_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (rule_key, alert_key))`);
    this.selectRule = this.db.prepare('SELECT * FROM alert_state WHERE rule_key = ?');
    this.deleteRule = this.db.prepare('DELETE FROM alert_state WHERE rule_key = ?');
    this.insert = this.db.prepare(`INSERT OR REPLACE INTO alert_state VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    this.deleteOne = this.db.prepare('DELETE FROM alert_state WHERE rule_key = ? AND alert_key = ?');
  }

  /**
   * The saved alerts of one rule (empty if none). Pending alerts saved before `pendingSince` are left out: after an
   * outage that long, the condition was not observed throughout, so `for` must start again (Prometheus's
   * outage tolerance). Firing alerts are always restored, so their resolution is still sent.
   */
  load(ruleKey: string, pendingSince = -Infinity): Map<string, Alert> {
    const out = new Map<string, Alert>();
    const sigs = new Map<string, string>();
    this.saved.set(ruleKey, sigs);
    for (const r of this.selectRule.all(ruleKey)) {
      sigs.set(r.alert_key, 'loaded');
      if (r.state === 'pending' && r.saved_at < pendingSince) continue;
      out.set(r.alert_key, {
        labels: JSON.parse(r.labels) as Record<string, string>,
        annotations: JSON.parse(r.annotations) as Record<string, string>,
        state: r.state as AlertState, value: r.value ?? NaN, activeAt: r.active_at, firedAt: r.fired_at,
        keepFiringSince: r.keep_firing_since, resolvedAt: r.resolved_at, lastSentAt: r.last_sent_at, validUntil: r.valid_until,
      });
    }
    return out;
  }

  /**
   * Makes the saved alerts of several rules equal to `rules`, in one transaction; `now` (ms) stamps written rows.
   * Only alerts whose state, times or send bookkeeping changed are written (values and annotations ride along
   * with those writes), so a steady evaluation costs no disk writes.
   */
  save(rules: Iterable<[string, ReadonlyMap<string, Alert>]>, now: number): void {
    this.db.transaction(() => {
      for (const [ruleKey, alerts] of rules) {
        let sigs = this.saved.get(ruleKey);
        if (!sigs) {
          // Never loaded in this process: start from a clean slate for this rule.
          this.deleteRule.run(ruleKey);
          this.saved.set(ruleKey, (sigs = new Map()));
        }
        for (const [k, a] of alerts) {
          const sig = `${a.state}|${a.activeAt}|${a.firedAt}|${a.keepFiringSince}|${a.resolvedAt}|${a.lastSentAt}|${a.validUntil}`;
          if (sigs.get(k) === sig) continue;
          this.insert.run(ruleKey, k, JSON.stringify(a.labels), JSON.stringify(a.annotations), a.state,
            Number.isNaN(a.value) ? null : a.value, a.activeAt, a.firedAt, a.keepFiringSince, a.resolvedAt, a.lastSentAt, a.validUntil, now);
          sigs.set(k, sig);
        }
        for (const k of [...sigs.keys()]) {
          if (!alerts.has(k)) {
            this.deleteOne.run(ruleKey, k);
            sigs.delete(k);
          }
        }
      }
    })();
  }

  /** Drops saved state of rules not in `keep` (rules removed by a reload). */
  retainOnly(keep: ReadonlySet<string>): void {
    const all = this.db.prepare('SELECT DISTINCT rule_key AS k FROM alert_state').all() as Array<{ k: string }>;
    this.db.transaction(() => {
      for (const { k } of all) {
        if (keep.has(k)) continue;
        this.deleteRule.run(k);
        this.saved.delete(k);
      }
    })();
  }

  close(): void {
    this.db.close();
  }
}
