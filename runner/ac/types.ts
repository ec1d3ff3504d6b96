// The ActiveCampaign API as the sync engine uses it. Implemented over undici by runner/ac/client.ts; every call draws
// from one rate budget and retries per DESIGN.md decision 2. Field names follow the API (FACTS.md).
import { AcExportError } from "../errors.js";

export interface AcList { id: number; name: string }
export interface AcField {
  id: number;
  title: string;
  perstag: string;
  /** As ActiveCampaign gives it ("" when it gives none). */
  type: string;
  /** findFields only: the field's options (value and label). */
  options?: AcFieldOption[];
  /** findFields only: the lists the field applies to (fieldRels relid; 0 = every list). */
  lists?: number[];
}
export interface AcFieldOption { value: string; label: string }
export interface AcTag { id: number; tag: string }
export interface AcContact { id: number; email: string; firstName?: string; lastName?: string; phone?: string }
/** A contact's membership of one list: status 1 active, 2 unsubscribed (0 unconfirmed, 3 bounced). */
export interface AcContactList { id: number; contact: number; list: number; status: number; sourceid?: number }
export interface AcContactTag { id: number; contact: number; tag: number }

/** Bulk import limits (one place: runner/config/ac-limits.ts). */
export { BULK_MAX_CONTACTS, BULK_MAX_BYTES } from "../config/ac-limits.js";

/** One contact of a bulk import, in the bulk API's own field names (FACTS.md §5.2). */
export interface BulkContact {
  email: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  tags?: string[];
  fields?: Array<{ id: number; value: string }>;
  subscribe?: Array<{ listid: number }>;
  unsubscribe?: Array<{ listid: number }>;
  exclude_automations?: boolean;
}

/** 400 validation failure of a whole batch: nothing was queued. `contact` is the index into the batch. */
export interface BulkRejection { message: string; failureReasons: Array<{ contact?: number; failureReason: string } | string> }

export type ImportStatus = false | "waiting" | "claimed" | "active" | "completed" | "failed" | "interrupted";
export interface ImportInfo { status: ImportStatus; success: string[]; failure: string[] }

export interface SyncContactInput {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  fieldValues?: Array<{ field: number; value: string }>;
}

export interface AcClient {
  /** GET /users/me: checks the key. 403s here are retried (F15); 5 of them in a row are ApiKeyRejectedError. */
  checkKey(): Promise<void>;
  /**
   * GET /lists/{id}; null on 404, "forbidden" when the key's user group may not see the list (403 "You do not have
   * permission to view lists.", REAL-ACCOUNT.md F5).
   */
  getList(id: number): Promise<AcList | null | "forbidden">;
  /** How many of the list's contacts this key sees, optionally with one list status (meta.total of a 1-contact page). */
  countListContacts?(listId: number, status?: number): Promise<number>;
  /** Every custom field (GET /fields, paged by offset, which AC does not document: see findFields). */
  listFields(): Promise<AcField[]>;
  /**
   * The custom fields with these personalization tags (GET /fields?filters[perstag]=, one request each), with their
   * options and list relations (sideloaded; read from GET /fields/{id} and /fields/{id}/options when a sideload is
   * missing or short); missing ones are left out.
   */
  findFields(perstags: readonly string[]): Promise<AcField[]>;
  /** POST /fields, then read back by tag when the answer does not hold the field. */
  createField(field: { title: string; type: string; perstag: string }): Promise<AcField>;
  /** POST /fieldOption/bulk */
  addFieldOptions(fieldId: number, options: readonly AcFieldOption[]): Promise<void>;
  /** POST /fieldRels: the field applies to this list (0 = every list). */
  relateField(fieldId: number, listId: number): Promise<void>;
  /** POST /tags (a contact tag); an existing tag of the name (a retried create) is read back. */
  createTag(name: string): Promise<AcTag>;
  /** POST /import/bulk_import: queued batch id, or the whole-batch rejection (HTTP 400 validation). */
  bulkImport(contacts: BulkContact[]): Promise<{ batchId: string } | { rejected: BulkRejection }>;
  /** GET /import/info?batchId= */
  importInfo(batchId: string): Promise<ImportInfo>;
  /** POST /contact/sync (upsert by email). */
  syncContact(contact: SyncContactInput): Promise<AcContact>;
  /** GET /contacts?email= ; null when not found. */
  findContactByEmail(email: string): Promise<AcContact | null>;
  /** GET /contacts/{id}/contactLists */
  contactLists(contactId: number): Promise<AcContactList[]>;
  /** POST /contactLists: status 1 subscribe / 2 unsubscribe; sourceid 4 only to re-subscribe. Returns the resulting membership. */
  setListStatus(contactId: number, listId: number, status: 1 | 2, sourceid?: 4): Promise<AcContactList>;
  /** GET /tags?search= (exact name match filtered client-side). */
  findTag(name: string): Promise<AcTag | null>;
  /** GET /contacts/{id}/contactTags */
  contactTags(contactId: number): Promise<AcContactTag[]>;
  /** How many contacts carry the tag (GET /contacts?tagid=&limit=1, meta.total). */
  countTaggedContacts?(tagId: number): Promise<number>;
  /** Every contact that carries the tag, id and email (GET /contacts?tagid=, 100 a page by offset). */
  taggedContacts?(tagId: number): Promise<Array<{ id: number; email: string }>>;
  /** POST /contactTags */
  addContactTag(contactId: number, tagId: number): Promise<AcContactTag>;
  /** DELETE /contactTags/{id} */
  removeContactTag(contactTagId: number): Promise<void>;
  /**
   * Emails of the list's contacts with this list status (GET /contacts?listid=&status=, paged with id_greater).
   * The sync uses status 2 to find who unsubscribed, so it never re-subscribes them (consent).
   */
  listContactEmails?(listId: number, status: number): AsyncIterable<string>;
  /**
   * Emails of the list's contacts with this list status whose contact changed since `updatedAfter` (ISO 8601 with
   * offset; GET /contacts?listid=&status=&filters[updated_after]=, paged like listContactEmails). Used to refresh the
   * cached consent set (runner/sync/consent-cache.ts).
   */
  listChangedMembers?(listId: number, status: number, updatedAfter: string): Promise<string[]>;
  /** Counters for the run report. */
  stats(): AcClientStats;
  /** Release the connection pool; calls still waiting for the rate budget reject. Idempotent. (Added by the client.) */
  close(): Promise<void>;
}

