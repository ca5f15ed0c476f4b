import type { Config, ScrapeConfig } from '../config/index.js';
import { nopLogger, type Logger } from '../log/index.js';
import { FileDiscoverer } from './file.js';
import { StaticDiscoverer } from './static.js';
import type { Discoverer, TargetGroup, Timers } from './types.js';

/** The complete current target groups of every job, keyed by job name. */
export type TargetSets = ReadonlyMap<string, readonly TargetGroup[]>;

export interface DiscoveryOptions {
  /**
   * Called with the complete set of every configured job's groups after each change (a fresh snapshot each
   * time; changes in one tick are coalesced into one call). Jobs absent from the map were removed from the config.
   */
  onUpdate: (sets: TargetSets) => void;
  logger?: Logger;
  timers?: Timers;
  /** Passed to file discoverers (default true). */
  watch?: boolean;
}

interface Job {
  key: string;
  discoverers: Discoverer[];
  /** Latest groups per discoverer, in discoverer order. */
  groups: TargetGroup[][];
}

/**
 * Runs the discoverers of every scrape job and tells the consumer the full target groups per job. `applyConfig`
 * (re)syncs with a new config: jobs whose discovery settings are unchanged keep their discoverers (and targets);
 * changed jobs restart theirs; removed jobs stop.
 */
export class DiscoveryManager {
  private readonly jobs = new Map<string, Job>();
  private readonly logger: Logger;
  private scheduled = false;
  private stopped = false;

  constructor(private readonly opts: DiscoveryOptions) {
    this.logger = opts.logger ?? nopLogger;
  }

  applyConfig(config: Config): void {
    this.stopped = false;
    const wanted = new Map<string, ScrapeConfig>();
    for (const sc of config.scrapeConfigs) wanted.set(sc.jobName, sc);
    for (const [name, job] of this.jobs) {
      const sc = wanted.get(name);
      if (!sc || discoveryKey(sc) !== job.key) {
        for (const d of job.discoverers) d.stop();
        this.jobs.delete(name);
      }
    }
    for (const [name, sc] of wanted) {
      if (this.jobs.has(name)) continue;
      const job: Job = { key: discoveryKey(sc), discoverers: [], groups: [] };
      this.jobs.set(name, job);
      const add = (make: (cb: (g: TargetGroup[]) => void) => Discoverer) => {
        const slot = job.groups.length;
        job.groups.push([]);
        job.discoverers.push(make((groups) => {
          if (this.jobs.get(name) !== job) return; // a stale discoverer of a replaced job
          job.groups[slot] = groups;
          this.schedule();
        }));
      };
      if (sc.staticConfigs.length > 0) add((cb) => new StaticDiscoverer(sc.staticConfigs, cb));
      for (const fsd of sc.fileSdConfigs) {
        add((cb) => new FileDiscoverer(fsd, cb, {
          logger: this.logger.child({ discovery: 'file', job: name }),
          ...(this.opts.timers ? { timers: this.opts.timers } : {}),
          ...(this.opts.watch !== undefined ? { watch: this.opts.watch } : {}),
        }));
      }
      for (const d of job.discoverers) d.start();
    }
    this.schedule();
  }

  /** The current groups of every job (a snapshot). */
  current(): Map<string, TargetGroup[]> {
    const out = new Map<string, TargetGroup[]>();
    for (const [name, job] of this.jobs) out.set(name, job.groups.flat());
    return out;
  }

  /** Stops every discoverer; no more updates are sent. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) for (const d of job.discoverers) d.stop();
    this.jobs.clear();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.stopped) return;
      this.opts.onUpdate(this.current());
    });
  }
}

/** What decides a job's discovery; any other scrape setting can change without restarting discovery. */
function discoveryKey(sc: ScrapeConfig): string {
  return JSON.stringify([sc.staticConfigs, sc.fileSdConfigs]);
}
