import type { Label, Labels } from '../../model/labels.js';

/**
 * A mutable label set kept sorted by name as it changes, so relabeling never re-sorts per step. Setting an
 * empty value deletes the label (Prometheus semantics). `labels()` returns the input array itself when nothing
 * changed, and reuses unchanged `Label` objects otherwise.
 */
export class LabelsBuilder {
  private names: string[] = [];
  private values: string[] = [];
  private objs: (Label | null)[] = [];
  private base: Labels = [];
  private changed = false;

  /** Starts over from `ls` (sorted, unique names, as `Labels` always are). */
  reset(ls: Labels): this {
    this.base = ls;
    this.changed = false;
    const n = ls.length;
    this.names.length = n;
    this.values.length = n;
    this.objs.length = n;
    for (let i = 0; i < n; i++) {
      const l = ls[i]!;
      this.names[i] = l.name;
      this.values[i] = l.value;
      this.objs[i] = l;
    }
    return this;
  }

  get size(): number {
    return this.names.length;
  }

  nameAt(i: number): string {
    return this.names[i]!;
  }

  valueAt(i: number): string {
    return this.values[i]!;
  }

  /** The value of `name`, or '' when absent. */
  get(name: string): string {
    const i = this.indexOf(name);
    return i >= 0 ? this.values[i]! : '';
  }

  set(name: string, value: string): void {
    if (value === '') { this.del(name); return; }
    const names = this.names;
    let lo = 0, hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[mid]! < name) lo = mid + 1; else hi = mid;
    }
    if (lo < names.length && names[lo] === name) {
      if (this.values[lo] !== value) {
        this.values[lo] = value;
        this.objs[lo] = null;
        this.changed = true;
      }
      return;
    }
    names.splice(lo, 0, name);
    this.values.splice(lo, 0, value);
    this.objs.splice(lo, 0, null);
    this.changed = true;
  }

  del(name: string): void {
    const i = this.indexOf(name);
    if (i < 0) return;
    this.names.splice(i, 1);
    this.values.splice(i, 1);
    this.objs.splice(i, 1);
    this.changed = true;
  }

  /** The current set as normalized `Labels`. */
  labels(): Labels {
    if (!this.changed) return this.base;
    const n = this.names.length;
    const out: Label[] = new Array<Label>(n);
    for (let i = 0; i < n; i++) out[i] = this.objs[i] ?? { name: this.names[i]!, value: this.values[i]! };
    return out;
  }

  private indexOf(name: string): number {
    const names = this.names;
    let lo = 0, hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[mid]! < name) lo = mid + 1; else hi = mid;
    }
    return lo < names.length && names[lo] === name ? lo : -1;
  }
}
