// The sync engine's entry point: one sync of one export, from the lock to the snapshot, ended by a typed outcome.
// Steps: prepare (prepare.ts) → apply (apply.ts: send-changed / small-delta, resubscribe, leavers) → snapshot.
// It knows nothing of argv, env, exit codes or printing: the command (runner/commands/sync-command.ts) does those.
import { describeError, EXIT } from "../errors.js";
import type { StateLock } from "../state/types.js";
import { applySync } from "./apply.js";
import { outcomeOfError, type SyncOutcome } from "./outcome.js";
import { saveConsentSet } from "./consent.js";
import { prepareSync } from "./prepare.js";
import type { Applied, Prepared, SyncDeps, SyncMode } from "./types.js";

export interface SyncRun {
  outcome: SyncOutcome;
  /** Releases the state lock (a run holds it until its report is written next to the state). Never throws. */
  release(): Promise<void>;
}

/** `plan` prepares only; `run` takes the lock, prepares, applies, and compacts the journal into a snapshot. */
export async function runSync(deps: SyncDeps, mode: SyncMode): Promise<SyncRun> {
  let lock: StateLock | undefined;
  let prepared: Prepared | undefined;
  let applied: Applied | undefined;
  const release = async () => {
    await lock?.release().catch(() => undefined);
  };
  try {
    if (mode === "run") lock = await deps.store.lock();
    prepared = await prepareSync(deps, mode);
    if (lock) await saveConsentSet(deps, prepared, false);
    if (prepared.plan.blocked) return { outcome: { kind: "blocked", error: prepared.plan.blocked, prepared }, release };
    if (lock) {
      applied = await applySync(deps, prepared, lock);
      await deps.store.writeSnapshot(prepared.state.encodeSnapshot());
      await saveConsentSet(deps, prepared, true);
    }
    return { outcome: { kind: "completed", prepared, ...(applied ? { applied } : {}) }, release };
  } catch (e) {
    // What was confirmed stays committed: compact the journal into a snapshot if the run got that far (not when
    // the lock was lost or the input was bad).
    if (applied === undefined && prepared && lock && describeError(e).exitCode === EXIT.FAILED) {
      await deps.store.writeSnapshot(prepared.state.encodeSnapshot()).catch(() => undefined);
    }
    return { outcome: outcomeOfError(e, { ...(prepared ? { prepared } : {}), ...(applied ? { applied } : {}) }), release };
  }
}
