// The ActiveCampaign API v3 client over undici: one keep-alive connection pool to the account's origin, one rate
// budget (rate-budget.ts), retries per DESIGN.md decision 2, zod-checked responses (schemas.ts).
//
// Secrets: the key goes into the Api-Token header and nowhere else. Errors and events name endpoints by path
// template ("GET /contacts/{id}/contactLists"), never by real path (which could carry an email), and every text that
// came from the server is scrubbed of the key before it is kept.
import { Pool } from "undici";
import type { z } from "zod";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js";
import { RateBudget, type Lease, type SlotKind } from "./rate-budget.js";
import { parseRetryAfter } from "./retry-after.js";
import * as S from "./schemas.js";
import {
  AcRequestError,
  ApiKeyRejectedError,
  BULK_MAX_BYTES,
  BULK_MAX_CONTACTS,
  type AcClient,
  type AcClientEvent,
  type AcClientStats,
  type AcContact,
  type AcContactList,
  type AcContactTag,
  type AcField,
  type AcList,
  type AcTag,
  type BulkContact,
  type BulkRejection,
  type ImportInfo,
  type SyncContactInput,
} from "./types.js";

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
  /** Retries of a 403 once the key was accepted (ActiveCampaign sends intermittent 403s). @default 2 */
  maxForbiddenRetries?: number;
  /** Retries after rate-limit answers (429, 503 with Retry-After, bulk "Rate limit exceeded."), per call. @default 30 */
  maxThrottleRetries?: number;
  /** Retry and throttle events, for logs. Never carries the key. */
  onEvent?: (event: AcClientEvent) => void;
  /** Backoff for 5xx, resets, timeouts (full jitter). @default { baseMs: 500, capMs: 30_000 } divided by timeScale */
  backoff?: Partial<BackoffOptions>;
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
}

type Method = "GET" | "POST" | "DELETE";

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON, when the body is JSON. */
  json: unknown;
  body: "json" | "empty" | "html" | "invalid";
}

interface Call<T> {
  method: Method;
  /** Path template for stats, events and errors: "/contacts/{id}/contactLists". */
  template: string;
  /** Real path under the base URL, with query string. */
  path: string;
  body?: unknown;
  slot?: SlotKind;
  /** 2xx: the result. Absent: any 2xx body is fine and the result is undefined. */
  ok?: (json: unknown) => T;
  /** Non-2xx statuses a call turns into a result (e.g. 404 → null). Return undefined for the default handling. */
  onError?: (res: Response) => { value: T } | undefined;
}

/** Decision after one attempt. */
type Outcome<T> =
  | { kind: "done"; value: T }
  | { kind: "fail"; error: Error }
  | {
      kind: "retry";
      reason: string;
      status?: number;
      /**
       * A rate-limit answer: the budget learns from it (Lease.rateLimited) and pauses `pauseMs` (Retry-After, or
       * what the bulk window needs) instead of this call sleeping a backoff.
       */
      limit?: { scope: "all" | "bulk"; pauseMs: number };
      /** Server may have received the request (matters for bulk imports). */
      received: boolean;
      describe: string;
      forbidden?: boolean;
    };

const BULK_RATE_LIMIT = /rate limit exceeded/i;
const NOT_FOUND_MESSAGE = /no result found/i;
const MAX_PAGES = 1000;

const RETRYABLE_CODES: Record<string, string> = {
  ECONNRESET: "reset",
  EPIPE: "reset",
  UND_ERR_SOCKET: "reset",
  UND_ERR_CLOSED: "reset",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "reset",
  ECONNREFUSED: "connect",
  ENOTFOUND: "connect",
  EAI_AGAIN: "connect",
  EHOSTUNREACH: "connect",
  ENETUNREACH: "connect",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  ETIMEDOUT: "timeout",
};

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && RETRYABLE_CODES[code]) return code;
  }
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

