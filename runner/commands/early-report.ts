// The JSON report of a run or plan that stopped before its config was known (bad arguments, unreadable or invalid
// config): what the full report has that does not depend on the config, so its error code is still reported.
import { outcomeStatus, type OutcomeError, type OutcomeStatus, type SyncOutcome } from "../sync/outcome.js";
import type { SyncMode } from "../sync/types.js";

export interface EarlyReport {
  mode: SyncMode;
  status: OutcomeStatus;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  error?: OutcomeError;
}

export function earlyReport(input: { mode: SyncMode; outcome: SyncOutcome; exitCode: number; startedAt: number }): EarlyReport {
  const finished = Date.now();
  const { outcome } = input;
  return {
    mode: input.mode,
    status: outcomeStatus(outcome, input.mode),
    exitCode: input.exitCode,
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationSeconds: Math.round((finished - input.startedAt) / 100) / 10,
    ...(outcome.kind === "completed" ? {} : { error: { code: outcome.error.code, message: outcome.error.message } }),
  };
}
