// Exit codes are public API (README "Exit codes"); other tools drive the runner by them.
export const EXIT = {
  /** Every row accounted for and nothing failed. */
  OK: 0,
  /** The run failed; what ActiveCampaign confirmed stays committed. */
  FAILED: 1,
  /** Bad config, bad arguments or bad input found before any write. */
  BAD_INPUT: 2,
  /** Completed, but some rows were rejected or failed at ActiveCampaign (all listed in the report). */
  PARTIAL: 3,
  /** Another run of the same export holds the lock. */
  LOCKED: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
