/**
 * Time as an injected dependency. Stages that act on a schedule (rule groups, notification dispatch, the outbox)
 * take a `Clock` so tests can drive time instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs` (clamped to >= 0). The callback may be async; errors are the caller's to catch. */
  setTimeout(fn: () => void | Promise<void>, delayMs: number): TimerHandle;
}

/** Node's timers overflow above 2^31-1 ms (about 24.8 days) and fire at once; longer waits are chained. */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * The real clock: `Date.now()` and Node timers (unref'd so a pending timer never keeps a process alive). A callback's
 * rejected promise is reported on stderr rather than crashing the process; callers should handle their own errors.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    let t: NodeJS.Timeout;
    const due = Date.now() + Math.max(0, delayMs);
    const arm = () => {
      const wait = Math.max(0, due - Date.now());
      t = setTimeout(() => {
        if (Date.now() < due) { arm(); return; }
        Promise.resolve().then(fn).catch((e: unknown) => {
          process.stderr.write(`BUG: unhandled error in timer callback: ${e instanceof Error ? e.stack : String(e)}\n`);
        });
      }, Math.min(wait, MAX_TIMER_MS));
      t.unref();
    };
    arm();
    return { cancel: () => clearTimeout(t) };
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer due within the window in time order (ties in
 * creation order), setting `now()` to each timer's due time and awaiting its callback before the next, so async
 * work chained from timers completes deterministically.
 *
 * @example
 * const c = new ManualClock(0); c.setTimeout(() => { fired = c.now(); }, 10); await c.advance(15); // fired === 10
 */
export class ManualClock implements Clock {
  private timers: Pending[] = [];
  private seq = 0;
  constructor(private t: number = 0) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void | Promise<void>, delayMs: number): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(p);
    return { cancel: () => { p.cancelled = true; } };
  }

  /** Number of timers still waiting to fire. */
  pending(): number {
    return this.timers.filter((p) => !p.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers (including ones they schedule inside the window). */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }

  async advanceTo(target: number): Promise<void> {
    for (;;) {
      this.timers = this.timers.filter((p) => !p.cancelled);
      let next: Pending | undefined;
      for (const p of this.timers) {
        if (p.at <= target && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      if (next.at > this.t) this.t = next.at;
      await next.fn();
      // Let promise chains started by the callback (but not awaited by it) settle before the next timer.
      await flushMicrotasks();
    }
    if (target > this.t) this.t = target;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
