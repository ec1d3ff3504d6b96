// ActiveCampaign's list membership statuses and the `sourceid` of POST /contactLists, as the API defines them
// (docs/ARCHITECTURE.md "Where the ActiveCampaign facts come from"). Protocol facts, not settings.

/** `contactList.status`: a contact's membership of one list. */
export const LIST_STATUS = {
  /** Waiting for a double opt-in confirmation. */
  UNCONFIRMED: 0,
  ACTIVE: 1,
  UNSUBSCRIBED: 2,
  BOUNCED: 3,
} as const;
export type ListStatus = (typeof LIST_STATUS)[keyof typeof LIST_STATUS];

/**
 * `sourceid` to send with status 1 "when re-subscribing a contact to a list" (API docs). Not a consent gate: the
 * caller checks who unsubscribed first; the sync sends it only for members it unsubscribed itself.
 */
export const SOURCEID_RESUBSCRIBE = 4;
