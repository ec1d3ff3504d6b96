// The ActiveCampaign API v3 client, composed of layers as undici composes its own: transport.ts sends one request over
// an undici keep-alive pool and classifies the body; decide.ts says, with no I/O, what an answer means; retry-loop.ts
// carries a call from first attempt to result through the key gate (key-gate.ts) and the rate budget
// (rate-budget.ts); paging.ts walks collections; endpoints/ describes the calls, grouped by resource. Retries follow
// DESIGN.md decision 2; responses are zod-checked (schemas.ts).
//
// Secrets: the key goes into the Api-Token header and nowhere else. Errors and events name endpoints by path
// template ("GET /contacts/{id}/contactLists"), never by real path (which could carry an email), and every text that
// came from the server is scrubbed of the key before it is kept (redact.ts).
import { DEFAULT_BACKOFF, FORBIDDEN_BACKOFF, type BackoffOptions } from "./backoff.js";
import type { DecisionPolicy } from "./decide.js";
import { accountEndpoints } from "./endpoints/account.js";
import { bulkImportEndpoints } from "./endpoints/bulk-import.js";
import type { EndpointContext } from "./endpoints/common.js";
import { contactEndpoints } from "./endpoints/contacts.js";
import { fieldEndpoints } from "./endpoints/fields.js";
import { listEndpoints } from "./endpoints/lists.js";
import { tagEndpoints } from "./endpoints/tags.js";
import { KeyGate } from "./key-gate.js";
import { RateBudget } from "./rate-budget.js";
import { createRedactor } from "./redact.js";
import { createRetryLoop } from "./retry-loop.js";
import { createTransport } from "./transport.js";
import { AcRequestError, type AcClient, type AcClientEvent, type AcClientStats } from "./types.js";

export { bulkPayloadBytes } from "./endpoints/bulk-import.js";

/** Defaults of AcClientOptions (documented there). */
const DEFAULTS = {
  timeoutMs: 60_000,
  maxRetries: 8,
  maxForbiddenRetries: 4,
  maxThrottleRetries: 30,
  maxRetryAfterMs: 600_000,
  connections: 8,
  /**
   * Far above any answer the client asks for (a page of 100 contacts is well under 1 MB; bulk import answers are a
   * few hundred bytes), far below what would strain the job: a proxy streaming garbage fails the call at 8 MiB.
   */
  maxBodyBytes: 8 * 1024 * 1024,
} as const;

export interface AcClientOptions {
  /** https://<hostname>/api/3, or a loopback sandbox URL (see resolveBaseUrl). */
  baseUrl: string;
  apiKey: string;
  /** The connection's hostname, for messages ("API key rejected for <hostname>"). */
  hostname: string;
  rateLimit: { requestsPerSecond: number; bulkRequestsPerMinute: number };
  /** Aborts every waiting and in-flight request of the client. */
  signal?: AbortSignal;
  /** Per attempt, from sending to the last byte of the response. @default 60_000 */
  timeoutMs?: number;
  /** Retries per call after faults (5xx, HTML pages, resets, timeouts, bad bodies, 403s). @default 8 */
  maxRetries?: number;
  /**
   * Retries of a 401/403, the first request's included: ActiveCampaign sends intermittent 403s for a good key
   * (REAL-ACCOUNT.md F15), so a wrong key is "rejected" after 1 + this many requests. @default 4 (5 tries)
   */
  maxForbiddenRetries?: number;
  /** Retries after rate-limit answers (429, 503 with Retry-After, bulk "Rate limit exceeded."), per call. @default 30 */
  maxThrottleRetries?: number;
  /** Retry and throttle events, for logs. Never carries the key. */
  onEvent?: (event: AcClientEvent) => void;
  /** Backoff for 5xx, resets, timeouts (full jitter). @default { baseMs: 500, capMs: 30_000 } divided by timeScale */
  backoff?: Partial<BackoffOptions>;
  /** Backoff after a 401/403 (equal jitter). @default { baseMs: 2_000, capMs: 30_000 } divided by timeScale */
  forbiddenBackoff?: Partial<BackoffOptions>;
  /** Longest Retry-After honoured, ms; longer ones are clamped. @default 600_000 */
  maxRetryAfterMs?: number;
  /**
   * For a sandbox started with --time-scale N: rate windows (and the default backoff) are N times shorter.
   * @default 1
   */
  timeScale?: number;
  /** Extra spacing per rate window, ms (see RateBudgetOptions). */
  safetyMarginMs?: number;
  /** Keep-alive connections to the origin. @default 8 */
  connections?: number;
  /** Longest response body read, bytes; a longer one fails the call at once (not retried). @default 8 MiB */
  maxBodyBytes?: number;
}

