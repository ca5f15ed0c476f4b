import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { labelsToObject } from '../model/labels.js';
import { relabel } from '../scrape/relabel/index.js';
import { labelsFromObject } from '../model/labels.js';
import {
  parseConfig, loadConfigFile, checkConfigCommand, ConfigError, ConfigErrorList, configErrorsOf, parseByteSize, configToYaml,
} from './index.js';

/** Parses and returns the error messages (each "file:line:col: detail"), failing if the config was accepted. */
function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'p.yml');
  } catch (e) {
    const errs = configErrorsOf(e);
    expect(errs.length).toBeGreaterThan(0);
    return errs.map((x) => x.message);
  }
  throw new Error('config was accepted');
}

describe('defaults', () => {
  it('an empty file is a valid config with Prometheus defaults', () => {
    const c = parseConfig('', '/etc/vigil/p.yml');
    expect(c.global).toEqual({ scrapeIntervalMs: 60_000, scrapeTimeoutMs: 10_000, evaluationIntervalMs: 60_000, externalLabels: [] });
    expect(c.scrapeConfigs).toEqual([]);
    expect(c.remoteWrite).toEqual([]);
    expect(c.source.dir).toBe('/etc/vigil');
  });

  it('fills every scrape_config default from global and Prometheus', () => {
    const c = parseConfig(`
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['a:9100', 'b:9100']
        labels: {env: prod}
`, '/x/p.yml');
    const sc = c.scrapeConfigs[0]!;
    expect(sc).toMatchObject({
      jobName: 'node', scrapeIntervalMs: 15_000, scrapeTimeoutMs: 10_000, metricsPath: '/metrics', scheme: 'http',
      params: {}, honorLabels: false, honorTimestamps: true, sampleLimit: 0, labelLimit: 0, labelNameLengthLimit: 0,
      labelValueLengthLimit: 0, bodySizeLimit: 0, relabelConfigs: [], metricRelabelConfigs: [], fileSdConfigs: [],
    });
    expect(sc.staticConfigs).toEqual([{ targets: ['a:9100', 'b:9100'], labels: [{ name: 'env', value: 'prod' }] }]);
  });

  it('caps the inherited timeout at a shorter scrape interval (global and per job)', () => {
    const c = parseConfig(`
global: {scrape_interval: 5s}
scrape_configs:
  - job_name: fast
    scrape_interval: 2s
`, 'p.yml');
    expect(c.global.scrapeTimeoutMs).toBe(5_000);
    expect(c.scrapeConfigs[0]!.scrapeTimeoutMs).toBe(2_000);
  });

  it('reads every supported key', () => {
    const c = parseConfig(`
global:
  scrape_interval: 30s
  scrape_timeout: 20s
  evaluation_interval: 10s
  external_labels: {region: eu, replica: "1"}
rule_files: ['rules/*.yml', '/abs/r.yaml']
scrape_configs:
  - job_name: blackbox
    scrape_interval: 1m
    scrape_timeout: 30s
    metrics_path: /probe
    scheme: https
    params: {module: [http_2xx], target: [a, b]}
    honor_labels: true
    honor_timestamps: false
    file_sd_configs:
      - files: ['targets/*.json', 'more.yml']
        refresh_interval: 30s
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
    basic_auth: {username: u, password_file: secrets/pw}
    tls_config: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem, server_name: s, insecure_skip_verify: true}
    sample_limit: 1000
    label_limit: 30
    label_name_length_limit: 100
    label_value_length_limit: 200
    body_size_limit: 10MB
remote_write:
  - url: https://lts.example/api/v1/write
    name: lts
    remote_timeout: 10s
    headers: {X-Scope-OrgID: team1}
    authorization: {credentials_file: token}
    write_relabel_configs:
      - {action: keep, source_labels: [__name__], regex: 'up|job:.*'}
    queue_config: {capacity: 500, max_shards: 4, max_samples_per_send: 100, batch_send_deadline: 1s, min_backoff: 1s, max_backoff: 10s}
`, '/etc/vigil/p.yml');
    expect(c.global).toEqual({
      scrapeIntervalMs: 30_000, scrapeTimeoutMs: 20_000, evaluationIntervalMs: 10_000,
      externalLabels: [{ name: 'region', value: 'eu' }, { name: 'replica', value: '1' }],
    });
    expect(c.ruleFiles).toEqual(['/etc/vigil/rules/*.yml', '/abs/r.yaml']);
    const sc = c.scrapeConfigs[0]!;
    expect(sc).toMatchObject({
      scrapeIntervalMs: 60_000, scrapeTimeoutMs: 30_000, metricsPath: '/probe', scheme: 'https',
      params: { module: ['http_2xx'], target: ['a', 'b'] }, honorLabels: true, honorTimestamps: false,
      sampleLimit: 1000, labelLimit: 30, labelNameLengthLimit: 100, labelValueLengthLimit: 200, bodySizeLimit: 10 * 1024 * 1024,
    });
    expect(sc.fileSdConfigs).toEqual([{ files: ['/etc/vigil/targets/*.json', '/etc/vigil/more.yml'], refreshIntervalMs: 30_000 }]);
    expect(sc.http).toEqual({
      basicAuth: { username: 'u', passwordFile: '/etc/vigil/secrets/pw' },
      tlsConfig: { caFile: '/etc/vigil/ca.pem', certFile: '/etc/vigil/c.pem', keyFile: '/etc/vigil/k.pem', serverName: 's', insecureSkipVerify: true },
    });
    // The compiled relabel rules work.
    const out = relabel(labelsFromObject({ __address__: 'example.com' }), sc.relabelConfigs)!;
    expect(labelsToObject(out)).toEqual({ __address__: 'example.com', __param_target: 'example.com' });
    expect(relabel(labelsFromObject({ __name__: 'go_goroutines' }), sc.metricRelabelConfigs)).toBeNull();

    const rw = c.remoteWrite[0]!;
    expect(rw).toMatchObject({
      url: 'https://lts.example/api/v1/write', name: 'lts', remoteTimeoutMs: 10_000, headers: { 'X-Scope-OrgID': 'team1' },
      http: { authorization: { type: 'Bearer', credentialsFile: '/etc/vigil/token' }, tlsConfig: { insecureSkipVerify: false } },
      queueConfig: {
        capacity: 500, maxShards: 4, minShards: 1, maxSamplesPerSend: 100, batchSendDeadlineMs: 1_000, minBackoffMs: 1_000,
        maxBackoffMs: 10_000, retryOnHttp429: true, sampleAgeLimitMs: 0,
      },
    });
    expect(rw.writeRelabelConfigs).toHaveLength(1);
  });

  it('remote_write defaults', () => {
    const rw = parseConfig('remote_write: [{url: "http://x/w"}]', 'p.yml').remoteWrite[0]!;
    expect(rw.remoteTimeoutMs).toBe(30_000);
    expect(rw.queueConfig).toEqual({
      capacity: 10000, maxShards: 50, minShards: 1, maxSamplesPerSend: 2000, batchSendDeadlineMs: 5000,
      minBackoffMs: 30, maxBackoffMs: 5000, retryOnHttp429: true, sampleAgeLimitMs: 0,
    });
    expect(rw.name).toBeUndefined();
  });

  it('reads YAML 1.1 booleans as Prometheus\'s Go decoder does', () => {
    const sc = parseConfig('scrape_configs:\n  - job_name: a\n    honor_labels: yes\n    honor_timestamps: off\n', 'p.yml').scrapeConfigs[0]!;
    expect([sc.honorLabels, sc.honorTimestamps]).toEqual([true, false]);
  });

  it('honours YAML anchors and merge keys', () => {
    const c = parseConfig(`
common: &common
scrape_configs:
  - &base
    job_name: a
    scrape_interval: 7s
  - <<: *base
    job_name: b
`.replace('common: &common\n', ''), 'p.yml');
    expect(c.scrapeConfigs.map((s) => [s.jobName, s.scrapeIntervalMs])).toEqual([['a', 7000], ['b', 7000]]);
  });
});

