// Apply step "small delta": a few new or changed members go through contact/sync + contactLists (+ contactTags)
// instead of bulk import, as ActiveCampaign asks for 10 contacts or fewer. Consent: a member who unsubscribed from the
// list themselves stays unsubscribed (AC keeps their status; the sync records them, never forces status 1).
import { LIST_STATUS } from "../config/list-status.js";
import type { ApplyContext } from "./apply-context.js";
import { BatchSender } from "./batch-sender.js";
import { toBulkContact } from "./bulk-contact.js";
import type { PlannedMember } from "./send-changed.js";
import type { SendMeta } from "./types.js";

export async function sendSmallDelta(ctx: ApplyContext, members: PlannedMember[]): Promise<void> {
  const { client, config } = ctx.deps;
  const { prepared, applied, checkpoint } = ctx;
  const tagIds: number[] = [];
  for (const name of config.mappings.tags ?? []) {
    const tag = await client.findTag(name);
    // A tag that does not exist yet: bulk import creates tags by name, so send these few through it instead.
    if (!tag) return sendThroughBulk(ctx, members);
    tagIds.push(tag.id);
  }
  for (const { member, row } of members) {
    const contact = await client.syncContact({
      email: member.email,
      ...(member.firstName ? { firstName: member.firstName } : {}),
      ...(member.lastName ? { lastName: member.lastName } : {}),
      ...(member.phone ? { phone: member.phone } : {}),
      fieldValues: Object.entries(member.fields).map(([tag, value]) => ({ field: prepared.fieldIds.get(tag)!, value })),
    });
    const membership = await client.setListStatus(contact.id, config.listId, LIST_STATUS.ACTIVE);
    if (membership.status !== LIST_STATUS.ACTIVE) {
      applied.consentKept.push({ row, email: member.email, reason: "unsubscribed from the list by themselves; not re-subscribed" });
      continue;
    }
    if (tagIds.length) {
      const have = new Set((await client.contactTags(contact.id)).map((t) => t.tag));
      for (const id of tagIds) if (!have.has(id)) await client.addContactTag(contact.id, id);
    }
    if (prepared.state.get(member.email)) applied.updated++;
    else applied.added++;
    await checkpoint.commit([[member.email, member.fingerprint, 0]]);
  }
}

async function sendThroughBulk(ctx: ApplyContext, members: PlannedMember[]): Promise<void> {
  const sender = new BatchSender<SendMeta>(ctx.pipeline);
  for (const { member, row } of members) {
    await sender.add(toBulkContact(member, ctx.deps.config, ctx.prepared.fieldIds), { row, fingerprint: member.fingerprint, flags: 0 });
  }
  await sender.finish();
}
