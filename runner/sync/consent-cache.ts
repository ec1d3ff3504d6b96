// The cached consent set (REAL-ACCOUNT.md F10; issue #10): the list's unsubscribed (2), unconfirmed (0) and bounced
// (3) members, kept beside the state (StateStore aux object "consent-cache", not in the member snapshot) and
// refreshed incrementally, so a re-run of a list with 300,000 unsubscribed costs a few requests, not 3,000.
//
// A refresh, per status:
// - a full read (every member with the status, checked against meta.total) when there is no usable cache, or the
//   status's last full read is older than `consent.fullReadEveryHours`;
// - otherwise the count (meta.total of a 1-contact page) and the members whose contact changed since the last
//   refresh (`filters[updated_after]`, minus a margin), which are set to that status in the cache. When the cache's
//   count then differs from meta.total (someone left the status, a contact was deleted, or a change did not touch the
//   contact's `udate`: `statusChangeTouchesContact: false`), the status is read in full again: the cache heals.
//
// `id_greater` from the largest id seen is not used: a contact created since the last refresh has a fresh `udate`, so
// `updated_after` finds it too, and an old contact that joined the list with one of these statuses is found by
// neither and caught by the count alone.
//
// What the cache cannot see, under the harsh reading (a status change does not touch `udate`): one member going 2→1
// while another goes 1→2 between two refreshes leaves every count equal. Consent does not rest on the cache there:
// bulk `subscribe` never re-subscribes status 2 (documented), statuses 0 and 3 are read fresh in full before any bulk
// contact asks to subscribe (bulk-consent.ts), and the small-delta path reads each contact's status right before its
// status-1 write (small-delta.ts). A stale entry only makes the plan keep someone as they are (or send an update AC
// applies without re-subscribing), until the next full read.
import { z } from "zod";
import { LIST_STATUS } from "../config/list-status.js";
import type { AcClient } from "../ac/types.js";
import type { InactiveStatus, InactiveStatuses } from "./consent.js";

export const CONSENT_CACHE = "consent-cache";

/** The statuses the cache keeps, in the order a refresh reads them. */
export const CACHED_STATUSES: readonly InactiveStatus[] = [LIST_STATUS.UNSUBSCRIBED, LIST_STATUS.UNCONFIRMED, LIST_STATUS.BOUNCED];

/**
 * How far before the last refresh `updated_after` reaches back. AC does not document the filter's time zone: a date
 * read as the account's local time (UTC−12 at worst) would start 12 h late, and the two clocks may differ. 26 hours
 * covers both with room; the cost is re-reading members changed in that window (few: the sync never writes them).
 */
export const UPDATED_AFTER_MARGIN_MS = 26 * 3_600_000;

interface StatusTimes {
  /** Start of the last refresh that read this status (ms): the next one asks for changes since then. */
  refreshedAt: number;
  /** Start of the last full read of this status (ms). */
  fullReadAt: number;
}

export interface RefreshReport {
  /** Statuses read in full, and why. */
  full: Array<{ status: InactiveStatus; why: "no cache" | "due" | "count differed" }>;
  /** Statuses refreshed from their count and changes only. */
  incremental: InactiveStatus[];
  /** Members set from the changes read. */
  changed: number;
}

const fileSchema = z.object({
  v: z.literal(1),
  hostname: z.string(),
  listId: z.number(),
  // The email arrays are checked while they are read (decode): zod's per-element check costs seconds at 300,000.
  statuses: z.partialRecord(z.enum(["0", "2", "3"]), z.object({ refreshedAt: z.number(), fullReadAt: z.number(), emails: z.custom<unknown[]>((v) => Array.isArray(v)) })),
});

export class ConsentCache {
  /** Lower-cased email → its inactive status on the list. */
  readonly members: InactiveStatuses = new Map();
  private readonly times = new Map<InactiveStatus, StatusTimes>();
  private fresh: Promise<InactiveStatuses> | undefined;

  constructor(
    readonly hostname: string,
    readonly listId: number,
  ) {}

  count(status: InactiveStatus): number {
    let n = 0;
    for (const s of this.members.values()) if (s === status) n++;
    return n;
  }

  /** Replace every member of one status by a full read's result (an email read here moves to this status). */
  private replace(status: InactiveStatus, emails: Iterable<string>, at: number): void {
    for (const [email, s] of this.members) if (s === status) this.members.delete(email);
    for (const email of emails) this.members.set(email.toLowerCase(), status);
    this.times.set(status, { refreshedAt: at, fullReadAt: at });
  }

  private async readFull(client: AcClient, status: InactiveStatus, at: number): Promise<void> {
    const emails: string[] = [];
    if (client.listContactEmails) for await (const e of client.listContactEmails(this.listId, status)) emails.push(e);
    this.replace(status, emails, at);
  }

