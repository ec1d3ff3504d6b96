// Apply step "leavers": members the state has who are no longer in the segment, per the export's onLeave policy
// (keep: forget them; unsubscribe: list status 2, remembered as unsubscribed by the sync; untag: remove the
// export's tags). Leavers who unsubscribed themselves are only forgotten (see plan.ts).
import { MAX_OFFSET_PAGES } from "../ac/paging.js";
import { PAGE_LIMIT } from "../config/ac-limits.js";
import { LIST_STATUS } from "../config/list-status.js";
import type { ApplyContext } from "./apply-context.js";
import { BatchSender } from "./batch-sender.js";
import { PER_CONTACT_CONCURRENCY, SMALL_DELTA_MAX } from "./constants.js";
import { forEachLimited } from "./for-each-limited.js";
import { UNSUBSCRIBED_BY_SYNC } from "./state.js";
import type { SendMeta } from "./types.js";

export async function applyLeavers(ctx: ApplyContext): Promise<void> {
  const { config, events } = ctx.deps;
  const { plan } = ctx.prepared;
  if (plan.alreadyUnsubscribed.length) await ctx.checkpoint.commit([], plan.alreadyUnsubscribed);
  if (!plan.leavers.length) return;
  if (config.onLeave === "keep") {
    // The reference behaviour: leavers stay on the list; the state forgets them.
    await ctx.checkpoint.commit([], plan.leavers);
    return;
  }
  events.event("phase", { phase: `${config.onLeave === "unsubscribe" ? "unsubscribing" : "untagging"} ${plan.leavers.length} members who left the segment` });
  if (config.onLeave === "unsubscribe") await unsubscribeLeavers(ctx);
  else await untagLeavers(ctx);
}

/**
 * Leavers are looked up before anything is sent, and only contacts that exist are unsubscribed: a bulk contact that
 * only unsubscribes is an upsert by email, and would bring back a contact deleted or erased in ActiveCampaign
 * (REAL-ACCOUNT.md F9). Many leavers: the existing ones through bulk import (`unsubscribe`), found either one
 * `GET /contacts?email=` each or, when cheaper, by reading the list's active members (100 a page). A few: by id
 * through contactLists, which cannot create anyone. Leavers not found are forgotten by the state.
 */
async function unsubscribeLeavers(ctx: ApplyContext): Promise<void> {
  const { client, config, events } = ctx.deps;
  const { plan, state } = ctx.prepared;
  if (plan.leavers.length > (ctx.deps.smallDeltaMax ?? SMALL_DELTA_MAX)) {
    const existing = await existingLeavers(ctx);
    const gone = plan.leavers.filter((e) => !existing.has(e));
    if (gone.length) {
      events.event("warning", { message: `${gone.length} members who left the segment are no longer active on the list in ActiveCampaign (deleted, removed or no longer visible): nothing sent for them` });
      await ctx.checkpoint.commit([], gone);
    }
    const sender = new BatchSender<SendMeta>(ctx.pipeline);
    for (const email of plan.leavers) {
      if (!existing.has(email)) continue;
      const fingerprint = state.get(email)!.fingerprint;
      await sender.add({ email, unsubscribe: [{ listid: config.listId }] }, { fingerprint, flags: UNSUBSCRIBED_BY_SYNC });
    }
    await sender.finish();
    return;
  }
  await forEachLimited(plan.leavers, PER_CONTACT_CONCURRENCY, async (email) => {
    const contact = await client.findContactByEmail(email);
    if (!contact) {
      await ctx.checkpoint.commit([], [email]);
      return;
    }
    await client.setListStatus(contact.id, config.listId, LIST_STATUS.UNSUBSCRIBED);
    ctx.applied.left++;
    await ctx.checkpoint.commit([[email, state.get(email)!.fingerprint, UNSUBSCRIBED_BY_SYNC]]);
  });
}

/**
 * The leavers that exist in ActiveCampaign as active members of the list, found the cheaper way; logs a
 * `leavers-checked` event with the way and the `GET /contacts` it took (the count that chooses included).
 */
