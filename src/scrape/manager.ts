/**
 * All jobs' scrape pools. The config decides which jobs exist and how they scrape; discovery (through
 * `setTargets`) decides what each job scrapes. Reloads keep unchanged jobs and targets running.
 */
import type { Config, ScrapeConfig } from '../config/types.js';
import { labelsToObject } from '../model/labels.js';
import { formatDuration } from '../model/duration.js';
import { ScrapePool, type DroppedTarget } from './pool.js';
import type { ScrapeLoopDeps, FamilyMetadata } from './loop.js';
import type { ScrapeTarget } from './target.js';

export class ScrapeManager {
  private readonly pools = new Map<string, ScrapePool>();

  constructor(private readonly deps: ScrapeLoopDeps) {}

  /** Creates, reconfigures and removes pools to match `config.scrapeConfigs`. Removed jobs' series go stale. */
  async applyConfig(config: Config): Promise<void> {
    const want = new Map<string, ScrapeConfig>(config.scrapeConfigs.map((c) => [c.jobName, c]));
    const work: Promise<void>[] = [];
    for (const [job, pool] of this.pools) {
      const c = want.get(job);
      if (!c) {
        this.pools.delete(job);
        work.push(pool.stop(true));
      } else work.push(pool.reconfigure(c));
    }
    for (const [job, c] of want) if (!this.pools.has(job)) this.pools.set(job, new ScrapePool(c, this.deps));
    await Promise.all(work);
  }

  /** The job's full current target set (discovery output after target relabeling). Unknown jobs are ignored. */
  async setTargets(job: string, active: readonly ScrapeTarget[], dropped: DroppedTarget[]): Promise<void> {
    await this.pools.get(job)?.sync(active, dropped);
  }

  async stop(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    // Shutdown is not a target leaving: no staleness markers, so a restart continues the series without a gap.
    await Promise.all(pools.map((p) => p.stop(false)));
  }

  /** `data` of /api/v1/targets, in Prometheus's shape. */
  targetsJson(state: string): { activeTargets: unknown[]; droppedTargets: unknown[] } {
    const active: unknown[] = [];
    const dropped: unknown[] = [];
    for (const pool of this.pools.values()) {
      for (const loop of pool.activeLoops()) {
        active.push({
          discoveredLabels: labelsToObject(loop.target.discoveredLabels),
          labels: labelsToObject(loop.target.labels),
          scrapePool: pool.jobName,
          scrapeUrl: loop.target.url,
          globalUrl: loop.target.url,
          lastError: loop.lastError,
          lastScrape: loop.lastScrape ? new Date(loop.lastScrape).toISOString() : '0001-01-01T00:00:00Z',
          lastScrapeDuration: loop.lastScrapeDurationMs / 1000,
          health: loop.health,
          scrapeInterval: formatDuration(loop.intervalMs),
          scrapeTimeout: formatDuration(loop.timeoutMs),
        });
      }
      for (const d of pool.dropped) dropped.push({ discoveredLabels: labelsToObject(d.discoveredLabels) });
    }
    return {
      activeTargets: state === 'dropped' ? [] : active,
      droppedTargets: state === 'active' ? [] : dropped,
    };
  }

  /** `data` of /api/v1/metadata: family → distinct {type, help, unit} across targets. */
  metadataJson(metric: string, limit: number): Record<string, FamilyMetadata[]> {
    const out: Record<string, FamilyMetadata[]> = {};
    let families = 0;
    for (const pool of this.pools.values()) {
      for (const loop of pool.activeLoops()) {
        for (const [fam, md] of loop.metadata) {
          if (metric && fam !== metric) continue;
          let list = out[fam];
          if (!list) {
            if (limit >= 0 && families >= limit) continue;
            families++;
            list = out[fam] = [];
          }
          if (!list.some((m) => m.type === md.type && m.help === md.help && m.unit === md.unit)) list.push({ ...md });
        }
      }
    }
    return out;
  }
}
