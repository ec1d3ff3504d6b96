// Who a run changed (changes.csv) or a plan would change (plan --json): each contact added, updated, re-subscribed,
// unsubscribed, untagged, left, kept unsubscribed or refused, with the reason. Kept as compact as the plan (row
// numbers and fingerprints, no emails): the emails come from one more streaming pass over the segment, and what a
// run did is judged from the state it committed (a contact counts as done only once ActiveCampaign confirmed it).
import type { ExportConfig } from "../config.js";
import { describeError } from "../errors.js";
import { rowLabel, type SegmentRow } from "../segment/types.js";
import { RowReader } from "./member.js";
import type { SyncOutcome } from "./outcome.js";
import { segmentOptions } from "./segment-options.js";
import { UNSUBSCRIBED_BY_SYNC, type SyncState } from "./state.js";
import type { FailedRow, Prepared, SyncDeps, SyncMode } from "./types.js";

export type ChangeAction =
  | "added" | "updated" | "re-subscribed" | "unsubscribed" | "untagged" | "left" | "kept-unsubscribed" | "refused" | "not-confirmed"
  /** The segment could not be read again to name the sent rows: the reason says why; the other lines still follow. */
  | "incomplete";

export interface Change {
  /**
   * The segment row (README "Row numbers"): its number, or "part 2, row 17" in a multi-part segment; none for leavers,
   * who are not in the segment any more.
   */
  row?: number | string;
  email: string;
  action: ChangeAction;
  reason: string;
  /** The ActiveCampaign import batch, for refused contacts. */
  batch?: string;
}

export type ChangeSource = Pick<SyncDeps, "config" | "segmentLocation" | "openSegment">;

export const CHANGES_CSV_HEADER = ["row", "email", "action", "reason", "batch"];

const NOT_CONFIRMED = "not confirmed by ActiveCampaign before the run stopped; the next run sends it again";
const KEPT_UNSUBSCRIBED = "unsubscribed from the list by themselves; not re-subscribed";

/**
 * The changes of a plan (mode plan), of a run that was blocked before writing (listed as planned, marked not done),
 * or of a run (what ActiveCampaign confirmed, what it refused, and what was left unconfirmed when it stopped).
 */
export async function* listChanges(src: ChangeSource, outcome: SyncOutcome, mode: SyncMode): AsyncGenerator<Change> {
  const prepared = outcome.prepared;
  if (!prepared) return;
  const applied = outcome.kind === "blocked" ? undefined : outcome.applied;
  const judge = mode === "run" && outcome.kind !== "blocked" ? prepared.state : undefined;
  const notDone = mode === "run" && outcome.kind === "blocked" ? `not done, the run was blocked (${outcome.error.code}): ` : "";
  const failed = applied?.failed ?? [];
  const kept = [...prepared.plan.consentKept, ...(applied?.consentKept ?? [])];
  const skipRows = new Set<number>([...failed, ...kept].flatMap((f) => (f.row !== undefined ? [f.row] : [])));
  const failedEmails = new Set(failed.map((f) => f.email));
  const mark = (c: Change): Change => (notDone ? { ...c, reason: notDone + c.reason } : c);
  const label = (row: number | undefined) => (row === undefined ? undefined : prepared.plan.rowLabels.label(row));

  try {
    for await (const c of segmentChanges(src, prepared, judge, skipRows, failedEmails)) yield mark(c);
  } catch (e) {
    yield { email: "", action: "incomplete", reason: `the rows sent could not all be listed: ${describeError(e).message}` };
  }
  for (const k of kept) yield mark({ row: label(k.row), email: k.email ?? "", action: "kept-unsubscribed", reason: k.reason || KEPT_UNSUBSCRIBED });
  for (const c of leaverChanges(src.config, prepared, judge, failedEmails)) yield mark(c);
  for (const f of failed) yield refused(f, label(f.row));
}

function refused(f: FailedRow, row: number | string | undefined): Change {
  return { ...(row !== undefined ? { row } : {}), email: f.email, action: "refused", reason: f.reason, ...(f.batchId ? { batch: f.batchId } : {}) };
}

