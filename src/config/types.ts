/**
 * The typed, fully-defaulted scrape configuration (`prometheus.yml` format plus vigil's own top-level keys).
 * Durations are milliseconds, sizes bytes; file paths are absolute (resolved against the config file's directory).
 */
import type { Labels } from '../model/labels.js';
import type { RelabelConfig } from '../scrape/relabel/index.js';
import type { RawSection } from './raw.js';

export interface Config {
  global: GlobalConfig;
  /** Absolute glob patterns (`*`, `?`, `[...]` in the last path component); expand with `expandFileGlob`. */
  ruleFiles: string[];
  scrapeConfigs: ScrapeConfig[];
  remoteWrite: RemoteWriteConfig[];
  /** vigil's `storage:` (downsampling, retention): raw YAML until its owner types it. */
  storage: RawSection | null;
  /** vigil's `notifiers:` (alert delivery): raw YAML with positions. */
  notifiers: RawSection | null;
  /** vigil's `route:` (alert routing tree): raw YAML with positions. */
  route: RawSection | null;
  /** vigil's `inhibit_rules:`: raw YAML with positions. */
  inhibitRules: RawSection | null;
  /** Prometheus's `alerting:` (alertmanagers, alert_relabel_configs): raw YAML with positions. */
  alerting: RawSection | null;
  /** vigil's `outbox:` (notification delivery queue tuning): raw YAML with positions. */
  outbox: RawSection | null;
  /** Where the config came from: the file name as given, its absolute directory and the text (for status/config). */
  source: { file: string; dir: string; text: string };
}

export interface GlobalConfig {
  /** Default 1m. */
  scrapeIntervalMs: number;
  /** Default 10s, or the scrape interval if that is shorter. */
  scrapeTimeoutMs: number;
  /** Default 1m. */
  evaluationIntervalMs: number;
  externalLabels: Labels;
}

export interface ScrapeConfig {
  jobName: string;
  scrapeIntervalMs: number;
  /** Never greater than scrapeIntervalMs (the loader rejects that). */
  scrapeTimeoutMs: number;
  /** Default `/metrics`. */
  metricsPath: string;
  /** Default `http`. */
  scheme: 'http' | 'https';
  /** Extra URL query parameters; each name may repeat. */
  params: Record<string, string[]>;
  /** Default false. */
  honorLabels: boolean;
  /** Default true. */
  honorTimestamps: boolean;
  staticConfigs: StaticConfig[];
  fileSdConfigs: FileSDConfig[];
  relabelConfigs: RelabelConfig[];
  metricRelabelConfigs: RelabelConfig[];
  http: HTTPClientConfig;
  /** 0 = no limit, for all four limits and the body size. */
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  /** Bytes (Prometheus units: `10MB` = `10MiB` = 10·2^20). */
  bodySizeLimit: number;
}

export interface StaticConfig {
  /** `host:port` strings, as written. */
  targets: string[];
  labels: Labels;
}

export interface FileSDConfig {
  /** Absolute paths; the last component may hold `*`, `?`, `[...]`. Must end in .json, .yml or .yaml. */
  files: string[];
  /** Default 5m. */
  refreshIntervalMs: number;
}

export interface BasicAuth {
  username: string;
  password?: string;
  /** Absolute path; read at request time. */
  passwordFile?: string;
}

export interface Authorization {
  /** Default `Bearer`. */
  type: string;
  credentials?: string;
  credentialsFile?: string;
}

export interface TLSConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  /** Default false. */
  insecureSkipVerify: boolean;
}

/** The HTTP client settings shared by scrape and remote-write (at most one of basicAuth / authorization). */
export interface HTTPClientConfig {
  basicAuth?: BasicAuth;
  authorization?: Authorization;
  tlsConfig: TLSConfig;
}

export interface RemoteWriteConfig {
  url: string;
  /** Unique among remote_write entries when set. */
  name?: string;
  /** Default 30s. */
  remoteTimeoutMs: number;
  headers: Record<string, string>;
  writeRelabelConfigs: RelabelConfig[];
  http: HTTPClientConfig;
  queueConfig: QueueConfig;
}

/** Prometheus's `queue_config`, with its defaults. */
export interface QueueConfig {
  /** Default 10000. */
  capacity: number;
  /** Default 50. */
  maxShards: number;
  /** Default 1. */
  minShards: number;
  /** Default 2000. */
  maxSamplesPerSend: number;
  /** Default 5s. */
  batchSendDeadlineMs: number;
  /** Default 30ms. */
  minBackoffMs: number;
  /** Default 5s. */
  maxBackoffMs: number;
  /** Default true. */
  retryOnHttp429: boolean;
  /** Default 0 (no limit). */
  sampleAgeLimitMs: number;
}
