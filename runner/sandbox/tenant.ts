// The "background tenant": another integration on the same account (a website's forms, REAL-ACCOUNT.md F6) that
// spends part of the account's 5 requests/s. It never retries: a refused form submission is lost, which is what the
// shared-account tests measure (its successes and refusals are inspectable).
import type { RollingWindow } from "./limits.js";

export interface TenantStats {
  /** requests per (API) second it tries; 0 = off */
  requestsPerSecond: number;
  attempts: number;
  succeeded: number;
  refused: number;
}

export class BackgroundTenant {
  private timer: NodeJS.Timeout | undefined;
  private rate = 0;
  private owed = 0;
  private last = 0;
  stats: TenantStats = { requestsPerSecond: 0, attempts: 0, succeeded: 0, refused: 0 };

  constructor(
    private readonly window: RollingWindow,
    private readonly timeScale: number,
  ) {}

  /** Starts (or changes the rate of) the tenant; 0 stops it. Counters carry on. */
  set(requestsPerSecond: number): void {
    this.stop();
    this.stats.requestsPerSecond = requestsPerSecond;
    if (requestsPerSecond <= 0) return;
    this.rate = (requestsPerSecond * this.timeScale) / 1000; // requests per real ms
    this.last = performance.now();
    this.owed = 0;
    // Ticks of at most 5 real ms; each spends what the rate owes since the last tick.
    const every = Math.max(1, Math.min(5, 1 / this.rate));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    this.owed += (now - this.last) * this.rate;
    this.last = now;
    for (; this.owed >= 1; this.owed--) {
      this.stats.attempts++;
      if (this.window.waitMs(now) === 0) {
        this.window.take(now);
        this.stats.succeeded++;
      } else {
        this.stats.refused++;
      }
    }
  }

  reset(): void {
    this.stats = { ...this.stats, attempts: 0, succeeded: 0, refused: 0 };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
