// What every /api/3 handler shares: the request and reply shapes, the context (store, account, rules), and the
// small answer builders with ActiveCampaign's error bodies.
import type { Account, UserGroup } from "./account.js";
import type { BatchQueue } from "./bulk.js";
import type { FaultInjector } from "./faults.js";
import type { FieldValueReading } from "./fieldvalues.js";
import type { RollingWindow } from "./limits.js";
import type { Store } from "./store.js";

export interface ApiRequest {
  method: string;
  /** path after /api/3, without the query */
  path: string;
  query: URLSearchParams;
  body: Buffer;
  /** performance.now() */
  now: number;
  /** the user group of the key that sent it; undefined = the main (admin) key, which sees every list */
  group?: UserGroup;
}

export interface ApiReply {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
  /** real ms to wait before answering (slow pages of large lists) */
  delayMs?: number;
  /** for the request log */
  batchId?: string;
  contacts?: number;
}

/** The strictness switches and limits the handlers need (resolved SandboxOptions). */
export interface ApiRules {
  timeScale: number;
  bulkRateLimitStatus: 400 | 429;
  bulkSingleCountsTowardMulti: boolean;
  countRateLimitedBulk: boolean;
  bulkDuplicateEmails: "reject" | "last-wins";
  syncUpdateStatus: 200 | 201;
  bulkPerMinute: number;
  contactListsResubscribe: "any" | "sourceid4";
  failureIndexBase: 0 | 1;
  unknownBatchAnswer: "404" | "false" | "400";
  /** API ms a finished batch stays known to /import/info */
  batchRetentionMs: number;
  fieldsOffset: "ignored" | "honoured";
  listOrderIgnored: boolean;
  /** API ms added to a /contacts page per 10,000 contacts in the list it reads (or in the account) */
  contactsPageDelayMs: number;
  fieldValueReading: FieldValueReading;
  accountTimeZone: string;
}

export interface ApiContext {
  store: Store;
  account: Account;
  batches: BatchQueue;
  faults: FaultInjector;
  rules: ApiRules;
  /** e.g. http://127.0.0.1:43121/api/3, for `links` */
  api: string;
  bulkMulti: RollingWindow;
  bulkSingle: RollingWindow;
  stats: {
    bulkRateLimited: number;
    bulkContactsReceived: number;
    bulkEmails: Set<string>;
    excludeAutomations: number;
    rejected429: number;
  };
}

export type Handler = (ctx: ApiContext, req: ApiRequest, params: string[]) => ApiReply;

export const ok = (json: unknown, status = 200): ApiReply => ({ status, json });
export const notFound = (what: string, id: string): ApiReply => ({ status: 404, json: { message: `No Result found for ${what} with id ${id}` } });
export const emptyBadRequest = (): ApiReply => ({ status: 400, json: {} });
export const missingAttribute = (attr: string): ApiReply => ({
  status: 422,
  json: { errors: [{ status: 422, title: "Missing attribute", source: { pointer: `/data/attributes/${attr}` } }] },
});
export const fieldInvalid = (title: string, pointer: string): ApiReply => ({ status: 422, json: { errors: [{ title, detail: "", code: "field_invalid", source: { pointer } }] } });
export const emailInvalid = (): ApiReply => ({
  status: 422,
  json: {
    errors: [
      { title: "Contact Email Address is not valid.", detail: "", code: "email_invalid", error: "must_be_valid_email_address", source: { pointer: "/data/attributes/email" } },
    ],
  },
});
// The title is the sandbox's wording (AC documents no body); like email_invalid's, it does not repeat the address.
export const emailExcluded = (): ApiReply => ({
  status: 422,
  json: { errors: [{ title: "The email address is on the exclusion list or has bounced.", detail: "", code: "email_excluded", source: { pointer: "/data/attributes/email" } }] },
});
/** GET /lists/{id} for a user whose group may not see the list (FACTS.md §4, the documented 403 body). */
export const forbiddenList = (): ApiReply => ({ status: 403, json: { errors: [{ status: 403, title: "Forbidden", detail: "You do not have permission to view lists." }] } });

export function parseBody(req: ApiRequest): { ok: true; value: unknown } | { ok: false } {
  if (req.body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(req.body.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

/** The object under `key` of a JSON body, or undefined. */
export function wrapped(req: ApiRequest, key: string): Record<string, unknown> | undefined {
  const b = parseBody(req);
  if (!b.ok || typeof b.value !== "object" || b.value === null) return undefined;
  const inner = (b.value as Record<string, unknown>)[key];
  return typeof inner === "object" && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : undefined;
}

export const idOf = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** limit: default 20, at most 100 (larger values are clamped to 100); offset: zero-based. */
export function paging(q: URLSearchParams): { limit: number; offset: number } {
  const rawLimit = Number(q.get("limit"));
  const limit = q.get("limit") === null || !Number.isFinite(rawLimit) || rawLimit < 1 ? 20 : Math.min(100, Math.floor(rawLimit));
  const rawOffset = Number(q.get("offset"));
  const offset = Number.isFinite(rawOffset) && rawOffset > 0 ? Math.floor(rawOffset) : 0;
  return { limit, offset };
}

export const meta = (total: number) => ({ total: String(total) });

/** True when the request's key may see the list (the main key sees every list). */
export const canSee = (req: ApiRequest, listId: number): boolean => !req.group || req.group.lists.has(listId);

/** True when the request's key may see the contact: on at least one list its group sees. */
export function canSeeContact(ctx: ApiContext, req: ApiRequest, contactId: number): boolean {
  const g = req.group;
  if (!g) return true;
  for (const l of g.lists) if (ctx.store.membership(l, contactId) !== undefined) return true;
  return false;
}
