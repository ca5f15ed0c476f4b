import type { Labels } from '../model/labels.js';

/**
 * A set of targets sharing labels, as service discovery yields them (Prometheus's `targetgroup.Group`).
 * `source` identifies the group within its discoverer (static: the index; file_sd: `path:index`).
 */
export interface TargetGroup {
  source: string;
  /** Each target's own labels; always holds `__address__`. */
  targets: Labels[];
  /** Labels common to every target of the group (file_sd adds `__meta_filepath`). */
  labels: Labels;
}

/**
 * One source of target groups for one job. After `start()` it calls its update callback with the complete current
 * list of groups (not a delta) whenever that list changes; after `stop()` it never calls it again.
 */
export interface Discoverer {
  start(): void;
  stop(): void;
}

/** Receives the complete current list of groups of one discoverer. */
export type GroupsCallback = (groups: TargetGroup[]) => void;

/** Timer functions, injectable so tests drive refreshes without waiting. */
export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realTimers: Timers = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref?.();
    return h;
  },
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};
