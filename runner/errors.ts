// One error model for the runner: every error that can reach the command line carries a stable `code` (public API:
// it is in the JSON report and the JSON log) and the exit code it maps to. See docs/ARCHITECTURE.md "Errors".

// Exit codes are public API (README "Exit codes"); other tools drive the runner by them.
export const EXIT = {
  /** Every row accounted for and nothing failed. */
  OK: 0,
  /** The run failed; what ActiveCampaign confirmed stays committed. */
  FAILED: 1,
  /** Bad config, bad arguments or bad input found before any write. */
  BAD_INPUT: 2,
  /** Completed, but more rows were rejected or refused by ActiveCampaign than limits.maxProblemRows allows. */
  PARTIAL: 3,
  /** Another run of the same export holds the lock. */
  LOCKED: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code and the exit code it maps to. Codes are stable: add new ones, never rename. */
export const ERROR_CODES = {
  /** Bad command-line arguments or environment. */
  USAGE: EXIT.BAD_INPUT,
  /** The export config does not parse or does not validate. */
  CONFIG_INVALID: EXIT.BAD_INPUT,
  /** A segment or state location that is not a valid URL or path. */
  LOCATION_INVALID: EXIT.BAD_INPUT,
  /** The segment cannot be opened or read, or its content is malformed. */
  SEGMENT_UNREADABLE: EXIT.BAD_INPUT,
  /** The segment lacks a mapped column. */
  COLUMN_NOT_FOUND: EXIT.BAD_INPUT,
  /** The export's list does not exist or the key cannot see it. */
  LIST_NOT_FOUND: EXIT.BAD_INPUT,
  /** A mapped custom field does not exist in ActiveCampaign. */
  FIELD_NOT_FOUND: EXIT.BAD_INPUT,
  /** A mapped custom field's type in ActiveCampaign differs from the type the config declares for it. */
  FIELD_TYPE_MISMATCH: EXIT.BAD_INPUT,
  /** Another check before any write failed. */
  PREFLIGHT_FAILED: EXIT.BAD_INPUT,
  /** limits.maxProfiles would be exceeded. */
  MAX_PROFILES: EXIT.BAD_INPUT,
  /** limits.maxRemovalsPerRun would be exceeded. */
  REMOVAL_CAP: EXIT.BAD_INPUT,
  /** The API key was refused on the first request. */
  API_KEY_REJECTED: EXIT.FAILED,
  /** A request to ActiveCampaign failed for good (non-retryable answer, or retries exhausted). */
  AC_REQUEST_FAILED: EXIT.FAILED,
  /** The AC base URL (hostname or AC_API_URL) is not allowed. */
  BASE_URL_INVALID: EXIT.BAD_INPUT,
  /** Another run of this export holds the lock. */
  LOCKED: EXIT.LOCKED,
  /** This run lost its lock on the state (taken over, removed, or released): it writes nothing more. */
  LOCK_LOST: EXIT.FAILED,
  /** The state (snapshot or journal) is damaged. */
  STATE_CORRUPT: EXIT.FAILED,
  /** Reading or writing the state or segment storage failed. */
  STORAGE_FAILED: EXIT.FAILED,
  /** The segment read in the send pass is not the one the plan read; nothing unplanned is sent. */
  SEGMENT_CHANGED: EXIT.FAILED,
  /** The run was interrupted (SIGINT/SIGTERM). */
  ABORTED: EXIT.FAILED,
  /** Anything not foreseen: a bug. */
  INTERNAL: EXIT.FAILED,
} as const satisfies Record<string, ExitCode>;
export type ErrorCode = keyof typeof ERROR_CODES;

/** The base of every runner error: a stable code, and the exit code that code maps to. */
export class AcExportError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code];
  }
}

/** What an error is, for reports and logs: its code (INTERNAL for anything that is not ours) and message. */
export function describeError(e: unknown): { code: ErrorCode; message: string; exitCode: ExitCode } {
  if (e instanceof AcExportError) return { code: e.code, message: e.message, exitCode: e.exitCode };
  if (isAbort(e)) return { code: "ABORTED", message: errorMessage(e), exitCode: ERROR_CODES.ABORTED };
  return { code: "INTERNAL", message: errorMessage(e), exitCode: ERROR_CODES.INTERNAL };
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === "AbortError" || (e as { code?: unknown }).code === "ABORT_ERR");
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
