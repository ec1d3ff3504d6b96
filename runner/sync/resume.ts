// Apply step "resume": bulk imports an earlier run got accepted and never settled (it was killed, or left them
// pending at its deadline) are polled before anything is sent, and what they confirm is committed. Their members are
// then in the state with the planned fingerprint, so the send step skips them: a kill costs only the POSTs whose
// answer had not arrived (their batchIds were never journaled). A batch whose members are all committed already (the
// run died between the commit and the "settled" record) is only closed.
import type { ApplyContext } from "./apply-context.js";
import type { BatchRecord } from "./batch-records.js";
import type { BatchItem } from "./batcher.js";
import { UNSUBSCRIBED_BY_SYNC } from "./state.js";
import type { SendMeta } from "./types.js";

export async function resumeOpenBatches(ctx: ApplyContext): Promise<void> {
  const { checkpoint, pipeline, prepared, deps } = ctx;
  const open = [...checkpoint.openBatches.values()];
  if (!open.length) return;
  deps.events.event("phase", { phase: `polling ${open.length} bulk imports an earlier run left open at ActiveCampaign` });
  const before = pipeline.contactsConfirmed;
  let adopted = 0;
  for (const record of open) {
    if (committedAlready(ctx, record)) {
      await checkpoint.settled(record.batchId);
      continue;
    }
    adopted++;
    await pipeline.adopt(record.batchId, record.acceptedAt, itemsOf(record, deps.config.listId));
  }
  await pipeline.drain();
  ctx.applied.resumedBatches = adopted;
  ctx.applied.resumedContacts = pipeline.contactsConfirmed - before;
  // Leavers an adopted batch unsubscribed are done; the plan listed them before it knew.
  const { plan, state } = prepared;
  plan.leavers = plan.leavers.filter((email) => ((state.get(email)?.flags ?? 0) & UNSUBSCRIBED_BY_SYNC) === 0);
}

function committedAlready(ctx: ApplyContext, record: BatchRecord): boolean {
  const { state } = ctx.prepared;
  return record.members.every(([email, fp, flags]) => {
    const s = state.get(email);
    return s !== undefined && s.fingerprint === fp && s.flags === flags;
  });
}

/** The journal keeps no contact data: enough of a contact to commit it, count it and prove it (unknown-batch.ts). */
function itemsOf(record: BatchRecord, listId: number): BatchItem<SendMeta>[] {
  return record.members.map(([email, fingerprint, flags]) => ({
    contact: (flags & UNSUBSCRIBED_BY_SYNC) !== 0 ? { email, unsubscribe: [{ listid: listId }] } : { email, subscribe: [{ listid: listId }] },
    meta: { fingerprint, flags },
    bytes: 0,
  }));
}
