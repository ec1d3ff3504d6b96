// Consent (DESIGN.md decision 4; REAL-ACCOUNT.md F1, F12): the sync never makes a list membership active when its
// status is unsubscribed (2), unconfirmed (0) or bounced (3), unless the state records that the sync itself
// unsubscribed the member. ActiveCampaign does not enforce this for us: POST /contactLists status 1 re-subscribes
// anyone, and bulk `subscribe` may activate 0 and 3. So the runner knows those statuses at preflight (the plan sends
// nothing for such members: a cache refreshed incrementally, consent-cache.ts), reads 0 and 3 fresh before a bulk
// contact asks to subscribe (bulk-consent.ts), and reads a contact's status again right before each status-1 write.
//
// Why nothing is sent for them, not even their changed data: a bulk contact without `subscribe` still adds the
// export's tags (tag automations may email them) and is an upsert; and a person who unsubscribed did not ask this
// export to keep their profile current. They are not committed, so once they are active again they are sent.
import { LIST_STATUS } from "../config/list-status.js";
import type { AcClient } from "../ac/types.js";
import { DEFAULT_FULL_READ_EVERY_HOURS } from "../config.js";
import { LockLostError } from "../state/types.js";
import { CONSENT_CACHE, ConsentCache } from "./consent-cache.js";
import type { Prepared, SyncDeps } from "./types.js";
import { UNSUBSCRIBED_BY_SYNC } from "./state.js";

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

/**
 * Preflight: every member of the list whose status is 2, 0 or 3, from the cache beside the state, brought up to
 * date (consent-cache.ts). `plan` reads the cache but never writes it (it holds no lock and writes no state).
 */
export async function loadConsentSet(deps: SyncDeps): Promise<ConsentCache> {
  const { config, client, store, events } = deps;
  const stored = await store.loadAux(CONSENT_CACHE).catch(() => null);
  const { cache, ignored } = ConsentCache.decode(stored, config.connection.hostname, config.listId);
  if (ignored) events.event("warning", { message: ignored });
  const report = await cache.refresh(client, Date.now(), (config.consent?.fullReadEveryHours ?? DEFAULT_FULL_READ_EVERY_HOURS) * 3_600_000);
  events.event("consent-set", { ...report, members: cache.members.size });
  return cache;
}

/**
 * `run` only (it holds the lock): keep the consent cache for the next run, with what this run itself changed
 * (members it unsubscribed, members it re-subscribed). A failure to write costs the next run a full read, so it is
 * a warning; a lost lock is left for the run's own writes to report.
 */
export async function saveConsentSet(deps: SyncDeps, prepared: Prepared, afterApply: boolean): Promise<void> {
  const { plan, state, consent } = prepared;
  if (afterApply) {
    const flags = (e: string) => state.get(e)?.flags ?? 0;
    consent.note(
      plan.leavers.filter((e) => (flags(e) & UNSUBSCRIBED_BY_SYNC) !== 0),
      plan.resubscribe.filter((e) => state.get(e) !== undefined && (flags(e) & UNSUBSCRIBED_BY_SYNC) === 0),
    );
  }
  try {
    await deps.store.writeAux(CONSENT_CACHE, consent.encode());
  } catch (e) {
    if (e instanceof LockLostError) return;
    deps.events.event("warning", { message: `could not keep the consent cache beside the state (${e instanceof Error ? e.message : String(e)}); the next run reads the list's inactive members in full` });
  }
}

/** A contact's current status on the list, read right before a write (undefined: not a member). */
export async function currentListStatus(client: AcClient, contactId: number, listId: number): Promise<number | undefined> {
  return (await client.contactLists(contactId)).find((m) => m.list === listId)?.status;
}
