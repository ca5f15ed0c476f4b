import path from 'node:path';
import { LineCounter, parseDocument, isMap, type Node } from 'yaml';
import { labelsFromObject, type Labels } from '../model/labels.js';
import { formatDuration } from '../model/duration.js';
import {
  compileRelabelConfig, isValidLabelName, RelabelConfigError,
  type RelabelConfig, type RelabelConfigInput,
} from '../scrape/relabel/index.js';
import { GlobError, splitGlob, validateGlob } from '../discovery/glob.js';
import { ConfigError, ConfigErrorList } from './errors.js';
import { RawSection } from './raw.js';
import { Reader, type Fields } from './reader.js';
import { parseByteSize } from './units.js';
import type {
  Authorization, BasicAuth, Config, FileSDConfig, GlobalConfig, HTTPClientConfig, QueueConfig,
  RemoteWriteConfig, ScrapeConfig, StaticConfig, TLSConfig,
} from './types.js';

export const DEFAULT_GLOBAL: Readonly<GlobalConfig> = {
  scrapeIntervalMs: 60_000,
  scrapeTimeoutMs: 10_000,
  evaluationIntervalMs: 60_000,
  externalLabels: [],
};

export const DEFAULT_QUEUE_CONFIG: Readonly<QueueConfig> = {
  capacity: 10_000,
  maxShards: 50,
  minShards: 1,
  maxSamplesPerSend: 2_000,
  batchSendDeadlineMs: 5_000,
  minBackoffMs: 30,
  maxBackoffMs: 5_000,
  retryOnHttp429: true,
  sampleAgeLimitMs: 0,
};

const DEFAULT_FILE_SD_REFRESH_MS = 5 * 60_000;
const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

const TOP_KEYS = ['global', 'rule_files', 'scrape_configs', 'remote_write', 'storage', 'notifiers', 'route', 'inhibit_rules', 'alerting', 'outbox'];
const GLOBAL_KEYS = ['scrape_interval', 'scrape_timeout', 'evaluation_interval', 'external_labels'];
const SCRAPE_KEYS = [
  'job_name', 'scrape_interval', 'scrape_timeout', 'metrics_path', 'scheme', 'params', 'honor_labels',
  'honor_timestamps', 'static_configs', 'file_sd_configs', 'relabel_configs', 'metric_relabel_configs',
  'basic_auth', 'authorization', 'tls_config', 'sample_limit', 'label_limit', 'label_name_length_limit',
  'label_value_length_limit', 'body_size_limit',
];
const REMOTE_WRITE_KEYS = [
  'url', 'name', 'remote_timeout', 'headers', 'write_relabel_configs', 'basic_auth', 'authorization', 'tls_config', 'queue_config',
];
const QUEUE_KEYS = [
  'capacity', 'max_shards', 'min_shards', 'max_samples_per_send', 'batch_send_deadline', 'min_backoff', 'max_backoff',
  'retry_on_http_429', 'sample_age_limit',
];
const RELABEL_KEYS = ['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action'];
const STATIC_KEYS = ['targets', 'labels'];
const FILE_SD_KEYS = ['files', 'refresh_interval'];
const BASIC_AUTH_KEYS = ['username', 'password', 'password_file'];
const AUTHORIZATION_KEYS = ['type', 'credentials', 'credentials_file'];
const TLS_KEYS = ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify'];

/** Prometheus settings vigil knows but does not implement: named in the error so users are not left guessing. */
const PROMETHEUS_ONLY = new Set([
  'remote_read', 'scrape_config_files', 'tracing', 'otlp', 'runtime', 'query_log_file', 'scrape_protocols',
  'rule_query_offset', 'keep_dropped_targets', 'target_limit', 'track_timestamps_staleness', 'enable_compression',
  'follow_redirects', 'enable_http2', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header',
  'oauth2', 'bearer_token', 'bearer_token_file', 'sigv4', 'azuread', 'send_exemplars', 'send_native_histograms',
  'metadata_config', 'scrape_classic_histograms', 'native_histogram_bucket_limit', 'always_scrape_classic_histograms',
  'native_histogram_min_bucket_factor', 'convert_classic_histograms_to_nhcb', 'scrape_failure_log_file',
  'metric_name_validation_scheme', 'metric_name_escaping_scheme', 'username_file', 'ca', 'cert', 'key',
  'min_version', 'max_version', 'protobuf_message', 'round_robin_dns', 'http_headers',
]);

