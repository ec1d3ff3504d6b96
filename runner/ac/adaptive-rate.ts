// The general request rate a run may use right now (issue #12, REAL-ACCOUNT.md F6): the configured rate, or this run's
// share of the connection's budget (runner/state/connection-budget.ts), further cut by rate signals.
//
// A rate signal is an answer that says the account is over its limit although AC did not say so with a 429: a 503
// without Retry-After (AC's overload answer, also what its form integrations report), or a storm of 403s, arriving
// while this run uses at least half of its rate (near its ceiling: an idle run's 503 is a server fault, not a limit).
// The answer is AIMD, as TCP does it: halve the rate at once (at most once per window, since one burst brings several
// refusals), then add back an eighth of the allowed rate after each quiet stretch of QUIET_WINDOWS windows.
/** What a rate signal was: the answer that showed the account is overloaded. */
export type RateSignal = "503" | "403-storm";

export interface RateChange {
  /** Why: a rate signal, a recovery step after quiet windows, or a new share of the connection's budget. */
  reason: RateSignal | "recovered" | "share";
  /** The general rate now in force (0 while the connection's budget leaves this run nothing). */
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
}

export interface Limits {
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
}

/** Quiet windows after a cut (or a step up) before the next step up. */
const QUIET_WINDOWS = 5;
/** 403s within STORM_WINDOWS windows that make a storm (one 403 is AC's intermittent fault, F15). */
const STORM_COUNT = 3;
const STORM_WINDOWS = 2;
/** The lowest a cut goes, as a fraction of the allowed rate. */
const FLOOR_FRACTION = 1 / 16;
/** Never below this (the config's own minimum). */
const FLOOR_RPS = 0.1;

export class AdaptiveRate {
  /** What the configuration allows. */
  private readonly configured: Limits;
  /** This run's share of the connection's budget (the configured limits when alone or not coordinated). */
  private share: Limits;
  /** The AIMD factor applied to the share's general rate, (0, 1]. */
  private factor = 1;
  private lastChange = -Infinity;
  private forbidden: number[] = [];
  /** Signals that cut the rate, and the lowest general rate reached: for the run report. */
  slowDowns = 0;
  lowest: number;

  constructor(
    configured: Limits,
    private readonly windowMs: number,
  ) {
    this.configured = { ...configured };
    this.share = { ...configured };
    this.lowest = configured.requestsPerSecond;
  }

  /** The limits in force at `now` (recovering first if the quiet time is up). */
  current(now: number): Limits {
    this.recover(now);
    return this.limits();
  }

  private limits(): Limits {
    const rps = this.share.requestsPerSecond === 0 ? 0 : Math.max(this.floor(), this.share.requestsPerSecond * this.factor);
    return { requestsPerSecond: rps, bulkRequestsPerMinute: this.share.bulkRequestsPerMinute };
  }

  private floor(): number {
    return Math.min(this.share.requestsPerSecond, Math.max(FLOOR_RPS, this.share.requestsPerSecond * FLOOR_FRACTION));
  }

  /** When the next recovery step is due (Infinity at the full rate). */
  nextStepAt(): number {
    return this.factor >= 1 ? Infinity : this.lastChange + QUIET_WINDOWS * this.windowMs;
  }

  /** One additive step per quiet stretch; returns the change when the rate went up. */
  recover(now: number): RateChange | undefined {
    if (this.factor >= 1) return undefined;
    const quiet = QUIET_WINDOWS * this.windowMs;
    if (now - this.lastChange < quiet) return undefined;
    const steps = Math.floor((now - this.lastChange) / quiet);
    this.factor = Math.min(1, this.factor + steps / 8);
    this.lastChange += steps * quiet;
    return { reason: "recovered", ...this.limits() };
  }

  /** A new share of the connection's budget (capped by the configuration); undefined when nothing changed. */
  setShare(share: Limits): RateChange | undefined {
    const next = {
      requestsPerSecond: Math.max(0, Math.min(this.configured.requestsPerSecond, share.requestsPerSecond)),
      bulkRequestsPerMinute: Math.max(0, Math.min(this.configured.bulkRequestsPerMinute, share.bulkRequestsPerMinute)),
    };
    if (next.requestsPerSecond === this.share.requestsPerSecond && next.bulkRequestsPerMinute === this.share.bulkRequestsPerMinute) return undefined;
    this.share = next;
    if (next.requestsPerSecond > 0) this.lowest = Math.min(this.lowest, this.limits().requestsPerSecond);
    return { reason: "share", ...this.limits() };
  }

  /**
   * An answer that may be a rate signal. `busy` is how many of this run's requests occupy the current window, `rate`
   * the general rate in force. Returns the change when the rate was cut.
   */
  observe(kind: "503" | "403", busy: number, rate: number, now: number): RateChange | undefined {
    let signal: RateSignal | undefined;
    if (kind === "503") signal = "503";
    else {
      this.forbidden = this.forbidden.filter((t) => now - t < STORM_WINDOWS * this.windowMs);
      this.forbidden.push(now);
      if (this.forbidden.length >= STORM_COUNT) signal = "403-storm";
    }
    // Near its ceiling: at least half of what the window allows is ours (at least one request below 2/s).
    const near = busy >= Math.max(1, Math.ceil(Math.max(1, rate) / 2));
    if (!signal || !near) return undefined;
    // One cut per window: the requests of one overloaded window all come back refused together.
    if (now - this.lastChange < this.windowMs && this.slowDowns > 0) return undefined;
    this.recover(now);
    this.factor = Math.max(this.factor / 2, FLOOR_FRACTION);
    this.lastChange = now;
    this.slowDowns++;
    if (kind === "403") this.forbidden = [];
    const limits = this.limits();
    this.lowest = Math.min(this.lowest, limits.requestsPerSecond);
    return { reason: signal, ...limits };
  }
}
