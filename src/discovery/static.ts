import type { StaticConfig } from '../config/index.js';
import type { Discoverer, GroupsCallback, TargetGroup } from './types.js';

export const ADDRESS_LABEL = '__address__';

/** Target groups of `static_configs`: one group per entry, source = its index. */
export function staticGroups(configs: readonly StaticConfig[]): TargetGroup[] {
  return configs.map((c, i) => ({
    source: String(i),
    targets: c.targets.map((t) => [{ name: ADDRESS_LABEL, value: t }]),
    labels: c.labels,
  }));
}

/** A discoverer for `static_configs`: emits its groups once, on start. */
export class StaticDiscoverer implements Discoverer {
  private stopped = false;
  constructor(private readonly configs: readonly StaticConfig[], private readonly onUpdate: GroupsCallback) {}

  start(): void {
    if (!this.stopped) this.onUpdate(staticGroups(this.configs));
  }

  stop(): void {
    this.stopped = true;
  }
}
