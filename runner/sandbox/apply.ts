// Applying a completed bulk import to the account, contact by contact, the way the bulk importer documents it
// (help 360017846539 "Skipped contacts"; REAL-ACCOUNT.md F3, F9, F12, F14, F16):
// - skipped: an address on the exclusion list, bounced account-wide, or new beyond the plan's contact limit. Whether
//   a skipped contact is listed in `failure` is undocumented: `skippedInFailure` decides;
// - refused: an apostrophe in the local part (AC's own example of a failure), always in `failure`;
// - `subscribe` never re-subscribes status 2 (documented); statuses 0 and 3 are activated or kept (`bulkSubscribeInactive`);
// - an unsubscribe-only contact that does not exist is created unsubscribed, or skipped (`bulkUnsubscribeCreates`);
// - automations: a new active membership or tag fires a trigger unless exclude_automations is honoured under the
//   reading in effect (`excludeAutomationsReading`).
import type { Account } from "./account.js";
import type { Batch, ParsedContact } from "./bulk.js";
import { storeValue, type FieldValueReading } from "./fieldvalues.js";
import { nowSeconds, type ListStatus, type Store } from "./store.js";

export interface ApplyRules {
  /** false (default, the stricter reading): `success` lists only contacts the batch created. */
  successIncludesUpdated: boolean;
  /** The plan's contact limit: new contacts beyond it are skipped. */
  contactLimit: number;
  /** Skipped contacts (exclusion, bounce, contact limit) appear in `failure` (true) or vanish silently (false). */
  skippedInFailure: boolean;
  /** Bulk `subscribe` on an unconfirmed (0) or bounced (3) membership: "activate" it, or "keep" it as it is. */
  bulkSubscribeInactive: "activate" | "keep";
  /** An unsubscribe-only contact that does not exist is created (true) or skipped (false). */
  bulkUnsubscribeCreates: boolean;
  /** Which exclude_automations flag the importer honours. */
  excludeAutomationsReading: "per-contact" | "top-level" | "either";
  fieldValueReading: FieldValueReading;
  accountTimeZone: string;
}

/** The reason the whole batch fails at processing (reading "fail" field values, or the data-dependent fault). */
export function batchFailure(contacts: ParsedContact[], store: Store, account: Account, rules: ApplyRules): string | undefined {
  for (const c of contacts) {
    if (account.failPattern && account.failPattern.test(JSON.stringify(c))) return `a contact matches the failing pattern ${account.failPatternSource}`;
    if (rules.fieldValueReading !== "fail" || !c.fields) continue;
    for (const [fid, value] of c.fields) {
      const r = storeValue(store.fields.get(fid)!, value, "fail", rules.accountTimeZone);
      if (!r.ok) return r.reason;
    }
  }
  return undefined;
}

const apostrophe = (email: string) => email.slice(0, email.indexOf("@")).includes("'");

/** Applies a completed batch's contacts; fills b.success / b.failure. Returns the contacts applied. */
export function applyBatch(b: Batch, contacts: ParsedContact[], store: Store, account: Account, rules: ApplyRules): number {
  const now = nowSeconds();
  let applied = 0;
  for (let i = 0; i < contacts.length; i++) {
    const c = contacts[i] as ParsedContact;
    if (b.contactFails?.[i] || apostrophe(c.email)) {
      b.failure.push(c.email);
      continue;
    }
    let id = store.byEmail.get(c.key);
    const skip = account.skipReason(c.email, c.subscribe) ?? (id === undefined && store.liveContacts >= rules.contactLimit ? "contact limit" : undefined);
    const unsubscribeOnly = !c.subscribe?.length && !!c.unsubscribe?.length;
    if (skip || (id === undefined && unsubscribeOnly && !rules.bulkUnsubscribeCreates)) {
      account.skips.push({ email: c.email, reason: skip ?? "unsubscribe-only, no such contact", path: "bulk" });
      if (skip && rules.skippedInFailure) b.failure.push(c.email);
      continue;
    }
    let created = false;
    if (id === undefined) {
      id = store.createContact(c.email, c.first ?? "", c.last ?? "", c.phone ?? "", now, c.key);
      created = true;
    } else if (c.first !== undefined || c.last !== undefined || c.phone !== undefined) {
      store.updateContact(id, { first: c.first, last: c.last, phone: c.phone }, now);
    }
    const excluded = rules.excludeAutomationsReading === "per-contact" ? !!c.excludeAutomations : rules.excludeAutomationsReading === "top-level" ? b.topExclude : !!c.excludeAutomations || b.topExclude;
    const trigger = (what: "subscribe" | "tag") => account.count("bulk", excluded ? "suppressed" : what);
    if (c.fields) {
      for (const [fid, value] of c.fields) {
        const field = store.fields.get(fid)!;
        const r = storeValue(field, value, "coerce", rules.accountTimeZone);
        if (r.ok) store.setFieldValue(id, field, r.value);
      }
    }
    if (c.tags) for (const name of c.tags) if (store.addContactTag(id, store.ensureTag(name, now), now).created) trigger("tag");
    for (const listId of c.subscribe ?? []) subscribe(store, account, rules, id, listId, now, trigger);
    for (const listId of c.unsubscribe ?? []) {
      const midx = store.membership(listId, id);
      // Ends with status 2 on that list, as POST /contactLists status 2 does (a non-member gets an unsubscribed membership).
      if (midx === undefined) store.addMembership(store.lists.get(listId)!, id, 2, "api", 0, now);
      else if (store.mStatus.at(midx) !== 2) store.setMembershipStatus(midx, 2, "api", undefined, now);
    }
    if (created || rules.successIncludesUpdated) b.success.push(id);
    applied++;
  }
  return applied;
}

function subscribe(store: Store, account: Account, rules: ApplyRules, id: number, listId: number, now: number, trigger: (w: "subscribe") => void): void {
  const list = store.lists.get(listId)!;
  const midx = list.m.byContact.get(id);
  if (midx === undefined) {
    store.addMembership(list, id, 1, undefined, 0, now);
    trigger("subscribe");
    return;
  }
  const from = store.mStatus.at(midx) as ListStatus;
  // "Contacts may not be subscribed to lists which they have previously unsubscribed from": status 2 stays.
  if (from === 1 || from === 2 || rules.bulkSubscribeInactive === "keep") return;
  const by = store.membershipRow(midx).unsubscribedBy;
  store.setMembershipStatus(midx, 1, undefined, undefined, now);
  account.reactivations.push({ email: store.emails[id - 1] as string, contactId: id, listId, from, ...(by && { unsubscribedBy: by }), sourceid: 0, path: "bulk" });
  trigger("subscribe");
}