/** Rows of the segment the plan sends or re-subscribes, in row order (one more streaming pass over the segment). */
async function* segmentChanges(src: ChangeSource, prepared: Prepared, judge: SyncState | undefined, skipRows: Set<number>, failedEmails: Set<string>): AsyncGenerator<Change> {
  const { plan } = prepared;
  const resubscribe = new Set(plan.resubscribe.filter((e) => !failedEmails.has(e)));
  if (plan.send.size === 0 && resubscribe.size === 0) return;
  const segment = await src.openSegment(src.segmentLocation, segmentOptions(src.config));
  try {
    const reader = new RowReader(src.config, prepared.values);
    for await (const rows of segment.batches()) {
      for (const row of rows) {
        // Most rows of an incremental run are unchanged: no generator, no read for them.
        if (resubscribe.size === 0 && plan.send.get(row.rowNumber) === undefined) continue;
        yield* rowChanges(reader, row, prepared, judge, skipRows, resubscribe);
      }
    }
  } finally {
    await segment.close();
  }
  // Members to re-subscribe whose row this pass did not find (the segment changed since the plan read it).
  for (const email of resubscribe) yield resubscribed(undefined, email, judge);
}

function* rowChanges(reader: RowReader, row: SegmentRow, prepared: Prepared, judge: SyncState | undefined, skipRows: Set<number>, resubscribe: Set<string>): Generator<Change> {
  const planned = prepared.plan.send.get(row.rowNumber);
  if (!reader.read(row)) return;
  const email = reader.email!;
  const label = row.part === undefined ? row.rowNumber : rowLabel(row);
  if (planned !== undefined && !skipRows.has(row.rowNumber)) {
    const isNew = prepared.plan.newRows.has(row.rowNumber);
    const action = isNew ? "added" : "updated";
    const reason = isNew ? "new in the segment" : "name, phone, custom field or tag values changed since the last sync";
    if (reader.fingerprint !== planned) yield { row: label, email, action: "not-confirmed", reason: "the segment changed after the plan read it; the next run compares again" };
    else if (judge && judge.get(email)?.fingerprint !== planned) yield { row: label, email, action: "not-confirmed", reason: NOT_CONFIRMED };
    else yield { row: label, email, action, reason };
  }
  if (resubscribe.delete(email)) yield resubscribed(label, email, judge);
}

function resubscribed(row: number | string | undefined, email: string, judge: SyncState | undefined): Change {
  const done = !judge || ((judge.get(email)?.flags ?? UNSUBSCRIBED_BY_SYNC) & UNSUBSCRIBED_BY_SYNC) === 0;
  return {
    ...(row !== undefined ? { row } : {}),
    email,
    action: done ? "re-subscribed" : "not-confirmed",
    reason: done ? "back in the segment; the sync had unsubscribed them when they left" : NOT_CONFIRMED,
  };
}

/** Members who left the segment, per onLeave, and those who had already unsubscribed themselves. */
function* leaverChanges(config: ExportConfig, prepared: Prepared, judge: SyncState | undefined, failedEmails: Set<string>): Generator<Change> {
  const policy = config.onLeave;
  const tags = (config.mappings.tags ?? []).join(", ");
  const action: ChangeAction = policy === "unsubscribe" ? "unsubscribed" : policy === "untag" ? "untagged" : "left";
  const reason = {
    unsubscribe: "left the segment (onLeave: unsubscribe); unsubscribed from this list only",
    untag: `left the segment (onLeave: untag); tags removed: ${tags}`,
    keep: "left the segment (onLeave: keep); still on the list",
  }[policy];
  for (const email of prepared.plan.leavers) {
    if (failedEmails.has(email)) continue;
    const after = judge?.get(email);
    const done = !judge || (policy === "unsubscribe" ? after !== undefined && (after.flags & UNSUBSCRIBED_BY_SYNC) !== 0 : after === undefined);
    yield { email, action: done ? action : "not-confirmed", reason: done ? reason : NOT_CONFIRMED };
  }
  for (const email of prepared.plan.alreadyUnsubscribed) {
    yield { email, action: "left", reason: "left the segment; had unsubscribed from the list by themselves, so nothing was sent" };
  }
}