/** Bytes of the body bulkImport sends for these contacts (what BULK_MAX_BYTES limits). */
export function bulkPayloadBytes(contacts: BulkContact[]): number {
  return Buffer.byteLength(JSON.stringify({ contacts }), "utf8");
}

export function createAcClient(options: AcClientOptions): AcClient {
  const { apiKey, hostname } = options;
  if (!apiKey) throw new Error("ActiveCampaign API key is empty; set AC_API_KEY");
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const timeScale = options.timeScale ?? 1;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 8;
  const maxForbiddenRetries = options.maxForbiddenRetries ?? 2;
  const maxThrottleRetries = options.maxThrottleRetries ?? 30;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 600_000;
  const backoff: BackoffOptions = {
    baseMs: options.backoff?.baseMs ?? DEFAULT_BACKOFF.baseMs / timeScale,
    capMs: options.backoff?.capMs ?? DEFAULT_BACKOFF.capMs / timeScale,
  };
  const userSignal = options.signal;
  const budget = new RateBudget({
    requestsPerSecond: options.rateLimit.requestsPerSecond,
    bulkRequestsPerMinute: options.rateLimit.bulkRequestsPerMinute,
    timeScale,
    ...(options.safetyMarginMs !== undefined && { safetyMarginMs: options.safetyMarginMs }),
  });
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 8,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: Math.min(timeoutMs, 30_000) },
  });

  const requestsByEndpoint: Record<string, number> = {};
  const retriesByReason: Record<string, number> = {};
  let bulkResends = 0;
  let closed = false;
  const inFlight = new Set<AbortController>();

  // The key is "unknown" until a response proves it works. Until then one attempt at a time goes out, so a wrong key
  // costs exactly one request, however many calls the engine starts at once.
  let keyState: "unknown" | "confirmed" | "rejected" = "unknown";
  let gateHeld = false;
  let gateWaiters: Array<() => void> = [];
  const releaseGate = () => {
    gateHeld = false;
    const waiters = gateWaiters;
    gateWaiters = [];
    for (const w of waiters) w();
  };

  const scrub = (text: string): string => (apiKey.length >= 4 ? text.split(apiKey).join("***") : text);
  /** A server-provided message, scrubbed, on one line, cut to a readable length. */
  const short = (text: string): string => {
    const flat = scrub(text).replace(/\s+/g, " ").trim();
    return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
  };
  /** A JSON-able value with the key replaced wherever it appears (for things that came from the server). */
  const scrubDeep = <T,>(value: T): T => JSON.parse(scrub(JSON.stringify(value))) as T;
  const emit = (event: AcClientEvent) => {
    if (!options.onEvent) return;
    try {
      options.onEvent(scrubDeep(event));
    } catch {
      // A failing log sink must not fail the sync.
    }
  };
  const excerpt = (res: Pick<Response, "text" | "body">): string => {
    // Scrub before cutting, so a cut can never leave half a key behind.
    const text = scrub(res.text);
    if (res.body === "html") {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim();
      return `HTML page${title ? ` "${title.slice(0, 120)}"` : ""}`;
    }
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
  };
  const safeBody = (res: Response): unknown => {
    if (res.body !== "json") return res.text ? excerpt(res) : undefined;
    try {
      const s = JSON.stringify(res.json);
      return JSON.parse(scrub(s.length > 2000 ? JSON.stringify(excerpt(res)) : s));
    } catch {
      return undefined;
    }
  };

  const onUserAbort = () => {
    budget.cancelAll(userSignal!.reason);
    for (const c of inFlight) c.abort(userSignal!.reason);
    releaseGate();
  };
  userSignal?.addEventListener("abort", onUserAbort, { once: true });

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (userSignal?.aborted) return reject(userSignal.reason);
      const t = setTimeout(() => {
        userSignal?.removeEventListener("abort", abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(t);
        reject(userSignal!.reason);
      };
      userSignal?.addEventListener("abort", abort, { once: true });
    });
  }

  async function send(call: Call<unknown>, onHeaders: () => void): Promise<Response> {
    const controller = new AbortController();
    inFlight.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("timeout"));
    }, timeoutMs);
    try {
      const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
      const res = await pool.request({
        path: basePath + call.path,
        method: call.method,
        headers: {
          "api-token": apiKey,
          accept: "application/json",
          "user-agent": "activecampaign-exports",
          ...(payload !== undefined && { "content-type": "application/json" }),
        },
        ...(payload !== undefined && { body: payload }),
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      onHeaders();
      const text = await res.body.text();
      const contentType = String(res.headers["content-type"] ?? "");
      const trimmed = text.trim();
      let body: Response["body"];
      let json: unknown;
      if (/text\/html/i.test(contentType) || /^<(!doctype|html|head|body|\?xml)/i.test(trimmed)) body = "html";
      else if (trimmed === "") body = "empty";
      else {
        try {
          json = JSON.parse(trimmed);
          body = "json";
        } catch {
          body = "invalid";
        }
      }
      return { status: res.statusCode, headers: res.headers, text, json, body };
    } catch (e) {
      if (userSignal?.aborted) throw userSignal.reason;
      if (timedOut) throw Object.assign(new Error("timeout"), { code: "ETIMEDOUT" });
      throw e;
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
    }
  }

  /** Classify one response. */
  function judge<T>(call: Call<T>, endpoint: string, res: Response): Outcome<T> {
    const { status } = res;
    const isBulk = call.slot === "bulk" || call.slot === "bulk-single";
    const message = S.errorMessageOf(res.json);
    const fail = (what: string): Outcome<T> => ({
      kind: "fail",
      error: new AcRequestError(scrub(`ActiveCampaign ${endpoint} ${what}`), status, endpoint, safeBody(res)),
    });
    if (status >= 200 && status < 300) {
      keyState = "confirmed";
      if (!call.ok) return { kind: "done", value: undefined as T };
      if (res.body !== "json") {
        const reason = res.body === "html" ? "html" : res.body === "empty" ? "empty-body" : "truncated";
        const what = reason === "html" ? excerpt(res) : reason === "empty-body" ? "an empty body" : "a truncated or invalid JSON body";
        return { kind: "retry", reason, status, received: true, describe: `HTTP ${status} with ${what} where JSON was expected` };
      }
      try {
        return { kind: "done", value: call.ok(res.json) };
      } catch (e) {
        const issues = (e as z.ZodError).issues?.slice(0, 3).map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
        return fail(`returned HTTP ${status} with an unexpected body (${issues ?? "unreadable"}): ${excerpt(res)}`);
      }
    }
    if (status === 401 || status === 403) {
      if (keyState !== "confirmed") {
        keyState = "rejected";
        emit({ type: "key-rejected", endpoint, status });
        return { kind: "fail", error: new ApiKeyRejectedError(hostname) };
      }
      const mapped = call.onError?.(res);
      if (mapped) return { kind: "done", value: mapped.value };
      if (message && NOT_FOUND_MESSAGE.test(message)) return fail(`failed with HTTP ${status}: ${short(message)}`);
      return { kind: "retry", reason: String(status), status, received: true, forbidden: true, describe: `HTTP ${status}: ${excerpt(res)}` };
    }
    const retryAfter = parseRetryAfter(res.headers["retry-after"]);
    const clamp = (ms: number) => Math.min(ms, maxRetryAfterMs);
    if (isBulk && (status === 400 || status === 429) && message && BULK_RATE_LIMIT.test(message)) {
      // How long to wait is decided once the budget has taken this refusal into account (see request()).
      return { kind: "retry", reason: "bulk-rate-limit", status, received: false, limit: { scope: "bulk", pauseMs: clamp(retryAfter ?? 0) }, describe: `HTTP ${status}: ${short(message)}` };
    }
    if (status === 429 || (status === 503 && retryAfter !== undefined)) {
      // 429 (and 503 with Retry-After, which ActiveCampaign has also sent at the rate limit) holds the whole account.
      const wait = retryAfter ?? backoffDelay(0, backoff) + backoff.baseMs;
      return { kind: "retry", reason: String(status), status, received: false, limit: { scope: "all", pauseMs: clamp(wait) }, describe: `HTTP ${status}${retryAfter !== undefined ? ` (Retry-After ${res.headers["retry-after"]})` : ""}` };
    }
    if (status >= 500 || status === 408) {
      // 500 and 503 keep their own names (the API's error and its overload answer); other 5xx HTML pages (a
      // Cloudflare 504 "Gateway time-out", a 502) are "html".
      const reason = res.body === "html" && status !== 500 && status !== 503 ? "html" : String(status);
      return { kind: "retry", reason, status, received: true, describe: `HTTP ${status}: ${excerpt(res)}` };
    }
    // Any other 4xx: the request got past authentication, so the key works.
    keyState = "confirmed";
    const mapped = call.onError?.(res);
    if (mapped) return { kind: "done", value: mapped.value };
    return fail(`failed with HTTP ${status}: ${message ? short(message) : excerpt(res) || "(empty body)"}`);
  }

  async function request<T>(call: Call<T>): Promise<T> {
    const endpoint = `${call.method} ${call.template}`;
    let retries = 0;
    let faultRetries = 0;
    let throttleRetries = 0;
    let forbiddenRetries = 0;
    for (;;) {
      if (userSignal?.aborted) throw userSignal.reason;
      if (closed) throw new AcRequestError(`ActiveCampaign client is closed (${endpoint})`, undefined, endpoint);
      if (keyState === "rejected") throw new ApiKeyRejectedError(hostname);
      if (keyState === "unknown" && gateHeld) {
        await new Promise<void>((resolve) => gateWaiters.push(resolve));
        continue;
      }
      const holdsGate = keyState === "unknown";
      if (holdsGate) gateHeld = true;
      let outcome: Outcome<T>;
      let lease: Lease | undefined;
      try {
        lease = await budget.acquire(call.slot ?? "general", userSignal);
        // Another call may have learnt meanwhile that the key is wrong (TS cannot see that across the await).
        if ((keyState as string) === "rejected") {
          lease.done();
          throw new ApiKeyRejectedError(hostname);
        }
        requestsByEndpoint[endpoint] = (requestsByEndpoint[endpoint] ?? 0) + 1;
        try {
          // The slot is given back when the response headers arrive (or the attempt fails): see rate-budget.ts.
          outcome = judge(call, endpoint, await send(call as Call<unknown>, lease.done));
        } catch (e) {
          if (userSignal?.aborted) throw userSignal.reason;
          const code = errorCode(e);
          const reason = code ? RETRYABLE_CODES[code] : undefined;
          if (!reason) {
            throw new AcRequestError(
              scrub(`ActiveCampaign ${endpoint} failed: ${code ? `${code} ` : ""}${e instanceof Error ? e.message : String(e)}`),
              undefined,
              endpoint,
            );
          }
          outcome = { kind: "retry", reason, received: reason !== "connect", describe: `${reason === "timeout" ? `no complete response within ${timeoutMs} ms` : `connection error ${code}`}` };
        } finally {
          lease.done();
        }
      } finally {
        if (holdsGate) releaseGate();
      }
      if (outcome.kind === "done") return outcome.value;
      if (outcome.kind === "fail") {
        if (outcome.error instanceof ApiKeyRejectedError) {
          budget.cancelAll(outcome.error);
          releaseGate();
        }
        throw outcome.error;
      }
      // A rate-limit answer says when to come back; it is not a fault, so it has its own (larger) allowance.
      const exhausted = outcome.limit
        ? ++throttleRetries > maxThrottleRetries
        : (outcome.forbidden && ++forbiddenRetries > maxForbiddenRetries) || ++faultRetries > maxRetries;
      if (exhausted) {
        const attempts = retries + 1;
        throw new AcRequestError(
          scrub(`ActiveCampaign ${endpoint} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}; last: ${outcome.describe}`),
          outcome.status,
          endpoint,
        );
      }
      retries++;
      retriesByReason[outcome.reason] = (retriesByReason[outcome.reason] ?? 0) + 1;
      const resend = (call.slot === "bulk" || call.slot === "bulk-single") && outcome.received;
      if (resend) bulkResends++;
      if (outcome.limit) {
        const { scope } = outcome.limit;
        // The server refused although our count had room: the budget takes this request out of its window and
        // lowers its ceiling to what the server evidently allows (rate-budget.ts), so the waiting requests go one per
        // freed slot, never all at once again.
        const ours = lease!.rateLimited(scope);
        let pauseMs = outcome.limit.pauseMs;
        // Bulk "Rate limit exceeded." with none of ours in the window: someone else used the account's bulk budget;
        // wait a whole window. Otherwise the next bulk import goes when our oldest one leaves the window.
        if (scope === "bulk" && ours === 0) pauseMs = Math.max(pauseMs, budget.bulkWindowWaitMs());
        if (pauseMs > 0) budget.pause(pauseMs, scope);
        const waitMs = scope === "bulk" ? Math.max(pauseMs, budget.bulkWindowWaitMs()) : pauseMs;
        emit({ type: "throttle", endpoint, scope, reason: outcome.reason, ...(outcome.status !== undefined && { status: outcome.status }), delayMs: Math.round(waitMs) });
        emit({ type: "retry", endpoint, reason: outcome.reason, ...(outcome.status !== undefined && { status: outcome.status }), attempt: retries, delayMs: 0 });
      } else {
        const delayMs = backoffDelay(retries - 1, backoff);
        emit({ type: "retry", endpoint, reason: outcome.reason, ...(outcome.status !== undefined && { status: outcome.status }), attempt: retries, delayMs, ...(resend && { resend: true }) });
        await sleep(delayMs);
      }
    }
  }

  const parse =
    <Sch extends z.ZodType>(schema: Sch) =>
    (json: unknown): z.output<Sch> =>
      schema.parse(json);
  const id = (n: number, what: string): string => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number; got ${n}`);
    return String(n);
  };

  async function pages<Item>(
    template: string,
    pathFor: (offset: number) => string,
    schema: z.ZodType<{ items: Item[]; total: number | undefined }>,
    stop?: (page: Item[]) => boolean,
  ): Promise<Item[]> {
    const all: Item[] = [];
    const seen = new Set<string>();
    for (let page = 0, offset = 0; page < MAX_PAGES; page++, offset += 100) {
      const { items, total } = await request({ method: "GET", template, path: pathFor(offset), ok: parse(schema) });
      let fresh = 0;
      for (const item of items) {
        const key = JSON.stringify(item);
        if (!seen.has(key)) {
          seen.add(key);
          all.push(item);
          fresh++;
        }
      }
      if (stop?.(items)) break;
      if (items.length === 0 || fresh === 0 || (total !== undefined ? all.length >= total : items.length < 100)) break;
    }
    return all;
  }

  const client: AcClient = {
    async checkKey() {
      await request({ method: "GET", template: "/users/me", path: "/users/me", ok: (json) => json });
    },

    getList(listId) {
      return request<AcList | null>({
        method: "GET",
        template: "/lists/{id}",
        path: `/lists/${id(listId, "list id")}`,
        ok: (json) => {
          const { list } = S.listResponse.parse(json);
          return { id: list.id, name: list.name };
        },
        onError: (res) =>
          res.status === 404 || (res.status === 403 && NOT_FOUND_MESSAGE.test(S.errorMessageOf(res.json) ?? ""))
            ? { value: null }
            : undefined,
      });
    },

    listFields() {
      return pages<AcField>(
        "/fields",
        (offset) => `/fields?limit=100&offset=${offset}`,
        S.fieldsResponse.transform((r) => ({
          items: r.fields.map((f) => ({ id: f.id, title: f.title, perstag: f.perstag ?? "", type: f.type ?? "" })),
          total: r.meta?.total,
        })),
      );
    },

    async bulkImport(contacts: BulkContact[]) {
      // Over-limit batches are the caller's bug: refuse them before they cost a bulk slot.
      if (contacts.length === 0 || contacts.length > BULK_MAX_CONTACTS) {
        throw new RangeError(`bulkImport takes 1-${BULK_MAX_CONTACTS} contacts; got ${contacts.length}`);
      }
      const bytes = bulkPayloadBytes(contacts);
      if (bytes >= BULK_MAX_BYTES) {
        throw new RangeError(`bulkImport body is ${bytes} bytes; it must be under ${BULK_MAX_BYTES} (split the batch; see bulkPayloadBytes)`);
      }
      return request<{ batchId: string } | { rejected: BulkRejection }>({
        method: "POST",
        template: "/import/bulk_import",
        path: "/import/bulk_import",
        body: { contacts },
        slot: contacts.length === 1 ? "bulk-single" : "bulk",
        ok: (json) => {
          const queued = S.bulkQueuedResponse.safeParse(json);
          if (queued.success) return { batchId: queued.data.batchId };
          // Some failures come back inside a 2xx ({"success":0,…}); anything else is an unexpected shape.
          const failed = S.bulkFailureResponse.parse(json);
          if (failed.message === undefined && failed.failureReasons === undefined) throw queued.error;
          return { rejected: scrubDeep({ message: failed.message ?? "import not queued", failureReasons: failed.failureReasons ?? [] }) };
        },
        onError: (res) => {
          if ((res.status !== 400 && res.status !== 422) || res.body !== "json") return undefined;
          const failed = S.bulkFailureResponse.safeParse(res.json);
          if (!failed.success) return undefined;
          const message = failed.data.message ?? S.errorMessageOf(res.json) ?? `HTTP ${res.status} without a reason`;
          return { value: { rejected: scrubDeep({ message, failureReasons: failed.data.failureReasons ?? [] }) } };
        },
      });
    },

    importInfo(batchId) {
      return request<ImportInfo>({
        method: "GET",
        template: "/import/info",
        path: `/import/info?batchId=${encodeURIComponent(batchId)}`,
        ok: parse(S.importInfoResponse),
      });
    },

    syncContact(input: SyncContactInput) {
      const contact = {
        email: input.email,
        ...(input.firstName !== undefined && { firstName: input.firstName }),
        ...(input.lastName !== undefined && { lastName: input.lastName }),
        ...(input.phone !== undefined && { phone: input.phone }),
        ...(input.fieldValues?.length && { fieldValues: input.fieldValues.map((f) => ({ field: String(f.field), value: f.value })) }),
      };
      return request<AcContact>({
        method: "POST",
        template: "/contact/sync",
        path: "/contact/sync",
        body: { contact },
        ok: (json) => S.contactSyncResponse.parse(json).contact,
      });
    },

    findContactByEmail(email) {
      return request<AcContact | null>({
        method: "GET",
        template: "/contacts",
        path: `/contacts?email=${encodeURIComponent(email)}`,
        ok: (json) => {
          const wanted = email.trim().toLowerCase();
          return S.contactsResponse.parse(json).contacts.find((c) => c.email.trim().toLowerCase() === wanted) ?? null;
        },
      });
    },

    async *listContactEmails(listId, status) {
      // Paged by id (orders[id]=ASC + id_greater), which FACTS.md §4 recommends over offset for large lists.
      let after = 0;
      for (let page = 0; page < 100_000; page++) {
        const contacts = await request({
          method: "GET",
          template: "/contacts",
          path: `/contacts?listid=${listId}&status=${status}&limit=100&orders%5Bid%5D=ASC&id_greater=${after}`,
          ok: (json) => S.contactsResponse.parse(json).contacts,
        });
        for (const c of contacts) yield c.email;
        const last = contacts.reduce((max, c) => Math.max(max, c.id), after);
        if (contacts.length < 100 || last <= after) return;
        after = last;
      }
    },

    contactLists(contactId) {
      return request<AcContactList[]>({
        method: "GET",
        template: "/contacts/{id}/contactLists",
        path: `/contacts/${id(contactId, "contact id")}/contactLists`,
        ok: (json) => S.contactListsResponse.parse(json).contactLists,
      });
    },

    async setListStatus(contactId, listId, status, sourceid) {
      const result = await request<AcContactList | undefined>({
        method: "POST",
        template: "/contactLists",
        path: "/contactLists",
        body: {
          contactList: { list: Number(id(listId, "list id")), contact: Number(id(contactId, "contact id")), status, ...(sourceid !== undefined && { sourceid }) },
        },
        ok: (json) => {
          const r = S.contactListResponse.safeParse(json);
          if (r.success) return r.data.contactList;
          if (json && typeof json === "object" && !("contactList" in json)) return undefined; // e.g. `{}`: read it back
          throw r.error;
        },
      });
      if (result) return result;
      const membership = (await client.contactLists(contactId)).find((m) => m.list === listId);
      if (!membership) {
        throw new AcRequestError(`ActiveCampaign POST /contactLists answered without a membership, and contact ${contactId} has none for list ${listId}`, undefined, "POST /contactLists");
      }
      return membership;
    },

    async findTag(name) {
      const wanted = name.trim().toLowerCase();
      const found = await pages<AcTag>(
        "/tags",
        (offset) => `/tags?search=${encodeURIComponent(name)}&limit=100&offset=${offset}`,
        S.tagsResponse.transform((r) => ({ items: r.tags.map((t) => ({ id: t.id, tag: t.tag })), total: r.meta?.total })),
        (page) => page.some((t) => t.tag.trim().toLowerCase() === wanted),
      );
      return found.find((t) => t.tag.trim().toLowerCase() === wanted) ?? null;
    },

    contactTags(contactId) {
      return request<AcContactTag[]>({
        method: "GET",
        template: "/contacts/{id}/contactTags",
        path: `/contacts/${id(contactId, "contact id")}/contactTags`,
        ok: (json) => S.contactTagsResponse.parse(json).contactTags,
      });
    },

    async addContactTag(contactId, tagId) {
      const result = await request<AcContactTag | undefined>({
        method: "POST",
        template: "/contactTags",
        path: "/contactTags",
        body: { contactTag: { contact: id(contactId, "contact id"), tag: id(tagId, "tag id") } },
        ok: (json) => {
          const r = S.contactTagResponse.safeParse(json);
          if (r.success) return r.data.contactTag;
          if (json && typeof json === "object" && !("contactTag" in json)) return undefined;
          throw r.error;
        },
      });
      if (result) return result;
      const tag = (await client.contactTags(contactId)).find((t) => t.tag === tagId);
      if (!tag) {
        throw new AcRequestError(`ActiveCampaign POST /contactTags answered without a contactTag, and contact ${contactId} does not have tag ${tagId}`, undefined, "POST /contactTags");
      }
      return tag;
    },

    async removeContactTag(contactTagId) {
      await request<void>({
        method: "DELETE",
        template: "/contactTags/{id}",
        path: `/contactTags/${id(contactTagId, "contactTag id")}`,
        // Already gone (e.g. a retry after a reset that the server did process): the goal is reached.
        onError: (res) => (res.status === 404 ? { value: undefined } : undefined),
      });
    },

    stats(): AcClientStats {
      return {
        requestsByEndpoint: { ...requestsByEndpoint },
        retriesByReason: { ...retriesByReason },
        throttledMs: Math.round(budget.throttledMs()),
        bulkResends,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      userSignal?.removeEventListener("abort", onUserAbort);
      budget.cancelAll(new AcRequestError("ActiveCampaign client closed while the request waited for the rate budget", undefined, "(closed)"));
      releaseGate();
      await (userSignal?.aborted ? pool.destroy() : pool.close());
    },
  };
  return client;
}
