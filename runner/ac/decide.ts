// What one attempt's answer means, with no I/O: (call, what came back, the attempt so far) → ok | retry after N ms |
// throttle | fail. The retry loop (retry-loop.ts) carries the decision out. Retry rules: DESIGN.md decision 2.
import type { z } from "zod";
import { backoffDelay, forbiddenDelay, type BackoffOptions } from "./backoff.js";
import { endpointOf, isBulk, type AcResponse, type Call } from "./call.js";
import type { Redactor } from "./redact.js";
import { parseRetryAfter } from "./retry-after.js";
import { errorMessageOf } from "./schemas.js";
import { AcRequestError, ApiKeyRejectedError } from "./types.js";

/** The bulk endpoint's rate-limit refusal (a 400 or 429 whose message says so). */
const BULK_RATE_LIMIT = /rate limit exceeded/i;
/**
 * ActiveCampaign answers 403 "No Result found" for objects that do not exist (FACTS.md §7). Only a call that names an
 * object in its path can be told that; elsewhere (e.g. "No Result found for User with id 0" on /users/me) the same
 * words are an authentication failure, which may be intermittent (REAL-ACCOUNT.md F15).
 */
export const NOT_FOUND_MESSAGE = /no result found/i;
/** Shown in a message for a schema failure: the first few issues. */
const ISSUES_SHOWN = 3;

/** Connection errors worth a retry, by undici's or Node's code, with the reason they count under. */
const RETRYABLE_CODES: Record<string, "reset" | "connect" | "timeout"> = {
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
/** How deep the `cause` chain is searched for a retryable code (undici wraps socket errors). */
const CAUSE_DEPTH = 4;

export interface DecisionPolicy {
  /** Retries per call after faults (5xx, HTML pages, resets, timeouts, bad bodies, 403s). */
  maxRetries: number;
  /** Retries of a 401/403, on the first request too (AC sends intermittent 403s for a good key, REAL-ACCOUNT.md F15). */
  maxForbiddenRetries: number;
  /** Retries after rate-limit answers, per call. */
  maxThrottleRetries: number;
  /** Longest Retry-After honoured, ms; longer ones are clamped. */
  maxRetryAfterMs: number;
  backoff: BackoffOptions;
  /** Backoff after a 401/403 (equal jitter, seconds long: see forbiddenDelay). */
  forbiddenBackoff: BackoffOptions;
  /** Per-attempt timeout, for the message of a timed-out attempt. */
  timeoutMs: number;
  /** For "API key rejected for <hostname>". */
  hostname: string;
  redact: Redactor;
  /** [0, 1), for backoff jitter. @default Math.random */
  random?: () => number;
  /** For Retry-After dates. @default Date.now */
  now?: () => number;
}

/** The call's history so far: retries taken, by allowance, and whether the key has been seen to work. */
export interface Attempt {
  /** Retries so far (0 on the first attempt). */
  retries: number;
  /** Retries after faults (403s included). */
  faults: number;
  /** Retries after a 401/403. */
  forbidden: number;
  /** Retries after rate-limit answers. */
  throttles: number;
  /** Some answer has shown that the key works. */
  keyConfirmed: boolean;
}

export const FIRST_ATTEMPT: Attempt = { retries: 0, faults: 0, forbidden: 0, throttles: 0, keyConfirmed: false };

/** What came back: an answer, or the error that stood in for one. */
export type Observed = { response: AcResponse } | { error: unknown };

/** What an answer teaches about the key: it works (a 2xx or another 4xx), or it is refused (401/403 first). */
export type KeyVerdict = "confirmed" | "rejected";

export type Decision<T> = { key?: KeyVerdict } & (
  | { kind: "ok"; value: T }
  | {
      /** A fault: back off `delayMs`, then send again. */
      kind: "retry";
      reason: string;
      status?: number;
      delayMs: number;
      /** The server may have received the request (a re-sent bulk import may be queued twice). */
      received: boolean;
      /**
       * A 401/403: counts against maxForbiddenRetries too. While the key is still unknown the retry loop keeps the
       * key gate through the backoff, so a wrong key costs exactly 1 + maxForbiddenRetries requests.
       */
      forbidden: boolean;
    }
  | {
      /**
       * A rate-limit answer: not a fault. The budget learns from it and pauses `pauseMs` (Retry-After, or what the
       * bulk window needs) for `scope` instead of this call backing off.
       */
      kind: "throttle";
      reason: string;
      status: number;
      scope: "all" | "bulk";
      pauseMs: number;
    }
  | { kind: "fail"; error: Error; status?: number }
);

type Retry = {
  kind: "retry";
  reason: string;
  status?: number;
  received: boolean;
  forbidden?: boolean;
  /** A 401/403 before any answer showed the key works: once the allowance is spent, the key is rejected. */
  keyUnknown?: boolean;
  describe: string;
};
type Throttle = { kind: "throttle"; reason: string; status: number; scope: "all" | "bulk"; pauseMs: number; describe: string };
type Final<T> = { kind: "ok"; value: T } | { kind: "fail"; error: Error; status?: number };
type Verdict<T> = { key?: KeyVerdict } & (Final<T> | Retry | Throttle);

export function decide<T>(call: Call<T>, observed: Observed, attempt: Attempt, policy: DecisionPolicy): Decision<T> {
  const verdict = "response" in observed ? judgeResponse(call, observed.response, attempt, policy) : judgeError(call, observed.error, policy);
  if (verdict.kind === "ok" || verdict.kind === "fail") return verdict;
  return withinAllowance(call, verdict, attempt, policy);
}

/** A retry or throttle the call's allowance still covers, with its delay; or the final failure when it does not. */
function withinAllowance<T>(
  call: Call<T>,
  verdict: { key?: KeyVerdict } & (Retry | Throttle),
  attempt: Attempt,
  policy: DecisionPolicy,
): Decision<T> {
  const key = verdict.key !== undefined ? { key: verdict.key } : {};
  // A rate-limit answer says when to come back; it is not a fault, so it has its own (larger) allowance.
  const exhausted =
    verdict.kind === "throttle"
      ? attempt.throttles + 1 > policy.maxThrottleRetries
      : (verdict.forbidden && attempt.forbidden + 1 > policy.maxForbiddenRetries) || attempt.faults + 1 > policy.maxRetries;
  if (exhausted && verdict.kind === "retry" && verdict.keyUnknown) {
    // Every try of the first request got 401/403: the key is wrong (the same message as ever, after the tries).
    return { key: "rejected", kind: "fail", error: new ApiKeyRejectedError(policy.hostname), ...(verdict.status !== undefined && { status: verdict.status }) };
  }
  if (exhausted) {
    const attempts = attempt.retries + 1;
    const message = `ActiveCampaign ${endpointOf(call)} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}; last: ${verdict.describe}`;
    const error = new AcRequestError(policy.redact.scrub(message), verdict.status, endpointOf(call));
    return { ...key, kind: "fail", error, ...(verdict.status !== undefined && { status: verdict.status }) };
  }
  if (verdict.kind === "throttle") {
    const { reason, status, scope, pauseMs } = verdict;
    return { ...key, kind: "throttle", reason, status, scope, pauseMs };
  }
  const delayMs = verdict.forbidden
    ? forbiddenDelay(attempt.forbidden, policy.forbiddenBackoff, policy.random)
    : backoffDelay(attempt.retries, policy.backoff, policy.random);
  const { reason, status, received } = verdict;
  return { ...key, kind: "retry", reason, ...(status !== undefined && { status }), delayMs, received, forbidden: verdict.forbidden === true };
}

/** The error's retryable code, searched down the cause chain; else its own code, if any. */
export function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < CAUSE_DEPTH; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && RETRYABLE_CODES[code]) return code;
  }
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

