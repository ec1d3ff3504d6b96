// Consent (DESIGN.md decision 4; REAL-ACCOUNT.md F1, F12): the sync never makes a list membership active when its
// status is unsubscribed (2), unconfirmed (0) or bounced (3), unless the state records that the sync itself
// unsubscribed the member. ActiveCampaign does not enforce this for us: POST /contactLists status 1 re-subscribes
// anyone, and bulk `subscribe` may activate 0 and 3. So the runner reads those statuses at preflight (the plan sends
// nothing for such members) and reads a contact's status again right before each status-1 write.
//
// Why nothing is sent for them, not even their changed data: a bulk contact without `subscribe` still adds the
// export's tags (tag automations may email them) and is an upsert; and a person who unsubscribed did not ask this
// export to keep their profile current. They are not committed, so once they are active again they are sent.
import { LIST_STATUS } from "../config/list-status.js";
import type { AcClient } from "../ac/types.js";

export type InactiveStatus = 0 | 2 | 3;
/** Lower-cased email → its inactive status on the export's list. */
export type InactiveStatuses = Map<string, InactiveStatus>;

const INACTIVE: readonly InactiveStatus[] = [LIST_STATUS.UNSUBSCRIBED, LIST_STATUS.UNCONFIRMED, LIST_STATUS.BOUNCED];

/** The reason a member is kept as they are, as the report shows it. */
export function keptReason(status: InactiveStatus): string {
  if (status === LIST_STATUS.UNCONFIRMED) return "unconfirmed, not activated (double opt-in pending)";
  if (status === LIST_STATUS.BOUNCED) return "bounced; not activated";
  return "kept unsubscribed (they unsubscribed from the list themselves)";
}

export function isInactive(status: number | undefined): status is InactiveStatus {
  return status !== undefined && (INACTIVE as readonly number[]).includes(status);
}

/** Preflight: every member of the list whose status is 2, 0 or 3 (one paged read per status). */
export async function readInactiveMembers(client: AcClient, listId: number): Promise<InactiveStatuses> {
  const out: InactiveStatuses = new Map();
  if (!client.listContactEmails) return out;
  for (const status of INACTIVE) {
    for await (const email of client.listContactEmails(listId, status)) out.set(email.toLowerCase(), status);
  }
  return out;
}

/** A contact's current status on the list, read right before a write (undefined: not a member). */
export async function currentListStatus(client: AcClient, contactId: number, listId: number): Promise<number | undefined> {
  return (await client.contactLists(contactId)).find((m) => m.list === listId)?.status;
}