  /**
   * Bring the cache up to date with ActiveCampaign (see the top of this file). `fullReadEveryMs` 0 reads everything
   * in full. Throws only what a read throws (PREFLIGHT_FAILED for a read short of meta.total).
   */
  async refresh(client: AcClient, now: number, fullReadEveryMs: number): Promise<RefreshReport> {
    const report: RefreshReport = { full: [], incremental: [], changed: 0 };
    const totals = new Map<InactiveStatus, number>();
    for (const status of CACHED_STATUSES) {
      const t = this.times.get(status);
      const canIncrement = !!client.countListContacts && !!client.listChangedMembers;
      if (!t || !canIncrement || fullReadEveryMs === 0 || now - t.fullReadAt >= fullReadEveryMs) {
        await this.readFull(client, status, now);
        report.full.push({ status, why: t && canIncrement ? "due" : "no cache" });
        continue;
      }
      // The count first: a change between the two reads then shows as a difference, never hides one.
      totals.set(status, await client.countListContacts!(this.listId, status));
      const since = isoSeconds(t.refreshedAt - UPDATED_AFTER_MARGIN_MS);
      for (const email of await client.listChangedMembers!(this.listId, status, since)) {
        this.members.set(email.toLowerCase(), status);
        report.changed++;
      }
      this.times.set(status, { ...t, refreshedAt: now });
      report.incremental.push(status);
    }
    // Heal: a status whose count differs from meta.total is read in full. A full read can move an email out of
    // another status, so check again until every incrementally read status agrees (each is read in full once at most).
    for (let pending = [...totals.keys()]; pending.length; ) {
      const off = pending.find((s) => this.count(s) !== totals.get(s));
      if (off === undefined) break;
      await this.readFull(client, off, now);
      report.full.push({ status: off, why: "count differed" });
      pending = pending.filter((s) => s !== off);
    }
    return report;
  }

  /**
   * Statuses 0 and 3, read fresh in full (once per run, on first use): right before any bulk contact asks to
   * `subscribe`, because bulk `subscribe` may activate them (`bulkSubscribeInactive: "activate"`). The cache takes
   * the result. Status 2 needs no fresh read there: bulk `subscribe` never re-subscribes it (documented).
   */
  freshUnconfirmedAndBounced(client: AcClient, now: () => number): Promise<InactiveStatuses> {
    this.fresh ??= (async () => {
      const out: InactiveStatuses = new Map();
      for (const status of [LIST_STATUS.UNCONFIRMED, LIST_STATUS.BOUNCED] as const) {
        const at = now();
        await this.readFull(client, status, at);
      }
      for (const [email, s] of this.members) if (s !== LIST_STATUS.UNSUBSCRIBED) out.set(email, s);
      return out;
    })();
    return this.fresh;
  }

  /** What this run itself did to statuses: members it unsubscribed are 2 now, members it re-subscribed are not. */
  note(unsubscribed: Iterable<string>, resubscribed: Iterable<string>): void {
    for (const email of unsubscribed) this.members.set(email, LIST_STATUS.UNSUBSCRIBED);
    for (const email of resubscribed) if (this.members.get(email) === LIST_STATUS.UNSUBSCRIBED) this.members.delete(email);
  }

  encode(): Buffer {
    const statuses: Record<string, { refreshedAt: number; fullReadAt: number; emails: string[] }> = {};
    for (const [status, t] of this.times) statuses[String(status)] = { ...t, emails: [] };
    for (const [email, s] of this.members) statuses[String(s)]?.emails.push(email);
    return Buffer.from(JSON.stringify({ v: 1, hostname: this.hostname, listId: this.listId, statuses }));
  }

  /** A cache for this list from stored bytes; an empty one (everything read in full) when missing, foreign or unreadable. */
  static decode(data: Buffer | null, hostname: string, listId: number): { cache: ConsentCache; ignored?: string } {
    const cache = new ConsentCache(hostname, listId);
    if (!data) return { cache };
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(data.toString("utf8")));
    } catch {
      return { cache, ignored: "the stored consent cache is unreadable; reading the list's inactive members in full" };
    }
    if (parsed.hostname !== hostname || parsed.listId !== listId) return { cache };
    for (const [key, entry] of Object.entries(parsed.statuses)) {
      const status = Number(key) as InactiveStatus;
      cache.times.set(status, { refreshedAt: entry.refreshedAt, fullReadAt: entry.fullReadAt });
      for (const email of entry.emails) {
        if (typeof email !== "string") return { cache: new ConsentCache(hostname, listId), ignored: "the stored consent cache is unreadable; reading the list's inactive members in full" };
        if (!cache.members.has(email)) cache.members.set(email, status);
      }
    }
    return { cache };
  }
}

/** ISO 8601 to the second with an explicit offset, the shape of AC's own `udate` values ("2026-12-01T16:00:00+00:00"). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}
