// The ActiveCampaign client: what the sync engine imports.
export { createAcClient, bulkPayloadBytes, type AcClientOptions } from "./client.js";
export { resolveBaseUrl, isLoopbackHost, BaseUrlError } from "./base-url.js";
export { parseRetryAfter } from "./retry-after.js";
export { backoffDelay, DEFAULT_BACKOFF, FORBIDDEN_BACKOFF, forbiddenDelay, type BackoffOptions } from "./backoff.js";
export { RateBudget, type RateBudgetOptions, type Lease, type SlotKind, type Clock } from "./rate-budget.js";
export * from "./types.js";
