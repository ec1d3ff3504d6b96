// Apply step "send": new and changed members. Pass 2 over the segment yields exactly the rows the plan chose; they go
// through bulk import, or, when there are only a few, through the small-delta path (small-delta.ts).
import { AcExportError } from "../errors.js";
import { rowLabel, type SegmentPin } from "../segment/types.js";
import { BULK_MAX_BYTES } from "../config/ac-limits.js";
import type { ApplyContext } from "./apply-context.js";
import { BatchSender } from "./batch-sender.js";
import { BulkConsentGate } from "./bulk-consent.js";
import { Batcher } from "./batcher.js";
import { toBulkContact } from "./bulk-contact.js";
import { SMALL_DELTA_MAX } from "./constants.js";
import { emailHash, toMember, type Member } from "./member.js";
import type { SyncPlan } from "./plan.js";
import { segmentOptions } from "./segment-options.js";
import { sendSmallDelta } from "./small-delta.js";
import type { SendMeta, SyncDeps } from "./types.js";

export interface PlannedMember {
  member: Member;
  row: number;
}

export async function sendChanged(ctx: ApplyContext): Promise<void> {
  const { deps, prepared, applied } = ctx;
  const { plan } = prepared;
  if (plan.send.size === 0) return;
  deps.events.event("phase", { phase: `sending ${plan.send.size} new or changed members` });
  if (plan.send.size <= (deps.smallDeltaMax ?? SMALL_DELTA_MAX)) {
    const members: PlannedMember[] = [];
    for await (const planned of plannedMembers(deps, plan, prepared.segmentPin)) members.push(planned);
    return sendSmallDelta(ctx, members);
  }
  const sender = new BatchSender<SendMeta>(ctx.pipeline);
  const gate = new BulkConsentGate(ctx);
  for await (const { member, row } of plannedMembers(deps, plan, prepared.segmentPin)) {
    const consent = await gate.check(member.email);
    if (!consent.send) {
      applied.consentKept.push({ row, email: member.email, reason: consent.reason });
      continue;
    }
    const contact = toBulkContact(member, deps.config, prepared.fieldIds, consent.subscribe);
    if (!Batcher.fits(contact)) {
      applied.failed.push({ row, email: contact.email, reason: `too large for one ActiveCampaign import request (${BULK_MAX_BYTES.toLocaleString("en-US")} bytes)` });
      continue;
    }
    await sender.add(contact, { row, fingerprint: member.fingerprint, flags: 0 });
  }
  await sender.finish();
}

/** Pass 2: the members of the rows the plan chose to send, checked to be what pass 1 saw. */
async function* plannedMembers(deps: SyncDeps, plan: SyncPlan, pin: SegmentPin | undefined): AsyncGenerator<PlannedMember> {
  const segment = await deps.openSegment(deps.segmentLocation, segmentOptions(deps.config, pin));
  try {
    for await (const rows of segment.batches()) {
      for (const row of rows) {
        const fp = plan.send.get(row.rowNumber);
        if (fp === undefined) continue;
        const result = toMember(row, deps.config);
        // Every field the plan decided on, the email included (the fingerprint leaves it out: it is the state's key).
        if (!result.ok || result.member.fingerprint !== fp || emailHash(result.member.email) !== plan.sendEmails.get(row.rowNumber)) {
          throw new AcExportError("SEGMENT_CHANGED", `the segment changed while the run was reading it (${rowLabel(row)} differs between passes); nothing unplanned was sent; run again`);
        }
        yield { member: result.member, row: row.rowNumber };
      }
    }
  } finally {
    await segment.close();
  }
}
