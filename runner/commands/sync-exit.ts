// The exit code of a sync outcome (public API, README "Exit codes"): an error's code decides it (runner/errors.ts),
// never the error's class.
import { ERROR_CODES, EXIT, type ExitCode } from "../errors.js";
import { problemRows, type SyncOutcome } from "../sync/outcome.js";
import type { SyncMode } from "../sync/types.js";

export function exitCodeOf(outcome: SyncOutcome, mode: SyncMode): ExitCode {
  if (outcome.kind !== "completed") return ERROR_CODES[outcome.error.code];
  return mode === "run" && problemRows(outcome) > 0 ? EXIT.PARTIAL : EXIT.OK;
}
