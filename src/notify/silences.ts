/**
 * Silences: matchers plus a time window during which matching alerts are not notified. Stored in the notify
 * database; shapes follow Alertmanager's API v2 (`/api/v2/silences`) so its tooling conventions carry over.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { BadDataError } from '../model/errors.js';
import { Matcher } from '../model/matcher.js';
import type { Clock } from '../model/clock.js';
import { matchesAll, parseMatchers } from './matchers.js';
import { timeJSON } from './payload.js';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  /** ms */
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

/** Alertmanager's GettableSilence JSON. */
export interface SilenceJSON {
  id: string;
  status: { state: SilenceState };
  updatedAt: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** Input of `createSilence`: Alertmanager's PostableSilence, or matcher strings (`a="b"`) for the CLI. */
export interface SilenceInput {
  id?: string;
  matchers: Array<SilenceMatcher | string>;
  /** RFC 3339 or ms; default now. */
  startsAt?: string | number;
  endsAt?: string | number;
  /** Alternative to endsAt, e.g. `2h`. */
  duration?: number;
  createdBy: string;
  comment: string;
}

function toMatcher(m: SilenceMatcher): Matcher {
  const type = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return new Matcher(type, m.name, m.value);
}

function fromMatcher(m: Matcher): SilenceMatcher {
  return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
}

function parseTime(v: string | number | undefined, def: number, what: string): number {
  if (v === undefined || v === '') return def;
  if (typeof v === 'number') return v;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new BadDataError(`${what}: not an RFC 3339 time: ${JSON.stringify(v)}`);
  return t;
}

interface Row {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  updated_at: number;
}

export class Silences {
  private cache: Array<{ s: Silence; ms: Matcher[] }> = [];

  constructor(private readonly db: Database.Database, private readonly clock: Clock) {
    this.reload();
  }

  private reload(): void {
    const rows = this.db.prepare('SELECT * FROM silences ORDER BY starts_at, id').all() as Row[];
    this.cache = rows.map((r) => {
      const s: Silence = {
        id: r.id, matchers: JSON.parse(r.matchers) as SilenceMatcher[], startsAt: r.starts_at, endsAt: r.ends_at,
        createdBy: r.created_by, comment: r.comment, updatedAt: r.updated_at,
      };
      return { s, ms: s.matchers.map(toMatcher) };
    });
  }

  static state(s: Silence, now: number): SilenceState {
    if (now < s.startsAt) return 'pending';
    if (now >= s.endsAt) return 'expired';
    return 'active';
  }

  /**
   * Creates a silence (or updates the one with `id`, as Alertmanager does for an unexpired silence).
   * Throws BadDataError for missing matchers, comment or author, bad times, or an end not after the start.
   */
  create(input: SilenceInput): Silence {
    const now = this.clock.now();
    if (!Array.isArray(input.matchers) || input.matchers.length === 0) throw new BadDataError('silence needs at least one matcher');
    const ms: Matcher[] = [];
    for (const m of input.matchers) {
      if (typeof m === 'string') ms.push(...parseMatchers(m));
      else {
        if (!m || typeof m.name !== 'string' || typeof m.value !== 'string') throw new BadDataError('silence matcher needs name and value');
        try { ms.push(toMatcher({ name: m.name, value: m.value, isRegex: !!m.isRegex, isEqual: m.isEqual !== false })); } catch (e) { throw new BadDataError((e as Error).message); }
      }
    }
    if (ms.every((m) => m.matchesEmpty())) throw new BadDataError('at least one matcher must not match the empty string');
    if (!input.createdBy) throw new BadDataError('createdBy must not be empty');
    if (!input.comment) throw new BadDataError('comment must not be empty');
    const startsAt = Math.max(parseTime(input.startsAt, now, 'startsAt'), now);
    const endsAt = input.duration !== undefined ? startsAt + input.duration : parseTime(input.endsAt, NaN, 'endsAt');
    if (Number.isNaN(endsAt)) throw new BadDataError('endsAt (or a duration) is required');
    if (endsAt <= startsAt) throw new BadDataError('end time must not be before or equal to start time');
    let id = input.id ?? '';
    if (id) {
      const old = this.get(id);
      if (!old) throw new BadDataError(`silence ${id} not found`);
      if (Silences.state(old, now) === 'expired') throw new BadDataError(`silence ${id} is expired and cannot be updated`);
    } else id = randomUUID();
    const s: Silence = { id, matchers: ms.map(fromMatcher), startsAt, endsAt, createdBy: input.createdBy, comment: input.comment, updatedAt: now };
    this.db.prepare('INSERT OR REPLACE INTO silences VALUES (?,?,?,?,?,?,?)')
      .run(s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, s.updatedAt);
    this.reload();
    return s;
  }

  get(id: string): Silence | undefined {
    return this.cache.find((c) => c.s.id === id)?.s;
  }

  /** All silences (expired ones too), newest start first within state order active, pending, expired. */
  list(): Silence[] {
    const now = this.clock.now();
    const rank = { active: 0, pending: 1, expired: 2 } as const;
    return this.cache.map((c) => c.s).sort((a, b) => rank[Silences.state(a, now)] - rank[Silences.state(b, now)] || b.startsAt - a.startsAt);
  }

  /** Ends a silence now (a pending one is ended before it starts). Throws BadDataError if unknown or already expired. */
  expire(id: string): Silence {
    const now = this.clock.now();
    const s = this.get(id);
    if (!s) throw new BadDataError(`silence ${id} not found`);
    if (Silences.state(s, now) === 'expired') throw new BadDataError(`silence ${id} already expired`);
    const startsAt = Math.min(s.startsAt, now);
    this.db.prepare('UPDATE silences SET starts_at = ?, ends_at = ?, updated_at = ? WHERE id = ?').run(startsAt, now, now, id);
    this.reload();
    return this.get(id)!;
  }

  /** IDs of the active silences that match `labels`. */
  mutedBy(labels: Record<string, string>): string[] {
    const now = this.clock.now();
    const out: string[] = [];
    for (const c of this.cache) if (Silences.state(c.s, now) === 'active' && matchesAll(c.ms, labels)) out.push(c.s.id);
    return out;
  }

  /** Deletes silences expired for longer than `retentionMs` (Alertmanager keeps them 5 days). */
  gc(retentionMs = 5 * 24 * 3600_000): void {
    this.db.prepare('DELETE FROM silences WHERE ends_at < ?').run(this.clock.now() - retentionMs);
    this.reload();
  }

  toJSON(s: Silence): SilenceJSON {
    return {
      id: s.id, status: { state: Silences.state(s, this.clock.now()) }, updatedAt: timeJSON(s.updatedAt), matchers: s.matchers,
      startsAt: timeJSON(s.startsAt), endsAt: timeJSON(s.endsAt), createdBy: s.createdBy, comment: s.comment,
    };
  }
}