describe('vigil sections', () => {
  it('keeps storage / notifiers / route / inhibit_rules / alerting raw, with positions', () => {
    const c = parseConfig(`storage:
  retention: 30d
notifiers:
  - name: web
    webhook: {url: "http://h"}
route:
  receiver: web
inhibit_rules: []
alerting: {alertmanagers: []}
`, 'v.yml');
    expect(c.storage!.value).toEqual({ retention: '30d' });
    expect(c.notifiers!.value).toEqual([{ name: 'web', webhook: { url: 'http://h' } }]);
    expect(c.route!.value).toEqual({ receiver: 'web' });
    expect(c.inhibitRules!.value).toEqual([]);
    expect(c.alerting!.value).toEqual({ alertmanagers: [] });
    expect(c.notifiers!.positionAt([0, 'webhook', 'url'])).toEqual({ line: 5, column: 20 });
    const err = c.notifiers!.errorAt([0, 'name'], 'unknown receiver');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('v.yml:4:11: unknown receiver');
  });
});

describe('errors with positions', () => {
  it('reports unknown keys at the key', () => {
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    scrap_interval: 5s\n')).toEqual(['p.yml:3:5: field scrap_interval not found in scrape_config']);
    expect(errorsOf('globl: {}\n')).toEqual(['p.yml:1:1: field globl not found in config']);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    consul_sd_configs: []\n')[0]).toMatch(/^p\.yml:3:5: .*static_configs and file_sd_configs only/);
  });
  it('reports wrong types at the value', () => {
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    honor_labels: yes please\n')).toEqual([
      'p.yml:3:19: honor_labels must be true or false, got "yes please"',
    ]);
    expect(errorsOf('scrape_configs: {job_name: a}\n')).toEqual(['p.yml:1:17: scrape_configs must be a list, got a mapping']);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    sample_limit: -1\n')).toEqual([
      'p.yml:3:19: sample_limit must be a non-negative integer, got -1',
    ]);
  });
  it('reports bad durations and sizes', () => {
    expect(errorsOf('global:\n  scrape_interval: 1x\n')).toEqual(['p.yml:2:20: scrape_interval: not a valid duration string: "1x"']);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    body_size_limit: 10\n')[0]).toMatch(/^p\.yml:3:22: body_size_limit: invalid size "10": missing unit/);
  });
  it('reports bad regexes and relabel rules at the offending field', () => {
    const errs = errorsOf(`scrape_configs:
  - job_name: a
    relabel_configs:
      - source_labels: [x]
        regex: "a(b"
        target_label: y
      - action: hashmod
        target_label: shard
      - action: Explode
`);
    expect(errs).toHaveLength(3);
    expect(errs[0]).toMatch(/^p\.yml:5:16: error parsing regexp/);
    expect(errs[1]).toBe("p.yml:7:9: relabel configuration for hashmod requires non-zero modulus");
    expect(errs[2]).toBe('p.yml:9:17: unknown relabel action "Explode"');
  });
  it('reports missing required fields at the owning mapping', () => {
    expect(errorsOf('scrape_configs:\n  - scrape_interval: 5s\n')).toEqual(['p.yml:2:5: job_name is empty']);
    expect(errorsOf('remote_write:\n  - name: x\n')).toEqual(['p.yml:2:5: url for remote_write is empty']);
  });
  it('rejects duplicate job names and remote_write names', () => {
    expect(errorsOf('scrape_configs:\n  - job_name: a\n  - job_name: a\n')).toEqual(['p.yml:3:5: found multiple scrape configs with job name "a"']);
    expect(errorsOf('remote_write:\n  - {url: "http://a", name: x}\n  - {url: "http://b", name: x}\n')[0]).toMatch(/^p\.yml:3:5: found multiple remote_write/);
  });
  it('rejects scrape_timeout greater than scrape_interval', () => {
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    scrape_timeout: 11s\n')).toEqual([
      'p.yml:4:21: scrape timeout greater than scrape interval for scrape config with job name "a" (11s > 10s)',
    ]);
    expect(errorsOf('global: {scrape_interval: 5s, scrape_timeout: 6s}\n')[0]).toMatch(/^p\.yml:1:47: global scrape timeout greater than scrape interval/);
  });
  it('rejects invalid labels, targets, file_sd names, auth combinations and reserved headers', () => {
    expect(errorsOf('global:\n  external_labels: {"a-b": x}\n')).toEqual(['p.yml:2:21: "a-b" is not a valid label name']);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ["h:1/x"]}]\n')).toEqual([
      'p.yml:3:33: "h:1/x" is not a valid hostname',
    ]);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [targets.txt]}]\n')).toEqual([
      'p.yml:3:32: path name "targets.txt" is not valid for file discovery',
    ]);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: ["*/t.json"]}]\n')).toHaveLength(1);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: p, password_file: f}\n')[0])
      .toMatch(/at most one of basic_auth password & password_file/);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    authorization: {credentials: c}\n')[0])
      .toMatch(/at most one of basic_auth & authorization/);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    authorization: {type: Basic}\n')[0]).toMatch(/use "basic_auth" instead/);
    expect(errorsOf('remote_write:\n  - url: http://x\n    headers: {Authorization: x}\n')[0]).toMatch(/^p\.yml:3:15: authorization header/);
    expect(errorsOf('scrape_configs:\n  - job_name: a\n    scheme: ftp\n')[0]).toMatch(/scheme must be "http" or "https"/);
  });
  it('reports YAML syntax errors with their position', () => {
    const errs = errorsOf('scrape_configs:\n  - job_name: a\n   bad: [\n');
    expect(errs[0]).toMatch(/^p\.yml:\d+:\d+: yaml: /);
    expect(errorsOf('global: {}\nglobal: {}\n')[0]).toMatch(/^p\.yml:2:1: yaml: .*[Dd]uplicate|^p\.yml:2:1: yaml: .*unique/);
  });
  it('collects every error in one pass, in file order, as a ConfigErrorList', () => {
    let caught: unknown;
    try { parseConfig('global:\n  scrape_interval: x\nscrape_configs:\n  - job_name: a\n    foo: 1\n', 'p.yml'); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(ConfigErrorList);
    const list = caught as ConfigErrorList;
    expect(list.errors.map((e) => [e.line, e.column])).toEqual([[2, 20], [5, 5]]);
    expect(list.message.split('\n')).toHaveLength(2);
  });
});