function hint(key: string): string | undefined {
  if (key.endsWith('_sd_configs')) return 'vigil supports static_configs and file_sd_configs only';
  if (PROMETHEUS_ONLY.has(key)) return 'a Prometheus setting vigil does not support';
  return undefined;
}

/** Prometheus's file_sd name check: wildcards only in the last component, and a .json/.yml/.yaml extension. */
const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

const RESERVED_HEADERS = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version',
]);

/**
 * Parses a `prometheus.yml`-format config text into a fully-defaulted Config. `filename` is used in error positions
 * and as the base for relative paths (rule_files, file_sd files, credential and TLS files).
 * Throws ConfigError (one problem) or ConfigErrorList (several), every one at file:line:column.
 */
export function parseConfig(text: string, filename: string): Config {
  const lineCounter = new LineCounter();
  // YAML 1.1, as Prometheus's Go decoder reads it: `yes`/`no`/`on`/`off` are booleans and `<<` merges mappings.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.1' });
  const r = new Reader(filename, lineCounter, doc);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      r.errors.push(new ConfigError(`yaml: ${e.message.split('\n')[0]}`, filename, line, col));
    }
    throw finish(r.errors);
  }
  const dir = path.dirname(path.resolve(filename));
  const p = new ConfigParser(r, dir);
  const config = p.parseRoot(doc.contents as Node | null, { file: filename, dir, text });
  if (r.errors.length > 0) throw finish(r.errors);
  return config!;
}

function finish(errors: ConfigError[]): ConfigError | ConfigErrorList {
  const sorted = [...errors].sort((a, b) => a.line - b.line || a.column - b.column);
  return sorted.length === 1 ? sorted[0]! : new ConfigErrorList(sorted);
}

class ConfigParser {
  constructor(private readonly r: Reader, private readonly dir: string) {}

  parseRoot(root: Node | null, source: Config['source']): Config | undefined {
    const r = this.r;
    const f = r.fields(root, 'config', TOP_KEYS, hint);
    const config: Config = {
      global: { ...DEFAULT_GLOBAL },
      ruleFiles: [],
      scrapeConfigs: [],
      remoteWrite: [],
      storage: null, notifiers: null, route: null, inhibitRules: null, alerting: null, outbox: null,
      source,
    };
    if (!f) return config;
    config.global = this.parseGlobal(val(f, 'global'));

    for (const [i, pattern] of (r.strList(val(f, 'rule_files'), 'rule_files') ?? []).entries()) {
      const abs = this.abs(pattern);
      try {
        validateGlob(abs);
        config.ruleFiles.push(abs);
      } catch (e) {
        r.error(itemNode(val(f, 'rule_files'), i), `invalid rule file path ${JSON.stringify(pattern)}: ${(e as GlobError).message}`);
      }
    }

    const jobs = new Map<string, true>();
    for (const node of r.seq(val(f, 'scrape_configs'), 'scrape_configs') ?? []) {
      const sc = this.parseScrapeConfig(node, config.global);
      if (!sc) continue;
      if (jobs.has(sc.jobName)) r.error(node, `found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}`);
      jobs.set(sc.jobName, true);
      config.scrapeConfigs.push(sc);
    }

    const names = new Set<string>();
    for (const node of r.seq(val(f, 'remote_write'), 'remote_write') ?? []) {
      const rw = this.parseRemoteWrite(node);
      if (!rw) continue;
      if (rw.name !== undefined) {
        if (names.has(rw.name)) r.error(node, `found multiple remote_write configs with name ${JSON.stringify(rw.name)}`);
        names.add(rw.name);
      }
      config.remoteWrite.push(rw);
    }

    config.storage = this.raw(f, 'storage');
    config.notifiers = this.raw(f, 'notifiers');
    config.route = this.raw(f, 'route');
    config.inhibitRules = this.raw(f, 'inhibit_rules');
    config.alerting = this.raw(f, 'alerting');
    config.outbox = this.raw(f, 'outbox');
    return config;
  }

  private raw(f: Fields, key: string): RawSection | null {
    const node = val(f, key);
    if (node === null) return null;
    return new RawSection(node.toJS(this.r.doc) as unknown, node, this.r.file, this.r.lineCounter, this.r.doc);
  }

