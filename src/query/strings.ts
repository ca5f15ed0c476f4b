/**
 * Label strings packed for postMessage: each distinct string once, as UTF-8 in one byte array, and every
 * occurrence as an index into that table. Typed arrays are transferred without copying, whereas cloning an array of
 * tens of thousands of strings would hold the sending and the receiving thread for milliseconds each.
 */
import { resized } from '../model/typed-arrays.js';

export interface PackedStrings {
  /** UTF-8 of the distinct strings, back to back; string k is bytes [ends[k-1], ends[k]) (ends[-1] reads 0). */
  bytes: Uint8Array;
  ends: Int32Array;
  /** Table index of each packed occurrence, in order. */
  ids: Int32Array;
}

/** Collects strings in order; arrays grow by doubling. */
export class StringPacker {
  private readonly index = new Map<string, number>();
  private bytes: Buffer = Buffer.allocUnsafe(4096);
  private used = 0;
  private ends: Int32Array = new Int32Array(256);
  private ids: Int32Array = new Int32Array(1024);
  private n = 0;

  /** Occurrences pushed so far. */
  get length(): number {
    return this.n;
  }

  /** Appends an occurrence of `s`; returns its table index (for pushId). */
  push(s: string): number {
    let id = this.index.get(s);
    if (id === undefined) {
      id = this.index.size;
      const need = this.used + Buffer.byteLength(s);
      if (need > this.bytes.length) {
        let c = this.bytes.length * 2;
        while (c < need) c *= 2;
        const b = Buffer.allocUnsafe(c);
        this.bytes.copy(b, 0, 0, this.used);
        this.bytes = b;
      }
      this.used += this.bytes.write(s, this.used, 'utf8');
      if (id === this.ends.length) this.ends = resized(this.ends, 2 * this.ends.length);
      this.ends[id] = this.used;
      this.index.set(s, id);
    }
    this.pushId(id);
    return id;
  }

  /** Appends another occurrence of the string `push` returned `id` for. */
  pushId(id: number): void {
    if (this.n === this.ids.length) this.ids = resized(this.ids, 2 * this.ids.length);
    this.ids[this.n++] = id;
  }

  /** Trimmed copies of what was pushed. */
  finish(): PackedStrings {
    return {
      bytes: new Uint8Array(this.bytes.subarray(0, this.used)),
      ends: this.ends.slice(0, this.index.size),
      ids: this.ids.slice(0, this.n),
    };
  }
}


/** The table of distinct strings of a pack (index it with `ids`). */
export function stringTable(p: PackedStrings): string[] {
  const buf = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const out = new Array<string>(p.ends.length);
  let from = 0;
  for (let k = 0; k < p.ends.length; k++) {
    out[k] = buf.toString('utf8', from, p.ends[k]!);
    from = p.ends[k]!;
  }
  return out;
}

/** Buffers of a pack, for postMessage's transfer list. */
export function packedTransfer(p: PackedStrings): ArrayBuffer[] {
  return [p.bytes.buffer as ArrayBuffer, p.ends.buffer as ArrayBuffer, p.ids.buffer as ArrayBuffer];
}
