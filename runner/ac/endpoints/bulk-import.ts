// Bulk import (FACTS.md §5): up to BULK_MAX_CONTACTS contacts per request, under BULK_MAX_BYTES, on its own rate limit;
// then polling the import's status.
import * as S from "../schemas.js";
import { BULK_MAX_BYTES, BULK_MAX_CONTACTS, type AcClient, type BulkContact, type BulkRejection, type ImportInfo } from "../types.js";
import type { EndpointContext } from "./common.js";

/**
 * The request body. `exclude_automations` goes both on each contact (the spec's example) and at the top level (the
 * doc's text) when every contact asks for it: which one the importer honours is undocumented (REAL-ACCOUNT.md F8).
 */
function bulkBody(contacts: BulkContact[]): { contacts: BulkContact[]; exclude_automations?: true } {
  return contacts.every((c) => c.exclude_automations === true) ? { contacts, exclude_automations: true } : { contacts };
}

/** Bytes of the body bulkImport sends for these contacts (what BULK_MAX_BYTES limits). */
export function bulkPayloadBytes(contacts: BulkContact[]): number {
  return Buffer.byteLength(JSON.stringify(bulkBody(contacts)), "utf8");
}

type BulkResult = { batchId: string } | { rejected: BulkRejection };

export function bulkImportEndpoints({ send, redact }: EndpointContext): Pick<AcClient, "bulkImport" | "importInfo"> {
  return {
    async bulkImport(contacts: BulkContact[]) {
      // Over-limit batches are the caller's bug: refuse them before they cost a bulk slot.
      if (contacts.length === 0 || contacts.length > BULK_MAX_CONTACTS) {
        throw new RangeError(`bulkImport takes 1-${BULK_MAX_CONTACTS} contacts; got ${contacts.length}`);
      }
      const bytes = bulkPayloadBytes(contacts);
      if (bytes >= BULK_MAX_BYTES) {
        throw new RangeError(`bulkImport body is ${bytes} bytes; it must be under ${BULK_MAX_BYTES} (split the batch; see bulkPayloadBytes)`);
      }
      return send<BulkResult>({
        method: "POST",
        template: "/import/bulk_import",
        path: "/import/bulk_import",
        body: bulkBody(contacts),
        // Single-contact imports have their own, smaller rate limit.
        slot: contacts.length === 1 ? "bulk-single" : "bulk",
        ok: (json) => {
          const queued = S.bulkQueuedResponse.safeParse(json);
          if (queued.success) return { batchId: queued.data.batchId };
          // Some failures come back inside a 2xx ({"success":0,…}); anything else is an unexpected shape.
          const failed = S.bulkFailureResponse.parse(json);
          if (failed.message === undefined && failed.failureReasons === undefined) throw queued.error;
          return { rejected: redact.scrubDeep({ message: failed.message ?? "import not queued", failureReasons: failed.failureReasons ?? [] }) };
        },
        onError: (res) => {
          // A 400/422 that names its reasons rejects the whole batch: nothing was queued, and sending again won't help.
          if ((res.status !== 400 && res.status !== 422) || res.body !== "json") return undefined;
          const failed = S.bulkFailureResponse.safeParse(res.json);
          if (!failed.success) return undefined;
          const message = failed.data.message ?? S.errorMessageOf(res.json) ?? `HTTP ${res.status} without a reason`;
          return { value: { rejected: redact.scrubDeep({ message, failureReasons: failed.data.failureReasons ?? [] }) } };
        },
      });
    },

    importInfo(batchId) {
      return send<ImportInfo>({
        method: "GET",
        template: "/import/info",
        path: `/import/info?batchId=${encodeURIComponent(batchId)}`,
        ok: (json) => S.importInfoResponse.parse(json),
        // An unknown or expired batchId: 404 (sandbox default) or 400 (a reading of the undocumented answer). Not an
        // error of the run: the pipeline decides what an unknown batch means (runner/sync/unknown-batch.ts).
        onError: (res) => (res.status === 404 || res.status === 400 ? { value: { status: false, success: [], failure: [], unknown: true } } : undefined),
      });
    },
  };
}
