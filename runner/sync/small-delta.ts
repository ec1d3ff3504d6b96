// Apply step "small delta": a few new or changed members go through contact/sync + contactLists (+ contactTags)
// instead of bulk import, as ActiveCampaign asks for 10 contacts or fewer. Consent: POST /contactLists status 1
// re-subscribes anyone (REAL-ACCOUNT.md F1), so the contact's status on the list is read right before it, and a
// member who is unsubscribed, unconfirmed or bounced there is left as they are (consent.ts). With
// `excludeAutomations`, the few go through bulk import too: only it can suppress automations (F8).
import { LIST_STATUS } from "../config/list-status.js";
import type { ApplyContext } from "./apply-context.js";
import { BatchSender } from "./batch-sender.js";
import { BulkConsentGate } from "./bulk-consent.js";
import { toBulkContact } from "./bulk-contact.js";
import { currentListStatus, isInactive, keptReason } from "./consent.js";
import { refusalOf } from "./refusals.js";
import type { PlannedMember } from "./send-changed.js";
import { REFUSED_BY_AC } from "./state.js";
import type { SendMeta } from "./types.js";

export async function sendSmallDelta(ctx: ApplyContext, members: PlannedMember[]): Promise<void> {
  const { client, config } = ctx.deps;
  const { prepared, applied, checkpoint } = ctx;
  if (config.excludeAutomations) return sendThroughBulk(ctx, members);
  // The preflight found or created the export's tags; one it does not know goes through bulk import, which tags by name.
  const tagIds = (config.mappings.tags ?? []).map((name) => prepared.tagIds.get(name.toLowerCase()));
  if (tagIds.some((id) => id === undefined)) return sendThroughBulk(ctx, members);
  for (const { member, row } of members) {
    let contact;
    try {
      contact = await client.syncContact({
        email: member.email,
        ...(member.firstName ? { firstName: member.firstName } : {}),
        ...(member.lastName ? { lastName: member.lastName } : {}),
        ...(member.phone ? { phone: member.phone } : {}),
        fieldValues: Object.entries(member.fields).map(([tag, value]) => ({ field: prepared.fieldIds.get(tag)!, value })),
      });
    } catch (e) {
      // AC refused this one contact (exclusion list, bounce, address): an outcome for the row, not a run failure.
      const reason = refusalOf(e);
      if (reason === undefined) throw e;
      applied.failed.push({ row, email: member.email, reason });
      await checkpoint.commit([[member.email, member.fingerprint, REFUSED_BY_AC]]);
      continue;
    }
    const status = await currentListStatus(client, contact.id, config.listId);
    if (isInactive(status)) {
      applied.consentKept.push({ row, email: member.email, reason: keptReason(status) });
      continue;
    }
    if (status !== LIST_STATUS.ACTIVE) await client.setListStatus(contact.id, config.listId, LIST_STATUS.ACTIVE);
    if (tagIds.length) {
      const have = new Set((await client.contactTags(contact.id)).map((t) => t.tag));
      for (const id of tagIds as number[]) if (!have.has(id)) await client.addContactTag(contact.id, id);
    }
    if (prepared.state.get(member.email)) applied.updated++;
    else applied.added++;
    await checkpoint.commit([[member.email, member.fingerprint, 0]]);
  }
}

async function sendThroughBulk(ctx: ApplyContext, members: PlannedMember[]): Promise<void> {
  const sender = new BatchSender<SendMeta>(ctx.pipeline);
  const gate = new BulkConsentGate(ctx);
  for (const { member, row } of members) {
    const consent = await gate.check(member.email);
    if (!consent.send) ctx.applied.consentKept.push({ row, email: member.email, reason: consent.reason });
    else await sender.add(toBulkContact(member, ctx.deps.config, ctx.prepared.fieldIds, consent.subscribe), { row, fingerprint: member.fingerprint, flags: 0 });
  }
  await sender.finish();
}
