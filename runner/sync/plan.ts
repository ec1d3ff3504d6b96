// Pass 1 of a sync: read the whole segment once, compare it with the state and with who unsubscribed from the list,
// and decide everything before anything is written (limits, removal cap, consent).
import { removalCap, type ExportConfig } from "../config.js";
import type { OpenedSegment } from "../segment/types.js";
import { emailHash, RowReader } from "./member.js";
import { RowFingerprints, RowMarks } from "./row-set.js";
import { RowLabels } from "./row-labels.js";
import { SeenMembers } from "./seen-members.js";
import { plainValueMapping, type ValueMapping } from "./value-mapping.js";
import { ValueProblems } from "./value-problems.js";
import { keptReason, type InactiveStatuses } from "./consent.js";
import { refusalDue, refusedEarlierReason } from "./refusals.js";
import { REFUSED_BY_AC, UNSUBSCRIBED_BY_SYNC, type SyncState } from "./state.js";

export interface RejectedRow {
  /** Undefined for a member found outside the segment's rows (a returning member re-checked at its write). */
  row?: number;
  email?: string;
  reason: string;
}

export interface SyncPlan {
  /** Data rows read from the segment. */
  rowsRead: number;
  /** Distinct valid members in the segment. */
  members: number;
  adds: number;
  updates: number;
  unchanged: number;
  /** Row number → fingerprint of every member to send (new or changed); pass 2 sends exactly these rows. */
  send: RowFingerprints;
  /**
   * Row number → hash of the normalized email of each row in `send`. The fingerprint leaves the email out (it is the
   * state's key), so pass 2 compares this too: a row whose email was rewritten between the passes is not sent.
   */
  sendEmails: RowFingerprints;
  /** The rows of `send` that are new members (the others are changed ones); for changes.csv. */
  newRows: RowMarks;
  /** Members the sync unsubscribed earlier who are back in the segment: re-subscribed (contactLists, sourceid 4). */
  resubscribe: string[];
  /**
   * Members whose list status in ActiveCampaign is unsubscribed (2, not by the sync), unconfirmed (0) or bounced (3):
   * never made active, nothing sent (see consent.ts for why nothing, not even their data).
   */
  consentKept: RejectedRow[];
  /** Members ActiveCampaign refused on an earlier run (state flag REFUSED_BY_AC) whose data did not change: not re-sent. */
  refusedEarlier: RejectedRow[];
  /** Members the state has that are no longer in the segment (handled by onLeave). */
  leavers: string[];
  /**
   * Leavers already unsubscribed from the list in ActiveCampaign (by themselves): nothing is sent, and the state
   * forgets them, so the sync never takes credit for that unsubscribe (and never re-subscribes them on a return).
   */
  alreadyUnsubscribed: string[];
  rejected: RejectedRow[];
  /** Values not sent because they cannot be converted for their field (onInvalid "omit-field"), counted per field. */
  valueProblems: ValueProblems;
  /** The removal cap for this run, as a number of contacts (raised by an operator's override, if given). */
  removalCap: number;
  /** The cap limits.maxRemovalsPerRun gives, when an override raised it for this run. */
  configuredRemovalCap?: number;
  /** Set when the plan must not be applied: a limit would be exceeded (the run stops before any write). */
  blocked?: PlanBlock;
  samples: Record<"adds" | "updates" | "leavers" | "resubscribe", string[]>;
  /** Where each part's rows start, so reports name a multi-part segment's rows by part ("part 2, row 17"). */
  rowLabels: RowLabels;
}

/** Why a plan must not be applied, with the error code the run reports. */
export interface PlanBlock {
  code: "MAX_PROFILES" | "REMOVAL_CAP";
  message: string;
}

const SAMPLE = 5;

