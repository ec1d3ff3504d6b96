// Contacts ActiveCampaign refuses one at a time (REAL-ACCOUNT.md F3, F14): `contact/sync` answers 422 for an address
// on the exclusion list, bounced, or one it does not accept. That is an outcome for the row, with AC's reason; the
// state remembers it (REFUSED_BY_AC) so unchanged data is not sent again on every run.
import { errorMessageOf } from "../ac/schemas.js";
import { AcRequestError } from "../ac/types.js";

/** AC's reason when `e` is its refusal of one contact (HTTP 422), else undefined (a real failure). */
export function refusalOf(e: unknown): string | undefined {
  if (!(e instanceof AcRequestError) || e.status !== 422) return undefined;
  const said = errorMessageOf(e.body);
  return `refused by ActiveCampaign: ${said ?? e.message}`;
}