export function createAcClient(options: AcClientOptions): AcClient {
  const { apiKey, hostname } = options;
  if (!apiKey) throw new Error("ActiveCampaign API key is empty; set AC_API_KEY");
  const signal = options.signal;
  const timeScale = options.timeScale ?? 1;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const redact = createRedactor(apiKey);
  const backoff: BackoffOptions = {
    baseMs: options.backoff?.baseMs ?? DEFAULT_BACKOFF.baseMs / timeScale,
    capMs: options.backoff?.capMs ?? DEFAULT_BACKOFF.capMs / timeScale,
  };
  const forbiddenBackoff: BackoffOptions = {
    baseMs: options.forbiddenBackoff?.baseMs ?? FORBIDDEN_BACKOFF.baseMs / timeScale,
    capMs: options.forbiddenBackoff?.capMs ?? FORBIDDEN_BACKOFF.capMs / timeScale,
  };
  const policy: DecisionPolicy = {
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    maxForbiddenRetries: options.maxForbiddenRetries ?? DEFAULTS.maxForbiddenRetries,
    maxThrottleRetries: options.maxThrottleRetries ?? DEFAULTS.maxThrottleRetries,
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
    backoff,
    forbiddenBackoff,
    timeoutMs,
    hostname,
    redact,
  };
  const budget = new RateBudget({
    requestsPerSecond: options.rateLimit.requestsPerSecond,
    bulkRequestsPerMinute: options.rateLimit.bulkRequestsPerMinute,
    timeScale,
    ...(options.safetyMarginMs !== undefined && { safetyMarginMs: options.safetyMarginMs }),
    // Evenly spaced, never in bursts: the account's other integrations share its rolling second (REAL-ACCOUNT.md F6).
    spread: true,
    // The rate in force changed (a share of the connection's budget, a rate signal, a recovery step): log it.
    onRateChange: (change) => emit({ type: "rate", ...change }),
  });
  const transport = createTransport({
    baseUrl: options.baseUrl,
    apiKey,
    timeoutMs,
    connections: options.connections ?? DEFAULTS.connections,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    ...(signal && { signal }),
  });
  const gate = new KeyGate();
  let closed = false;

  const emit = (event: AcClientEvent) => {
    if (!options.onEvent) return;
    try {
      options.onEvent(redact.scrubDeep(event));
    } catch {
      // A failing log sink must not fail the sync.
    }
  };
  const loop = createRetryLoop({ transport, budget, gate, policy, ...(signal && { signal }), emit, isClosed: () => closed });

  const onUserAbort = () => {
    budget.cancelAll(signal!.reason);
    transport.abortAll(signal!.reason);
    gate.release();
  };
  signal?.addEventListener("abort", onUserAbort, { once: true });

  const context: EndpointContext = { send: loop.request, redact };
  return {
    ...accountEndpoints(context),
    ...listEndpoints(context),
    ...fieldEndpoints(context),
    ...contactEndpoints(context),
    ...tagEndpoints(context),
    ...bulkImportEndpoints(context),

    stats(): AcClientStats {
      return { ...loop.counts(), throttledMs: Math.round(budget.throttledMs()), rate: budget.rateStats() };
    },

    setRateShare(share) {
      budget.setShare(share);
      return budget.drained(share, signal);
    },

    async close() {
      if (closed) return;
      closed = true;
      signal?.removeEventListener("abort", onUserAbort);
      budget.cancelAll(new AcRequestError("ActiveCampaign client closed while the request waited for the rate budget", undefined, "(closed)"));
      gate.release();
      await transport.close(signal?.aborted === true);
    },
  };
}
