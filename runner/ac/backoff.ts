// Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
// delay = random(0, min(cap, base * 2^retry)). Full jitter spreads retries of concurrent requests apart.

export interface BackoffOptions {
  /** First retry's upper bound, ms. @default 500 */
  baseMs: number;
  /** Upper bound of any delay, ms. @default 30_000 */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** Delay before retry number `retry` (0 for the first retry). `random` returns [0, 1). */
export function backoffDelay(retry: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}
