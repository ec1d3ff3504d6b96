// ONE rate budget per ActiveCampaign client (DESIGN.md decision 2). Every request takes a general slot; a bulk-import
// POST also takes a bulk slot (and a single-contact one a single-contact slot too). Requests run concurrently; they
// are never serialized.
//
// Exactness without guessing at latency: the server counts a request when it arrives, which is some time between our
// sending it and our receiving its response. So a slot is taken when the request is let through and given back one
// window after its response arrived (lease.done()), or after it failed: the next request that reuses the slot is then
// sent at least one window after the server counted the previous one, whatever the network or event-loop jitter.
// The cost is one response latency per window (about 0.5% of the 60 s bulk window), never a 429. A small safety
// margin (default 2 ms) absorbs timer and clock granularity.
//
// Limits (FACTS.md §2): 5 requests/s per account; 100 multi-contact bulk imports/min; 20 single-contact bulk
// imports/min. The single-contact limit is kept at the documented ratio (bulkRequestsPerMinute / 5).
//
// The rates can change during a run (adaptive-rate.ts): a share of the connection's budget when other exports use
// the same account (setShare), and an AIMD cut after a rate signal (signal). The windows are re-shaped then; a slot
// already busy stays busy at least as long as the new window says, so a change never lets a burst through.

import { AdaptiveRate, type Limits, type RateChange } from "./adaptive-rate.js";

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    // Not unref'd: when every request of a run waits for the budget, this timer is what keeps the process alive
    // (an unref'd one let `ac-export run` exit mid-sync with nothing left to wait on).
    return setTimeout(fn, ms);
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Which limits a request draws from. */
export type SlotKind = "general" | "bulk" | "bulk-single";

/** A granted slot. Call done() when the response (headers) arrived or the attempt failed; idempotent. */
export interface Lease {
  /** How long the request waited for its slot, ms. */
  waitedMs: number;
  done(): void;
  /**
   * After done(): the server refused this request for its rate limit ("all": a 429 of the general limit; "bulk": the
   * bulk "Rate limit exceeded."). The refused request is taken out of the window, and the window's ceiling drops to
   * what the server evidently allows (see Window). Returns how many of our requests still occupy that window.
   */
  rateLimited(scope: "all" | "bulk"): number;
}

export interface RateBudgetOptions {
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
  /**
   * Divides every window (for a sandbox started with --time-scale N, whose windows are N times shorter).
   * @default 1
   */
  timeScale?: number;
  /** Extra spacing added to each window, ms (timer and clock granularity). @default 2 */
  safetyMarginMs?: number;
  /**
   * Spread requests evenly over each window (general and multi-contact bulk) instead of letting a window's whole
   * capacity through at once: the account is shared (REAL-ACCOUNT.md F6), and a burst of our requests fills the
   * account's rolling second for everyone else. Bulk imports are paced only by their own window (one per 600 ms at
   * 100/min), never held back by the general pace; polls keep the general pace around them. @default false
   */
  spread?: boolean;
  clock?: Clock;
  /** Called when the rate in force changes (a share of the connection's budget, a rate signal, a recovery step). */
  onRateChange?: (change: RateChange) => void;
}

/**
 * At most `capacity` requests whose arrival at the server may fall in any rolling `windowMs`: a slot is busy while its
 * request is in flight, and until `windowMs + marginMs` after it completed.
 *
 * `ceiling` (≤ capacity) is what the server has shown it really allows: when it refuses a request although our own
 * count had room (another integration shares the account's budget), the ceiling drops to the requests of ours still
 * in the window, so waiting requests then go one per freed slot instead of all at once. After each whole window
 * without a refusal it grows back by 1, 2, 4, 8… (a server that still limits costs one refusal per probe; a server
 * that stopped limiting gets the full rate back within a few windows).
 */
class Window {
  private inFlight = 0;
  /** Times at which completed slots become free again, ascending. */
  private freeing: number[] = [];
  /** Completion times within the longest window used so far (retarget rebuilds `freeing` from them). */
  private history: number[] = [];
  private retainMs: number;
  pausedUntil = -Infinity;
  /** With spreading: the least time between two grants (windowMs / capacity), and when the next may go. */
  private spacingMs = 0;
  private pacedAt = -Infinity;
  ceiling: number;
  private ceilingSince = -Infinity;
  private step = 1;

