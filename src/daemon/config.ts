/**
 * The daemon's whole configuration: the Prometheus-format scrape config plus vigil's own sections, each validated
 * by its stage with `file:line:column` errors, so that a bad section fails a start or a reload as a whole.
 */
import { loadConfigFile, type Config } from '../config/index.js';
import type { RawSection } from '../config/raw.js';
// Not the notify index: that loads delivery (SQLite, nodemailer), which a daemon without notifiers never needs.
import { parseNotifyConfig, type NotifyConfig } from '../notify/config.js';
import { parseStorageConfig, type StorageConfig } from '../config/storage.js';

export interface DaemonConfig {
  base: Config;
  /** null: no notifier configured, alerts are evaluated and served but not delivered. */
  notify: NotifyConfig | null;
  /** Downsampling tiers and per-resolution retention (`storage:`). */
  storage: StorageConfig;
}

export async function loadDaemonConfig(file: string, externalURL: string): Promise<DaemonConfig> {
  const base = await loadConfigFile(file);
  return { base, notify: notifyConfigOf(base, externalURL), storage: parseStorageConfig(base.storage) };
}

/** Validates and types the alert-delivery sections (`notifiers`, `route`, `inhibit_rules`, `outbox`, `alerting`). */
export function notifyConfigOf(base: Config, externalURL: string): NotifyConfig | null {
  const sections: Record<string, RawSection | null> = {
    notifiers: base.notifiers,
    route: base.route,
    inhibit_rules: base.inhibitRules,
    outbox: base.outbox,
    alerting: base.alerting,
  };
  return parseNotifyConfig(
    {
      notifiers: base.notifiers?.value,
      route: base.route?.value,
      inhibit_rules: base.inhibitRules?.value,
      outbox: base.outbox?.value,
      alerting: base.alerting?.value,
    },
    externalURL,
    (section, path, message) => sections[section]?.errorAt(path, message) ?? new Error(`${section}: ${message}`),
  );
}