  private abs(p: string): string {
    return path.resolve(this.dir, p);
  }

  private parseGlobal(node: Node | null): GlobalConfig {
    const r = this.r;
    const g: GlobalConfig = { ...DEFAULT_GLOBAL };
    const f = r.fields(node, 'global', GLOBAL_KEYS, hint);
    if (!f) return g;
    const interval = r.duration(val(f, 'scrape_interval'), 'scrape_interval');
    const timeout = r.duration(val(f, 'scrape_timeout'), 'scrape_timeout');
    const evalInterval = r.duration(val(f, 'evaluation_interval'), 'evaluation_interval');
    if (interval) g.scrapeIntervalMs = interval;
    if (timeout) {
      if (timeout > g.scrapeIntervalMs) r.error(val(f, 'scrape_timeout'), 'global scrape timeout greater than scrape interval');
      g.scrapeTimeoutMs = timeout;
    } else if (DEFAULT_GLOBAL.scrapeTimeoutMs > g.scrapeIntervalMs) {
      g.scrapeTimeoutMs = g.scrapeIntervalMs;
    }
    if (evalInterval) g.evaluationIntervalMs = evalInterval;
    g.externalLabels = this.labelSet(val(f, 'external_labels'), 'external_labels') ?? [];
    return g;
  }

  private labelSet(node: Node | null, what: string): Labels | undefined {
    const entries = this.r.strMap(node, what);
    if (!entries) return undefined;
    const obj: Record<string, string> = {};
    for (const e of entries) {
      if (!isValidLabelName(e.name) || e.name === '__name__') {
        this.r.error(e.key, `${JSON.stringify(e.name)} is not a valid label name`);
        continue;
      }
      obj[e.name] = e.value;
    }
    return labelsFromObject(obj);
  }

  private parseScrapeConfig(node: Node, global: GlobalConfig): ScrapeConfig | undefined {
    const r = this.r;
    const f = r.fields(node, 'scrape_config', SCRAPE_KEYS, hint);
    if (!f) return undefined;
    const jobName = r.str(val(f, 'job_name'), 'job_name');
    if (jobName === undefined || jobName === '') {
      if (!f.has('job_name') || val(f, 'job_name') === null || jobName === '') r.error(val(f, 'job_name'), 'job_name is empty', node);
      return undefined;
    }
    const jobQ = JSON.stringify(jobName);
    const errorsBefore = r.errors.length;
    const interval = r.duration(val(f, 'scrape_interval'), 'scrape_interval') || global.scrapeIntervalMs;
    let timeout = r.duration(val(f, 'scrape_timeout'), 'scrape_timeout') || 0;
    if (r.errors.length > errorsBefore) {
      // A bad interval or timeout is reported already; comparing against a fallback would only add noise.
    } else if (timeout === 0) {
      timeout = global.scrapeTimeoutMs > interval ? interval : global.scrapeTimeoutMs;
    } else if (timeout > interval) {
      r.error(val(f, 'scrape_timeout'), `scrape timeout greater than scrape interval for scrape config with job name ${jobQ}` +
        ` (${formatDuration(timeout)} > ${formatDuration(interval)})`);
    }
    const scheme = r.str(val(f, 'scheme'), 'scheme') ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') r.error(val(f, 'scheme'), `scheme must be "http" or "https", got ${JSON.stringify(scheme)}`);
    const metricsPath = r.str(val(f, 'metrics_path'), 'metrics_path') ?? '/metrics';

    const params: Record<string, string[]> = {};
    const pf = val(f, 'params');
    if (pf !== null) {
      if (!isMap(pf)) r.error(pf, 'params must be a mapping of name to list of values');
      else {
        for (const pair of pf.items) {
          const name = r.str(pair.key as Node, 'params key');
          const values = r.strList(r.resolve(pair.value), `params.${name ?? ''}`);
          if (name !== undefined && values !== undefined) params[name] = values;
        }
      }
    }

    const staticConfigs: StaticConfig[] = [];
    for (const sc of r.seq(val(f, 'static_configs'), 'static_configs') ?? []) {
      const s = this.parseStaticConfig(sc);
      if (s) staticConfigs.push(s);
    }
    const fileSdConfigs: FileSDConfig[] = [];
    for (const fc of r.seq(val(f, 'file_sd_configs'), 'file_sd_configs') ?? []) {
      const s = this.parseFileSD(fc);
      if (s) fileSdConfigs.push(s);
    }

    let bodySizeLimit = 0;
    const bsl = r.str(val(f, 'body_size_limit'), 'body_size_limit');
    if (bsl !== undefined) {
      try { bodySizeLimit = parseByteSize(bsl); } catch (e) { r.error(val(f, 'body_size_limit'), `body_size_limit: ${(e as Error).message}`); }
    }

    return {
      jobName,
      scrapeIntervalMs: interval,
      scrapeTimeoutMs: timeout,
      metricsPath,
      scheme: scheme === 'https' ? 'https' : 'http',
      params,
      honorLabels: r.bool(val(f, 'honor_labels'), 'honor_labels') ?? false,
      honorTimestamps: r.bool(val(f, 'honor_timestamps'), 'honor_timestamps') ?? true,
      staticConfigs,
      fileSdConfigs,
      relabelConfigs: this.relabelList(val(f, 'relabel_configs'), 'relabel_configs'),
      metricRelabelConfigs: this.relabelList(val(f, 'metric_relabel_configs'), 'metric_relabel_configs'),
      http: this.httpClient(f, node),
      sampleLimit: r.uint(val(f, 'sample_limit'), 'sample_limit') ?? 0,
      labelLimit: r.uint(val(f, 'label_limit'), 'label_limit') ?? 0,
      labelNameLengthLimit: r.uint(val(f, 'label_name_length_limit'), 'label_name_length_limit') ?? 0,
      labelValueLengthLimit: r.uint(val(f, 'label_value_length_limit'), 'label_value_length_limit') ?? 0,
      bodySizeLimit,
    };
  }