async function existingLeavers(ctx: ApplyContext): Promise<Set<string>> {
  const { client, config, events } = ctx.deps;
  const leavers = ctx.prepared.plan.leavers;
  const lookups = () => client.stats().requestsByEndpoint["GET /contacts"] ?? 0;
  const before = lookups();
  const found = new Set<string>();
  const active = client.countListContacts && client.listContactEmails ? await client.countListContacts(config.listId, LIST_STATUS.ACTIVE) : Infinity;
  const readList = Math.ceil(active / PAGE_LIMIT) < leavers.length;
  if (readList) {
    const wanted = new Set(leavers);
    for await (const email of client.listContactEmails!(config.listId, LIST_STATUS.ACTIVE)) {
      const e = email.toLowerCase();
      if (wanted.has(e)) found.add(e);
    }
  } else {
    await forEachLimited(leavers, PER_CONTACT_CONCURRENCY, async (email) => {
      if (await client.findContactByEmail(email)) found.add(email);
    });
  }
  events.event("leavers-checked", { leavers: leavers.length, existing: found.size, way: readList ? "list" : "lookup", requests: lookups() - before });
  return found;
}

/**
 * Removes the export's tags from each leaver; the state forgets them. DELETE /contactTags/{id} needs the contactTag's
 * id, which the API only gives per contact (GET /contacts/{id}/contactTags), and it has no bulk way to remove a tag:
 * so a leaver that carries a tag costs 2 requests (its tags, then one DELETE per export tag it has). Who carries the
 * tags is learnt in bulk (GET /contacts?tagid=, 100 a page) when that is cheaper than one lookup per leaver, and a
 * leaver that carries none of them (untagged already, or deleted in ActiveCampaign) then costs nothing. Only tag
 * links are deleted, so no contact is created; only leavers' contacts are touched.
 */
async function untagLeavers(ctx: ApplyContext): Promise<void> {
  const { client } = ctx.deps;
  // The export's tags as the preflight found (or created) them.
  const tagIds = new Set(ctx.prepared.tagIds.values());
  const tagged = await taggedLeavers(ctx, tagIds);
  await forEachLimited(ctx.prepared.plan.leavers, PER_CONTACT_CONCURRENCY, async (email) => {
    const contactId = tagged ? tagged.get(email) : (await client.findContactByEmail(email))?.id;
    if (contactId !== undefined) {
      for (const ct of await client.contactTags(contactId)) if (tagIds.has(ct.tag)) await client.removeContactTag(ct.id);
    }
    ctx.applied.left++;
    await ctx.checkpoint.commit([], [email]);
  });
}

/**
 * Leaver email → contact id, for the leavers that carry one of the tags, read in bulk; undefined when one lookup per
 * leaver is cheaper (few leavers, many tagged contacts), or a tag has more contacts than an offset read reaches.
 */
async function taggedLeavers(ctx: ApplyContext, tagIds: Set<number>): Promise<Map<string, number> | undefined> {
  const { client } = ctx.deps;
  const leavers = ctx.prepared.plan.leavers;
  // Counting costs a request per tag: not worth it when the leavers are no more than that.
  if (!client.countTaggedContacts || !client.taggedContacts || tagIds.size === 0 || leavers.length <= tagIds.size) return undefined;
  let pages = 0;
  for (const id of tagIds) {
    const tagPages = Math.ceil((await client.countTaggedContacts(id)) / PAGE_LIMIT);
    if (tagPages > MAX_OFFSET_PAGES) return undefined;
    pages += tagPages;
  }
  if (pages >= leavers.length) return undefined;
  const wanted = new Set(leavers);
  const found = new Map<string, number>();
  for (const id of tagIds) {
    for (const c of await client.taggedContacts(id)) {
      const email = c.email.toLowerCase();
      if (wanted.has(email)) found.set(email, c.id);
    }
  }
  return found;
}
