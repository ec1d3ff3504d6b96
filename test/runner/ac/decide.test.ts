// decide(): what one answer means, as a table, with no HTTP. Every row is what the client did before the split (the
// scripted-server tests in client-stub.test.ts check the same rules end to end).
import { describe, expect, it } from "vitest";
import type { AcResponse, Call } from "../../../runner/ac/call.js";
import { decide, FIRST_ATTEMPT, type Attempt, type Decision, type DecisionPolicy, type Observed } from "../../../runner/ac/decide.js";
import { createRedactor } from "../../../runner/ac/redact.js";
import * as S from "../../../runner/ac/schemas.js";
import { classifyBody } from "../../../runner/ac/transport.js";
import { AcRequestError, ApiKeyRejectedError } from "../../../runner/ac/types.js";
import { CLOUDFLARE_504 } from "./stub-server.js";

const KEY = "decide-key-0123456789";
const NOW = Date.parse("Tue, 01 Dec 2026 12:00:00 GMT");
const policy: DecisionPolicy = {
  maxRetries: 8,
  maxForbiddenRetries: 4,
  maxThrottleRetries: 30,
  maxRetryAfterMs: 600_000,
  backoff: { baseMs: 100, capMs: 1000 },
  forbiddenBackoff: { baseMs: 1000, capMs: 6000 },
  timeoutMs: 2000,
  hostname: "acme.api-us1.com",
  redact: createRedactor(KEY),
  random: () => 0.5,
  now: () => NOW,
};

const tags: Call<unknown> = {
  method: "GET",
  template: "/contacts/{id}/contactTags",
  path: "/contacts/7/contactTags",
  ok: (json) => S.contactTagsResponse.parse(json).contactTags,
};
const removeTag: Call<unknown> = {
  method: "DELETE",
  template: "/contactTags/{id}",
  path: "/contactTags/3",
  onError: (res) => (res.status === 404 ? { value: undefined } : undefined),
};
const getList: Call<unknown> = {
  method: "GET",
  template: "/lists/{id}",
  path: "/lists/5",
  ok: (json) => S.listResponse.parse(json).list,
  onError: (res) => (res.status === 404 || (res.status === 403 && /no result found/i.test(S.errorMessageOf(res.json) ?? "")) ? { value: null } : undefined),
};
const usersMe: Call<unknown> = { method: "GET", template: "/users/me", path: "/users/me", ok: (json) => json };
const bulk: Call<unknown> = { method: "POST", template: "/import/bulk_import", path: "/import/bulk_import", slot: "bulk", ok: (json) => json };
const bulkSingle: Call<unknown> = { ...bulk, slot: "bulk-single" };

/** An answer as the transport hands it over: body text classified by content type and shape. */
function answer(status: number, body: unknown, options: { type?: string; headers?: Record<string, string> } = {}): Observed {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = options.type ?? "application/json";
  const headers = { "content-type": type, ...options.headers };
  const response: AcResponse = { status, headers, text, ...classifyBody(type, text) };
  return { response };
}
const failure = (code: string | undefined, message = "socket hang up", cause?: unknown): Observed => ({
  error: Object.assign(new Error(message), code ? { code } : {}, cause ? { cause } : {}),
});

const LATER: Attempt = { ...FIRST_ATTEMPT, keyConfirmed: true };
const after = (retries: number, more: Partial<Attempt> = {}): Attempt => ({ ...LATER, retries, faults: retries, ...more });
const PROXY_PAGE = "<html><head><title>Access denied | corporate proxy</title></head><body>blocked</body></html>";
const RATE_LIMIT = { message: "Rate limit exceeded." };

