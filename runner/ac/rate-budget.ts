// ONE rate budget per ActiveCampaign client (DESIGN.md decision 2). Every request takes a general slot; a bulk-import
// POST also takes a bulk slot (and a single-contact one takes a single-contact slot too). Slots are released from a
// rolling log of the times requests were actually let through, so no rolling window ever holds more than its limit,
// whatever the timer lateness; requests run concurrently, they are never serialized.
//
// Limits (FACTS.md §2): 5 requests/s per account; 100 multi-contact bulk imports/min; 20 single-contact bulk
// imports/min. The single-contact limit is kept at the documented ratio (bulkRequestsPerMinute / 5).

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Which limits a request draws from. */
export type SlotKind = "general" | "bulk" | "bulk-single";

export interface RateBudgetOptions {
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
  /**
   * Divides every window (for a sandbox started with --time-scale N, whose windows are N times shorter).
   * @default 1
   */
  timeScale?: number;
  /**
   * Extra spacing added to each window, ms, to absorb clock and network jitter between this process and the server.
   * @default min(5, max(1, window / 10)) per window
   */
  safetyMarginMs?: number;
  clock?: Clock;
}

/** A rolling-window limit: at most `capacity` releases in any `windowMs` (+ margin). Ring buffer of release times. */
class Window {
  private readonly times: number[];
  private next = 0;
  private count = 0;
  pausedUntil = -Infinity;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    readonly marginMs: number,
  ) {
    this.times = new Array<number>(capacity).fill(0);
  }

  /** Earliest time (>= now) at which one more release fits. */
  freeAt(now: number): number {
    let t = Math.max(now, this.pausedUntil);
    if (this.count === this.capacity) t = Math.max(t, this.times[this.next]! + this.windowMs + this.marginMs);
    return t;
  }

  record(now: number): void {
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** When the oldest release in the log leaves the window (now when the log is not full). */
  oldestLeavesAt(now: number): number {
    if (this.count === 0) return now;
    const oldest = this.count === this.capacity ? this.times[this.next]! : this.times[0]!;
    return Math.max(now, oldest + this.windowMs + this.marginMs);
  }
}

interface Waiter {
  windows: Window[];
  bulk: boolean;
  enqueuedAt: number;
  resolve: (waitedMs: number) => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

function windowFor(perWindow: number, windowMs: number, margin: number | undefined): Window {
  // Whole-number limits: a rolling log of that many releases. Fractional limits (e.g. 2.5/s): even spacing, one
  // release per windowMs / limit, which keeps every window at or under the limit and the long-run rate exact.
  const [capacity, span] = Number.isInteger(perWindow) && perWindow >= 1 ? [perWindow, windowMs] : [1, windowMs / perWindow];
  return new Window(capacity, span, margin ?? Math.min(5, Math.max(1, span / 10)));
}

export class RateBudget {
  private readonly clock: Clock;
  private readonly general: Window;
  private readonly bulk: Window;
  private readonly single: Window;
  private readonly waiters: Waiter[] = [];
  private timer: unknown = undefined;
  private timerAt = Infinity;
  private blockedSince: number | undefined;
  private throttled = 0;

  constructor(options: RateBudgetOptions) {
    const { requestsPerSecond: rps, bulkRequestsPerMinute: bpm } = options;
    const scale = options.timeScale ?? 1;
    if (!(rps > 0) || !Number.isFinite(rps)) throw new RangeError(`requestsPerSecond must be a positive number; got ${rps}`);
    if (!(bpm > 0) || !Number.isFinite(bpm)) throw new RangeError(`bulkRequestsPerMinute must be a positive number; got ${bpm}`);
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`timeScale must be a positive number; got ${scale}`);
    this.clock = options.clock ?? realClock;
    this.general = windowFor(rps, 1000 / scale, options.safetyMarginMs);
    this.bulk = windowFor(bpm, 60_000 / scale, options.safetyMarginMs);
    this.single = windowFor(Math.max(1, Math.floor(bpm / 5)), 60_000 / scale, options.safetyMarginMs);
  }

  /** Wait for a slot of each limit the kind draws from. Resolves with the ms waited. */
  acquire(kind: SlotKind = "general", signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const windows = kind === "general" ? [this.general] : kind === "bulk" ? [this.general, this.bulk] : [this.general, this.bulk, this.single];
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason);
        this.pump();
      };
      const waiter: Waiter = {
        windows,
        bulk: kind !== "general",
        enqueuedAt: this.clock.now(),
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Hold every request (scope "all") or every bulk import (scope "bulk") for `ms` from now (e.g. Retry-After). */
  pause(ms: number, scope: "all" | "bulk" = "all"): void {
    const until = this.clock.now() + Math.max(0, ms);
    const targets = scope === "all" ? [this.general] : [this.bulk, this.single];
    for (const w of targets) w.pausedUntil = Math.max(w.pausedUntil, until);
    this.pump();
  }

  /** Ms until the oldest bulk import of the rolling window leaves it: how long a "Rate limit exceeded." needs. */
  bulkWindowWaitMs(): number {
    const now = this.clock.now();
    // Our own log may be empty (another integration used the account's bulk budget): then wait one whole window.
    const leaves = this.bulk.oldestLeavesAt(now);
    return leaves > now ? leaves - now : this.bulk.windowMs + this.bulk.marginMs;
  }

  /** Wall-clock ms during which at least one request was held back (rate limit or Retry-After). */
  throttledMs(): number {
    return this.throttled + (this.blockedSince === undefined ? 0 : this.clock.now() - this.blockedSince);
  }

  /** Requests waiting for a slot right now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Reject every waiter (client closed or aborted). */
  cancelAll(reason: unknown): void {
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(reason);
    }
    this.pump();
  }

  private pump(): void {
    const now = this.clock.now();
    let nextAt = Infinity;
    // Bulk imports first: they are the pipeline's bottleneck (the bulk floor), so a queue of polls must not delay one
    // whose bulk slot is free. Within each group, first come first served.
    for (const bulkPass of [true, false]) {
      for (let i = 0; i < this.waiters.length; ) {
        const w = this.waiters[i]!;
        if (w.bulk !== bulkPass) {
          i++;
          continue;
        }
        let at = now;
        for (const win of w.windows) at = Math.max(at, win.freeAt(now));
        if (at <= now) {
          for (const win of w.windows) win.record(now);
          this.waiters.splice(i, 1);
          w.cleanup();
          w.resolve(now - w.enqueuedAt);
        } else {
          nextAt = Math.min(nextAt, at);
          i++;
        }
      }
    }
    if (this.waiters.length > 0) this.blockedSince ??= now;
    else if (this.blockedSince !== undefined) {
      this.throttled += now - this.blockedSince;
      this.blockedSince = undefined;
    }
    if (nextAt !== this.timerAt) {
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = nextAt;
      if (nextAt !== Infinity) {
        this.timer = this.clock.setTimeout(
          () => {
            this.timer = undefined;
            this.timerAt = Infinity;
            this.pump();
          },
          Math.max(0, Math.ceil(nextAt - now)),
        );
      }
    }
  }
}