  private parseStaticConfig(node: Node): StaticConfig | undefined {
    const r = this.r;
    const f = r.fields(node, 'static_config', STATIC_KEYS, hint);
    if (!f) return undefined;
    const targets = r.strList(val(f, 'targets'), 'targets') ?? [];
    targets.forEach((t, i) => {
      if (t === '') r.error(itemNode(val(f, 'targets'), i), 'target address must not be empty');
      else if (t.includes('/')) r.error(itemNode(val(f, 'targets'), i), `${JSON.stringify(t)} is not a valid hostname`);
    });
    return { targets, labels: this.labelSet(val(f, 'labels'), 'labels') ?? [] };
  }

  private parseFileSD(node: Node): FileSDConfig | undefined {
    const r = this.r;
    const f = r.fields(node, 'file_sd_config', FILE_SD_KEYS, hint);
    if (!f) return undefined;
    const files: string[] = [];
    const list = r.strList(val(f, 'files'), 'files') ?? [];
    if (list.length === 0 && f.has('files') === false) r.error(null, 'file_sd_config requires "files"', node);
    list.forEach((name, i) => {
      if (!FILE_SD_NAME.test(name)) {
        r.error(itemNode(val(f, 'files'), i), `path name ${JSON.stringify(name)} is not valid for file discovery`);
        return;
      }
      const abs = this.abs(name);
      try { splitGlob(abs); files.push(abs); } catch (e) { r.error(itemNode(val(f, 'files'), i), (e as Error).message); }
    });
    const refresh = r.duration(val(f, 'refresh_interval'), 'refresh_interval');
    if (refresh === 0) r.error(val(f, 'refresh_interval'), 'refresh_interval must be greater than 0');
    return { files, refreshIntervalMs: refresh || DEFAULT_FILE_SD_REFRESH_MS };
  }

  private relabelList(node: Node | null, what: string): RelabelConfig[] {
    const out: RelabelConfig[] = [];
    for (const item of this.r.seq(node, what) ?? []) {
      const rc = this.parseRelabel(item);
      if (rc) out.push(rc);
    }
    return out;
  }