/** No answer: resets, refused connections and timeouts are retried; anything else fails the call. */
function judgeError<T>(call: Call<T>, e: unknown, policy: DecisionPolicy): Verdict<T> {
  const endpoint = endpointOf(call);
  const code = errorCode(e);
  const reason = code ? RETRYABLE_CODES[code] : undefined;
  if (!reason) {
    const message = `ActiveCampaign ${endpoint} failed: ${code ? `${code} ` : ""}${e instanceof Error ? e.message : String(e)}`;
    return { kind: "fail", error: new AcRequestError(policy.redact.scrub(message), undefined, endpoint) };
  }
  const describe = reason === "timeout" ? `no complete response within ${policy.timeoutMs} ms` : `connection error ${code}`;
  // A refused connection never reached the server; a reset or timeout may have.
  return { kind: "retry", reason, received: reason !== "connect", describe };
}

function judgeResponse<T>(call: Call<T>, res: AcResponse, attempt: Attempt, policy: DecisionPolicy): Verdict<T> {
  const { status } = res;
  const { redact } = policy;
  const endpoint = endpointOf(call);
  const message = errorMessageOf(res.json);
  const fail = (what: string): Final<T> => ({
    kind: "fail",
    error: new AcRequestError(redact.scrub(`ActiveCampaign ${endpoint} ${what}`), status, endpoint, redact.safeBody(res)),
    status,
  });
  if (status >= 200 && status < 300) return { key: "confirmed", ...judgeSuccess(call, res, policy, fail) };
  if (status === 401 || status === 403) return judgeForbidden(call, res, attempt, policy, fail);
  const retryAfter = parseRetryAfter(res.headers["retry-after"], (policy.now ?? Date.now)());
  const clamp = (ms: number) => Math.min(ms, policy.maxRetryAfterMs);
  if (isBulk(call) && (status === 400 || status === 429) && message && BULK_RATE_LIMIT.test(message)) {
    // How long to wait is settled once the budget has taken this refusal into account (retry-loop.ts).
    const describe = `HTTP ${status}: ${redact.short(message)}`;
    return { kind: "throttle", reason: "bulk-rate-limit", status, scope: "bulk", pauseMs: clamp(retryAfter ?? 0), describe };
  }
  if (status === 429 || (status === 503 && retryAfter !== undefined)) {
    // 429 (and 503 with Retry-After, which ActiveCampaign has also sent at the rate limit) holds the whole account.
    const { backoff } = policy;
    const wait = retryAfter ?? backoffDelay(0, backoff, policy.random) + backoff.baseMs;
    const describe = `HTTP ${status}${retryAfter !== undefined ? ` (Retry-After ${res.headers["retry-after"]})` : ""}`;
    return { kind: "throttle", reason: String(status), status, scope: "all", pauseMs: clamp(wait), describe };
  }
  if (status >= 500 || status === 408) {
    // 500 and 503 keep their own names (the API's error and its overload answer); other 5xx HTML pages (a
    // Cloudflare 504 "Gateway time-out", a 502) are "html".
    const reason = res.body === "html" && status !== 500 && status !== 503 ? "html" : String(status);
    return { kind: "retry", reason, status, received: true, describe: `HTTP ${status}: ${redact.excerpt(res)}` };
  }
  // Any other 4xx: the request got past authentication, so the key works.
  const mapped = call.onError?.(res);
  if (mapped) return { key: "confirmed", kind: "ok", value: mapped.value };
  return { key: "confirmed", ...fail(`failed with HTTP ${status}: ${message ? redact.short(message) : redact.excerpt(res) || "(empty body)"}`) };
}