  constructor(
    public capacity: number,
    public windowMs: number,
    readonly marginMs: number,
    private readonly spread = false,
    private readonly catchUp = 1,
    private readonly spreadSlack = 0,
  ) {
    this.ceiling = capacity;
    this.retainMs = windowMs;
    this.respace();
  }

  private respace(): void {
    // A little tighter than windowMs / capacity: the window itself keeps the rate, the spacing only breaks up bursts,
    // and a spacing at exactly the rate would add its own delays to the window's.
    this.spacingMs = this.spread ? this.windowMs / (this.capacity + this.spreadSlack) : 0;
  }

  /**
   * A new rate (see shapeOf). Busy slots stay busy for the longer of the two windows, so the requests already counted
   * and the ones let through under the new rate never crowd one server window; a ceiling learnt from refusals stays.
   */
  retarget(capacity: number, windowMs: number, now: number): void {
    // Every request completed within the longer window is busy again for it, including ones the shorter window had
    // already let go of: e.g. from 1 per 667 ms to 4 per 1000 ms, the last two requests still count for 1000 ms.
    const span = Math.max(windowMs, this.windowMs) + this.marginMs;
    this.retainMs = Math.max(this.retainMs, windowMs);
    this.freeing = this.history.map((t) => t + span).filter((t) => t > now);
    this.ceiling = this.ceiling >= this.capacity ? capacity : Math.min(this.ceiling, capacity);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.respace();
  }

  private prune(now: number): void {
    let i = 0;
    while (i < this.freeing.length && this.freeing[i]! <= now) i++;
    if (i > 0) this.freeing.splice(0, i);
    while (this.ceiling < this.capacity && now - this.ceilingSince >= this.windowMs + this.marginMs) {
      this.ceiling = Math.min(this.capacity, this.ceiling + this.step);
      this.step *= 2;
      this.ceilingSince += this.windowMs + this.marginMs;
    }
  }

  /**
   * Earliest time (>= now) at which one more request fits; Infinity while only a completion can free a slot.
   * `unpaced`: ignore the even spacing (a bulk import is paced by its own window, not by the polls around it).
   */
  freeAt(now: number, unpaced = false): number {
    this.prune(now);
    const start = Math.max(now, this.pausedUntil, unpaced ? -Infinity : this.pacedAt);
    const excess = this.inFlight + this.freeing.length - this.ceiling;
    if (excess < 0) return start;
    // A lowered ceiling grows back one quiet window after the last refusal: look again then.
    const grows = this.ceiling < this.capacity ? this.ceilingSince + this.windowMs + this.marginMs : Infinity;
    if (this.inFlight >= this.ceiling) return Math.max(start, grows);
    return Math.max(start, Math.min(this.freeing[excess]!, grows));
  }

  /**
   * Takes a slot for a request that asked at `askedAt`; returns the window it was taken under (complete() needs it).
   */
  take(now: number, askedAt = now): number {
    this.inFlight++;
    if (this.spacingMs > 0) {
      // On the even grid while the grants keep up: grants late by a timer's or the event loop's lag (up to
      // `catchUp` spacings) do not shift the grid, the next ones follow at once and catch up, so pacing costs no
      // throughput. A request that asked after its grid time (the run was idle) starts the grid anew.
      const credit = this.catchUp > 1 ? Math.max(this.catchUp * this.spacingMs, MIN_CATCH_UP_MS) : this.catchUp * this.spacingMs;
      this.pacedAt = Math.max(this.pacedAt, Math.min(now, askedAt), now - credit) + this.spacingMs;
    }
    return this.windowMs;
  }

  /**
   * The slot's request completed at `now`: free one window later (the longer of the window it was taken under and
   * today's, when the rate changed meanwhile). Returns that time.
   */
  complete(now: number, takenUnderMs: number = this.windowMs): number {
    this.inFlight--;
    let old = 0;
    while (old < this.history.length && this.history[old]! + this.retainMs + this.marginMs <= now) old++;
    if (old > 0) this.history.splice(0, old);
    this.history.push(now);
    const at = now + Math.max(this.windowMs, takenUnderMs) + this.marginMs;
    let i = this.freeing.length;
    while (i > 0 && this.freeing[i - 1]! > at) i--;
    this.freeing.splice(i, 0, at);
    return at;
  }

