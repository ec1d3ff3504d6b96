// The inspector: what tests, the demo and the benchmarks use to set the account up and to look inside it. The same
// operations are served over HTTP under /__sandbox/… (no token, never rate-limited, never faulted, never counted).
import type { BatchStatus } from "./bulk.js";
import { formatFaults, parseFaults, type FaultSpec } from "./faults.js";
import { shownValue } from "./fieldvalues.js";
import { accountInspector, type AccountInspector } from "./inspect-account.js";
import { seedAccount } from "./inspect-seed.js";
import type { RequestLogEntry, SandboxCore } from "./server.js";
import { StoreError, byName, type ListStatus, type UnsubscribedBy } from "./store.js";

export interface SeedContact {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** personalization tag → value (the fields must exist or be seeded in the same call) */
  fields?: Record<string, string>;
  /** tag names, created when missing */
  tags?: string[];
  /** list id → membership (a bare number is the status); `by` says who unsubscribed (status 2: "api" by default, "contact", "bounce") */
  lists?: Record<string, { status: ListStatus; by?: UnsubscribedBy } | ListStatus>;
  /** ISO 8601 time of these changes (the contact's udate, and cdate when created); default now. Lets a test seed old data. */
  updatedAt?: string;
}

export interface SeedData {
  lists?: Array<string | { id?: number; name: string }>;
  /** `options`: values (or {value, label}) of option fields; `lists`: the list ids it relates to (0 = every list) */
  fields?: Array<{ id?: number; title: string; perstag?: string; type?: string; options?: Array<string | { value: string; label?: string }>; lists?: number[] }>;
  tags?: Array<string | { id?: number; tag: string }>;
  contacts?: SeedContact[];
  /** exclusion-list entries: an exact address, or {matchPhrase, matchType: "end"} for a domain */
  exclusions?: Array<string | { matchPhrase: string; matchType?: "exact" | "end"; lists?: number[] }>;
  /** emails bounced account-wide */
  bounced?: string[];
}

export interface SeedResult {
  lists: number[];
  fields: number[];
  tags: number[];
  /** contacts created (existing emails are updated) */
  created: number;
  updated: number;
}

export interface MemberView {
  contactId: number;
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** personalization tag → value as the UI shows it (an option field's value that matches no option shows empty) */
  fields: Record<string, string>;
  /** personalization tag → the value stored, only where it differs from the one shown */
  storedFields?: Record<string, string>;
  tags: string[];
  status: ListStatus;
  unsubscribedBy?: UnsubscribedBy;
}

export interface ContactView extends Omit<MemberView, "status" | "unsubscribedBy"> {
  /** list id → membership */
  lists: Record<string, { status: ListStatus; unsubscribedBy?: UnsubscribedBy; sourceid: number }>;
}

export interface ListCounts {
  members: number;
  /** list status (0 unconfirmed, 1 active, 2 unsubscribed, 3 bounced) → members */
  byStatus: Record<"0" | "1" | "2" | "3", number>;
}

export interface RequestStats {
  /** every /api/3 request received, including refused ones */
  total: number;
  /** by "METHOD /template", e.g. "POST /import/bulk_import" */
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  rejected403: number;
  /** 503s from the 5 rps limiter in overload mode (rateLimitAnswer 503) */
  rejected503: number;
  /** 429s from the limiters (5 rps; bulk when bulkRateLimitStatus is 429); injected 429s are under faults */
  rejected429: number;
  /** bulk imports refused by the bulk per-minute limits (400 or 429) */
  bulkRateLimited: number;
  /** injected faults by kind */
  faults: Record<string, number>;
  /** most authenticated requests seen in any rolling (scaled) second, refused ones included: the client's real rate */
  maxPerSecondObserved: number;
  /** most bulk-import POSTs seen in any rolling (scaled) minute, refused ones included */
  maxBulkPerMinuteObserved: number;
  /** contacts in queued (accepted) bulk imports */
  bulkContactsReceived: number;
  /** distinct emails (lower-cased) among them: received − distinct = contacts sent more than once */
  bulkContactsDistinct: number;
  /** contacts of queued bulk imports that asked for exclude_automations */
  excludeAutomations: number;
  batches: { queued: number; pending: number; completed: number; failed: number; interrupted: number; contactsApplied: number };
  /** the last `logSize` /api/3 requests, oldest first (status -1 = connection reset mid-response) */
  log: RequestLogEntry[];
}

export interface BatchView {
  batchId: string;
  status: BatchStatus | false;
  contacts: number;
  success: number;
  failure: number;
}

export interface SandboxInspector extends AccountInspector {
  createList(name: string): { id: number };
  createField(field: { title: string; perstag: string; type?: string }): { id: number };
  createTag(name: string): { id: number };
  seed(data: SeedData): SeedResult;
  /** Members of a list in contact id order, optionally only those with one list status. Throws for an unknown list. */
  members(listId: number, status?: ListStatus): MemberView[];
  /** How many members a list has, in all and by list status (no member rows: for lists of millions). */
  counts(listId: number): ListCounts;
  contact(email: string): ContactView | undefined;
  /** The person unsubscribes themselves from the list (recorded as unsubscribedBy "contact"). */
  unsubscribeByContact(email: string, listId: number): void;
  requests(): RequestStats;
  batches(): BatchView[];
  /** Replaces the fault spec (null = no faults). The seeded sequence continues. */
  setFaults(spec: string | FaultSpec | null): void;
  faults(): string;
  /** Clears data, batches, limiter windows, counters and the log. */
  reset(): void;
}

export class InspectorError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "InspectorError";
  }
}

