/**
 * An aggregation without a parameter (`sum by (job) (…)`, `count(…)`, `avg`, `min`, `max`, `group`, `stddev`,
 * `stdvar`) over every step of a range evaluation at once, fed series by series: each input series adds its value
 * at each step to its group's cell for that step. The arithmetic is aggregation.ts's, applied in the same order
 * (series in the order they appear in each step's vector), so every cell is bit for bit what aggregating that
 * step's vector gives; the work per step is then proportional to the groups, not to the series.
 */
import type { Labels } from '../model/labels.js';
import type { InstantSample } from '../model/sample.js';
import { resized } from '../model/typed-arrays.js';
import type { AggregateOp } from './ast.js';
import { groupKey, groupLabels, groupNamesOf } from './aggregation.js';

/** The aggregation operators GroupColumns evaluates. */
export type ColumnOp = 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar';

const OP_CODES: ReadonlyMap<AggregateOp, number> = new Map<AggregateOp, number>([
  ['sum', 0], ['avg', 1], ['count', 2], ['min', 3], ['max', 4], ['group', 5], ['stddev', 6], ['stdvar', 7],
]);
const SUM = 0, AVG = 1, COUNT = 2, MIN = 3, MAX = 4, GROUP = 5, STDDEV = 6, STDVAR = 7;

/** True for the operators GroupColumns evaluates (those without a parameter, count_values aside). */
export function isColumnOp(op: AggregateOp): op is ColumnOp {
  return OP_CODES.has(op);
}

/**
 * Per-group, per-step accumulators of one aggregation over `steps` steps. Cells are `group * steps + step` in flat
 * typed arrays that grow by doubling as groups appear.
 */
export class GroupColumns {
  /** Each group's output labels, by group index. */
  readonly labels: Labels[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly names: Set<string>;
  /** `by ()` (or no clause): one group for every series, no key to build. */
  private readonly single: boolean;
  private readonly op: number;
  private value = new Float64Array(0);
  private mean = new Float64Array(0);
  private count = new Float64Array(0);
  /** The caller's index of the series that first added to each cell; -1 while the cell is empty. */
  private firstBy = new Int32Array(0);
  private capacity = 0;

  constructor(op: ColumnOp, readonly steps: number, grouping: readonly string[], private readonly without: boolean) {
    this.op = OP_CODES.get(op)!;
    this.names = groupNamesOf(grouping, without);
    this.single = grouping.length === 0 && !without;
  }

  get groupCount(): number {
    return this.labels.length;
  }

  /** The index of the group a series with these labels falls in, created on first sight. */
  groupOf(metric: Labels): number {
    const key = this.single ? '' : groupKey(metric, this.names, this.without);
    let g = this.byKey.get(key);
    if (g === undefined) {
      g = this.labels.length;
      this.labels.push(groupLabels(metric, this.names, this.without));
      this.byKey.set(key, g);
    }
    return g;
  }

  /**
   * Allocates the cells of every group created so far (call once all groups are known, before add()).
   * Throws if called twice.
   */
  allocate(): void {
    if (this.capacity !== 0) throw new Error('BUG: GroupColumns.allocate called twice');
    const cells = Math.max(1, this.labels.length * this.steps);
    this.capacity = cells;
    this.value = resized(this.value, cells);
    if (this.op === AVG || this.op === COUNT || this.op === STDDEV || this.op === STDVAR) {
      this.count = resized(this.count, cells);
      this.mean = resized(this.mean, cells);
    }
    this.firstBy = resized(this.firstBy, cells).fill(-1);
  }

  /** Adds series `series`'s value `v` at step `k` to group `g` (series must come in step-vector order). */
  add(g: number, k: number, v: number, series: number): void {
    const i = g * this.steps + k;
    if (this.firstBy[i]! < 0) {
      this.firstBy[i] = series;
      const op = this.op;
      this.value[i] = op === STDDEV || op === STDVAR ? 0 : op === COUNT || op === GROUP ? 1 : v;
      if (op === AVG || op === COUNT || op === STDDEV || op === STDVAR) {
        this.mean[i] = v;
        this.count[i] = 1;
      }
      return;
    }
    switch (this.op) {
      case SUM: this.value[i]! += v; break;
      case AVG: {
        const count = ++this.count[i]!;
        const mean = this.mean[i]!;
        if (mean === Infinity || mean === -Infinity) {
          if ((v === Infinity || v === -Infinity) && (mean > 0) === (v > 0)) break;
          if (Number.isFinite(v)) break;
        }
        this.mean[i] = mean + (v / count - mean / count);
        break;
      }
      case MAX: { const a = this.value[i]!; if (a < v || Number.isNaN(a)) this.value[i] = v; break; }
      case MIN: { const a = this.value[i]!; if (a > v || Number.isNaN(a)) this.value[i] = v; break; }
      case COUNT: this.count[i]!++; break;
      case GROUP: break;
      case STDDEV: case STDVAR: {
        const count = ++this.count[i]!;
        const mean = this.mean[i]!;
        const delta = v - mean;
        const m = mean + delta / count;
        this.mean[i] = m;
        this.value[i]! += delta * (v - m);
        break;
      }
    }
  }

  has(g: number, k: number): boolean {
    return this.firstBy[g * this.steps + k]! >= 0;
  }

  /** The aggregate of group g at step k (meaningful only where has(g, k)). */
  valueAt(g: number, k: number): number {
    const i = g * this.steps + k;
    switch (this.op) {
      case AVG: return this.mean[i]!;
      case COUNT: return this.count[i]!;
      case STDVAR: return this.value[i]! / this.count[i]!;
      case STDDEV: return Math.sqrt(this.value[i]! / this.count[i]!);
      default: return this.value[i]!;
    }
  }

  /** Step k's output vector, groups in the order aggregate() gives them: by the first series that fed them. */
  vectorAt(k: number, ts: number): InstantSample[] {
    const steps = this.steps, firstBy = this.firstBy;
    const present: number[] = [];
    let ordered = true, last = -1;
    for (let g = 0; g < this.labels.length; g++) {
      const f = firstBy[g * steps + k]!;
      if (f < 0) continue;
      if (f < last) ordered = false;
      last = f;
      present.push(g);
    }
    if (!ordered) present.sort((a, b) => firstBy[a * steps + k]! - firstBy[b * steps + k]!);
    const out = new Array<InstantSample>(present.length);
    for (let j = 0; j < present.length; j++) {
      const g = present[j]!;
      out[j] = { labels: this.labels[g]!, v: this.valueAt(g, k), t: ts };
    }
    return out;
  }
}
