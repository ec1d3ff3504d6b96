// The engine's tuning numbers, named. AC's own limits live in runner/config/ac-limits.ts, its list statuses in
// runner/config/list-status.ts.

/** Deltas (changed members, or leavers to unsubscribe) up to this size skip bulk import: AC asks bulk for more than 10. */
export const SMALL_DELTA_MAX = 10;

/** Per-contact calls (re-subscribe, small unsubscribes, untag) in flight at once; the client's rate budget sets the pace. */
export const PER_CONTACT_CONCURRENCY = 4;

/** First wait before polling a bulk import's status, before anything was observed (divided by AC_TIME_SCALE). */
export const INITIAL_POLL_DELAY_MS = 2_000;
