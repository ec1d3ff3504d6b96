// How a sync ended, as a type: the command maps it to an exit code, the report takes its status from it.
import { maskSecrets } from "../config/mask-secrets.js";
import { limitCount, type ExportConfig } from "../config.js";
import { describeError, EXIT, type ErrorCode } from "../errors.js";
import type { Applied, Prepared, SyncMode } from "./types.js";

/** An error as reports and logs show it: a stable code (runner/errors.ts) and a message without secrets. */
export interface OutcomeError {
  code: ErrorCode;
  message: string;
}

export type SyncOutcome =
  /** The plan was computed (plan) or applied (run); rows may still have been rejected or failed. */
  | { kind: "completed"; prepared: Prepared; applied?: Applied }
  /** Stopped before any write because of the input: config, segment, list, fields, or a limit of the plan. */
  | { kind: "blocked"; error: OutcomeError; prepared?: Prepared }
  /** Stopped by a failure; what ActiveCampaign confirmed before it stays committed. */
  | { kind: "failed"; error: OutcomeError; cause: unknown; prepared?: Prepared; applied?: Applied };

/**
 * The outcome of an error: "blocked" when its code means bad input found before any write (the codes that map to
 * EXIT.BAD_INPUT, by that exit code's definition), otherwise "failed".
 */
export function outcomeOfError(e: unknown, progress: { prepared?: Prepared; applied?: Applied } = {}): SyncOutcome {
  const { code, message, exitCode } = describeError(e);
  const error = { code, message };
  const prepared = progress.prepared ? { prepared: progress.prepared } : {};
  if (exitCode === EXIT.BAD_INPUT) return { kind: "blocked", error, ...prepared };
  return { kind: "failed", error, cause: e, ...prepared, ...(progress.applied ? { applied: progress.applied } : {}) };
}

/** The outcome's error as reports show it (only its code and message), if it has one. */
/** The outcome's error for reports and logs; anything in its message that looks like a key or SAS token is masked. */
export function outcomeError(o: SyncOutcome): OutcomeError | undefined {
  return o.kind === "completed" ? undefined : { code: o.error.code, message: maskSecrets(o.error.message) };
}

/** Rows that were not sent or not taken: rejected by the plan, or failed at ActiveCampaign. */
export function problemRows(o: SyncOutcome): number {
  return (o.prepared?.plan.rejected.length ?? 0) + ((o.kind === "blocked" ? undefined : o.applied)?.failed.length ?? 0);
}

/** Problem rows against limits.maxProblemRows: over the limit, a completed run exits 3 (README "Exit codes"). */
export interface ProblemRows {
  /** Rejected in the file plus refused by ActiveCampaign. */
  count: number;
  rejected: number;
  refused: number;
  rowsRead: number;
  /** limits.maxProblemRows as configured, and as a number of rows for this run. */
  limit: number | string;
  allowed: number;
  overLimit: boolean;
}

export function problemRowsOf(o: SyncOutcome, config: ExportConfig): ProblemRows {
  const rejected = o.prepared?.plan.rejected.length ?? 0;
  const refused = (o.kind === "blocked" ? undefined : o.applied)?.failed.length ?? 0;
  const rowsRead = o.prepared?.plan.rowsRead ?? 0;
  const limit = config.limits.maxProblemRows;
  const allowed = limitCount(limit, rowsRead);
  const count = rejected + refused;
  return { count, rejected, refused, rowsRead, limit, allowed, overLimit: count > allowed };
}

export type OutcomeStatus = "succeeded" | "completed-with-problems" | "failed" | "blocked";

/** The report's status. A plan with rejected rows succeeded: it only shows them. */
export function outcomeStatus(o: SyncOutcome, mode: SyncMode): OutcomeStatus {
  if (o.kind !== "completed") return o.kind;
  return mode === "run" && problemRows(o) > 0 ? "completed-with-problems" : "succeeded";
}
