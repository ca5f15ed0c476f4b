/**
 * The series of a selection that can have samples in a window moving forward in time. A range query asks at every
 * step; over a long range most series of a churning selection (pods come and go) exist only for part of it, and
 * visiting every series at every step would cost steps × series however few are alive.
 */

/** Samples' times of one series: t[0..n) ascending. */
export interface TimedSeries {
  readonly t: Float64Array;
  readonly n: number;
}

/**
 * Tracks which series have their first sample at or before the window's end and their last at or after its start.
 * Windows usually move forward (each call's bounds at or after the previous one's): then a call costs the series
 * kept plus those entering. A window moving backward starts over.
 */
export class ActiveSeries<S extends TimedSeries> {
  /** Indexes into `all` of series not yet let in, by first sample time; null until the first call. */
  private byFirst: Int32Array | null = null;
  /** Next position in byFirst not yet let in. */
  private next = 0;
  private indexes: number[] = [];
  private items: S[] = [];
  /** Smallest last-sample time among `items`: while mint stays at or below it, nothing expires. */
  private minLast = Infinity;
  private lastMint = -Infinity;
  private lastMaxt = -Infinity;

  constructor(private readonly all: readonly S[]) {}

  /**
   * Series with t[0] <= maxt and t[n-1] >= mint, in their order in `all` (every other series has no sample in
   * [mint, maxt]). The returned array is the caller's until the next call.
   */
  within(mint: number, maxt: number): readonly S[] {
    if (this.byFirst === null || mint < this.lastMint || maxt < this.lastMaxt) {
      this.start(mint, maxt);
      return this.items;
    }
    this.lastMint = mint;
    this.lastMaxt = maxt;
    const all = this.all, byFirst = this.byFirst;
    const expiring = mint > this.minLast;
    const entering: number[] = [];
    while (this.next < byFirst.length) {
      const i = byFirst[this.next]!;
      const s = all[i]!;
      if (s.t[0]! > maxt) break;
      this.next++;
      if (s.t[s.n - 1]! >= mint) entering.push(i);
    }
    if (!expiring && entering.length === 0) return this.items;
    entering.sort((a, b) => a - b);
    const indexes: number[] = [];
    let e = 0;
    for (const i of this.indexes) {
      const s = all[i]!;
      if (s.t[s.n - 1]! < mint) continue;
      while (e < entering.length && entering[e]! < i) indexes.push(entering[e++]!);
      indexes.push(i);
    }
    while (e < entering.length) indexes.push(entering[e++]!);
    this.setActive(indexes);
    return this.items;
  }

  /** (Re)starts at a window: series already begun are taken in order; only later starters are sorted. */
  private start(mint: number, maxt: number): void {
    this.lastMint = mint;
    this.lastMaxt = maxt;
    const all = this.all;
    const indexes: number[] = [], later: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      if (s.n === 0) continue;
      if (s.t[0]! > maxt) later.push(i);
      else if (s.t[s.n - 1]! >= mint) indexes.push(i);
    }
    later.sort((a, b) => all[a]!.t[0]! - all[b]!.t[0]! || a - b);
    this.byFirst = Int32Array.from(later);
    this.next = 0;
    this.setActive(indexes);
  }

  private setActive(indexes: number[]): void {
    const all = this.all;
    let minLast = Infinity;
    const items = new Array<S>(indexes.length);
    for (let k = 0; k < indexes.length; k++) {
      const s = all[indexes[k]!]!;
      items[k] = s;
      const last = s.t[s.n - 1]!;
      if (last < minLast) minLast = last;
    }
    this.indexes = indexes;
    this.items = items;
    this.minLast = minLast;
  }
}