type Row = [name: string, call: Call<unknown>, observed: Observed, attempt: Attempt, expected: Partial<Decision<unknown>>];
/** Rows whose decision is not a failure: compared field by field (a missing `key` must stay missing). */
const rows: Row[] = [
  ["200 JSON: the result; the key works", tags, answer(200, { contactTags: [{ id: "9", contact: "7", tag: "5" }] }), FIRST_ATTEMPT, { key: "confirmed", kind: "ok", value: [{ id: 9, contact: 7, tag: 5 }] }],
  ["200 to a call that needs no body", removeTag, answer(200, ""), LATER, { key: "confirmed", kind: "ok", value: undefined }],
  ["200 HTML (a proxy page) where JSON was expected", tags, answer(200, PROXY_PAGE, { type: "text/html" }), LATER, { key: "confirmed", kind: "retry", reason: "html", status: 200, delayMs: 50, received: true, forbidden: false }],
  ["200 HTML served as JSON is still HTML", tags, answer(200, CLOUDFLARE_504), LATER, { key: "confirmed", kind: "retry", reason: "html", status: 200, delayMs: 50, received: true, forbidden: false }],
  ["200 empty body", tags, answer(200, ""), LATER, { key: "confirmed", kind: "retry", reason: "empty-body", status: 200, delayMs: 50, received: true, forbidden: false }],
  ["200 truncated JSON", tags, answer(200, '{"contactTags":[{"id":"1","contact":"2","ta'), LATER, { key: "confirmed", kind: "retry", reason: "truncated", status: 200, delayMs: 50, received: true, forbidden: false }],
  ["429 with Retry-After: the whole account pauses that long", tags, answer(429, {}, { headers: { "retry-after": "3" } }), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 3000 }],
  ["429 with a decimal Retry-After", tags, answer(429, {}, { headers: { "retry-after": "0.4" } }), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 400 }],
  ["429 with an HTTP-date Retry-After", tags, answer(429, {}, { headers: { "retry-after": "Tue, 01 Dec 2026 12:00:05 GMT" } }), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 5000 }],
  ["429 without Retry-After: a first backoff plus its base", tags, answer(429, {}), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 150 }],
  ["429 with an unusable Retry-After counts as none", tags, answer(429, {}, { headers: { "retry-after": "soon" } }), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 150 }],
  ["429 with a huge Retry-After is clamped", tags, answer(429, {}, { headers: { "retry-after": "86400" } }), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 600_000 }],
  ["429 before the key is known throttles, it does not judge the key", tags, answer(429, {}, { headers: { "retry-after": "1" } }), FIRST_ATTEMPT, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 1000 }],
  ["503 with Retry-After is a rate-limit answer", tags, answer(503, {}, { headers: { "retry-after": "2" } }), LATER, { kind: "throttle", reason: "503", status: 503, scope: "all", pauseMs: 2000 }],
  ["503 without Retry-After is a fault", tags, answer(503, "Service Unavailable", { type: "text/plain" }), LATER, { kind: "retry", reason: "503", status: 503, delayMs: 50, received: true, forbidden: false }],
  ["503 HTML keeps its own name", tags, answer(503, PROXY_PAGE, { type: "text/html" }), LATER, { kind: "retry", reason: "503", status: 503, delayMs: 50, received: true, forbidden: false }],
  ["500 JSON", tags, answer(500, { message: "boom" }), LATER, { kind: "retry", reason: "500", status: 500, delayMs: 50, received: true, forbidden: false }],
  ["500 HTML keeps its own name", tags, answer(500, PROXY_PAGE, { type: "text/html" }), LATER, { kind: "retry", reason: "500", status: 500, delayMs: 50, received: true, forbidden: false }],
  ["502 as text", tags, answer(502, "Bad Gateway", { type: "text/plain" }), LATER, { kind: "retry", reason: "502", status: 502, delayMs: 50, received: true, forbidden: false }],
  ["502 HTML page is 'html'", tags, answer(502, PROXY_PAGE, { type: "text/html" }), LATER, { kind: "retry", reason: "html", status: 502, delayMs: 50, received: true, forbidden: false }],
  ["504 Cloudflare page is 'html'", tags, answer(504, CLOUDFLARE_504, { type: "text/html; charset=UTF-8" }), LATER, { kind: "retry", reason: "html", status: 504, delayMs: 50, received: true, forbidden: false }],
  ["408 is retried", tags, answer(408, ""), LATER, { kind: "retry", reason: "408", status: 408, delayMs: 50, received: true, forbidden: false }],
  ["5xx before the key is known: retried, the key still unknown", tags, answer(500, {}), FIRST_ATTEMPT, { kind: "retry", reason: "500", status: 500, delayMs: 50, received: true, forbidden: false }],
  ["a bulk import that got a 5xx may have been queued", bulk, answer(502, "Bad Gateway", { type: "text/plain" }), LATER, { kind: "retry", reason: "502", status: 502, delayMs: 50, received: true, forbidden: false }],
  ["ECONNRESET: a reset, the server may have the request", tags, failure("ECONNRESET"), LATER, { kind: "retry", reason: "reset", delayMs: 50, received: true, forbidden: false }],
  ["EPIPE is a reset", tags, failure("EPIPE"), LATER, { kind: "retry", reason: "reset", delayMs: 50, received: true, forbidden: false }],
  ["undici's socket error is a reset", tags, failure("UND_ERR_SOCKET", "other side closed"), LATER, { kind: "retry", reason: "reset", delayMs: 50, received: true, forbidden: false }],
  ["a reset found in the cause chain", tags, failure(undefined, "fetch failed", { code: "ECONNRESET" }), LATER, { kind: "retry", reason: "reset", delayMs: 50, received: true, forbidden: false }],
  ["a retryable cause wins over the outer code", tags, failure("UND_ERR", "wrapped", { code: "ECONNRESET" }), LATER, { kind: "retry", reason: "reset", delayMs: 50, received: true, forbidden: false }],
  ["ECONNREFUSED: never reached the server", bulk, failure("ECONNREFUSED"), LATER, { kind: "retry", reason: "connect", delayMs: 50, received: false, forbidden: false }],
  ["ENOTFOUND is a connect error", tags, failure("ENOTFOUND"), LATER, { kind: "retry", reason: "connect", delayMs: 50, received: false, forbidden: false }],
  ["ETIMEDOUT (the per-attempt timeout)", tags, failure("ETIMEDOUT", "timeout"), LATER, { kind: "retry", reason: "timeout", delayMs: 50, received: true, forbidden: false }],
  ["undici's headers timeout", tags, failure("UND_ERR_HEADERS_TIMEOUT"), LATER, { kind: "retry", reason: "timeout", delayMs: 50, received: true, forbidden: false }],
  ["undici's connect timeout", tags, failure("UND_ERR_CONNECT_TIMEOUT"), LATER, { kind: "retry", reason: "timeout", delayMs: 50, received: true, forbidden: false }],
  ["403 after the key worked: retried, on the forbidden allowance, seconds later", tags, answer(403, { errors: [{ title: "Forbidden", detail: "try later" }] }), LATER, { kind: "retry", reason: "403", status: 403, delayMs: 750, received: true, forbidden: true }],
  ["401 after the key worked is treated like a 403", tags, answer(401, {}), LATER, { kind: "retry", reason: "401", status: 401, delayMs: 750, received: true, forbidden: true }],
  ["403 on the first call (the key check): retried, the key still unknown (F15)", usersMe, answer(403, { message: "Forbidden" }), FIRST_ATTEMPT, { kind: "retry", reason: "403", status: 403, delayMs: 750, received: true, forbidden: true }],
  ["403 'No Result found' on the key check names no object: retried", usersMe, answer(403, { message: "No Result found for User with id 0" }), FIRST_ATTEMPT, { kind: "retry", reason: "403", status: 403, delayMs: 750, received: true, forbidden: true }],
  ["401 on the first call: retried like a 403", tags, answer(401, {}), FIRST_ATTEMPT, { kind: "retry", reason: "401", status: 401, delayMs: 750, received: true, forbidden: true }],
  ["403 'No Result found' on a path without an id, key known: retried", usersMe, answer(403, { message: "No Result found" }), LATER, { kind: "retry", reason: "403", status: 403, delayMs: 750, received: true, forbidden: true }],
  ["403 backoff doubles per forbidden retry (equal jitter: half fixed)", tags, answer(403, {}), after(2, { forbidden: 2 }), { kind: "retry", reason: "403", status: 403, delayMs: 3000, received: true, forbidden: true }],
  ["403 backoff stops at its cap", tags, answer(403, {}), after(3, { forbidden: 3 }), { kind: "retry", reason: "403", status: 403, delayMs: 4500, received: true, forbidden: true }],
  ["the last 403 retry of the key check", usersMe, answer(403, {}), { ...FIRST_ATTEMPT, retries: 3, faults: 3, forbidden: 3 }, { kind: "retry", reason: "403", status: 403, delayMs: 4500, received: true, forbidden: true }],
  ["403 'No Result found' that the call maps (getList → null)", getList, answer(403, { message: "No Result found for List with id 5" }), LATER, { kind: "ok", value: null }],
  ["404 that the call maps (getList → null) confirms the key", getList, answer(404, { message: "Not Found" }), FIRST_ATTEMPT, { key: "confirmed", kind: "ok", value: null }],
  ["404 on DELETE: already gone", removeTag, answer(404, { message: "No Result found" }), LATER, { key: "confirmed", kind: "ok", value: undefined }],
  ["400 'Rate limit exceeded.' on a bulk import: the bulk window", bulk, answer(400, RATE_LIMIT), LATER, { kind: "throttle", reason: "bulk-rate-limit", status: 400, scope: "bulk", pauseMs: 0 }],
  ["400 'Rate limit exceeded.' with Retry-After", bulk, answer(400, RATE_LIMIT, { headers: { "retry-after": "5" } }), LATER, { kind: "throttle", reason: "bulk-rate-limit", status: 400, scope: "bulk", pauseMs: 5000 }],
  ["429 'Rate limit exceeded.' on a single-contact import", bulkSingle, answer(429, RATE_LIMIT, { headers: { "retry-after": "1" } }), LATER, { kind: "throttle", reason: "bulk-rate-limit", status: 429, scope: "bulk", pauseMs: 1000 }],
  ["429 on a bulk import without the message holds the whole account", bulk, answer(429, {}, { headers: { "retry-after": "1" } }), LATER, { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 1000 }],
  ["a rate-limit answer does not use the fault allowance", tags, answer(429, {}, { headers: { "retry-after": "1" } }), after(8), { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 1000 }],
  ["backoff doubles per retry (full jitter: random × ceiling)", tags, answer(500, {}), after(3), { kind: "retry", reason: "500", status: 500, delayMs: 400, received: true, forbidden: false }],
  ["backoff stops at its cap", tags, answer(500, {}), after(6), { kind: "retry", reason: "500", status: 500, delayMs: 500, received: true, forbidden: false }],
  ["the last fault retry the allowance covers", tags, answer(500, {}), after(7), { kind: "retry", reason: "500", status: 500, delayMs: 500, received: true, forbidden: false }],
  ["the last throttle retry the allowance covers", tags, answer(429, {}, { headers: { "retry-after": "1" } }), after(29, { faults: 0, throttles: 29 }), { kind: "throttle", reason: "429", status: 429, scope: "all", pauseMs: 1000 }],
];

