// Contacts ActiveCampaign refuses one at a time (REAL-ACCOUNT.md F3, F14): `contact/sync` answers 422 for an address
// on the exclusion list, bounced, or one it does not accept. That is an outcome for the row, with AC's reason; the
// state remembers it (REFUSED_BY_AC) so unchanged data is not sent again on every run, until its data changes or
// the cool-down (config refusals.retryAfterDays, counted from the day recorded in the state) has passed.
import { errorMessageOf } from "../ac/schemas.js";
import { AcRequestError } from "../ac/types.js";
import type { ExportConfig } from "../config.js";
import { dayLabel, dayNumber } from "./refusal-days.js";

/** AC's reason when `e` is its refusal of one contact (HTTP 422), else undefined (a real failure). */
export function refusalOf(e: unknown): string | undefined {
  if (!(e instanceof AcRequestError) || e.status !== 422) return undefined;
  const said = errorMessageOf(e.body);
  return `refused by ActiveCampaign: ${said ?? e.message}`;
}

/** The run's UTC day number, from the injected clock (tests) or the real one. */
export function runDay(deps: { now?: () => number }): number {
  return dayNumber((deps.now ?? Date.now)());
}

/**
 * A member AC refused is sent again, its data unchanged, once refusals.retryAfterDays have passed since the refusal.
 * A refusal of unknown day (recorded before days were kept) counts as due: the operator asked for retries, and a new
 * refusal records its day.
 */
export function refusalDue(config: Pick<ExportConfig, "refusals">, refusedOn: number | undefined, today: number | undefined): boolean {
  const after = config.refusals?.retryAfterDays;
  if (after === undefined || today === undefined) return false;
  return refusedOn === undefined || today - refusedOn >= after;
}

/** Why a refused member with unchanged data is not sent this run. */
export function refusedEarlierReason(config: Pick<ExportConfig, "refusals">, refusedOn: number | undefined): string {
  const after = config.refusals?.retryAfterDays;
  const when = refusedOn === undefined ? "on an earlier run" : `on ${dayLabel(refusedOn)}`;
  return after === undefined
    ? `refused by ActiveCampaign ${when}; not sent again until its data changes`
    : `refused by ActiveCampaign ${when}; not sent again until its data changes or refusals.retryAfterDays (${after}) have passed`;
}
