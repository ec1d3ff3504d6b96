// The exit code of a sync outcome (public API, README "Exit codes"): an error's code decides it (runner/errors.ts),
// never the error's class. Rows rejected in the file or refused by ActiveCampaign fail a run (exit 3) only past
// limits.maxProblemRows, so a scheduler does not fail and retry a daily run for a few bad addresses.
import type { ExportConfig } from "../config.js";
import { ERROR_CODES, EXIT, type ExitCode } from "../errors.js";
import { problemRows, problemRowsOf, type SyncOutcome } from "../sync/outcome.js";
import type { SyncMode } from "../sync/types.js";

export function exitCodeOf(outcome: SyncOutcome, mode: SyncMode, config?: ExportConfig): ExitCode {
  if (outcome.kind !== "completed") return ERROR_CODES[outcome.error.code];
  if (mode !== "run") return EXIT.OK;
  const over = config ? problemRowsOf(outcome, config).overLimit : problemRows(outcome) > 0;
  return over ? EXIT.PARTIAL : EXIT.OK;
}