  private parseRelabel(node: Node): RelabelConfig | undefined {
    const r = this.r;
    const f = r.fields(node, 'relabel_config', RELABEL_KEYS, hint);
    if (!f) return undefined;
    const before = r.errors.length;
    const input: { -readonly [K in keyof RelabelConfigInput]: RelabelConfigInput[K] } = {};
    if (f.has('source_labels')) input.source_labels = r.strList(val(f, 'source_labels'), 'source_labels') ?? [];
    const sep = r.str(val(f, 'separator'), 'separator');
    if (sep !== undefined) input.separator = sep;
    const regex = r.str(val(f, 'regex'), 'regex');
    if (regex !== undefined) input.regex = regex;
    const modulus = r.uint(val(f, 'modulus'), 'modulus');
    if (modulus !== undefined) input.modulus = modulus;
    const target = r.str(val(f, 'target_label'), 'target_label');
    if (target !== undefined) input.target_label = target;
    const replacement = r.str(val(f, 'replacement'), 'replacement');
    if (replacement !== undefined) input.replacement = replacement;
    const action = r.str(val(f, 'action'), 'action');
    if (action !== undefined) input.action = action;
    if (r.errors.length > before) return undefined;
    try {
      return compileRelabelConfig(input);
    } catch (e) {
      if (!(e instanceof RelabelConfigError)) throw e;
      const at = e.field !== null ? (f.get(e.field)?.value ?? f.get(e.field)?.key) : node;
      r.error(at, e.message, node);
      return undefined;
    }
  }

  private httpClient(f: Fields, owner: Node): HTTPClientConfig {
    const r = this.r;
    const out: HTTPClientConfig = { tlsConfig: { insecureSkipVerify: false } };
    const ba = val(f, 'basic_auth');
    if (ba !== null) {
      const bf = r.fields(ba, 'basic_auth', BASIC_AUTH_KEYS, hint);
      if (bf) {
        const b: BasicAuth = { username: r.str(val(bf, 'username'), 'username') ?? '' };
        const pw = r.str(val(bf, 'password'), 'password');
        const pwFile = r.str(val(bf, 'password_file'), 'password_file');
        if (pw !== undefined) b.password = pw;
        if (pwFile !== undefined) b.passwordFile = this.abs(pwFile);
        if (pw !== undefined && pwFile !== undefined) r.error(ba, 'at most one of basic_auth password & password_file must be configured');
        out.basicAuth = b;
      }
    }
    const au = val(f, 'authorization');
    if (au !== null) {
      const af = r.fields(au, 'authorization', AUTHORIZATION_KEYS, hint);
      if (af) {
        const type = r.str(val(af, 'type'), 'type') ?? 'Bearer';
        if (type.toLowerCase() === 'basic') r.error(val(af, 'type'), 'authorization type cannot be set to "basic", use "basic_auth" instead');
        const a: Authorization = { type: type === '' ? 'Bearer' : type };
        const cred = r.str(val(af, 'credentials'), 'credentials');
        const credFile = r.str(val(af, 'credentials_file'), 'credentials_file');
        if (cred !== undefined) a.credentials = cred;
        if (credFile !== undefined) a.credentialsFile = this.abs(credFile);
        if (cred !== undefined && credFile !== undefined) r.error(au, 'at most one of authorization credentials & credentials_file must be configured');
        out.authorization = a;
      }
    }
    if (out.basicAuth && out.authorization) {
      r.error(au, 'at most one of basic_auth & authorization must be configured', owner);
    }
    const tls = val(f, 'tls_config');
    if (tls !== null) {
      const tf = r.fields(tls, 'tls_config', TLS_KEYS, hint);
      if (tf) {
        const t: TLSConfig = { insecureSkipVerify: r.bool(val(tf, 'insecure_skip_verify'), 'insecure_skip_verify') ?? false };
        const ca = r.str(val(tf, 'ca_file'), 'ca_file');
        const cert = r.str(val(tf, 'cert_file'), 'cert_file');
        const key = r.str(val(tf, 'key_file'), 'key_file');
        const sn = r.str(val(tf, 'server_name'), 'server_name');
        if (ca !== undefined) t.caFile = this.abs(ca);
        if (cert !== undefined) t.certFile = this.abs(cert);
        if (key !== undefined) t.keyFile = this.abs(key);
        if (sn !== undefined) t.serverName = sn;
        if (cert !== undefined && key === undefined) r.error(tls, `client cert file ${JSON.stringify(cert)} specified without client key file`);
        if (key !== undefined && cert === undefined) r.error(tls, `client key file ${JSON.stringify(key)} specified without client cert file`);
        out.tlsConfig = t;
      }
    }
    return out;
  }

