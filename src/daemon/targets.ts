/**
 * Discovery feeding scraping: each update of the discovered groups becomes, per job, the active and dropped
 * targets after target relabeling, handed to the scrape manager. Targets that cannot be scraped are logged.
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../log/index.js';
import { DiscoveryManager, targetsFromGroup, type TargetSets } from '../discovery/index.js';
import type { ScrapeManager } from '../scrape/manager.js';
import type { ScrapeTarget } from '../scrape/target.js';
import type { DroppedTarget } from '../scrape/pool.js';

export class TargetDiscovery {
  private readonly manager: DiscoveryManager;
  private config: Config | null = null;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly scrape: ScrapeManager,
    private readonly logger: Logger,
  ) {
    this.manager = new DiscoveryManager({ onUpdate: (sets) => this.onUpdate(sets), logger });
  }

  async apply(config: Config): Promise<void> {
    this.config = config;
    this.manager.applyConfig(config);
    await this.settled();
  }

  /** Resolves once the target updates handed to the scrape manager so far have been applied. */
  async settled(): Promise<void> {
    // Discovery coalesces changes within a tick: let its scheduled update run first.
    await new Promise<void>((r) => setImmediate(r));
    await this.syncing;
  }

  private onUpdate(sets: TargetSets): void {
    const config = this.config;
    if (!config) return;
    const work: Promise<void>[] = [];
    for (const sc of config.scrapeConfigs) {
      const groups = sets.get(sc.jobName) ?? [];
      const active: ScrapeTarget[] = [];
      const dropped: DroppedTarget[] = [];
      for (const g of groups) {
        const r = targetsFromGroup(g, sc);
        active.push(...r.active);
        dropped.push(...r.dropped);
        for (const f of r.failed) this.logger.warn('target dropped', { job: sc.jobName, err: f.error });
      }
      work.push(this.scrape.setTargets(sc.jobName, active, dropped));
    }
    this.syncing = this.syncing.then(() => Promise.all(work)).then(
      () => {},
      (e) => this.logger.error('applying targets failed', { err: e }),
    );
  }

  async stop(): Promise<void> {
    this.manager.stop();
    await this.syncing;
  }
}