describe('parseByteSize (Prometheus base-2 units)', () => {
  it('reads KB and KiB both as 1024', () => {
    expect(parseByteSize('1KB')).toBe(1024);
    expect(parseByteSize('1KiB')).toBe(1024);
    expect(parseByteSize('10MB')).toBe(10 * 2 ** 20);
    expect(parseByteSize('2GiB')).toBe(2 * 2 ** 30);
    expect(parseByteSize('512B')).toBe(512);
    expect(parseByteSize('1.5KB')).toBe(1536);
    expect(parseByteSize('1MB512KB')).toBe(2 ** 20 + 512 * 1024);
    expect(parseByteSize('0')).toBe(0);
  });
  it('rejects bare numbers, SI kB and junk', () => {
    for (const bad of ['10', 'kB', '1kB', '', 'MB', '1.MB.', '1 MB']) expect(() => parseByteSize(bad), bad).toThrow();
  });
});

describe('files', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'vigil-config-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('loadConfigFile resolves paths against the file\'s directory', async () => {
    const file = path.join(dir, 'prom.yml');
    await writeFile(file, 'rule_files: [rules/*.yml]\n');
    const c = await loadConfigFile(file);
    expect(c.ruleFiles).toEqual([path.join(dir, 'rules/*.yml')]);
    expect(c.source.file).toBe(file);
  });

  it('loadConfigFile reports a missing file as a ConfigError', async () => {
    await expect(loadConfigFile(path.join(dir, 'nope.yml'))).rejects.toBeInstanceOf(ConfigError);
  });

  it('checkConfigCommand prints promtool-style SUCCESS lines and returns 0', async () => {
    await mkdir(path.join(dir, 'rules'), { recursive: true });
    await writeFile(path.join(dir, 'rules', 'a.yml'), 'groups: []\n');
    await writeFile(path.join(dir, 'rules', 'b.yml'), 'groups: []\n');
    const file = path.join(dir, 'prom.yml');
    let out = '', err = '';
    const seen: string[][] = [];
    const code = await checkConfigCommand(file, {
      out: (s) => { out += s; }, err: (s) => { err += s; },
      checkRuleFiles: async (files) => { seen.push(files); return 0; },
    });
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`Checking ${file}\n  SUCCESS: 2 rule files found\n SUCCESS: ${file} is valid prometheus config file syntax\n\n`);
    expect(seen).toEqual([[path.join(dir, 'rules', 'a.yml'), path.join(dir, 'rules', 'b.yml')]]);
  });

  it('checkConfigCommand prints FAILED with every positioned error and returns 1', async () => {
    const file = path.join(dir, 'bad.yml');
    await writeFile(file, 'scrape_configs:\n  - job_name: a\n    scrape_interval: soon\n    nope: 1\n');
    let out = '', err = '';
    const code = await checkConfigCommand(file, { out: (s) => { out += s; }, err: (s) => { err += s; } });
    expect(code).toBe(1);
    expect(out).toBe(`Checking ${file}\n`);
    expect(err).toContain(`  FAILED: ${file}:3:22: scrape_interval: not a valid duration string: "soon"`);
    expect(err).toContain(`${file}:4:5: field nope not found in scrape_config`);
  });

  it('checkConfigCommand checks referenced files like promtool: file_sd contents, credentials, missing-file warning', async () => {
    const sub = await mkdtemp(path.join(dir, 'refs-'));
    await writeFile(path.join(sub, 'good.json'), '[{"targets": ["a:1"]}]');
    await writeFile(path.join(sub, 't-bad.yml'), '- targets: [1, 2]\n');
    const file = path.join(sub, 'prom.yml');
    await writeFile(file, `scrape_configs:
  - job_name: a
    file_sd_configs: [{files: ['*.json', 'missing/*.yml']}]
    authorization: {credentials_file: token}
`);
    let out = '', err = '';
    const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
    expect(await checkConfigCommand(file, io)).toBe(1);
    expect(out).toContain(`  WARNING: file "${path.join(sub, 'missing/*.yml')}" for file_sd in scrape job "a" does not exist`);
    expect(err).toContain(`error checking authorization credentials file "${path.join(sub, 'token')}"`);

    await writeFile(path.join(sub, 'token'), 'secret');
    await writeFile(file, "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: ['t-*.yml']}]\n");
    out = ''; err = '';
    expect(await checkConfigCommand(file, io)).toBe(1);
    expect(err).toContain(`checking SD file "${path.join(sub, 't-bad.yml')}"`);
    expect(err).toContain('targets must be a list of strings');

    await writeFile(path.join(sub, 't-bad.yml'), '- targets: ["b:1"]\n');
    out = ''; err = '';
    expect(await checkConfigCommand(file, io)).toBe(0);
    expect(err).toBe('');
  });
});

