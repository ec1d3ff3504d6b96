// The inspector: what tests, the demo and the benchmarks use to set the account up and to look inside it. The same
// operations are served over HTTP under /__sandbox/… (no token, never rate-limited, never faulted, never counted).
import type { IncomingMessage, ServerResponse } from "node:http";
import { isValidEmail, type BatchStatus } from "./bulk.js";
import { formatFaults, parseFaults, type FaultSpec } from "./faults.js";
import { readBody, sendJson, type RequestLogEntry, type SandboxCore } from "./server.js";
import { StoreError, byName, nowSeconds, type ListStatus, type UnsubscribedBy } from "./store.js";

export interface SeedContact {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** personalization tag → value (the fields must exist or be seeded in the same call) */
  fields?: Record<string, string>;
  /** tag names, created when missing */
  tags?: string[];
  /** list id → membership (a bare number is the status); `by` says who unsubscribed (status 2), default "api" */
  lists?: Record<string, { status: ListStatus; by?: UnsubscribedBy } | ListStatus>;
}

export interface SeedData {
  lists?: Array<string | { id?: number; name: string }>;
  fields?: Array<{ id?: number; title: string; perstag?: string; type?: string }>;
  tags?: Array<string | { id?: number; tag: string }>;
  contacts?: SeedContact[];
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
  /** personalization tag → value */
  fields: Record<string, string>;
  tags: string[];
  status: ListStatus;
  unsubscribedBy?: UnsubscribedBy;
}

export interface ContactView extends Omit<MemberView, "status" | "unsubscribedBy"> {
  /** list id → membership */
  lists: Record<string, { status: ListStatus; unsubscribedBy?: UnsubscribedBy; sourceid: number }>;
}

export interface RequestStats {
  /** every /api/3 request received, including refused ones */
  total: number;
  /** by "METHOD /template", e.g. "POST /import/bulk_import" */
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  rejected403: number;
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

export interface SandboxInspector {
  createList(name: string): { id: number };
  createField(field: { title: string; perstag: string; type?: string }): { id: number };
  createTag(name: string): { id: number };
  seed(data: SeedData): SeedResult;
  /** Members of a list in contact id order, optionally only those with one list status. Throws for an unknown list. */
  members(listId: number, status?: ListStatus): MemberView[];
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

  const fieldsOf = (id: number): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of store.fields.values()) {
      const v = f.values.get(id);
      if (v !== undefined) out[f.perstag] = v;
    }
    return out;
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
      fields: fieldsOf(id),
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

