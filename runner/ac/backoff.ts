// Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
// delay = random(0, min(cap, base * 2^retry)). Full jitter spreads retries of concurrent requests apart.

export interface BackoffOptions {
  /** First retry's upper bound, ms. @default 500 */
  baseMs: number;
  /** Upper bound of any delay, ms. @default 30_000 */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };
/** After a 403: 1–2 s, 2–4 s, 4–8 s, 8–16 s (Singer's tap-activecampaign retries 403s 5 times, exponentially). */
export const FORBIDDEN_BACKOFF: BackoffOptions = { baseMs: 2_000, capMs: 30_000 };

/** Delay before retry number `retry` (0 for the first retry). `random` returns [0, 1). */
export function backoffDelay(retry: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Delay before retry number `retry` after an intermittent 403 (REAL-ACCOUNT.md F15): exponential like backoffDelay,
 * but with "equal jitter" (half the ceiling fixed, half random), so each wait really is seconds long: AC's 403 storms
 * last seconds, and a retry after a few ms would only spend a try.
 */
export function forbiddenDelay(retry: number, options: BackoffOptions = FORBIDDEN_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}