export function createInspector(core: SandboxCore): SandboxInspector {
  const store = core.store;

  const fieldsOf = (id: number): { fields: Record<string, string>; storedFields?: Record<string, string> } => {
    const fields: Record<string, string> = {};
    let stored: Record<string, string> | undefined;
    for (const f of store.fields.values()) {
      const v = f.values.get(id);
      if (v === undefined) continue;
      fields[f.perstag] = shownValue(f, v);
      if (fields[f.perstag] !== v) (stored ??= {})[f.perstag] = v;
    }
    return stored ? { fields, storedFields: stored } : { fields };
  };
  const tagsOf = (id: number): string[] => {
    const out: string[] = [];
    for (const t of store.tags.values()) if (t.links.has(id)) out.push(t.tag);
    return out;
  };
  const base = (id: number) => {
    const i = id - 1;
    const first = store.firsts[i];
    const last = store.lasts[i];
    const phone = store.phones[i];
    return {
      contactId: id,
      email: store.emails[i] as string,
      ...(first && { firstName: first }),
      ...(last && { lastName: last }),
      ...(phone && { phone }),
      ...fieldsOf(id),
      tags: tagsOf(id),
    };
  };
  const listOf = (listId: number) => {
    const list = store.lists.get(Number(listId));
    if (!list) throw new InspectorError(`no list with id ${listId}`, 404);
    return list;
  };
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof StoreError) throw new InspectorError(e.message, e.code === "not_found" ? 404 : 400);
      throw e;
    }
  };

  const fail = (message: string, status = 400): never => {
    throw new InspectorError(message, status);
  };
  const inspector: SandboxInspector = {
    ...accountInspector(core, fail),
    createList: (name) => guard(() => ({ id: store.createList({ name }).id })),
    createField: (f) => guard(() => ({ id: store.createField({ title: f.title, perstag: f.perstag, type: f.type ?? "text" }).id })),
    createTag: (name) => guard(() => ({ id: store.ensureTag(name).id })),

    seed: (data) => guard(() => seedAccount(core, data)),

    members: (listId, status) => {
      const list = listOf(listId);
      core.batches.settle(performance.now());
      const out: MemberView[] = [];
      const { ids } = store.queryList(list, { status: status ?? -1, idGreater: 0, offset: 0, limit: Number.MAX_SAFE_INTEGER, desc: false });
      for (const id of ids) {
        const midx = list.m.byContact.get(id)!;
        const by = byName(store.mBy.at(midx));
        out.push({ ...base(id), status: store.mStatus.at(midx) as ListStatus, ...(by && { unsubscribedBy: by }) });
      }
      return out;
    },

    counts: (listId) => {
      const list = listOf(listId);
      core.batches.settle(performance.now());
      const by = [0, 0, 0, 0];
      const pos = list.m.pos.data;
      for (let p = 0; p < list.m.pos.length; p++) by[store.mStatus.data[pos[p] as number] as number]!++;
      return { members: list.m.pos.length, byStatus: { 0: by[0]!, 1: by[1]!, 2: by[2]!, 3: by[3]! } };
    },

    contact: (email) => {
      core.batches.settle(performance.now());
      const id = store.contactId(email);
      if (id === undefined) return undefined;
      const lists: ContactView["lists"] = {};
      for (const midx of store.contactMemberships(id)) {
        const m = store.membershipRow(midx);
        lists[String(m.list)] = { status: m.status, ...(m.unsubscribedBy && { unsubscribedBy: m.unsubscribedBy }), sourceid: m.sourceid };
      }
      return { ...base(id), lists };
    },

    unsubscribeByContact: (email, listId) => {
      const list = listOf(listId);
      const id = store.contactId(email);
      if (id === undefined) throw new InspectorError(`no contact with email ${email}`, 404);
      const midx = list.m.byContact.get(id);
      if (midx === undefined) store.addMembership(list, id, 2, "contact", 0);
      else store.setMembershipStatus(midx, 2, "contact", undefined);
    },

    requests: () => {
      core.batches.settle(performance.now());
      const c = core.counters;
      const t = core.batches.totals;
      return {
        total: c.total,
        byEndpoint: { ...c.byEndpoint },
        byStatus: { ...c.byStatus },
        rejected403: c.rejected403,
        rejected503: c.rejected503,
        rejected429: c.rejected429,
        bulkRateLimited: c.bulkRateLimited,
        faults: { ...core.faults.counts },
        maxPerSecondObserved: core.rateObserver.perSecond.max,
        maxBulkPerMinuteObserved: core.rateObserver.bulkPerMinute.max,
        bulkContactsReceived: c.bulkContactsReceived,
        bulkContactsDistinct: c.bulkEmails.size,
        excludeAutomations: c.excludeAutomations,
        batches: { queued: t.queued, pending: t.queued - t.completed - t.failed - t.interrupted, completed: t.completed, failed: t.failed, interrupted: t.interrupted, contactsApplied: t.contactsApplied },
        log: core.logEntries(),
      };
    },

    batches: () => {
      const now = performance.now();
      return core.batches.all().map((b) => ({ batchId: b.id, status: core.batches.statusOf(b, now), contacts: b.count, success: b.success.length, failure: b.failure.length }));
    },

    setFaults: (spec) => {
      core.faults.spec = parseFaults(spec);
    },
    faults: () => formatFaults(core.faults.spec),
    reset: () => core.reset(),
  };
  return inspector;
}