/**
 * 401/403. AC sends intermittent 403s for a good key, the first request included (REAL-ACCOUNT.md F15): they are
 * retried on the forbidden allowance with a seconds-long backoff. Never retried: "No Result found" on a call that
 * names an object in its path (that object does not exist; before the key is known it is read as a wrong key, as
 * ever). A call may map the answer (getList: null, or "forbidden" for a list the key's group cannot see) once the key
 * is known to work.
 */
function judgeForbidden<T>(call: Call<T>, res: AcResponse, attempt: Attempt, policy: DecisionPolicy, fail: (what: string) => Final<T>): Verdict<T> {
  const { status } = res;
  const message = errorMessageOf(res.json);
  const notFound = message !== undefined && NOT_FOUND_MESSAGE.test(message) && namesAnObject(call);
  const describe = `HTTP ${status}: ${policy.redact.excerpt(res)}`;
  if (!attempt.keyConfirmed) {
    if (notFound) return { key: "rejected", kind: "fail", error: new ApiKeyRejectedError(policy.hostname), status };
    return { kind: "retry", reason: String(status), status, received: true, forbidden: true, keyUnknown: true, describe };
  }
  const mapped = call.onError?.(res);
  if (mapped) return { kind: "ok", value: mapped.value };
  if (notFound) return fail(`failed with HTTP ${status}: ${policy.redact.short(message)}`);
  return { kind: "retry", reason: String(status), status, received: true, forbidden: true, describe };
}

/** The path names an object ("/contacts/{id}/contactTags", "/lists/{id}"), so "No Result found" can be about it. */
function namesAnObject(call: Pick<Call<unknown>, "template">): boolean {
  return call.template.includes("{");
}

/** A 2xx: the call's result, or a retry when the body is not the JSON the call needs. */
function judgeSuccess<T>(call: Call<T>, res: AcResponse, policy: DecisionPolicy, fail: (what: string) => Final<T>): Final<T> | Retry {
  const { status } = res;
  if (!call.ok) return { kind: "ok", value: undefined as T };
  if (res.body !== "json") {
    const reason = res.body === "html" ? "html" : res.body === "empty" ? "empty-body" : "truncated";
    const what = reason === "html" ? policy.redact.excerpt(res) : reason === "empty-body" ? "an empty body" : "a truncated or invalid JSON body";
    return { kind: "retry", reason, status, received: true, describe: `HTTP ${status} with ${what} where JSON was expected` };
  }
  try {
    return { kind: "ok", value: call.ok(res.json) };
  } catch (e) {
    const issues = (e as z.ZodError).issues
      ?.slice(0, ISSUES_SHOWN)
      .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
      .join("; ");
    return fail(`returned HTTP ${status} with an unexpected body (${issues ?? "unreadable"}): ${policy.redact.excerpt(res)}`);
  }
}
