import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FileSDConfig } from '../config/index.js';
import { labelsFromObject, labelsKey, type Labels } from '../model/labels.js';
import { nopLogger, type Logger } from '../log/index.js';
import { isValidLabelName } from '../scrape/relabel/index.js';
import { expandFileGlob, splitGlob } from './glob.js';
import { ADDRESS_LABEL } from './static.js';
import { realTimers, type Discoverer, type GroupsCallback, type TargetGroup, type Timers } from './types.js';

export const FILEPATH_LABEL = '__meta_filepath';

/** A file_sd file that cannot be used; the discoverer keeps that file's last good groups. */
export class FileSDError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'FileSDError';
  }
}

/**
 * Parses a file_sd file's text (`[{targets: [...], labels: {...}}]`, JSON for `.json`, YAML otherwise) into groups
 * with `__meta_filepath` set and sources `file:index`. Throws FileSDError with the reason.
 */
export function parseFileSDGroups(file: string, text: string): TargetGroup[] {
  let data: unknown;
  const isJson = file.toLowerCase().endsWith('.json');
  try {
    data = isJson ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new FileSDError(file, `cannot parse: ${(e as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new FileSDError(file, 'expected a list of target groups');
  return data.map((g: unknown, i: number): TargetGroup => {
    if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new FileSDError(file, `group ${i}: expected a mapping`);
    const obj = g as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (k !== 'targets' && k !== 'labels') throw new FileSDError(file, `group ${i}: unknown field ${JSON.stringify(k)}`);
    }
    const targets = obj.targets ?? [];
    if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string')) {
      throw new FileSDError(file, `group ${i}: targets must be a list of strings`);
    }
    const labels: Record<string, string> = {};
    const rawLabels = obj.labels ?? {};
    if (rawLabels === null || typeof rawLabels !== 'object' || Array.isArray(rawLabels)) {
      throw new FileSDError(file, `group ${i}: labels must be a mapping`);
    }
    for (const [name, value] of Object.entries(rawLabels as Record<string, unknown>)) {
      if (!isValidLabelName(name)) throw new FileSDError(file, `group ${i}: ${JSON.stringify(name)} is not a valid label name`);
      // YAML scalars like `port: 80` decode into Go's string-typed label values; JSON is strict, as Go's decoder is.
      if (typeof value === 'string') labels[name] = value;
      else if (!isJson && (typeof value === 'number' || typeof value === 'boolean')) labels[name] = String(value);
      else throw new FileSDError(file, `group ${i}: label ${name} must be a string`);
    }
    labels[FILEPATH_LABEL] = file;
    return {
      source: `${file}:${i}`,
      targets: (targets as string[]).map((t): Labels => [{ name: ADDRESS_LABEL, value: t }]),
      labels: labelsFromObject(labels),
    };
  });
}

export interface FileDiscovererOptions {
  logger?: Logger;
  /** Default: real timers (unref'd). */
  timers?: Timers;
  /** Watch the files' directories with fs.watch (default true); the refresh timer runs either way. */
  watch?: boolean;
}

/**
 * `file_sd_configs`: reads every file matching the patterns on start, on every fs.watch event in their
 * directories, and every `refreshIntervalMs`. A file that fails to read or parse keeps its last good groups and
 * logs an error; a file that disappears (or stops matching) drops its groups.
 */
export class FileDiscoverer implements Discoverer {
  private readonly logger: Logger;
  private readonly timers: Timers;
  private readonly lastGood = new Map<string, TargetGroup[]>();
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastEmitted: string | null = null;

  constructor(
    private readonly config: FileSDConfig,
    private readonly onUpdate: GroupsCallback,
    private readonly opts: FileDiscovererOptions = {},
  ) {
    this.logger = opts.logger ?? nopLogger;
    this.timers = opts.timers ?? realTimers;
  }

  start(): void {
    this.timer = this.timers.setInterval(() => { void this.refresh(); }, this.config.refreshIntervalMs);
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    if (this.timer !== null) this.timers.clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Re-reads the files now. Concurrent calls coalesce: a call during a refresh schedules one more pass and resolves
   * when that pass is done.
   */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.readAll();
        } while (this.again && !this.stopped);
      } catch (e) {
        // Timer and watch callbacks fire and forget: a failure must be logged, never an unhandled rejection.
        this.logger.error('file_sd refresh failed', { err: e as Error });
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Watches each pattern's directory not watched yet (a directory created later is picked up on a refresh). */
  private watchDirs(): void {
    const byDir = new Map<string, (RegExp | string)[]>();
    for (const pattern of this.config.files) {
      const { dir, base, matcher } = splitGlob(pattern);
      const list = byDir.get(dir) ?? [];
      list.push(matcher ?? base);
      byDir.set(dir, list);
    }
    for (const [dir, matchers] of byDir) {
      if (this.watchers.has(dir)) continue;
      let w: FSWatcher;
      try {
        w = watch(dir, { persistent: false }, (_event, filename) => {
          const name = filename === null ? null : String(filename);
          if (name === null || matchers.some((m) => (typeof m === 'string' ? m === name : m.test(name)))) void this.refresh();
        });
      } catch {
        continue; // The directory does not exist (yet): the refresh timer covers it until it does.
      }
      w.on('error', (e) => {
        this.logger.warn('file_sd watch failed; relying on refresh_interval', { dir, err: e });
        w.close();
        if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    }
  }

  private async readAll(): Promise<void> {
    if (this.opts.watch !== false && !this.stopped) this.watchDirs();
    const files = new Set<string>();
    for (const pattern of this.config.files) {
      try {
        for (const f of await expandFileGlob(pattern)) files.add(f);
      } catch (e) {
        this.logger.error('file_sd glob failed', { pattern, err: e as Error });
        // Keep what the pattern matched before rather than dropping targets on a transient error.
        for (const f of this.lastGood.keys()) if (matchesPattern(f, pattern)) files.add(f);
      }
    }
    for (const f of [...this.lastGood.keys()]) if (!files.has(f)) this.lastGood.delete(f);
    for (const f of [...files].sort()) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') { this.lastGood.delete(f); continue; }
        this.logger.error('cannot read file_sd file; keeping its last good targets', { file: f, err: e as Error });
        continue;
      }
      try {
        this.lastGood.set(f, parseFileSDGroups(f, text));
      } catch (e) {
        this.logger.error('invalid file_sd file; keeping its last good targets', { file: f, err: e as Error });
      }
    }
    if (this.stopped) return;
    const groups: TargetGroup[] = [];
    for (const f of [...this.lastGood.keys()].sort()) groups.push(...this.lastGood.get(f)!);
    const key = groupsKey(groups);
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    this.onUpdate(groups);
  }
}

function matchesPattern(file: string, pattern: string): boolean {
  const { dir, base, matcher } = splitGlob(pattern);
  return path.dirname(file) === dir && (matcher ? matcher.test(path.basename(file)) : path.basename(file) === base);
}

function groupsKey(groups: readonly TargetGroup[]): string {
  let s = '';
  for (const g of groups) {
    s += g.source + '\x00' + labelsKey(g.labels) + '\x00';
    for (const t of g.targets) s += labelsKey(t) + '\x01';
    s += '\x02';
  }
  return s;
}