describe("decide: the table", () => {
  it.each(rows)("%s", (_name, call, observed, attempt, expected) => {
    expect(decide(call, observed, attempt, policy)).toStrictEqual(expected);
  });
});

/** Rows that fail the call: the error's class, message, status and, when set, what the decision learnt about the key. */
type FailRow = [name: string, call: Call<unknown>, observed: Observed, attempt: Attempt, error: { type: typeof AcRequestError | typeof ApiKeyRejectedError; message: string; status?: number }, key?: "confirmed" | "rejected"];
const failRows: FailRow[] = [
  ["403 on the key check, 5 tries spent: the key is rejected", usersMe, answer(403, { message: "No Result found for User with id 0" }), { ...FIRST_ATTEMPT, retries: 4, faults: 4, forbidden: 4 }, { type: ApiKeyRejectedError, message: "API key rejected for acme.api-us1.com (HTTP 403 on the first request); check AC_API_KEY against Settings → Developer" }, "rejected"],
  ["401 on the first call, tries spent: the key is rejected", tags, answer(401, {}), { ...FIRST_ATTEMPT, retries: 4, faults: 4, forbidden: 4 }, { type: ApiKeyRejectedError, message: "API key rejected for acme.api-us1.com (HTTP 403 on the first request); check AC_API_KEY against Settings → Developer" }, "rejected"],
  ["403 'No Result found' naming an object before the key is known: rejected at once", tags, answer(403, { message: "No Result found for User with id 0" }), FIRST_ATTEMPT, { type: ApiKeyRejectedError, message: "API key rejected for acme.api-us1.com (HTTP 403 on the first request); check AC_API_KEY against Settings → Developer" }, "rejected"],
  ["403 on the first call even when the call would map it", getList, answer(403, { message: "No Result found for List with id 5" }), FIRST_ATTEMPT, { type: ApiKeyRejectedError, message: "API key rejected for acme.api-us1.com (HTTP 403 on the first request); check AC_API_KEY against Settings → Developer" }, "rejected"],
  ["403 'No Result found' later, unmapped: fails at once", tags, answer(403, { message: "No Result found for Contact with id 7" }), LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 403: No Result found for Contact with id 7", status: 403 }],
  ["404 unmapped", tags, answer(404, { message: "No Result found for Contact with id 7" }), LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 404: No Result found for Contact with id 7", status: 404 }, "confirmed"],
  ["404 on the first call confirms the key, then fails", tags, answer(404, { message: "Not Found" }), FIRST_ATTEMPT, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 404: Not Found", status: 404 }, "confirmed"],
  ["422 with the API's errors", tags, answer(422, { errors: [{ title: "Contact Email Address is not valid.", detail: "", code: "email_invalid" }] }), LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 422: Contact Email Address is not valid. (email_invalid)", status: 422 }, "confirmed"],
  ["400 'Rate limit exceeded.' on a call that is not a bulk import", tags, answer(400, RATE_LIMIT), LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 400: Rate limit exceeded.", status: 400 }, "confirmed"],
  ["400 with an empty body", tags, answer(400, ""), LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 400: (empty body)", status: 400 }, "confirmed"],
  ["400 with an HTML page", tags, answer(400, PROXY_PAGE, { type: "text/html" }), LATER, { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 400: HTML page "Access denied | corporate proxy"', status: 400 }, "confirmed"],
  ["400 without a message: the body's excerpt", tags, answer(400, { oops: true }), LATER, { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 400: {"oops":true}', status: 400 }, "confirmed"],
  ["200 JSON of an unexpected shape: no retry", tags, answer(200, { contactTags: [{ id: "x", contact: "7", tag: "5" }] }), LATER, { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags returned HTTP 200 with an unexpected body (contactTags.0.id: expected a whole number; got "x"): {"contactTags":[{"id":"x","contact":"7","tag":"5"}]}', status: 200 }, "confirmed"],
  ["an unknown connection error fails at once", tags, failure("EWHAT", "something broke"), LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed: EWHAT something broke" }],
  ["an error without a code fails at once", tags, { error: new TypeError("bad header") }, LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed: bad header" }],
  ["a thrown non-error fails at once", tags, { error: "weird" }, LATER, { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed: weird" }],
  ["faults exhausted (maxRetries 8): 9 attempts", tags, answer(504, CLOUDFLARE_504, { type: "text/html" }), after(8), { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: HTTP 504: HTML page "acme.api-us1.com | 504: Gateway time-out"', status: 504 }],
  ["resets exhausted: no status", tags, failure("ECONNRESET"), after(8), { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: connection error ECONNRESET" }],
  ["timeouts exhausted", tags, failure("ETIMEDOUT", "timeout"), after(8), { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: no complete response within 2000 ms" }],
  ["403s exhausted (maxForbiddenRetries 4): 5 attempts", tags, answer(403, { errors: [{ title: "Forbidden", detail: "try later" }] }), after(4, { forbidden: 4 }), { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags failed after 5 attempts; last: HTTP 403: {"errors":[{"title":"Forbidden","detail":"try later"}]}', status: 403 }],
  ["a 403 also uses the fault allowance", tags, answer(403, {}), after(8, { forbidden: 0 }), { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: HTTP 403: {}", status: 403 }],
  ["2xx HTML exhausted: the key is confirmed all the same", tags, answer(200, PROXY_PAGE, { type: "text/html" }), after(8), { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: HTTP 200 with HTML page "Access denied | corporate proxy" where JSON was expected', status: 200 }, "confirmed"],
  ["2xx empty exhausted", tags, answer(200, ""), after(8), { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: HTTP 200 with an empty body where JSON was expected", status: 200 }, "confirmed"],
  ["2xx truncated exhausted", tags, answer(200, "{"), after(8), { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed after 9 attempts; last: HTTP 200 with a truncated or invalid JSON body where JSON was expected", status: 200 }, "confirmed"],
  ["throttles exhausted (maxThrottleRetries 30): 31 attempts", tags, answer(429, {}, { headers: { "retry-after": "0.005" } }), after(30, { faults: 0, throttles: 30 }), { type: AcRequestError, message: "ActiveCampaign GET /contacts/{id}/contactTags failed after 31 attempts; last: HTTP 429 (Retry-After 0.005)", status: 429 }],
  ["bulk throttles exhausted", bulk, answer(400, RATE_LIMIT), after(30, { faults: 0, throttles: 30 }), { type: AcRequestError, message: "ActiveCampaign POST /import/bulk_import failed after 31 attempts; last: HTTP 400: Rate limit exceeded.", status: 400 }],
  ["one attempt allowed: 'after 1 attempt'", tags, answer(500, { message: "boom" }), LATER, { type: AcRequestError, message: 'ActiveCampaign GET /contacts/{id}/contactTags failed after 1 attempt; last: HTTP 500: {"message":"boom"}', status: 500 }],
];

describe("decide: failures", () => {
  it.each(failRows)("%s", (name, call, observed, attempt, error, key) => {
    const strict = name.startsWith("one attempt") ? { ...policy, maxRetries: 0 } : policy;
    const decision = decide(call, observed, attempt, strict);
    expect(decision.kind).toBe("fail");
    expect(decision.key).toBe(key);
    const err = (decision as Extract<Decision<unknown>, { kind: "fail" }>).error;
    expect(err).toBeInstanceOf(error.type);
    expect(err.message).toBe(error.message);
    if (err instanceof AcRequestError) {
      expect(err.status).toBe(error.status);
      expect(err.endpoint).toBe(`${call.method} ${call.template}`);
    }
  });
});

describe("decide: what it keeps", () => {
  it("an unmapped 4xx keeps the API's body on the error, scrubbed of the key", () => {
    const decision = decide(tags, answer(422, { message: `bad token ${KEY}`, errors: [{ title: `key ${KEY} refused` }] }), LATER, policy);
    const err = (decision as Extract<Decision<unknown>, { kind: "fail" }>).error as AcRequestError;
    expect(err.message).toBe("ActiveCampaign GET /contacts/{id}/contactTags failed with HTTP 422: key *** refused");
    expect(err.body).toEqual({ message: "bad token ***", errors: [{ title: "key *** refused" }] });
    expect(JSON.stringify(err.body)).not.toContain(KEY);
  });

  it("an error's text echoing the key is scrubbed", () => {
    const decision = decide(tags, failure("EWHAT", `refused ${KEY}`), LATER, policy);
    expect((decision as Extract<Decision<unknown>, { kind: "fail" }>).error.message).toBe("ActiveCampaign GET /contacts/{id}/contactTags failed: EWHAT refused ***");
  });

  it("is pure: the same inputs give the same decision, and the attempt is not touched", () => {
    const attempt = after(2);
    const frozen = Object.freeze({ ...attempt });
    const observed = answer(503, "Service Unavailable", { type: "text/plain" });
    expect(decide(tags, observed, frozen, policy)).toStrictEqual(decide(tags, observed, frozen, policy));
    expect(frozen).toEqual(attempt);
  });
});