  private parseRemoteWrite(node: Node): RemoteWriteConfig | undefined {
    const r = this.r;
    const f = r.fields(node, 'remote_write', REMOTE_WRITE_KEYS, hint);
    if (!f) return undefined;
    const url = r.str(val(f, 'url'), 'url');
    if (url === undefined || url === '') {
      r.error(val(f, 'url'), 'url for remote_write is empty', node);
      return undefined;
    }
    let parsed: URL | undefined;
    try { parsed = new URL(url); } catch { /* reported below */ }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      r.error(val(f, 'url'), `remote_write url ${JSON.stringify(url)} is not a valid http or https URL`);
    }
    const headers: Record<string, string> = {};
    for (const h of r.strMap(val(f, 'headers'), 'headers') ?? []) {
      const lower = h.name.toLowerCase();
      if (lower === 'authorization') r.error(h.key, 'authorization header must be changed via the basic_auth or authorization parameter');
      else if (RESERVED_HEADERS.has(lower)) r.error(h.key, `${h.name} is a reserved header. It must not be changed`);
      else headers[h.name] = h.value;
    }
    const name = r.str(val(f, 'name'), 'name');
    const rw: RemoteWriteConfig = {
      url,
      remoteTimeoutMs: r.duration(val(f, 'remote_timeout'), 'remote_timeout') || DEFAULT_REMOTE_TIMEOUT_MS,
      headers,
      writeRelabelConfigs: this.relabelList(val(f, 'write_relabel_configs'), 'write_relabel_configs'),
      http: this.httpClient(f, node),
      queueConfig: this.parseQueue(val(f, 'queue_config')),
    };
    if (name !== undefined && name !== '') rw.name = name;
    return rw;
  }

  private parseQueue(node: Node | null): QueueConfig {
    const r = this.r;
    const q: QueueConfig = { ...DEFAULT_QUEUE_CONFIG };
    const f = r.fields(node, 'queue_config', QUEUE_KEYS, hint);
    if (!f) return q;
    q.capacity = r.uint(val(f, 'capacity'), 'capacity') ?? q.capacity;
    q.maxShards = r.uint(val(f, 'max_shards'), 'max_shards') ?? q.maxShards;
    q.minShards = r.uint(val(f, 'min_shards'), 'min_shards') ?? q.minShards;
    q.maxSamplesPerSend = r.uint(val(f, 'max_samples_per_send'), 'max_samples_per_send') ?? q.maxSamplesPerSend;
    q.batchSendDeadlineMs = r.duration(val(f, 'batch_send_deadline'), 'batch_send_deadline') ?? q.batchSendDeadlineMs;
    q.minBackoffMs = r.duration(val(f, 'min_backoff'), 'min_backoff') ?? q.minBackoffMs;
    q.maxBackoffMs = r.duration(val(f, 'max_backoff'), 'max_backoff') ?? q.maxBackoffMs;
    q.retryOnHttp429 = r.bool(val(f, 'retry_on_http_429'), 'retry_on_http_429') ?? q.retryOnHttp429;
    q.sampleAgeLimitMs = r.duration(val(f, 'sample_age_limit'), 'sample_age_limit') ?? q.sampleAgeLimitMs;
    if (q.minShards > q.maxShards) r.error(val(f, 'min_shards'), `min_shards (${q.minShards}) must not exceed max_shards (${q.maxShards})`, node);
    if (q.minBackoffMs > q.maxBackoffMs) r.error(val(f, 'min_backoff'), 'min_backoff must not exceed max_backoff', node);
    if (q.maxSamplesPerSend === 0) r.error(val(f, 'max_samples_per_send'), 'max_samples_per_send must be greater than 0');
    return q;
  }
}

function val(f: Fields, key: string): Node | null {
  return f.get(key)?.value ?? null;
}

/** The i-th item of a sequence node (for pointing at one list entry), or the node itself. */
function itemNode(seq: Node | null, i: number): Node | null {
  if (seq && 'items' in seq && Array.isArray((seq as { items: unknown[] }).items)) {
    const item = (seq as { items: unknown[] }).items[i];
    if (item && typeof item === 'object') return item as Node;
  }
  return seq;
}
