/**
 * Interned label strings of the head. Each distinct name or value is stored once; series refer to it by a small
 * integer id. Ids are reference-counted so strings of garbage-collected series can be dropped and their ids reused.
 */
export class SymbolTable {
  private readonly ids = new Map<string, number>();
  private readonly strs: (string | undefined)[] = [];
  private counts = new Int32Array(1024);
  private readonly free: number[] = [];

  /** Returns the id of `s`, adding it if needed, and takes one reference on it. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.free.length > 0 ? this.free.pop()! : this.strs.length;
      if (id >= this.counts.length) {
        const grown = new Int32Array(this.counts.length * 2);
        grown.set(this.counts);
        this.counts = grown;
      }
      this.strs[id] = s;
      this.ids.set(s, id);
    }
    this.counts[id]!++;
    return id;
  }

  /** Drops one reference taken by intern(); the string is forgotten when none remain. */
  release(id: number): void {
    const c = --this.counts[id]!;
    if (c > 0) return;
    if (c < 0) throw new Error(`BUG: symbol ${id} released more often than interned`);
    const s = this.strs[id]!;
    this.ids.delete(s);
    this.strs[id] = undefined;
    this.free.push(id);
  }

  /** The string of a live id. */
  str(id: number): string {
    const s = this.strs[id];
    if (s === undefined) throw new Error(`BUG: symbol ${id} is not live`);
    return s;
  }

  /** The id of `s`, or -1 if it is not interned. Takes no reference. */
  lookup(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  /** Number of live strings. */
  get size(): number {
    return this.ids.size;
  }
}