  /**
   * The server refused the request whose slot frees at `freesAt` although we counted room: it did not count it, and
   * it allows no more than the requests of ours still in the window.
   */
  refused(freesAt: number, now: number): void {
    const i = this.freeing.indexOf(freesAt);
    if (i >= 0) this.freeing.splice(i, 1);
    this.prune(now);
    this.ceiling = Math.max(1, Math.min(this.ceiling, this.inFlight + this.freeing.length));
    this.ceilingSince = now;
    this.step = 1;
  }

  /** Our requests that may still count in the server's window. */
  occupied(now: number): number {
    this.prune(now);
    return this.inFlight + this.freeing.length;
  }

  /** Slots usable at time `at` (>= now) if nothing else is taken meanwhile. */
  availableAt(at: number, now: number): number {
    if (this.pausedUntil > at) return 0;
    this.prune(now);
    let stillBusy = 0;
    for (let i = this.freeing.length - 1; i >= 0 && this.freeing[i]! > at; i--) stillBusy++;
    return Math.max(0, this.ceiling - this.inFlight - stillBusy);
  }

  /** When the oldest completed slot frees (undefined when none is pending). */
  nextFreeing(now: number): number | undefined {
    this.prune(now);
    return this.freeing[0];
  }
}

interface Waiter {
  windows: Window[];
  bulk: boolean;
  enqueuedAt: number;
  resolve: (lease: Lease) => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

/**
 * Whole-number limits: that many slots per window. Fractional limits (e.g. 2.5/s): one slot per windowMs / limit,
 * which keeps every window at or under the limit and the long-run rate at the limit.
 */
function shapeOf(perWindow: number, windowMs: number): { capacity: number; windowMs: number } {
  return Number.isInteger(perWindow) && perWindow >= 1 ? { capacity: perWindow, windowMs } : { capacity: 1, windowMs: windowMs / perWindow };
}

function windowFor(perWindow: number, windowMs: number, marginMs: number, spread = false, catchUp = 1, spreadSlack = 0): Window {
  const shape = shapeOf(perWindow, windowMs);
  return new Window(shape.capacity, shape.windowMs, marginMs, spread, catchUp, spreadSlack);
}

/**
 * Bulk imports late on their even grid (an event-loop stall, a slow journal write) may catch up this many at once:
 * they are the run's bottleneck, so a stall must not cost the bulk floor. Polls catch up one.
 */
const BULK_CATCH_UP = 4;
/**
 * …and by at least this much real time: a stall is real time, and at a sandbox's time scale 4 spacings can be a few
 * ms (60: 10 ms each).
 */
const MIN_CATCH_UP_MS = 250;

/** Single-contact imports: a fifth of the multi-contact limit (whole slots while there are any). */
const singleOf = (bpm: number): number => (bpm >= 5 ? Math.floor(bpm / 5) : bpm / 5);

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
  private readonly adaptive: AdaptiveRate;
  /** The limits the windows are shaped for now; a rate of 0 holds every request (no share of the connection yet). */
  private applied: Limits;
  private readonly scale: number;
  private readonly spread: boolean;
  private readonly onRateChange: ((change: RateChange) => void) | undefined;
  /** Set by cancelAll (the client closed, aborted, or the key was rejected): drained() stops waiting. */
  private closed = false;

