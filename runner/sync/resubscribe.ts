// Apply step "re-subscribe": members the sync itself unsubscribed earlier (they left the segment) and who are back
// get list status 1 again, with sourceid 4, and only them (consent: who unsubscribed themselves is never touched).
import { LIST_STATUS, SOURCEID_RESUBSCRIBE } from "../config/list-status.js";
import type { ApplyContext } from "./apply-context.js";
import { PER_CONTACT_CONCURRENCY } from "./constants.js";
import { currentListStatus, keptReason } from "./consent.js";
import { forEachLimited } from "./for-each-limited.js";
import { UNSUBSCRIBED_BY_SYNC } from "./state.js";

export async function resubscribeReturning(ctx: ApplyContext): Promise<void> {
  const { client, config, events } = ctx.deps;
  const { applied, checkpoint } = ctx;
  const { plan, state } = ctx.prepared;
  if (!plan.resubscribe.length) return;
  events.event("phase", { phase: `re-subscribing ${plan.resubscribe.length} members the sync had unsubscribed` });
  await forEachLimited(plan.resubscribe, PER_CONTACT_CONCURRENCY, async (email) => {
    const contact = await client.findContactByEmail(email);
    if (!contact) {
      applied.failed.push({ email, reason: "contact not found in ActiveCampaign for re-subscribe" });
      return;
    }
    // Only the status 2 the sync wrote may be undone: read it right before the write (a bounce or a new double
    // opt-in since then is not ours to override; status 1 already needs no write).
    const now = await currentListStatus(client, contact.id, config.listId);
    if (now === LIST_STATUS.UNCONFIRMED || now === LIST_STATUS.BOUNCED) {
      applied.consentKept.push({ email, reason: keptReason(now) });
      return;
    }
    const result = now === LIST_STATUS.ACTIVE ? { status: now } : await client.setListStatus(contact.id, config.listId, LIST_STATUS.ACTIVE, SOURCEID_RESUBSCRIBE);
    if (result.status !== LIST_STATUS.ACTIVE) {
      applied.failed.push({ email, reason: `ActiveCampaign kept the contact's list status at ${result.status} on re-subscribe` });
      return;
    }
    const s = state.get(email)!;
    applied.resubscribed++;
    await checkpoint.commit([[email, s.fingerprint, s.flags & ~UNSUBSCRIBED_BY_SYNC]]);
  });
}