  const inspector: SandboxInspector = {
    createList: (name) => guard(() => ({ id: store.createList({ name }).id })),
    createField: (f) => guard(() => ({ id: store.createField({ title: f.title, perstag: f.perstag, type: f.type ?? "text" }).id })),
    createTag: (name) => guard(() => ({ id: store.ensureTag(name).id })),

    seed: (data) =>
      guard(() => {
        const now = nowSeconds();
        const result: SeedResult = { lists: [], fields: [], tags: [], created: 0, updated: 0 };
        for (const l of data.lists ?? []) result.lists.push(store.createList(typeof l === "string" ? { name: l } : l, now).id);
        for (const f of data.fields ?? []) result.fields.push(store.createField({ ...f, type: f.type ?? "text" }, now).id);
        for (const t of data.tags ?? []) result.tags.push(typeof t === "string" ? store.ensureTag(t, now).id : store.createTag(t, now).id);
        const contacts = data.contacts ?? [];
        // Check everything first, so a bad seed changes nothing.
        contacts.forEach((c, i) => {
          if (typeof c.email !== "string" || !isValidEmail(c.email)) throw new InspectorError(`contacts[${i}].email is not a valid email: ${JSON.stringify(c.email)}`);
          for (const tag of Object.keys(c.fields ?? {})) if (!store.fieldByTag(tag)) throw new InspectorError(`contacts[${i}].fields: no custom field with personalization tag ${tag}`);
          for (const [listId, m] of Object.entries(c.lists ?? {})) {
            if (!store.lists.has(Number(listId))) throw new InspectorError(`contacts[${i}].lists: no list with id ${listId}`);
            const status = typeof m === "number" ? m : m?.status;
            if (status !== 0 && status !== 1 && status !== 2 && status !== 3) throw new InspectorError(`contacts[${i}].lists[${listId}].status must be 0, 1, 2 or 3`);
          }
        });
        for (const c of contacts) {
          const key = c.email.toLowerCase();
          let id = store.byEmail.get(key);
          if (id === undefined) {
            id = store.createContact(c.email, c.firstName ?? "", c.lastName ?? "", c.phone ?? "", now, key);
            result.created++;
          } else {
            store.updateContact(id, { first: c.firstName, last: c.lastName, phone: c.phone }, now);
            result.updated++;
          }
          if (c.fields) for (const [tag, value] of Object.entries(c.fields)) store.setFieldValue(id, store.fieldByTag(tag)!, String(value));
          if (c.tags) for (const name of c.tags) store.addContactTag(id, store.ensureTag(name, now), now);
          if (c.lists) {
            for (const [listId, m] of Object.entries(c.lists)) {
              const list = store.lists.get(Number(listId))!;
              const status = (typeof m === "number" ? m : m.status) as ListStatus;
              const by = typeof m === "number" ? undefined : m.by;
              const midx = list.m.byContact.get(id);
              if (midx === undefined) store.addMembership(list, id, status, by, 0, now);
              else store.setMembershipStatus(midx, status, by, undefined, now);
            }
          }
        }
        return result;
      }),

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

/** GET/POST /__sandbox/…: the inspector over HTTP (JSON in, JSON out). */
export async function handleInspectorHttp(
  inspector: SandboxInspector,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  info: () => unknown,
): Promise<void> {
  const body = await readBody(req, res);
  if (body === undefined) return;
  const method = (req.method ?? "GET").toUpperCase();
  const seg = path.split("/").filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  let json: Record<string, unknown> = {};
  if (body.length) {
    try {
      json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: "the body is not valid JSON" });
    }
  }
  const statusParam = query.get("status");
  try {
    const route = `${method} /${seg.map((s, i) => (i > 0 && /^\d+$/.test(s)) || (seg[0] === "contacts" && i === 1) ? "*" : s).join("/")}`;
    switch (route) {
      case "GET /":
        return sendJson(res, 200, info());
      case "POST /lists":
        return sendJson(res, 201, inspector.createList(String(json.name ?? "")));
      case "POST /fields":
        return sendJson(res, 201, inspector.createField(json as { title: string; perstag: string; type?: string }));
      case "POST /tags":
        return sendJson(res, 201, inspector.createTag(String(json.name ?? json.tag ?? "")));
      case "POST /seed":
        return sendJson(res, 200, inspector.seed(json as SeedData));
      case "GET /lists/*/members":
        return sendJson(res, 200, inspector.members(Number(seg[1]), statusParam === null || statusParam === "" ? undefined : (Number(statusParam) as ListStatus)));
      case "GET /contacts/*": {
        const c = inspector.contact(seg[1] as string);
        return c ? sendJson(res, 200, c) : sendJson(res, 404, { error: `no contact with email ${seg[1]}` });
      }
      case "POST /contacts/*/unsubscribe":
        inspector.unsubscribeByContact(seg[1] as string, Number(json.listId));
        return sendJson(res, 200, inspector.contact(seg[1] as string));
      case "GET /requests": {
        const stats = inspector.requests();
        return sendJson(res, 200, query.get("log") === "0" ? { ...stats, log: undefined } : stats);
      }
      case "GET /batches":
        return sendJson(res, 200, inspector.batches());
      case "GET /faults":
        return sendJson(res, 200, { faults: inspector.faults() });
      case "PUT /faults":
      case "POST /faults":
        inspector.setFaults((json.faults ?? null) as string | FaultSpec | null);
        return sendJson(res, 200, { faults: inspector.faults() });
      case "POST /reset":
        inspector.reset();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, {
          error: `unknown sandbox endpoint ${method} /__sandbox${path}`,
          endpoints: [
            "GET /__sandbox",
            "POST /__sandbox/lists {name}",
            "POST /__sandbox/fields {title, perstag, type}",
            "POST /__sandbox/tags {name}",
            "POST /__sandbox/seed {lists, fields, tags, contacts}",
            "GET /__sandbox/lists/{id}/members[?status=1]",
            "GET /__sandbox/contacts/{email}",
            "POST /__sandbox/contacts/{email}/unsubscribe {listId}",
            "GET /__sandbox/requests[?log=0]",
            "GET /__sandbox/batches",
            "GET|PUT /__sandbox/faults {faults}",
            "POST /__sandbox/reset",
          ],
        });
    }
  } catch (e) {
    if (e instanceof InspectorError) return sendJson(res, e.status, { error: e.message });
    if (e instanceof Error && e.name === "FaultSpecError") return sendJson(res, 400, { error: e.message });
    throw e;
  }
}
