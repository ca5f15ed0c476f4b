/**
 * Decompressed chunk frames shared by every open block of this thread, bounded in bytes. A long-range query reads
 * hundreds of frames from each block (a year of one aggregate at 1h resolution is ≈ 450 frames, 28 MiB raw); a
 * small per-block cache re-inflated and re-checksummed all of them on every query, a fifth of such a query's time
 * (bench/RESULTS.md, "A year of data"). One budget for all blocks keeps the working set of a repeated dashboard
 * query decoded, whatever blocks it spans.
 *
 * A hit is one lookup in the owning block's map and a flag set: frames are read once per chunk, so a hit must cost
 * less than moving the entry in a recency list. Eviction is second-chance (CLOCK): the oldest entry goes unless it
 * was read since it was last passed over, in which case it moves to the back.
 */
export interface FrameEntry {
  readonly buf: Uint8Array;
  readonly frames: Map<number, FrameEntry>;
  readonly frame: number;
  /** Read since the eviction scan last passed it. */
  used: boolean;
}

export class FrameCache {
  /** Every entry held, oldest first. */
  private readonly queue = new Set<FrameEntry>();
  private held = 0;

  /** @param maxBytes budget for all frames held; a frame larger than it is not cached. */
  constructor(private maxBytes: number) {}

  get budget(): number {
    return this.maxBytes;
  }

  /** Sets the byte budget, evicting (oldest first, reads ignored) down to it. */
  setBudget(bytes: number): void {
    this.maxBytes = bytes;
    for (const e of this.queue) {
      if (this.held <= bytes) break;
      this.queue.delete(e);
      e.frames.delete(e.frame);
      this.held -= e.buf.length;
    }
  }

  get bytes(): number {
    return this.held;
  }

  /** The cached frame `frame` of the block owning `frames`, or undefined. */
  get(frames: Map<number, FrameEntry>, frame: number): Uint8Array | undefined {
    const e = frames.get(frame);
    if (e === undefined) return undefined;
    e.used = true;
    return e.buf;
  }

  /** Caches `buf` as frame `frame` of the block owning `frames`, evicting to fit. */
  put(frames: Map<number, FrameEntry>, frame: number, buf: Uint8Array): void {
    if (buf.length > this.maxBytes || frames.has(frame)) return;
    for (const e of this.queue) {
      if (this.held + buf.length <= this.maxBytes) break;
      this.queue.delete(e);
      if (e.used) {
        e.used = false;
        this.queue.add(e); // visited again later in this loop if space is still short
        continue;
      }
      e.frames.delete(e.frame);
      this.held -= e.buf.length;
    }
    const entry: FrameEntry = { buf, frames, frame, used: false };
    frames.set(frame, entry);
    this.queue.add(entry);
    this.held += buf.length;
  }

  /** Forgets every frame of the block owning `frames` (the block is closing). */
  drop(frames: Map<number, FrameEntry>): void {
    for (const e of frames.values()) {
      this.queue.delete(e);
      this.held -= e.buf.length;
    }
    frames.clear();
  }
}

/**
 * The thread's cache. 48 MiB holds the decoded working set of a year-long query over one aggregate with room to
 * spare; each query worker thread has its own. The daemon's main thread, which reads blocks only to compact them
 * (one pass, nothing to reuse), lowers its budget at start (daemon/index.ts) so its RSS does not carry a scan's
 * frames.
 */
export const frameCache = new FrameCache(48 * 1024 * 1024);
