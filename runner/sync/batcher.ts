// Packs bulk-import contacts into batches that ActiveCampaign accepts: at most 250 contacts and under 400,000 bytes
// of JSON per request (FACTS.md §0), measured as the serialized bytes, not guessed.
import type { BulkContact } from "../ac/types.js";
import { BULK_MAX_BYTES, BULK_MAX_CONTACTS } from "../config/ac-limits.js";

export const MAX_BATCH_CONTACTS = BULK_MAX_CONTACTS;
/** Below the 400,000-byte limit with room for the envelope and any top-level flags. */
export const MAX_BATCH_BYTES = BULK_MAX_BYTES - 1_000;
const ENVELOPE_BYTES = '{"contacts":[]}'.length + 64;

export interface BatchItem<T> {
  contact: BulkContact;
  /** Whatever the caller needs back when the batch is confirmed (row number, fingerprint…). */
  meta: T;
  bytes: number;
}

export class Batcher<T> {
  private items: BatchItem<T>[] = [];
  private bytes = ENVELOPE_BYTES;

  constructor(private readonly maxContacts = MAX_BATCH_CONTACTS, private readonly maxBytes = MAX_BATCH_BYTES) {}

  /** Size in bytes of one contact inside a batch (its JSON plus a comma). */
  static sizeOf(contact: BulkContact): number {
    return Buffer.byteLength(JSON.stringify(contact)) + 1;
  }

  /** Adds a contact; returns the batch that became full before it, if any. */
  add(contact: BulkContact, meta: T): BatchItem<T>[] | undefined {
    const bytes = Batcher.sizeOf(contact);
    let full: BatchItem<T>[] | undefined;
    if (this.items.length >= this.maxContacts || this.bytes + bytes > this.maxBytes) full = this.flush();
    this.items.push({ contact, meta, bytes });
    this.bytes += bytes;
    return full;
  }

  flush(): BatchItem<T>[] | undefined {
    if (this.items.length === 0) return undefined;
    const out = this.items;
    this.items = [];
    this.bytes = ENVELOPE_BYTES;
    return out;
  }

  /** Whether one contact alone fits a request at all. */
  static fits(contact: BulkContact, maxBytes = MAX_BATCH_BYTES): boolean {
    return ENVELOPE_BYTES + Batcher.sizeOf(contact) <= maxBytes;
  }
}
