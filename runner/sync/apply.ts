// Step 2 of a sync, apply: write what the plan says, in order — first the bulk imports an earlier run left open
// (resume.ts), then new and changed members (send-changed.ts, or small-delta.ts for a few), members the sync had
// unsubscribed who are back (resubscribe.ts), then those who left (leavers.ts). Holds the lock; the checkpointer
// journals every accepted batch and commits every confirmed one as it goes.
import type { StateLock } from "../state/types.js";
import { recordFailed, type ApplyContext } from "./apply-context.js";
import { BulkPipeline } from "./bulk-pipeline.js";
import { Checkpointer } from "./checkpointer.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { INITIAL_POLL_DELAY_MS } from "./constants.js";
import { applyLeavers } from "./leavers.js";
import { runDay } from "./refusals.js";
import { resubscribeReturning } from "./resubscribe.js";
import { resumeOpenBatches } from "./resume.js";
import { sendChanged } from "./send-changed.js";
import type { Applied, Prepared, SendMeta, SyncDeps } from "./types.js";
import { provenApplied } from "./unknown-batch.js";

export async function applySync(deps: SyncDeps, prepared: Prepared, lock: StateLock): Promise<Applied> {
  const applied: Applied = { added: 0, updated: 0, resubscribed: 0, left: 0, failed: [], consentKept: [], notConfirmed: 0, batchesSent: 0, contactsSent: 0 };
  const checkpoint = new Checkpointer(prepared.state, deps.store, lock, runDay(deps), prepared.openBatches);
  // The engine compacts the journal with the batches still open at the end (checkpointer.ts compactState).
  prepared.openBatches = checkpoint.openBatches;
  const ctx = { deps, prepared, applied, checkpoint } as ApplyContext;
  ctx.pipeline = createPipeline(ctx);

  await resumeOpenBatches(ctx);
  await sendChanged(ctx);
  await resubscribeReturning(ctx);
  await applyLeavers(ctx);

  await checkpoint.flush();
  applied.batchesSent = ctx.pipeline.batchesSent;
  applied.contactsSent = ctx.pipeline.contactsConfirmed;
  deps.events.done();
  return applied;
}

/** The run's one bulk pipeline: journals each accepted batch, commits and counts each confirmed contact, records the failed ones. */
function createPipeline(ctx: ApplyContext): BulkPipeline<SendMeta> {
  const { deps, prepared, applied, checkpoint } = ctx;
  const { events } = deps;
  const { plan, state } = prepared;
  const scale = deps.timeScale ?? 1;
  const startedAt = Date.now();
  const tagOf = new Map([...prepared.fieldIds].map(([tag, id]) => [id, tag]));
  const pipeline: BulkPipeline<SendMeta> = new BulkPipeline<SendMeta>(deps.client, {
    signal: deps.signal,
    timeScale: scale,
    initialPollDelayMs: INITIAL_POLL_DELAY_MS / scale,
    ...(deps.importConfirmHours !== undefined ? { confirmTimeoutMs: (deps.importConfirmHours * 3_600_000) / scale } : {}),
    breaker: new CircuitBreaker((id) => tagOf.get(id) ?? `id ${id}`),
    onEvent: (e) => events.event(String(e.event), e),
    onFailed: (items, reason, batchId) => recordFailed(applied, items, reason, batchId),
    onAccepted: (items, batchId, acceptedAt) =>
      checkpoint.accepted({ batchId, acceptedAt, members: items.map((i) => [i.contact.email, i.meta.fingerprint, i.meta.flags]) }),
    onSettled: (batchId) => checkpoint.settled(batchId),
    onUnknown: (items) => provenApplied(ctx, items),
    onConfirmed: async (items, batchId, created) => {
      let fresh = 0;
      for (const i of items) {
        if (i.contact.unsubscribe) applied.left++;
        else if (state.get(i.contact.email) !== undefined) applied.updated++;
        else (applied.added++, fresh++);
      }
      // AC lists only the contacts a batch created, and may skip some silently (exclusion list, bounce, plan limit:
      // REAL-ACCOUNT.md F3). Fewer created than new to this export is what cannot be confirmed; the report counts it.
      applied.notConfirmed += Math.max(0, fresh - created);
      await checkpoint.confirmed(batchId, items.map((i) => [i.contact.email, i.meta.fingerprint, i.meta.flags]));
      events.progress({
        phase: "sending",
        batchesSent: pipeline.batchesSent,
        batchesConfirmed: pipeline.batchesConfirmed,
        contactsConfirmed: pipeline.contactsConfirmed,
        contactsToSend: plan.send.size,
        startedAt,
      });
    },
  });
  return pipeline;
}
