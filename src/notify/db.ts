/**
 * The notify stage's SQLite file (`<data dir>/notify.db`): alerts received, the notification log (what each
 * receiver was last told about each group), the outbox, and silences. One file so a notification and the log
 * entry that suppresses its duplicate commit in one transaction.
 */
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  fingerprint TEXT PRIMARY KEY, body TEXT NOT NULL, ends_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nflog (
  receiver TEXT NOT NULL, group_key TEXT NOT NULL, firing TEXT NOT NULL, resolved TEXT NOT NULL, ts INTEGER NOT NULL,
  PRIMARY KEY (receiver, group_key));
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, receiver TEXT NOT NULL, group_key TEXT NOT NULL, slot INTEGER NOT NULL,
  content_hash TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, fallback TEXT NOT NULL DEFAULT '', fallback_after INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending', delivered_via TEXT NOT NULL DEFAULT '', last_error TEXT NOT NULL DEFAULT '',
  done_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (receiver, group_key, slot, content_hash));
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS silences (
  id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
  created_by TEXT NOT NULL, comment TEXT NOT NULL, updated_at INTEGER NOT NULL);
`;

/** Opens (creating if needed) the notify database at `path`. */
export function openNotifyDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a notification recorded as sent must stay recorded across a power loss, or it would be sent twice.
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  return db;
}