export interface AcClientStats {
  /** Requests sent, by "METHOD /path-template" (e.g. "POST /import/bulk_import"), retries included. */
  requestsByEndpoint: Record<string, number>;
  /** Retries by reason ("429", "503", "500", "html", "reset", "timeout", "bulk-rate-limit", …). */
  retriesByReason: Record<string, number>;
  /** Total time spent waiting on the rate budget or Retry-After, in ms. */
  throttledMs: number;
  /**
   * Bulk imports sent again after a failure where ActiveCampaign may already have received (and queued) them: reset
   * or timeout after sending, 5xx, a 2xx with an unreadable body. Upserting the same batch twice is idempotent in
   * effect, so the client re-sends; the report shows how often. (Added by the client.)
   */
  bulkResends: number;
}

/** What the client reports for logs (never the key, never a contact's data: endpoints are path templates). */
export type AcClientEvent =
  | {
      type: "retry";
      /** "METHOD /template", e.g. "POST /import/bulk_import". */
      endpoint: string;
      /** Same vocabulary as AcClientStats.retriesByReason. */
      reason: string;
      /** HTTP status when there was a response. */
      status?: number;
      /** 1 for the first retry. */
      attempt: number;
      /** Backoff before the retry, ms (0 when the wait is a budget pause, reported as a "throttle" event). */
      delayMs: number;
      /** A bulk import re-sent although ActiveCampaign may have queued it already. */
      resend?: boolean;
    }
  | {
      type: "throttle";
      endpoint: string;
      /** "all": every request of the client waits (Retry-After); "bulk": only bulk imports (bulk rate limit). */
      scope: "all" | "bulk";
      reason: string;
      status?: number;
      /** How long the budget is paused from now, ms. */
      delayMs: number;
    }
  | { type: "key-rejected"; endpoint: string; status: number };

/** A 403 on the first call: the key is wrong or revoked. Message: "API key rejected for <hostname>". */
export class ApiKeyRejectedError extends AcExportError {
  constructor(readonly hostname: string) {
    super("API_KEY_REJECTED", `API key rejected for ${hostname} (HTTP 403 on the first request); check AC_API_KEY against Settings → Developer`);
  }
}

/** A request that failed for good (non-retryable status, or retries exhausted). Never carries the API key. */
export class AcRequestError extends AcExportError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly endpoint: string,
    readonly body?: unknown,
  ) {
    super("AC_REQUEST_FAILED", message);
  }
}
