import { stringify } from 'yaml';
import { formatDuration } from '../model/duration.js';
import { labelsToObject } from '../model/labels.js';
import type { RelabelConfig } from '../scrape/relabel/index.js';
import type { Config, HTTPClientConfig } from './types.js';

/** What Prometheus prints in place of a secret. */
export const SECRET_PLACEHOLDER = '<secret>';

/**
 * The loaded config as Prometheus's `/api/v1/status/config` shows it: every default filled in, Prometheus key
 * names, passwords and credentials replaced by `<secret>`. Paths are the absolute ones vigil uses. Parsing the
 * output again yields the same Config (apart from secrets and `source`).
 */
export function configToYaml(config: Config): string {
  const g = config.global;
  const out: Record<string, unknown> = {
    global: {
      scrape_interval: formatDuration(g.scrapeIntervalMs),
      scrape_timeout: formatDuration(g.scrapeTimeoutMs),
      evaluation_interval: formatDuration(g.evaluationIntervalMs),
      ...(g.externalLabels.length > 0 ? { external_labels: labelsToObject(g.externalLabels) } : {}),
    },
  };
  if (config.ruleFiles.length > 0) out.rule_files = config.ruleFiles;
  if (config.scrapeConfigs.length > 0) {
    out.scrape_configs = config.scrapeConfigs.map((sc) => ({
      job_name: sc.jobName,
      honor_labels: sc.honorLabels,
      honor_timestamps: sc.honorTimestamps,
      ...(Object.keys(sc.params).length > 0 ? { params: sc.params } : {}),
      scrape_interval: formatDuration(sc.scrapeIntervalMs),
      scrape_timeout: formatDuration(sc.scrapeTimeoutMs),
      metrics_path: sc.metricsPath,
      scheme: sc.scheme,
      ...(sc.bodySizeLimit > 0 ? { body_size_limit: `${sc.bodySizeLimit}B` } : {}),
      ...(sc.sampleLimit > 0 ? { sample_limit: sc.sampleLimit } : {}),
      ...(sc.labelLimit > 0 ? { label_limit: sc.labelLimit } : {}),
      ...(sc.labelNameLengthLimit > 0 ? { label_name_length_limit: sc.labelNameLengthLimit } : {}),
      ...(sc.labelValueLengthLimit > 0 ? { label_value_length_limit: sc.labelValueLengthLimit } : {}),
      ...httpClient(sc.http),
      ...(sc.relabelConfigs.length > 0 ? { relabel_configs: sc.relabelConfigs.map(relabelRule) } : {}),
      ...(sc.metricRelabelConfigs.length > 0 ? { metric_relabel_configs: sc.metricRelabelConfigs.map(relabelRule) } : {}),
      ...(sc.staticConfigs.length > 0
        ? { static_configs: sc.staticConfigs.map((s) => ({ targets: s.targets, ...(s.labels.length > 0 ? { labels: labelsToObject(s.labels) } : {}) })) }
        : {}),
      ...(sc.fileSdConfigs.length > 0
        ? { file_sd_configs: sc.fileSdConfigs.map((f) => ({ files: f.files, refresh_interval: formatDuration(f.refreshIntervalMs) })) }
        : {}),
    }));
  }
  if (config.remoteWrite.length > 0) {
    out.remote_write = config.remoteWrite.map((rw) => {
      const q = rw.queueConfig;
      return {
        url: rw.url,
        ...(rw.name !== undefined ? { name: rw.name } : {}),
        remote_timeout: formatDuration(rw.remoteTimeoutMs),
        ...(Object.keys(rw.headers).length > 0 ? { headers: rw.headers } : {}),
        ...(rw.writeRelabelConfigs.length > 0 ? { write_relabel_configs: rw.writeRelabelConfigs.map(relabelRule) } : {}),
        ...httpClient(rw.http),
        queue_config: {
          capacity: q.capacity, max_shards: q.maxShards, min_shards: q.minShards, max_samples_per_send: q.maxSamplesPerSend,
          batch_send_deadline: formatDuration(q.batchSendDeadlineMs), min_backoff: formatDuration(q.minBackoffMs),
          max_backoff: formatDuration(q.maxBackoffMs), retry_on_http_429: q.retryOnHttp429,
          ...(q.sampleAgeLimitMs > 0 ? { sample_age_limit: formatDuration(q.sampleAgeLimitMs) } : {}),
        },
      };
    });
  }
  const raw: [string, Config['storage']][] = [
    ['storage', config.storage], ['notifiers', config.notifiers], ['route', config.route],
    ['inhibit_rules', config.inhibitRules], ['alerting', config.alerting],
  ];
  for (const [key, section] of raw) if (section) out[key] = section.value;
  return stringify(out, { lineWidth: 0 });
}

function httpClient(h: HTTPClientConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (h.basicAuth) {
    out.basic_auth = {
      username: h.basicAuth.username,
      ...(h.basicAuth.password !== undefined ? { password: SECRET_PLACEHOLDER } : {}),
      ...(h.basicAuth.passwordFile !== undefined ? { password_file: h.basicAuth.passwordFile } : {}),
    };
  }
  if (h.authorization) {
    out.authorization = {
      type: h.authorization.type,
      ...(h.authorization.credentials !== undefined ? { credentials: SECRET_PLACEHOLDER } : {}),
      ...(h.authorization.credentialsFile !== undefined ? { credentials_file: h.authorization.credentialsFile } : {}),
    };
  }
  const t = h.tlsConfig;
  out.tls_config = {
    ...(t.caFile !== undefined ? { ca_file: t.caFile } : {}),
    ...(t.certFile !== undefined ? { cert_file: t.certFile } : {}),
    ...(t.keyFile !== undefined ? { key_file: t.keyFile } : {}),
    ...(t.serverName !== undefined ? { server_name: t.serverName } : {}),
    insecure_skip_verify: t.insecureSkipVerify,
  };
  return out;
}

/** Only the fields Prometheus's validation allows for the action, so the output parses again. */
function relabelRule(r: RelabelConfig): Record<string, unknown> {
  const a = r.action;
  if (a === 'labeldrop' || a === 'labelkeep') return { regex: r.regexSource, action: a };
  if (a === 'keepequal' || a === 'dropequal') return { source_labels: r.sourceLabels, target_label: r.targetLabel, action: a };
  return {
    ...(r.sourceLabels.length > 0 ? { source_labels: r.sourceLabels } : {}),
    separator: r.separator,
    regex: r.regexSource,
    ...(a === 'hashmod' ? { modulus: r.modulus } : {}),
    ...(r.targetLabel !== '' ? { target_label: r.targetLabel } : {}),
    ...(a === 'lowercase' || a === 'uppercase' ? {} : { replacement: r.replacement }),
    action: a,
  };
}
