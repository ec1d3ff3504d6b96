// ActiveCampaign's documented limits, in one place (docs/ARCHITECTURE.md "Where the facts come from"; FACTS.md §0, §2).

/** Bulk import: at most this many contacts per request. */
export const BULK_MAX_CONTACTS = 250;
/** Bulk import: the JSON body must be strictly smaller than this many bytes ("400000 bytes max"). */
export const BULK_MAX_BYTES = 400_000;
/** Multi-contact bulk imports per minute per account. */
export const BULK_MULTI_PER_MINUTE = 100;
/** Single-contact bulk imports per minute per account. */
export const BULK_SINGLE_PER_MINUTE = 20;
/** General API requests per second per account (shared by every key and integration). */
export const REQUESTS_PER_SECOND = 5;
/**
 * Not AC's limit but the runner's default use of it (`rateLimit.requestsPerSecond`, issue #12, REAL-ACCOUNT.md F6):
 * one request/s of the account's 5 is left to its other integrations (web forms, e-commerce sync). A first sync is
 * bound by the 100 bulk imports/min, which this leaves whole.
 */
export const DEFAULT_REQUESTS_PER_SECOND = 4;
/** Page size limit of list endpoints. */
export const PAGE_LIMIT = 100;

/**
 * The floor of a first sync: the least time ActiveCampaign's bulk limits allow to send `contacts` new contacts at
 * `bulkPerMinute` multi-contact imports a minute, in seconds. The runner's benchmark and ACX-JOB1 both use it.
 */
export function bulkFloorSeconds(contacts: number, bulkPerMinute: number = BULK_MULTI_PER_MINUTE): number {
  const batches = Math.ceil(contacts / BULK_MAX_CONTACTS);
  return (batches * 60) / bulkPerMinute; // multiply first: 4000 / 30 * 60 is not exactly 8000 in floating point
}
