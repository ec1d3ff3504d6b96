// Consent on the bulk path, contact by contact, right before a member is queued for bulk import.
//
// `subscribe` is asked only for members the list may not have yet: new to this export's state, or refused by AC on an
// earlier run. Members the state holds as on the list (committed earlier) are sent WITHOUT `subscribe`: they are on
// the list already, and a bulk contact without it only updates the contact (its fields and tags, as the sandbox and
// AC's importer do), so a bounce (3) or a pending double opt-in (0) that happened since the preflight cannot be
// activated by this import under any reading (`bulkSubscribeInactive: "activate"`), and status 2 stays 2 either way.
// The price: a member an admin removed from the list by hand is not put back by an update (they are again once they
// leave the segment and come back), and neither is a contact an earlier import skipped without saying so (F3: the
// report counted it as not confirmed; a refusal AC did report is flagged REFUSED_BY_AC and asks to subscribe again).
// Consent comes first. Members the sync itself unsubscribed are re-subscribed by resubscribe.ts only.
//
// Right before the bulk pass when the plan has new members (else before the first member that asks to `subscribe`,
// one refused earlier), statuses 0 and 3 are read fresh in full, once per run: bulk
// `subscribe` may activate them, and the cache may be stale for them (a status change need not touch `udate`).
// Status 2 comes from the cache: bulk `subscribe` never re-subscribes it (documented; the sandbox always). A member
// found 0 or 3 then (asking to subscribe or not) is not sent at all, reported as kept (consent.ts says why nothing, not even their data).
import type { ApplyContext } from "./apply-context.js";
import { keptReason, type InactiveStatuses } from "./consent.js";
import { REFUSED_BY_AC } from "./state.js";

export type BulkConsent = { send: true; subscribe: boolean } | { send: false; reason: string };

export class BulkConsentGate {
  private fresh: InactiveStatuses | undefined;

  constructor(private readonly ctx: ApplyContext) {}

  /** Whether this member may go through bulk import, and whether with `subscribe`. */
  async check(email: string): Promise<BulkConsent> {
    const known = this.ctx.prepared.state.get(email);
    const subscribe = known === undefined || (known.flags & REFUSED_BY_AC) !== 0;
    if ((subscribe || this.ctx.prepared.plan.adds > 0) && !this.fresh) {
      this.fresh = await this.ctx.prepared.consent.freshUnconfirmedAndBounced(this.ctx.deps.client, Date.now);
    }
    const status = this.fresh?.get(email);
    if (status !== undefined) return { send: false, reason: keptReason(status) };
    return { send: true, subscribe };
  }
}
