// A bulk import whose batchId ActiveCampaign no longer knows (import/info 404 or 400, or `{"status":false}` past the
// confirm deadline; REAL-ACCOUNT.md "Where evidence is absent") may or may not have been applied. Sending it again
// blindly would duplicate an import that ran (automations may fire twice); committing it blindly could lose an
// update. So each contact is read back (GET /contacts?email= and its list memberships: 2 requests), and only what
// the reading proves is treated as applied:
// - a contact new to this export, subscribed: applied if it is now active (1) on the list and its names and phone are
//   the ones sent (the import that subscribed it set its data too);
// - a leaver: applied if it is now unsubscribed (2) on the list;
// - an update of a member the export already had: never provable this way (custom field values are not read), so it
//   is sent again: the one case where an unknown batch may cost a duplicate import.
// What is not proven is sent again (the pipeline does that once); unknown batches are rare (a batch forgotten after
// AC's retention, found by a run resumed much later), so the reads cost little overall.
import { LIST_STATUS } from "../config/list-status.js";
import type { AcContact, BulkContact } from "../ac/types.js";
import type { ApplyContext } from "./apply-context.js";
import type { BatchItem } from "./batcher.js";
import { currentListStatus } from "./consent.js";
import { PER_CONTACT_CONCURRENCY } from "./constants.js";
import { forEachLimited } from "./for-each-limited.js";
import { UNSUBSCRIBED_BY_SYNC } from "./state.js";
import type { SendMeta } from "./types.js";

export async function provenApplied(ctx: ApplyContext, items: BatchItem<SendMeta>[]): Promise<{ applied: BatchItem<SendMeta>[]; unproven: BatchItem<SendMeta>[] }> {
  const { client, config } = ctx.deps;
  const { state } = ctx.prepared;
  const proven = new Set<BatchItem<SendMeta>>();
  await forEachLimited(items, PER_CONTACT_CONCURRENCY, async (item) => {
    const leaver = (item.meta.flags & UNSUBSCRIBED_BY_SYNC) !== 0;
    if (!leaver && state.get(item.contact.email) !== undefined) return; // an update: not provable
    const found = await client.findContactByEmail(item.contact.email);
    if (!found || (!leaver && !sameData(found, item.contact))) return;
    const status = await currentListStatus(client, found.id, config.listId);
    if (status === (leaver ? LIST_STATUS.UNSUBSCRIBED : LIST_STATUS.ACTIVE)) proven.add(item);
  });
  return { applied: items.filter((i) => proven.has(i)), unproven: items.filter((i) => !proven.has(i)) };
}

/** The names and phone the import would have set (a value the contact does not carry is not compared). */
function sameData(found: AcContact, sent: BulkContact): boolean {
  return (
    (sent.first_name === undefined || found.firstName === sent.first_name) &&
    (sent.last_name === undefined || found.lastName === sent.last_name) &&
    (sent.phone === undefined || found.phone === sent.phone)
  );
}