export async function planSync(
  config: ExportConfig,
  segment: OpenedSegment,
  state: SyncState,
  /** Email → list status, for the list's members ActiveCampaign lists as unconfirmed (0), unsubscribed (2) or bounced (3). */
  inactiveInAc: InactiveStatuses,
  onProgress?: (rowsRead: number) => void,
  /** An operator's one-run override of the removal cap (--allow-removals / AC_EXPORT_ALLOW_REMOVALS). */
  allowRemovals?: number,
  /** The run's UTC day number, for the refusal cool-down (refusals.retryAfterDays). */
  today?: number,
  /** How values are converted (prepare.ts builds it from the field preflight). */
  values: ValueMapping = plainValueMapping(config, new Map()),
): Promise<SyncPlan> {
  const seen = new SeenMembers(state);
  const plan: SyncPlan = {
    rowsRead: 0, members: 0, adds: 0, updates: 0, unchanged: 0,
    send: new RowFingerprints(), sendEmails: new RowFingerprints(), newRows: new RowMarks(), resubscribe: [], consentKept: [], refusedEarlier: [], leavers: [], alreadyUnsubscribed: [], rejected: [], valueProblems: new ValueProblems(), removalCap: 0,
    samples: { adds: [], updates: [], leavers: [], resubscribe: [] }, rowLabels: new RowLabels(),
  };
  const sample = (kind: keyof SyncPlan["samples"], email: string) => {
    if (plan.samples[kind].length < SAMPLE) plan.samples[kind].push(email);
  };
  // Per row: no object, closure or array is made here (RowReader reuses itself); see BENCHMARKS.md "Pipeline cost".
  const reader = new RowReader(config, values);
  const checkInactive = inactiveInAc.size > 0;
  for await (const batch of segment.batches()) {
    for (let r = 0; r < batch.length; r++) {
      const row = batch[r]!;
      const rowNumber = row.rowNumber;
      plan.rowsRead++;
      if (row.part !== undefined) plan.rowLabels.see(row);
      if (!reader.read(row)) {
        plan.rejected.push({ row: rowNumber, ...(reader.email !== undefined ? { email: reader.email } : {}), reason: reader.reason });
        continue;
      }
      const email = reader.email!;
      const fingerprint = reader.fingerprint;
      const id = seen.see(email, rowNumber);
      if (seen.firstRow !== rowNumber) {
        plan.rejected.push({ row: rowNumber, email, reason: `duplicate of ${duplicateOf(plan.rowLabels, seen.firstRow)} (same email, ignoring case)` });
        continue;
      }
      if (id < 0) {
        // New to the state: no flags, so no consent question the sync could have caused, and nothing to compare.
        const inactive = checkInactive ? inactiveInAc.get(email) : undefined;
        if (inactive !== undefined) {
          plan.consentKept.push({ row: rowNumber, email, reason: keptReason(inactive) });
          continue;
        }
        if (reader.problems) plan.valueProblems.add(rowNumber, reader.problems);
        plan.adds++;
        plan.send.set(rowNumber, fingerprint);
        plan.sendEmails.set(rowNumber, emailHash(email));
        plan.newRows.add(rowNumber);
        if (plan.samples.adds.length < SAMPLE) plan.samples.adds.push(email);
        continue;
      }
      const knownFlags = state.flagsOf(id);
      const unsubscribedBySync = (knownFlags & UNSUBSCRIBED_BY_SYNC) !== 0;
      const inactive = checkInactive ? inactiveInAc.get(email) : undefined;
      // Only a status 2 the sync wrote itself may be undone; 0 and 3 are never the sync's doing.
      if (inactive !== undefined && !(inactive === 2 && unsubscribedBySync)) {
        plan.consentKept.push({ row: rowNumber, email, reason: keptReason(inactive) });
        continue;
      }
      if (reader.problems) plan.valueProblems.add(rowNumber, reader.problems);
      if (unsubscribedBySync) {
        plan.resubscribe.push(email);
        sample("resubscribe", email);
      }
      const knownFingerprint = state.fingerprintOf(id);
      if (knownFingerprint === fingerprint && (knownFlags & REFUSED_BY_AC) !== 0 && !refusalDue(config, state.refusedOn(email), today)) {
        plan.refusedEarlier.push({ row: rowNumber, email, reason: refusedEarlierReason(config, state.refusedOn(email)) });
      } else if (knownFingerprint !== fingerprint || (knownFlags & REFUSED_BY_AC) !== 0) {
        // Changed, or refused and its cool-down is over: sent again.
        plan.updates++;
        plan.send.set(rowNumber, fingerprint);
        plan.sendEmails.set(rowNumber, emailHash(email));
        sample("updates", email);
      } else plan.unchanged++;
    }
    onProgress?.(plan.rowsRead);
  }
  plan.members = seen.members;
  for (let id = 0; id < state.idLimit; id++) {
    const flags = state.flagsOf(id);
    // Members the sync already unsubscribed stay recorded (so they can be re-subscribed), not left again.
    if (!state.isMember(id) || seen.inSegment(id) || (flags & UNSUBSCRIBED_BY_SYNC) !== 0) continue;
    const email = state.emailOf(id);
    // Not on the list as active (refused by AC, or unsubscribed, unconfirmed, bounced): nothing to remove.
    if (inactiveInAc.has(email) || (flags & REFUSED_BY_AC) !== 0) {
      plan.alreadyUnsubscribed.push(email);
      continue;
    }
    plan.leavers.push(email);
    sample("leavers", email);
  }
  plan.removalCap = removalCap(config, state.activeCount());
  if (allowRemovals !== undefined && allowRemovals > plan.removalCap) {
    plan.configuredRemovalCap = plan.removalCap;
    plan.removalCap = allowRemovals;
  }
  if (plan.members > config.limits.maxProfiles) {
    plan.blocked = {
      code: "MAX_PROFILES",
      message: `the segment has ${plan.members} valid profiles, more than limits.maxProfiles (${config.limits.maxProfiles}); nothing was sent. Raise limits.maxProfiles (up to 10000000) if this is intended.`,
    };
  } else if (config.onLeave !== "keep" && plan.leavers.length > plan.removalCap) {
    plan.blocked = { code: "REMOVAL_CAP", message: removalCapMessage(config, plan, state.activeCount(), allowRemovals) };
  }
  return plan;
}

function removalCapMessage(config: ExportConfig, plan: SyncPlan, synced: number, allowRemovals: number | undefined): string {
  const cap = config.limits.maxRemovalsPerRun;
  const n = plan.leavers.length;
  const allows = `limits.maxRemovalsPerRun allows (${cap}${typeof cap === "string" ? ` of ${synced} synced members = ${removalCap(config, synced)}` : ""})`;
  const override = allowRemovals !== undefined ? ` and the override allows (${allowRemovals})` : "";
  return `${n} members left the segment and onLeave is "${config.onLeave}", more than ${allows}${override}; nothing was sent. If the segment is right, allow them for one run (--allow-removals ${n} or AC_EXPORT_ALLOW_REMOVALS=${n}, see README "Allow one run past the removal cap") or raise limits.maxRemovalsPerRun.`;
}

/** The earlier row a duplicate repeats: "row 45" in a single file (as before), "part 1, row 45" in a multi-part one. */
function duplicateOf(labels: RowLabels, first: number): string {
  const label = labels.label(first);
  return typeof label === "number" ? `row ${label}` : label;
}
