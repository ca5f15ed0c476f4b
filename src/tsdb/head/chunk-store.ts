/**
 * Completed (immutable) head chunks: each is a compact Uint8Array of XOR-encoded samples plus its time bounds in
 * typed arrays indexed by chunk id. A series keeps its chunks as a singly linked list in time order
 * (`next(id)`, -1 ends it); ids of freed chunks are reused.
 */
export class ChunkStore {
  private data: (Uint8Array | undefined)[] = [];
  private minTs = new Float64Array(1024);
  private maxTs = new Float64Array(1024);
  private nexts = new Int32Array(1024);
  private counts = new Uint16Array(1024);
  private readonly free: number[] = [];
  private live = 0;
  private bytesTotal = 0;

  /** Number of stored chunks. */
  get size(): number {
    return this.live;
  }

  /** Sum of the chunks' encoded sizes. */
  get byteLength(): number {
    return this.bytesTotal;
  }

  /** Stores a chunk (the caller hands over `bytes`) and returns its id; its `next` is -1. */
  add(bytes: Uint8Array, minT: number, maxT: number, numSamples: number): number {
    const id = this.free.length > 0 ? this.free.pop()! : this.data.length;
    if (id >= this.minTs.length) this.grow();
    this.data[id] = bytes;
    this.minTs[id] = minT;
    this.maxTs[id] = maxT;
    this.counts[id] = numSamples;
    this.nexts[id] = -1;
    this.live++;
    this.bytesTotal += bytes.length;
    return id;
  }

  /** Frees a chunk id; returns the id that followed it. */
  release(id: number): number {
    const bytes = this.data[id];
    if (bytes === undefined) throw new Error(`BUG: chunk ${id} released twice`);
    this.bytesTotal -= bytes.length;
    this.data[id] = undefined;
    this.free.push(id);
    this.live--;
    return this.nexts[id]!;
  }

  bytes(id: number): Uint8Array {
    return this.data[id]!;
  }
  minT(id: number): number {
    return this.minTs[id]!;
  }
  maxT(id: number): number {
    return this.maxTs[id]!;
  }
  numSamples(id: number): number {
    return this.counts[id]!;
  }
  next(id: number): number {
    return this.nexts[id]!;
  }
  setNext(id: number, next: number): void {
    this.nexts[id] = next;
  }

  private grow(): void {
    const n = this.minTs.length * 2;
    const minTs = new Float64Array(n), maxTs = new Float64Array(n), nexts = new Int32Array(n), counts = new Uint16Array(n);
    minTs.set(this.minTs);
    maxTs.set(this.maxTs);
    nexts.set(this.nexts);
    counts.set(this.counts);
    this.minTs = minTs;
    this.maxTs = maxTs;
    this.nexts = nexts;
    this.counts = counts;
  }
}
