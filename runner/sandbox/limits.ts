// Rolling-window limits as the sandbox enforces them, and the observed-rate trackers behind inspect.requests().

/**
 * At most `capacity` admissions in any rolling window of `windowMs`: a ring buffer of the last `capacity` admission
 * times. A request is admissible when fewer than `capacity` were admitted, or the oldest of the last `capacity` is at
 * least `windowMs` old. Refused requests are never recorded, so they do not count toward the window.
 */
export class RollingWindow {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
  ) {
    this.times = new Float64Array(Math.max(1, capacity));
  }

  /** 0 when a request is admissible at `now`, else the milliseconds until the oldest admission leaves the window. */
  waitMs(now: number): number {
    if (this.capacity <= 0) return this.windowMs;
    if (this.count < this.capacity) return 0;
    const wait = (this.times[this.head] as number) + this.windowMs - now;
    return wait > 0 ? wait : 0;
  }

  /** Records an admission at `now` (call only after waitMs(now) returned 0). */
  take(now: number): void {
    if (this.count < this.capacity) {
      this.times[(this.head + this.count) % this.capacity] = now;
      this.count++;
    } else {
      this.times[this.head] = now;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** Admissions still possible at `now` (for RateLimit-Remaining). */
  remaining(now: number): number {
    let inWindow = 0;
    for (let i = 0; i < this.count; i++) if ((this.times[(this.head + i) % this.capacity] as number) > now - this.windowMs) inWindow++;
    return Math.max(0, this.capacity - inWindow);
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}

/** Highest number of events seen in any rolling window (a deque of event times). */
export class RateObserver {
  private times: number[] = [];
  private start = 0;
  max = 0;

  constructor(readonly windowMs: number) {}

  record(now: number): void {
    this.times.push(now);
    while (this.start < this.times.length && (this.times[this.start] as number) <= now - this.windowMs) this.start++;
    const inWindow = this.times.length - this.start;
    if (inWindow > this.max) this.max = inWindow;
    if (this.start > 4096 && this.start * 2 > this.times.length) {
      this.times = this.times.slice(this.start);
      this.start = 0;
    }
  }

  clear(): void {
    this.times = [];
    this.start = 0;
    this.max = 0;
  }
}

/**
 * The Retry-After value for a wait of `waitMs` real milliseconds. At time-scale 1 it is whole seconds, rounded up
 * (what ActiveCampaign sends). At any other time scale the (scaled) wait is sent as decimal seconds with up to three
 * decimals, rounded up to the millisecond, e.g. "0.05": NOT standard HTTP (RFC 9110 allows whole seconds only), but
 * it keeps the ratios exact; the project's client accepts it (runner/ac/retry-after.ts).
 */
export function formatRetryAfter(waitMs: number, timeScale: number): string {
  if (timeScale === 1) return String(Math.max(1, Math.ceil(waitMs / 1000 - 1e-9)));
  const ms = Math.max(1, Math.ceil(waitMs - 1e-9));
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, "");
}
