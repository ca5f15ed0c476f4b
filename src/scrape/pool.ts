/**
 * A job's scrape loops. `sync` takes the job's current targets (after discovery and target relabeling) and
 * starts loops for new targets, stops (with staleness markers) loops whose target left, and leaves unchanged
 * targets' loops running, so a reload or a discovery refresh makes no gap.
 */
import type { Agent } from 'undici';
import { labelsKey, type Labels } from '../model/labels.js';
import type { ScrapeConfig } from '../config/types.js';
import { authHeaders, httpAgent } from '../net/http-client.js';
import { ScrapeLoop, type ScrapeLoopDeps } from './loop.js';
import type { ScrapeOptions, ScrapeTarget } from './target.js';

export interface DroppedTarget {
  discoveredLabels: Labels;
}

export class ScrapePool {
  private readonly loops = new Map<string, ScrapeLoop>();
  dropped: DroppedTarget[] = [];
  private agent: Agent;
  private options: ScrapeOptions;

  constructor(
    private config: ScrapeConfig,
    private readonly deps: ScrapeLoopDeps,
  ) {
    this.agent = httpAgent(config.http);
    this.options = scrapeOptions(config, this.agent);
  }

  get jobName(): string {
    return this.config.jobName;
  }

  activeLoops(): ScrapeLoop[] {
    return [...this.loops.values()];
  }

  /** Replaces the target set. Resolves when removed targets' loops have stopped and written stale markers. */
  async sync(targets: readonly ScrapeTarget[], dropped: DroppedTarget[]): Promise<void> {
    this.dropped = dropped;
    const want = new Map<string, ScrapeTarget>();
    for (const t of targets) want.set(targetKey(t), t);
    const stopping: Promise<void>[] = [];
    for (const [key, loop] of this.loops) {
      if (!want.has(key)) {
        this.loops.delete(key);
        stopping.push(loop.stop(true));
      }
    }
    for (const [key, t] of want) {
      if (this.loops.has(key)) continue;
      const loop = new ScrapeLoop(t, this.options, this.deps);
      this.loops.set(key, loop);
      loop.start();
    }
    await Promise.all(stopping);
  }

  /**
   * Applies a changed job config: loops restart with the new options (without staleness markers, so series
   * continue); an unchanged config keeps every loop as it is.
   */
  async reconfigure(config: ScrapeConfig): Promise<void> {
    if (sameScrapeConfig(this.config, config)) return;
    this.config = config;
    const oldAgent = this.agent;
    this.agent = httpAgent(config.http);
    this.options = scrapeOptions(config, this.agent);
    const targets = [...this.loops.values()].map((l) => l.target);
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.all(loops.map((l) => l.stop(false)));
    await this.sync(targets, this.dropped);
    void oldAgent.close();
  }

  /** Stops every loop; `markStale` when the job itself goes away. */
  async stop(markStale: boolean): Promise<void> {
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.all(loops.map((l) => l.stop(markStale)));
    await this.agent.close();
  }
}

function targetKey(t: ScrapeTarget): string {
  return t.url + '\n' + labelsKey(t.labels);
}

function scrapeOptions(c: ScrapeConfig, agent: Agent): ScrapeOptions {
  return {
    jobName: c.jobName,
    intervalMs: c.scrapeIntervalMs,
    timeoutMs: c.scrapeTimeoutMs,
    honorLabels: c.honorLabels,
    honorTimestamps: c.honorTimestamps,
    sampleLimit: c.sampleLimit,
    labelLimit: c.labelLimit,
    labelNameLengthLimit: c.labelNameLengthLimit,
    labelValueLengthLimit: c.labelValueLengthLimit,
    bodySizeLimit: c.bodySizeLimit,
    metricRelabel: c.metricRelabelConfigs,
    headers: authHeaders(c.http),
    dispatcher: agent,
  };
}

/**
 * Equality of the parts of two job configs that shape how a target is scraped (what is scraped is decided by
 * discovery and target relabeling, which reach the pool through `sync`).
 */
function sameScrapeConfig(a: ScrapeConfig, b: ScrapeConfig): boolean {
  return JSON.stringify(a, replacer) === JSON.stringify(b, replacer);
}

function replacer(key: string, value: unknown): unknown {
  if (key === 'staticConfigs' || key === 'fileSdConfigs' || key === 'relabelConfigs') return undefined;
  return value instanceof RegExp ? value.source : value;
}
