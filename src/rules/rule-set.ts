/**
 * The daemon's rule groups, loaded from `rule_files`. `load` validates every file first and replaces the running
 * groups only if all are valid (a bad reload keeps the old rules running); groups with the same name and file keep
 * their alert state across the reload.
 */
import { BadDataError } from '../model/errors.js';
import { loadRuleFile, type ExprValidator, type RuleGroupSpec } from './rulefile.js';
import { RuleGroup, type RuleGroupDeps } from './group.js';
import { AlertingRule } from './alert.js';

export interface RuleSetOptions extends RuleGroupDeps {
  /** Global `evaluation_interval` in ms, for groups without `interval`. Default 1 m. */
  evaluationIntervalMs?: number;
  validate?: ExprValidator;
}

export class RuleSet {
  private groups: RuleGroup[] = [];
  private started = false;
  /** Interval of groups that set none: the config's `evaluation_interval`, replaced by each successful `load`. */
  private defaultIntervalMs: number;

  constructor(private readonly opts: RuleSetOptions) {
    this.defaultIntervalMs = opts.evaluationIntervalMs ?? 60_000;
  }

  /** The current groups, in file order. */
  list(): readonly RuleGroup[] {
    return this.groups;
  }

  /**
   * Loads `files` (already glob-expanded) and swaps them in. Throws BadDataError listing every `file:line:col`
   * problem if any file is invalid; the running groups (and their intervals) are then untouched.
   * `evaluationIntervalMs`, when given, is the reloaded config's global `evaluation_interval`: the interval of
   * groups without their own `interval` from now on.
   */
  async load(files: readonly string[], evaluationIntervalMs?: number): Promise<void> {
    const specs: RuleGroupSpec[] = [];
    const errors: string[] = [];
    for (const f of files) {
      const r = await loadRuleFile(f, this.opts.validate);
      errors.push(...r.errors.map((e) => e.message));
      specs.push(...r.groups);
    }
    if (errors.length) throw new BadDataError(`invalid rule files:\n${errors.join('\n')}`);
    if (evaluationIntervalMs !== undefined) this.defaultIntervalMs = evaluationIntervalMs;
    this.replace(specs);
  }

  /** Swaps in groups built from `specs` (a pure reload step, usable without files). */
  replace(specs: readonly RuleGroupSpec[]): void {
    const interval = this.defaultIntervalMs;
    const old = new Map(this.groups.map((g) => [g.file + '\x00' + g.name, g]));
    const next = specs.map((s) => {
      const g = new RuleGroup({ ...s, intervalMs: s.intervalMs ?? interval }, this.opts);
      const prev = old.get(s.file + '\x00' + s.name);
      if (prev) g.copyState(prev);
      return g;
    });
    for (const g of this.groups) void g.stop();
    this.groups = next;
    if (this.opts.store) {
      const keep = new Set<string>();
      for (const g of next) for (const r of g.rules) if (r instanceof AlertingRule) keep.add(g.ruleKey(r));
      this.opts.store.retainOnly(keep);
    }
    if (this.started) for (const g of next) g.start();
  }

  start(): void {
    this.started = true;
    for (const g of this.groups) g.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.groups.map((g) => g.stop()));
  }
}
