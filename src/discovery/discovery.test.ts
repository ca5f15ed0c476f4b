import { mkdtemp, mkdir, rm, writeFile, unlink, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { parseConfig, type ScrapeConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { labelsFromObject, labelsToObject } from '../model/labels.js';
import {
  DiscoveryManager, FileDiscoverer, expandFileGlob, globToRegExp, parseFileSDGroups, FileSDError,
  targetsFromGroup, scrapeUrl, staticGroups, type TargetGroup, type Timers, type TargetSets,
} from './index.js';

/** Timers whose interval callbacks the test fires by hand. */
function manualTimers(): Timers & { fire(): void; active(): number } {
  const fns = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (fn) => { fns.set(next, fn); return next++; },
    clearInterval: (h) => { fns.delete(h as number); },
    fire: () => { for (const fn of fns.values()) fn(); },
    active: () => fns.size,
  };
}

/** Resolves with the first value for which `pred` holds, or rejects after `ms` (a bound, not a sleep). */
function waitForUpdate<T>(subscribe: (cb: (v: T) => void) => void, pred: (v: T) => boolean, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching update within ${ms}ms`)), ms);
    subscribe((v) => { if (pred(v)) { clearTimeout(timer); resolve(v); } });
  });
}

const addrs = (groups: readonly TargetGroup[]) => groups.flatMap((g) => g.targets.map((t) => t[0]!.value));

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'vigil-sd-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('glob', () => {
  it('compiles *, ?, [...] and [!...] for one path component', () => {
    expect(globToRegExp('*.json').test('a.json')).toBe(true);
    expect(globToRegExp('*.json').test('a.jsonx')).toBe(false);
    expect(globToRegExp('*.json').test('sub/a.json')).toBe(false);
    expect(globToRegExp('node-?.yml').test('node-1.yml')).toBe(true);
    expect(globToRegExp('node-?.yml').test('node-12.yml')).toBe(false);
    expect(globToRegExp('t[0-9].yaml').test('t5.yaml')).toBe(true);
    expect(globToRegExp('t[!0-9].yaml').test('t5.yaml')).toBe(false);
    expect(globToRegExp('t[!0-9].yaml').test('tx.yaml')).toBe(true);
    expect(globToRegExp('a.b(c)+.json').test('a.b(c)+.json')).toBe(true);
    expect(() => globToRegExp('t[0-9.yaml')).toThrow(/unclosed/);
  });
  it('expands against the directory, sorted; a missing directory matches nothing', async () => {
    for (const f of ['b.json', 'a.json', 'c.yml']) await writeFile(path.join(dir, f), '[]');
    expect(await expandFileGlob(path.join(dir, '*.json'))).toEqual([path.join(dir, 'a.json'), path.join(dir, 'b.json')]);
    expect(await expandFileGlob(path.join(dir, 'c.yml'))).toEqual([path.join(dir, 'c.yml')]);
    expect(await expandFileGlob(path.join(dir, 'nope', '*.json'))).toEqual([]);
    expect(await expandFileGlob(path.join(dir, 'nope.json'))).toEqual([]);
  });
  it('expands wildcards in directory components too (rule_files)', async () => {
    await mkdir(path.join(dir, 'team-a'));
    await mkdir(path.join(dir, 'team-b'));
    await mkdir(path.join(dir, 'other'));
    await writeFile(path.join(dir, 'team-a', 'r.yml'), '');
    await writeFile(path.join(dir, 'team-b', 'r.yml'), '');
    await writeFile(path.join(dir, 'other', 'r.yml'), '');
    await mkdir(path.join(dir, 'team-c', 'r.yml'), { recursive: true }); // a directory, not a file
    expect(await expandFileGlob(path.join(dir, 'team-*', '*.yml'))).toEqual([
      path.join(dir, 'team-a', 'r.yml'), path.join(dir, 'team-b', 'r.yml'),
    ]);
  });
});

describe('parseFileSDGroups', () => {
  it('reads JSON and YAML groups, adding __meta_filepath and sources', () => {
    const j = parseFileSDGroups('/t/a.json', '[{"targets": ["h1:1", "h2:2"], "labels": {"env": "prod"}}, {"targets": ["h3:3"]}]');
    expect(j).toEqual([
      { source: '/t/a.json:0', targets: [[{ name: '__address__', value: 'h1:1' }], [{ name: '__address__', value: 'h2:2' }]],
        labels: labelsFromObject({ env: 'prod', __meta_filepath: '/t/a.json' }) },
      { source: '/t/a.json:1', targets: [[{ name: '__address__', value: 'h3:3' }]], labels: labelsFromObject({ __meta_filepath: '/t/a.json' }) },
    ]);
    const y = parseFileSDGroups('/t/b.yml', '- targets: [x:1]\n  labels: {team: a}\n');
    expect(addrs(y)).toEqual(['x:1']);
    expect(labelsToObject(y[0]!.labels)).toEqual({ team: 'a', __meta_filepath: '/t/b.yml' });
    expect(parseFileSDGroups('/t/empty.yml', '')).toEqual([]);
    expect(labelsToObject(parseFileSDGroups('/t/n.yml', '- targets: [a:1]\n  labels: {port: 80}\n')[0]!.labels).port).toBe('80');
  });
  it('rejects malformed files with the reason', () => {
    expect(() => parseFileSDGroups('/t/a.json', '[{"targets": [1]}]')).toThrow(/targets must be a list of strings/);
    expect(() => parseFileSDGroups('/t/a.json', '{"targets": []}')).toThrow(/expected a list/);
    expect(() => parseFileSDGroups('/t/a.json', '[{"labels": {"a-b": "x"}}]')).toThrow(/"a-b" is not a valid label name/);
    expect(() => parseFileSDGroups('/t/a.json', '[{"target": []}]')).toThrow(/unknown field "target"/);
    expect(() => parseFileSDGroups('/t/a.json', '[{')).toThrow(FileSDError);
    expect(() => parseFileSDGroups('/t/a.json', '[{"labels": {"port": 80}}]')).toThrow(/label port must be a string/);
  });
});

describe('FileDiscoverer driven by its refresh timer', () => {
  it('follows create, modify, broken file, glob additions and delete', async () => {
    const timers = manualTimers();
    const logs: string[] = [];
    const logger = createLogger({ write: (l) => { logs.push(l); } });
    const updates: TargetGroup[][] = [];
    const d = new FileDiscoverer({ files: [path.join(dir, '*.json')], refreshIntervalMs: 1000 },
      (g) => updates.push(g), { timers, watch: false, logger });
    const a = path.join(dir, 'a.json');
    await writeFile(a, JSON.stringify([{ targets: ['a:1'] }]));
    d.start();
    expect(timers.active()).toBe(1);
    await d.refresh();
    expect(addrs(updates.at(-1)!)).toEqual(['a:1']);
    expect(labelsToObject(updates.at(-1)![0]!.labels)).toEqual({ __meta_filepath: a });

    // Modify: the next timer tick picks it up.
    await writeFile(a, JSON.stringify([{ targets: ['a:1', 'a:2'] }]));
    timers.fire();
    await d.refresh();
    expect(addrs(updates.at(-1)!)).toEqual(['a:1', 'a:2']);

    // A second matching file joins; a non-matching one does not.
    await writeFile(path.join(dir, 'b.json'), JSON.stringify([{ targets: ['b:1'], labels: { team: 'x' } }]));
    await writeFile(path.join(dir, 'c.yml'), '- targets: [c:1]\n');
    timers.fire();
    await d.refresh();
    expect(addrs(updates.at(-1)!)).toEqual(['a:1', 'a:2', 'b:1']);

    // Broken file: keeps its last good groups, logs an error, and nothing new is emitted.
    const count = updates.length;
    await writeFile(a, '[{"targets": ');
    timers.fire();
    await d.refresh();
    expect(updates.length).toBe(count);
    expect(addrs(d['lastGood'].get(a)!)).toEqual(['a:1', 'a:2']);
    expect(logs.some((l) => l.includes('"level":"error"') && l.includes('a.json'))).toBe(true);

    // Delete: its groups go away.
    await unlink(a);
    timers.fire();
    await d.refresh();
    expect(addrs(updates.at(-1)!)).toEqual(['b:1']);

    d.stop();
    expect(timers.active()).toBe(0);
    await writeFile(path.join(dir, 'd.json'), JSON.stringify([{ targets: ['d:1'] }]));
    const after = updates.length;
    await d.refresh();
    expect(updates.length).toBe(after);
  });

  it('emits an empty list when no file matches yet', async () => {
    const updates: TargetGroup[][] = [];
    const d = new FileDiscoverer({ files: [path.join(dir, 'none', '*.yml')], refreshIntervalMs: 1000 },
      (g) => updates.push(g), { timers: manualTimers() });
    d.start();
    await d.refresh();
    d.stop();
    expect(updates).toEqual([[]]);
  });
});

describe('FileDiscoverer driven by fs.watch', () => {
  it('sees a new file, a rewrite via rename, and a delete without waiting for refresh_interval', async () => {
    let listener: (g: TargetGroup[]) => void = () => {};
    const d = new FileDiscoverer({ files: [path.join(dir, 'targets-*.yaml')], refreshIntervalMs: 3_600_000 },
      (g) => listener(g), { timers: manualTimers() });
    const sub = (cb: (g: TargetGroup[]) => void) => { listener = cb; };
    const first = waitForUpdate(sub, (g) => g.length === 0);
    d.start();
    await first;

    const created = waitForUpdate(sub, (g) => addrs(g).join() === 'w:1');
    await writeFile(path.join(dir, 'targets-1.yaml'), '- targets: ["w:1"]\n');
    await created;

    // Editors and config tools replace files atomically via rename.
    const replaced = waitForUpdate(sub, (g) => addrs(g).join() === 'w:1,w:2');
    await writeFile(path.join(dir, 'tmp.txt'), '- targets: ["w:1", "w:2"]\n');
    await rename(path.join(dir, 'tmp.txt'), path.join(dir, 'targets-1.yaml'));
    await replaced;

    const removed = waitForUpdate(sub, (g) => g.length === 0);
    await unlink(path.join(dir, 'targets-1.yaml'));
    await removed;
    d.stop();
  });
});

describe('FileDiscoverer with a directory that appears later', () => {
  it('starts watching it on the next refresh', async () => {
    const timers = manualTimers();
    let listener: (g: TargetGroup[]) => void = () => {};
    const sub = (cb: (g: TargetGroup[]) => void) => { listener = cb; };
    const sd = path.join(dir, 'later');
    const d = new FileDiscoverer({ files: [path.join(sd, '*.json')], refreshIntervalMs: 3_600_000 }, (g) => listener(g), { timers });
    const first = waitForUpdate(sub, (g) => g.length === 0);
    d.start();
    await first;
    await mkdir(sd);
    await writeFile(path.join(sd, 'a.json'), '[{"targets": ["l:1"]}]');
    const viaTimer = waitForUpdate(sub, (g) => addrs(g).join() === 'l:1');
    timers.fire();
    await viaTimer;
    // No more timer ticks: only fs.watch on the new directory can report this one.
    const viaWatch = waitForUpdate(sub, (g) => addrs(g).join() === 'l:1,l:2');
    await writeFile(path.join(sd, 'b.json'), '[{"targets": ["l:2"]}]');
    await viaWatch;
    d.stop();
  });
});

describe('DiscoveryManager', () => {
  it('reports the full set per job and resyncs on a new config', async () => {
    await mkdir(path.join(dir, 'sd'));
    await writeFile(path.join(dir, 'sd', 'web.json'), JSON.stringify([{ targets: ['web1:80'] }]));
    const file = path.join(dir, 'prom.yml');
    const cfg1 = parseConfig(`
scrape_configs:
  - job_name: static
    static_configs: [{targets: ['s1:1', 's2:1']}, {targets: ['s3:1'], labels: {g: two}}]
  - job_name: web
    file_sd_configs: [{files: ['sd/*.json']}]
  - job_name: gone
    static_configs: [{targets: ['g:1']}]
`, file);
    let listener: (s: TargetSets) => void = () => {};
    const sub = (cb: (s: TargetSets) => void) => { listener = cb; };
    const dm = new DiscoveryManager({ onUpdate: (s) => listener(s), timers: manualTimers(), watch: false });
    const ready = waitForUpdate(sub, (s) => (s.get('web')?.length ?? 0) > 0);
    dm.applyConfig(cfg1);
    const sets = await ready;
    expect([...sets.keys()].sort()).toEqual(['gone', 'static', 'web']);
    expect(addrs(sets.get('static')!)).toEqual(['s1:1', 's2:1', 's3:1']);
    expect(sets.get('static')!.map((g) => g.source)).toEqual(['0', '1']);
    expect(addrs(sets.get('web')!)).toEqual(['web1:80']);

    // Same discovery for "web" (other settings changed): it keeps its targets; "gone" is removed; "static" changes.
    const cfg2 = parseConfig(`
scrape_configs:
  - job_name: static
    static_configs: [{targets: ['s9:1']}]
  - job_name: web
    scrape_interval: 5s
    file_sd_configs: [{files: ['sd/*.json']}]
`, file);
    const next = waitForUpdate(sub, (s) => !s.has('gone'));
    dm.applyConfig(cfg2);
    const sets2 = await next;
    expect(addrs(sets2.get('static')!)).toEqual(['s9:1']);
    expect(addrs(sets2.get('web')!)).toEqual(['web1:80']);
    dm.stop();
  });
});

function scrapeConfig(extra = ''): ScrapeConfig {
  return parseConfig(`
global: {scrape_interval: 30s, scrape_timeout: 10s}
scrape_configs:
  - job_name: node
${extra}`, 'p.yml').scrapeConfigs[0]!;
}

describe('targetsFromGroup (Prometheus PopulateLabels)', () => {
  const group = (targets: Record<string, string>[], labels: Record<string, string> = {}): TargetGroup => ({
    source: '0', targets: targets.map(labelsFromObject), labels: labelsFromObject(labels),
  });

  it('adds job and scrape labels, defaults instance, hides __ labels, builds the URL', () => {
    const r = targetsFromGroup(group([{ __address__: 'h:9100' }], { env: 'prod', __meta_x: 'm' }), scrapeConfig());
    expect(r.dropped).toEqual([]);
    expect(r.failed).toEqual([]);
    const t = r.active[0]!;
    expect(labelsToObject(t.discoveredLabels)).toEqual({
      __address__: 'h:9100', __meta_x: 'm', __metrics_path__: '/metrics', __scheme__: 'http',
      __scrape_interval__: '30s', __scrape_timeout__: '10s', env: 'prod', job: 'node',
    });
    expect(labelsToObject(t.targetLabels)).toEqual({
      __address__: 'h:9100', __metrics_path__: '/metrics', __scheme__: 'http',
      __scrape_interval__: '30s', __scrape_timeout__: '10s', env: 'prod', job: 'node', instance: 'h:9100',
    });
    expect(labelsToObject(t.labels)).toEqual({ env: 'prod', job: 'node', instance: 'h:9100' });
    expect(t.url).toBe('http://h:9100/metrics');
    expect([t.scrapeIntervalMs, t.scrapeTimeoutMs]).toEqual([30_000, 10_000]);
  });

  it('lets target labels win over group labels, and discovered labels win over defaults', () => {
    const r = targetsFromGroup(group([{ __address__: 'h:1', env: 'dev', job: 'custom' }], { env: 'prod' }), scrapeConfig());
    expect(labelsToObject(r.active[0]!.labels)).toEqual({ env: 'dev', job: 'custom', instance: 'h:1' });
  });

  it('applies relabel_configs: drop, rewrite address, set instance, per-target interval', () => {
    const sc = scrapeConfig(`    relabel_configs:
      - {source_labels: [env], regex: test, action: drop}
      - {source_labels: [__address__], regex: '(.*):\\d+', target_label: instance}
      - {source_labels: [__address__], regex: '(.*):\\d+', target_label: __address__, replacement: '$1:9999'}
      - {source_labels: [fast], regex: 'yes', target_label: __scrape_interval__, replacement: 15s}
`);
    const r = targetsFromGroup(group([
      { __address__: 'a:1', env: 'test' },
      { __address__: 'b:1', fast: 'yes' },
    ]), sc);
    expect(r.dropped.map((d) => labelsToObject(d.discoveredLabels).__address__)).toEqual(['a:1']);
    const t = r.active[0]!;
    expect(labelsToObject(t.labels)).toEqual({ fast: 'yes', instance: 'b', job: 'node' });
    expect(t.url).toBe('http://b:9999/metrics');
    expect(t.scrapeIntervalMs).toBe(15_000);
  });

  it('encodes params and lets __param_ labels override the first value', () => {
    const sc = scrapeConfig(`    metrics_path: /probe
    scheme: https
    params: {module: [http_2xx], target: [x, y]}
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {target_label: __address__, replacement: 'prober:9115'}
`);
    const r = targetsFromGroup(group([{ __address__: 'https://site.example/a b' }]), sc);
    const t = r.active[0]!;
    expect(t.url).toBe('https://prober:9115/probe?module=http_2xx&target=https%3A%2F%2Fsite.example%2Fa+b&target=y');
    expect(labelsToObject(t.discoveredLabels).__param_module).toBe('http_2xx');
    expect(labelsToObject(t.labels).instance).toBe('prober:9115');
  });

  it('fails targets without an address or with a timeout above the interval', () => {
    const sc = scrapeConfig(`    relabel_configs:
      - {source_labels: [slow], regex: 'yes', target_label: __scrape_timeout__, replacement: 1m}
`);
    const r = targetsFromGroup(group([{ other: 'x' } as Record<string, string>, { __address__: 'h:1', slow: 'yes' }]), sc);
    expect(r.active).toEqual([]);
    expect(r.failed.map((f) => f.error)).toEqual(['no address', 'scrape timeout cannot be greater than scrape interval ("1m" > "30s")']);
  });

  it('staticGroups numbers sources by entry', () => {
    const sc = parseConfig("scrape_configs: [{job_name: a, static_configs: [{targets: ['x:1']}, {targets: ['y:1'], labels: {k: v}}]}]", 'p.yml')
      .scrapeConfigs[0]!;
    const gs = staticGroups(sc.staticConfigs);
    expect(gs.map((g) => [g.source, addrs([g]), labelsToObject(g.labels)])).toEqual([['0', ['x:1'], {}], ['1', ['y:1'], { k: 'v' }]]);
  });

  it('scrapeUrl escapes like Go url.Values.Encode', () => {
    expect(scrapeUrl(labelsFromObject({ __scheme__: 'http', __address__: 'h:1', __metrics_path__: '/m', __param_q: "a*b(c)!'~" }), {}))
      .toBe("http://h:1/m?q=a%2Ab%28c%29%21%27~");
  });
});