  constructor(options: RateBudgetOptions) {
    const { requestsPerSecond: rps, bulkRequestsPerMinute: bpm } = options;
    const scale = options.timeScale ?? 1;
    const margin = options.safetyMarginMs ?? 2;
    if (!(rps > 0) || !Number.isFinite(rps)) throw new RangeError(`requestsPerSecond must be a positive number; got ${rps}`);
    if (!(bpm > 0) || !Number.isFinite(bpm)) throw new RangeError(`bulkRequestsPerMinute must be a positive number; got ${bpm}`);
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`timeScale must be a positive number; got ${scale}`);
    if (!(margin >= 0) || !Number.isFinite(margin)) throw new RangeError(`safetyMarginMs must be a number >= 0; got ${margin}`);
    this.clock = options.clock ?? realClock;
    // General requests: spaced as if the window held one more (4/s → one per 200 ms), since the window, not the
    // spacing, is what holds them to the rate.
    this.general = windowFor(rps, 1000 / scale, margin, options.spread, 1, 1);
    this.bulk = windowFor(bpm, 60_000 / scale, margin, options.spread, BULK_CATCH_UP);
    this.single = windowFor(singleOf(bpm), 60_000 / scale, margin);
    this.scale = scale;
    this.spread = options.spread ?? false;
    this.applied = { requestsPerSecond: rps, bulkRequestsPerMinute: bpm };
    this.adaptive = new AdaptiveRate(this.applied, 1000 / scale);
    this.onRateChange = options.onRateChange;
  }

  /**
   * This run's share of the connection's budget (runner/state/connection-budget.ts), capped by the configured
   * limits. A share of 0 holds every request until a later share allows some.
   */
  setShare(share: Limits): void {
    this.changed(this.adaptive.setShare(share));
  }

  /**
   * Resolves once no more of this run's requests may still count in the server's windows than `share` allows (each
   * window's busy slots at or under its capacity for that rate): only then may the run tell the other runs of the
   * connection that it uses no more than `share` (connection-budget.ts). Looks every few ms of the clock.
   */
  async drained(share: Limits, signal?: AbortSignal): Promise<void> {
    const fits = (w: Window, perWindow: number) => w.occupied(this.clock.now()) <= (perWindow >= 1 ? Math.floor(perWindow) : perWindow > 0 ? 1 : 0);
    while (!(fits(this.general, share.requestsPerSecond) && fits(this.bulk, share.bulkRequestsPerMinute))) {
      if (signal?.aborted || this.closed) return;
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 10));
    }
  }

  /**
   * An answer that may be a rate signal (a 503 without Retry-After, a 403): cuts the rate when the run is near its
   * ceiling (adaptive-rate.ts). Returns true when it did.
   */
  signal(kind: "503" | "403"): boolean {
    const now = this.clock.now();
    const busy = this.general.occupied(now);
    const change = this.adaptive.observe(kind, busy, this.applied.requestsPerSecond, now);
    this.changed(change);
    return change !== undefined;
  }

  /** Rate signals that slowed the run down, the lowest general rate it used, and the rate in force now. */
  rateStats(): { slowDowns: number; lowestRequestsPerSecond: number; requestsPerSecond: number; bulkRequestsPerMinute: number } {
    const { slowDowns, lowest } = this.adaptive;
    return { slowDowns, lowestRequestsPerSecond: Math.round(lowest * 1000) / 1000, ...this.applied };
  }

  private changed(change: RateChange | undefined): void {
    if (!change) return;
    this.announce(change);
    this.pump();
  }

  private announce(change: RateChange): void {
    this.reshape(change);
    try {
      this.onRateChange?.(change);
    } catch {
      // A failing log sink must not stop the budget.
    }
  }

  /** Shape the windows for the limits in force (a rate of 0 leaves them as they are: pump holds every request). */
  private reshape(limits: Limits): void {
    const { requestsPerSecond: rps, bulkRequestsPerMinute: bpm } = limits;
    const now = this.clock.now();
    if (rps > 0 && rps !== this.applied.requestsPerSecond) {
      const g = shapeOf(rps, 1000 / this.scale);
      this.general.retarget(g.capacity, g.windowMs, now);
    }
    if (bpm > 0 && bpm !== this.applied.bulkRequestsPerMinute) {
      const b = shapeOf(bpm, 60_000 / this.scale);
      this.bulk.retarget(b.capacity, b.windowMs, now);
      const one = shapeOf(singleOf(bpm), 60_000 / this.scale);
      this.single.retarget(one.capacity, one.windowMs, now);
    }
    this.applied = { requestsPerSecond: rps, bulkRequestsPerMinute: bpm };
  }

  /** Wait for a slot of each limit the kind draws from. */
  acquire(kind: SlotKind = "general", signal?: AbortSignal): Promise<Lease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const windows = kind === "general" ? [this.general] : kind === "bulk" ? [this.general, this.bulk] : [this.general, this.bulk, this.single];
    return new Promise<Lease>((resolve, reject) => {
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

  /**
   * Ms until the oldest bulk import of the rolling window leaves it: how long a "Rate limit exceeded." needs. A whole
   * window when none of ours is in it (another integration used the account's bulk budget).
   */
  bulkWindowWaitMs(): number {
    const now = this.clock.now();
    const next = this.bulk.nextFreeing(now);
    return next !== undefined && next > now ? next - now : this.bulk.windowMs + this.bulk.marginMs;
  }

  /** Wall-clock ms during which at least one request was held back (rate limit or Retry-After). */
  throttledMs(): number {
    return this.throttled + (this.blockedSince === undefined ? 0 : this.clock.now() - this.blockedSince);
  }

  /** Requests waiting for a slot right now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Reject every waiter (client closed, aborted, key rejected). */
  cancelAll(reason: unknown): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(reason);
    }
    this.pump();
  }

  private lease(windows: Window[], spans: number[], waitedMs: number): Lease {
    let open = true;
    const freesAt = new Map<Window, number>();
    const done = () => {
      if (!open) return;
      open = false;
      const now = this.clock.now();
      windows.forEach((w, i) => freesAt.set(w, w.complete(now, spans[i])));
      this.pump();
    };
    return {
      waitedMs,
      done,
      rateLimited: (scope) => {
        done();
        const now = this.clock.now();
        const targets = scope === "all" ? [this.general] : windows.filter((w) => w !== this.general);
        let occupied = 0;
        for (const w of targets) {
          const at = freesAt.get(w);
          if (at !== undefined) w.refused(at, now);
          freesAt.delete(w);
          occupied = Math.max(occupied, w.occupied(now));
        }
        this.pump();
        return occupied;
      },
    };
  }

  /** Current ceilings (what the server has shown it allows), for tests and logs. */
  ceilings(): { general: number; bulk: number } {
    const now = this.clock.now();
    this.general.freeAt(now);
    this.bulk.freeAt(now);
    return { general: this.general.ceiling, bulk: this.bulk.ceiling };
  }

  private pump(): void {
    const now = this.clock.now();
    const step = this.adaptive.recover(now);
    if (step) this.announce(step);
    let nextAt = Infinity;
    // No share of the connection's budget yet: everything waits for setShare (the connection budget's next beat).
    const holding = this.applied.requestsPerSecond === 0 || this.applied.bulkRequestsPerMinute === 0;
    // Bulk imports first: they are the pipeline's bottleneck (the bulk floor), so a queue of polls must not delay one
    // whose bulk slot is free. Within each group, first come first served.
    let reserved = 0;
    for (const bulkPass of holding ? [] : [true, false]) {
      if (!bulkPass) {
        // Keep general slots for the bulk imports whose bulk slot frees before a general slot taken now would come
        // back: otherwise polls fill the general window and each bulk import loses up to a general window.
        const queuedBulk = this.waiters.filter((w) => w.bulk).length;
        if (queuedBulk > 0) {
          const horizon = now + this.general.windowMs + this.general.marginMs;
          reserved = Math.min(queuedBulk, this.bulk.availableAt(horizon, now));
          // Spread bulk imports go on their grid: when one of our general slots frees before the next may go, that
          // slot will serve it, and keeping one now would only idle the general window (polls fall behind).
          if (this.spread && reserved > 0 && (this.general.nextFreeing(now) ?? Infinity) <= this.bulk.freeAt(now)) reserved = 0;
        }
      }
      for (let i = 0; i < this.waiters.length; ) {
        const w = this.waiters[i]!;
        if (w.bulk !== bulkPass) {
          i++;
          continue;
        }
        let at = now;
        for (const win of w.windows) at = Math.max(at, win.freeAt(now, w.bulk && win === this.general));
        if (at <= now && reserved > 0 && this.general.availableAt(now, now) <= reserved) {
          // Free, but reserved for a bulk import: retry when a general slot frees (or a bulk import takes its slot).
          at = this.general.nextFreeing(now) ?? Infinity;
        }
        if (at <= now) {
          const spans = w.windows.map((win) => win.take(now, w.enqueuedAt));
          this.waiters.splice(i, 1);
          w.cleanup();
          w.resolve(this.lease(w.windows, spans, now - w.enqueuedAt));
        } else {
          nextAt = Math.min(nextAt, at);
          i++;
        }
      }
    }
    // While cut by a rate signal, look again when the next recovery step is due.
    if (this.waiters.length > 0 && !holding) nextAt = Math.min(nextAt, this.adaptive.nextStepAt());
    this.schedule(nextAt, now);
  }

  /** Count blocked time, and set the timer for the next moment a waiter may go. */
  private schedule(nextAt: number, now: number): void {
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
