// Reading every member of a list with one status, checked against the count the API reports (REAL-ACCOUNT.md F10).
// A read that ends early is a consent hole (a missed unsubscribed member could be re-subscribed), so it never ends
// silently: pages go by id (FACTS.md §4) and continue past a short page while fewer members than `meta.total` were
// seen; a page that does not ascend by id (an account that ignores orders[id]) switches this read to offset paging;
// a read still short of `meta.total` is read once more, then fails with PREFLIGHT_FAILED. The same walk reads only
// the members changed since a date (`filters[updated_after]`), for the incremental consent cache (consent-cache.ts).
import { PAGE_LIMIT } from "../config/ac-limits.js";
import { AcExportError } from "../errors.js";
import type { Send } from "./paging.js";
import * as S from "./schemas.js";

/** Safety stop against a server that pages forever; far beyond any real account. */
const MAX_PAGES = 100_000;

interface Page {
  contacts: Array<{ id: number; email: string }>;
  total: number | undefined;
}

type Mode = "id" | "offset";

/** Which members a read asks for: all with the status, or only those whose contact changed since a date. */
interface Filter {
  listId: number;
  status: number;
  /** ISO 8601 date-time with offset, sent as filters[updated_after]. */
  updatedAfter?: string;
}

function pageOf(send: Send, f: Filter, mode: Mode, cursor: number): Promise<Page> {
  const since = f.updatedAfter === undefined ? "" : `&filters%5Bupdated_after%5D=${encodeURIComponent(f.updatedAfter)}`;
  const base = `/contacts?listid=${f.listId}&status=${f.status}${since}&limit=${PAGE_LIMIT}`;
  const path = mode === "id" ? `${base}&orders%5Bid%5D=ASC&id_greater=${cursor}` : `${base}&offset=${cursor}`;
  return send({
    method: "GET",
    template: "/contacts",
    path,
    ok: (json) => {
      const r = S.contactsResponse.parse(json);
      return { contacts: r.contacts.map((c) => ({ id: c.id, email: c.email })), total: r.meta?.total };
    },
  });
}

const ascending = (ids: number[], after: number) => ids.every((id, i) => id > (i === 0 ? after : ids[i - 1]!));

/** One walk. `unordered` when a by-id page did not ascend: the caller re-reads by offset. */
async function walk(send: Send, f: Filter, mode: Mode): Promise<{ emails: Map<number, string>; total: number | undefined } | "unordered"> {
  const emails = new Map<number, string>();
  let total: number | undefined;
  let cursor = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const p = await pageOf(send, f, mode, cursor);
    total ??= p.total;
    const ids = p.contacts.map((c) => c.id);
    if (mode === "id" && !ascending(ids, cursor)) return "unordered";
    const before = emails.size;
    for (const c of p.contacts) emails.set(c.id, c.email);
    const done = total !== undefined ? emails.size >= total : p.contacts.length < PAGE_LIMIT;
    if (done || p.contacts.length === 0 || emails.size === before) break;
    cursor = mode === "id" ? ids[ids.length - 1]! : cursor + p.contacts.length;
  }
  return { emails, total };
}

/** Every member's email with `status` on the list; throws PREFLIGHT_FAILED when the read stays short of meta.total. */
export function readListMembers(send: Send, listId: number, status: number): Promise<string[]> {
  return readMembers(send, { listId, status });
}

/** The emails of members with `status` whose contact changed since `updatedAfter` (same checks as a full read). */
export function readChangedMembers(send: Send, listId: number, status: number, updatedAfter: string): Promise<string[]> {
  return readMembers(send, { listId, status, updatedAfter });
}

async function readMembers(send: Send, f: Filter): Promise<string[]> {
  const { listId, status } = f;
  let mode: Mode = "id";
  let short = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    let r = await walk(send, f, mode);
    if (r === "unordered") {
      mode = "offset";
      r = await walk(send, f, mode);
      if (r === "unordered") continue; // unreachable: offset pages are not checked for order
    }
    if (r.total === undefined || r.emails.size >= r.total) return [...r.emails.values()];
    short = `${r.emails.size} of ${r.total}`;
  }
  throw new AcExportError(
    "PREFLIGHT_FAILED",
    `Reading list ${listId}'s members with status ${status}${f.updatedAfter ? ` changed since ${f.updatedAfter}` : ""} ended at ${short} (meta.total), twice; ` +
      `nothing was sent, because a member missing from this read could have their consent overridden. Run again later.`,
  );
}