describe('configToYaml (status/config)', () => {
  const text = `
global: {scrape_interval: 15s, external_labels: {dc: x}}
rule_files: [/r/*.yml]
scrape_configs:
  - job_name: a
    params: {m: [x]}
    sample_limit: 5
    body_size_limit: 1KB
    static_configs: [{targets: ['h:1'], labels: {k: v}}]
    file_sd_configs: [{files: [/sd/*.json]}]
    basic_auth: {username: u, password_file: /pw}
    tls_config: {server_name: s}
    relabel_configs:
      - {source_labels: [a, b], separator: ',', regex: '(.*)', target_label: c, replacement: '$1'}
      - {action: labeldrop, regex: tmp_.*}
      - {action: hashmod, source_labels: [a], modulus: 4, target_label: shard}
      - {action: keepequal, source_labels: [a], target_label: b}
      - {action: lowercase, source_labels: [a], target_label: l}
      - {action: labelmap, regex: '__meta_(.+)'}
remote_write:
  - url: http://lts/w
    name: lts
    headers: {X-A: b}
    queue_config: {max_shards: 3, sample_age_limit: 1h}
storage: {retention: 1y}
`;
  it('round-trips to an equal Config with every default spelled out', () => {
    const c1 = parseConfig(text, '/etc/p.yml');
    const yaml = configToYaml(c1);
    const c2 = parseConfig(yaml, '/etc/p.yml');
    const strip = (c: ReturnType<typeof parseConfig>) => JSON.stringify({ ...c, source: null, storage: c.storage?.value });
    expect(strip(c2)).toBe(strip(c1));
    expect(yaml).toContain('scrape_timeout: 10s');
    expect(yaml).toContain('honor_timestamps: true');
    expect(yaml).toContain('capacity: 10000');
  });
  it('masks secrets', () => {
    const c = parseConfig(`scrape_configs:
  - job_name: a
    basic_auth: {username: u, password: hunter2}
remote_write:
  - url: http://x
    authorization: {credentials: tok3n}
`, 'p.yml');
    const yaml = configToYaml(c);
    expect(yaml).not.toContain('hunter2');
    expect(yaml).not.toContain('tok3n');
    expect(yaml.match(/<secret>/g)).toHaveLength(2);
  });
});
