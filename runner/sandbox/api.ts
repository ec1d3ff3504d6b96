// The /api/3 endpoints: one handler per route, each returning the status and body ActiveCampaign would.
import { MAX_BULK_BYTES, VALIDATION_MESSAGE, contactCount, isValidEmail, validateBulk, type BatchQueue } from "./bulk.js";
import type { FaultInjector } from "./faults.js";
import { formatRetryAfter, type RollingWindow } from "./limits.js";
import {
  contactJson,
  contactListJson,
  contactTagJson,
  dayOf,
  fieldJson,
  fieldValuesJson,
  listJson,
  tagJson,
  userJson,
} from "./shapes.js";
import { StoreError, nowSeconds, type FieldRow, type ListStatus, type Store } from "./store.js";

export interface ApiRequest {
  method: string;
  /** path after /api/3, without the query */
  path: string;
  query: URLSearchParams;
  body: Buffer;
  /** performance.now() */
  now: number;
}

export interface ApiReply {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
  /** for the request log */
  batchId?: string;
  contacts?: number;
}

/** The strictness switches and limits the handlers need (resolved SandboxOptions). */
export interface ApiRules {
  timeScale: number;
  bulkRateLimitStatus: 400 | 429;
  bulkSingleCountsTowardMulti: boolean;
  countRateLimitedBulk: boolean;
  bulkDuplicateEmails: "reject" | "last-wins";
  syncUpdateStatus: 200 | 201;
  bulkPerMinute: number;
}

export interface ApiContext {
  store: Store;
  batches: BatchQueue;
  faults: FaultInjector;
  rules: ApiRules;
  /** e.g. http://127.0.0.1:43121/api/3, for `links` */
  api: string;
  bulkMulti: RollingWindow;
  bulkSingle: RollingWindow;
  stats: {
    bulkRateLimited: number;
    bulkContactsReceived: number;
    bulkEmails: Set<string>;
    excludeAutomations: number;
    rejected429: number;
  };
}

type Handler = (ctx: ApiContext, req: ApiRequest, params: string[]) => ApiReply;

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
}

const ok = (json: unknown, status = 200): ApiReply => ({ status, json });
const notFound = (what: string, id: string): ApiReply => ({ status: 404, json: { message: `No Result found for ${what} with id ${id}` } });
const emptyBadRequest = (): ApiReply => ({ status: 400, json: {} });
const missingAttribute = (attr: string): ApiReply => ({
  status: 422,
  json: { errors: [{ status: 422, title: "Missing attribute", source: { pointer: `/data/attributes/${attr}` } }] },
});
const emailInvalid = (): ApiReply => ({
  status: 422,
  json: {
    errors: [
      { title: "Contact Email Address is not valid.", detail: "", code: "email_invalid", error: "must_be_valid_email_address", source: { pointer: "/data/attributes/email" } },
    ],
  },
});

function parseBody(req: ApiRequest): { ok: true; value: unknown } | { ok: false } {
  if (req.body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(req.body.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

/** The object under `key` of a JSON body, or undefined. */
function wrapped(req: ApiRequest, key: string): Record<string, unknown> | undefined {
  const b = parseBody(req);
  if (!b.ok || typeof b.value !== "object" || b.value === null) return undefined;
  const inner = (b.value as Record<string, unknown>)[key];
  return typeof inner === "object" && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : undefined;
}

const idOf = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** limit: default 20, at most 100 (larger values are clamped to 100); offset: zero-based. */
function paging(q: URLSearchParams): { limit: number; offset: number } {
  const rawLimit = Number(q.get("limit"));
  const limit = q.get("limit") === null || !Number.isFinite(rawLimit) || rawLimit < 1 ? 20 : Math.min(100, Math.floor(rawLimit));
  const rawOffset = Number(q.get("offset"));
  const offset = Number.isFinite(rawOffset) && rawOffset > 0 ? Math.floor(rawOffset) : 0;
  return { limit, offset };
}

const meta = (total: number) => ({ total: String(total) });

// ------------------------------------------------------------------------------------------------ users

const usersMe: Handler = (ctx) => ok({ user: userJson(ctx.api) });

// ------------------------------------------------------------------------------------------------ lists

const getLists: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  const name = req.query.get("filters[name]")?.toLowerCase();
  let rows = [...ctx.store.lists.values()];
  if (name) rows = rows.filter((l) => l.name.toLowerCase().includes(name));
  const order = req.query.get("orders[name]")?.toUpperCase();
  if (order === "ASC" || order === "DESC") rows.sort((a, b) => a.name.localeCompare(b.name) * (order === "ASC" ? 1 : -1));
  return ok({ lists: rows.slice(offset, offset + limit).map((l) => listJson(l, ctx.api)), meta: meta(rows.length) });
};

const getList: Handler = (ctx, _req, [id]) => {
  const list = ctx.store.lists.get(idOf(id) ?? -1);
  return list ? ok({ list: listJson(list, ctx.api) }) : notFound("_List", id ?? "");
};

const postList: Handler = (ctx, req) => {
  const l = wrapped(req, "list");
  if (!l) return emptyBadRequest();
  // Required by the API reference: name, stringid, sender_url, sender_reminder.
  for (const attr of ["name", "stringid", "sender_url", "sender_reminder"]) {
    if (typeof l[attr] !== "string" || (l[attr] as string).trim() === "") return missingAttribute(attr);
  }
  const list = ctx.store.createList({ name: l.name as string, stringid: l.stringid as string, senderUrl: l.sender_url as string, senderReminder: l.sender_reminder as string });
  return ok({ list: listJson(list, ctx.api) });
};

// ------------------------------------------------------------------------------------------------ fields

const FIELD_TYPES = new Set(["dropdown", "hidden", "checkbox", "date", "text", "datetime", "textarea", "NULL", "listbox", "radio"]);

const getFields: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  const perstag = req.query.get("filters[perstag]");
  let rows = [...ctx.store.fields.values()];
  if (perstag) rows = rows.filter((f) => f.perstag === perstag.toUpperCase());
  return ok({ fieldOptions: [], fieldRels: [], fields: rows.slice(offset, offset + limit).map((f) => fieldJson(f, ctx.api)), meta: meta(rows.length) });
};

const postField: Handler = (ctx, req) => {
  const f = wrapped(req, "field");
  if (!f) return emptyBadRequest();
  if (typeof f.title !== "string" || f.title.trim() === "") return missingAttribute("title");
  if (typeof f.type !== "string" || f.type === "") return missingAttribute("type");
  if (!FIELD_TYPES.has(f.type)) {
    return { status: 422, json: { errors: [{ title: "Invalid field type", detail: `'${f.type}' is not one of ${[...FIELD_TYPES].join(", ")}`, code: "field_invalid", source: { pointer: "/data/attributes/type" } }] } };
  }
  try {
    const row = ctx.store.createField({
      title: f.title,
      type: f.type,
      ...(typeof f.perstag === "string" && { perstag: f.perstag }),
      ...(typeof f.descript === "string" && { descript: f.descript }),
      ...(typeof f.defval === "string" && { defval: f.defval }),
    });
    return ok({ field: fieldJson(row, ctx.api) }, 201);
  } catch (e) {
    if (e instanceof StoreError && e.code === "duplicate") {
      return { status: 422, json: { errors: [{ title: "There is already a field with this title", detail: e.message, code: "duplicate" }] } };
    }
    throw e;
  }
};

// ------------------------------------------------------------------------------------------------ tags

const getTags: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  let rows = [...ctx.store.tags.values()];
  const search = req.query.get("search");
  if (search) rows = rows.filter((t) => t.tag.toLowerCase().includes(search.toLowerCase()));
  for (const op of ["eq", "neq", "lt", "lte", "gt", "gte", "contains", "starts_with"] as const) {
    const v = req.query.get(`filters[search][${op}]`);
    if (v === null) continue;
    const needle = v.toLowerCase();
    rows = rows.filter((t) => {
      const name = t.tag.toLowerCase();
      switch (op) {
        case "eq": return name === needle;
        case "neq": return name !== needle;
        case "lt": return name < needle;
        case "lte": return name <= needle;
        case "gt": return name > needle;
        case "gte": return name >= needle;
        case "contains": return name.includes(needle);
        case "starts_with": return name.startsWith(needle);
      }
    });
  }
  const order = req.query.get("orders[search]")?.toLowerCase();
  if (order === "asc" || order === "desc") rows.sort((a, b) => a.tag.localeCompare(b.tag) * (order === "asc" ? 1 : -1));
  if (order === "weight" && search) {
    const s = search.toLowerCase();
    const w = (name: string) => (name === s ? 0 : name.startsWith(s) ? 1 : 2);
    rows.sort((a, b) => w(a.tag.toLowerCase()) - w(b.tag.toLowerCase()));
  }
  return ok({ tags: rows.slice(offset, offset + limit).map((t) => tagJson(t, ctx.api)), meta: meta(rows.length) });
};

const postTag: Handler = (ctx, req) => {
  const t = wrapped(req, "tag");
  if (!t) return emptyBadRequest();
  if (typeof t.tag !== "string" || t.tag.trim() === "") return missingAttribute("tag");
  try {
    const row = ctx.store.createTag({
      tag: t.tag,
      tagType: typeof t.tagType === "string" ? t.tagType : "contact",
      description: typeof t.description === "string" ? t.description : "",
    });
    return ok({ tag: tagJson(row, ctx.api) }, 201);
  } catch (e) {
    // ActiveCampaign's behaviour for a second tag of the same name is not documented; the sandbox refuses it.
    if (e instanceof StoreError && e.code === "duplicate") {
      return { status: 422, json: { errors: [{ title: "Tag name already exists", detail: e.message, code: "duplicate", source: { pointer: "/data/attributes/tag" } }] } };
    }
    throw e;
  }
};

const postContactTag: Handler = (ctx, req) => {
  const ct = wrapped(req, "contactTag");
  if (!ct) return emptyBadRequest();
  if (ct.contact === undefined || ct.contact === null || ct.contact === "") return missingAttribute("contact");
  if (ct.tag === undefined || ct.tag === null || ct.tag === "") return missingAttribute("tag");
  const contact = idOf(ct.contact);
  if (contact === undefined || !ctx.store.hasContact(contact)) return { status: 404, json: { errors: [{ status: 404, title: "Not Found", detail: "Contact not found" }] } };
  const tag = ctx.store.tags.get(idOf(ct.tag) ?? -1);
  if (!tag) return { status: 404, json: { errors: [{ status: 404, title: "Not Found", detail: "Tag not found" }] } };
  // Linking a tag a contact already has answers the existing link.
  const { id } = ctx.store.addContactTag(contact, tag);
  return ok({ contactTag: contactTagJson(ctx.store.contactTagRow(id)!, ctx.api) }, 201);
};

const deleteContactTag: Handler = (ctx, _req, [id]) => {
  const n = idOf(id);
  if (n === undefined || !ctx.store.removeContactTag(n)) return notFound("SubscriberTag", id ?? "");
  return ok({});
};

const getContactTags: Handler = (ctx, _req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !ctx.store.hasContact(cid)) return notFound("Subscriber", id ?? "");
  const rows = ctx.store.contactTagIds(cid).map((ctId) => contactTagJson(ctx.store.contactTagRow(ctId)!, ctx.api));
  return ok({ contactTags: rows });
};

// ------------------------------------------------------------------------------------------------ contacts

interface ContactInput {
  email: string;
  first?: string;
  last?: string;
  phone?: string;
  fieldValues: Array<[FieldRow, string]>;
}

function contactInput(ctx: ApiContext, req: ApiRequest): ContactInput | ApiReply {
  const c = wrapped(req, "contact");
  if (!c) return emptyBadRequest();
  if (typeof c.email !== "string" || !isValidEmail(c.email)) return emailInvalid();
  const out: ContactInput = { email: c.email, fieldValues: [] };
  for (const [prop, key] of [["first", "firstName"], ["last", "lastName"], ["phone", "phone"]] as const) {
    const v = c[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" && typeof v !== "number") {
      return { status: 422, json: { errors: [{ title: `The ${key} must be a string.`, detail: "", code: "field_invalid", source: { pointer: `/data/attributes/${key}` } }] } };
    }
    out[prop] = String(v);
  }
  if (c.fieldValues !== undefined) {
    if (!Array.isArray(c.fieldValues)) return { status: 422, json: { errors: [{ title: "fieldValues must be an array of {field, value}.", detail: "", code: "field_invalid", source: { pointer: "/data/attributes/fieldValues" } }] } };
    for (const fv of c.fieldValues as unknown[]) {
      const fid = idOf((fv as { field?: unknown } | null)?.field);
      const value = (fv as { value?: unknown } | null)?.value;
      const field = fid === undefined ? undefined : ctx.store.fields.get(fid);
      if (!field) {
        const shown = JSON.stringify((fv as { field?: unknown } | null)?.field ?? null);
        return { status: 422, json: { errors: [{ title: `Custom field ${shown} does not exist.`, detail: "", code: "field_invalid", source: { pointer: "/data/attributes/fieldValues" } }] } };
      }
      if (typeof value !== "string" && typeof value !== "number") {
        return { status: 422, json: { errors: [{ title: `The value of custom field ${field.id} must be a string.`, detail: "", code: "field_invalid", source: { pointer: "/data/attributes/fieldValues" } }] } };
      }
      out.fieldValues.push([field, String(value)]);
    }
  }
  return out;
}

function upsert(ctx: ApiContext, req: ApiRequest, createOnly: boolean): ApiReply {
  const input = contactInput(ctx, req);
  if ("status" in input) return input;
  const store = ctx.store;
  let id = store.contactId(input.email);
  const created = id === undefined;
  if (id !== undefined && createOnly) {
    return { status: 422, json: { errors: [{ title: "Email address already exists in the system", detail: "", code: "duplicate", source: { pointer: "/data/attributes/email" } }] } };
  }
  const now = nowSeconds();
  if (id === undefined) id = store.createContact(input.email, input.first ?? "", input.last ?? "", input.phone ?? "", now);
  else store.updateContact(id, { first: input.first, last: input.last, phone: input.phone }, now);
  for (const [field, value] of input.fieldValues) store.setFieldValue(id, field, value);
  const only = new Set(input.fieldValues.map(([f]) => f.id));
  return ok({ fieldValues: fieldValuesJson(store, id, ctx.api, only), contact: contactJson(store, id, ctx.api) }, created ? 201 : ctx.rules.syncUpdateStatus);
}

const postContactSync: Handler = (ctx, req) => upsert(ctx, req, false);
const postContact: Handler = (ctx, req) => upsert(ctx, req, true);

const getContacts: Handler = (ctx, req) => {
  const q = req.query;
  const { limit, offset } = paging(q);
  const rawStatus = q.get("status");
  const status = rawStatus !== null && /^-?\d+$/.test(rawStatus.trim()) ? Number(rawStatus) : -1;
  const st = status >= 0 && status <= 3 ? status : -1;
  const idGreater = Number(q.get("id_greater") ?? 0);
  const ig = Number.isFinite(idGreater) && idGreater > 0 ? Math.floor(idGreater) : 0;
  const desc = (q.get("orders[id]") ?? "").toUpperCase() === "DESC";
  const listParam = q.get("listid");
  const listId = listParam !== null && listParam !== "" ? (idOf(listParam) ?? -1) : 0;
  const store = ctx.store;
  let ids: number[] = [];
  let total = 0;
  const email = q.get("email");
  const emailLike = q.get("email_like");
  // Filters combine: `status` filters the list status when `listid` is given (any list's status otherwise).
  const keep = (id: number): boolean => {
    if (id <= ig) return false;
    if (listId !== 0) {
      const midx = store.membership(listId, id);
      if (midx === undefined) return false;
      if (st >= 0 && store.mStatus.at(midx) !== st) return false;
    } else if (st >= 0 && !store.contactMemberships(id).some((m) => store.mStatus.at(m) === st)) {
      return false;
    }
    return true;
  };
  if (email !== null) {
    const id = store.contactId(email);
    const all = id !== undefined && keep(id) ? [id] : [];
    total = all.length;
    ids = all.slice(offset, offset + limit);
  } else if (emailLike !== null) {
    const needle = emailLike.toLowerCase();
    const all: number[] = [];
    for (const [key, id] of store.byEmail) if (key.includes(needle) && keep(id)) all.push(id);
    all.sort((a, b) => (desc ? b - a : a - b));
    total = all.length;
    ids = all.slice(offset, offset + limit);
  } else if (listId !== 0) {
    const list = store.lists.get(listId);
    if (list) ({ ids, total } = store.queryList(list, { status: st, idGreater: ig, offset, limit, desc }));
  } else {
    ({ ids, total } = store.queryAll({ status: st, idGreater: ig, offset, limit, desc }));
  }
  return ok({
    scoreValues: [],
    contacts: ids.map((id) => contactJson(store, id, ctx.api)),
    meta: {
      total: String(total),
      page_input: {
        segmentid: null,
        formid: 0,
        listid: listId > 0 ? listId : 0,
        tagid: 0,
        limit,
        offset,
        search: null,
        sort: null,
        seriesid: 0,
        waitid: 0,
        status: st,
        forceQuery: 0,
        cacheid: "",
      },
    },
  });
};

const getContact: Handler = (ctx, _req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !ctx.store.hasContact(cid)) return notFound("Subscriber", id ?? "");
  return ok({
    contactAutomations: [],
    contactData: [],
    contactLists: ctx.store.contactMemberships(cid).map((m) => contactListJson(ctx.store, m, ctx.api, false)),
    deals: [],
    fieldValues: fieldValuesJson(ctx.store, cid, ctx.api),
    geoAddresses: [],
    geoIps: [],
    contact: contactJson(ctx.store, cid, ctx.api),
  });
};

// ------------------------------------------------------------------------------------------------ list membership

const postContactList: Handler = (ctx, req) => {
  const cl = wrapped(req, "contactList");
  if (!cl) return emptyBadRequest();
  const listId = idOf(cl.list);
  const contactId = idOf(cl.contact);
  const status = idOf(cl.status);
  if (listId === undefined || contactId === undefined || (status !== 1 && status !== 2)) return emptyBadRequest();
  const sourceid = cl.sourceid === undefined || cl.sourceid === null ? undefined : Number(cl.sourceid);
  if (sourceid !== undefined && (!Number.isInteger(sourceid) || sourceid < 0 || sourceid > 255)) return emptyBadRequest();
  const store = ctx.store;
  if (!store.hasContact(contactId)) return notFound("Subscriber", String(contactId));
  const list = store.lists.get(listId);
  if (!list) return notFound("_List", String(listId));
  const now = nowSeconds();
  let midx = list.m.byContact.get(contactId);
  if (midx === undefined) {
    midx = store.addMembership(list, contactId, status as ListStatus, "api", sourceid ?? 0, now);
  } else if (status === 2) {
    store.setMembershipStatus(midx, 2, "api", sourceid, now);
  } else if (store.mStatus.at(midx) === 2) {
    // Re-subscribing an unsubscribed contact takes sourceid 4 ("Set to 4 when re-subscribing a contact to a list");
    // without it the membership stays unsubscribed and the answer shows status 2: the caller must check.
    if (sourceid === 4) store.setMembershipStatus(midx, 1, undefined, 4, now);
  } else {
    store.setMembershipStatus(midx, 1, undefined, sourceid, now);
  }
  return ok({ contacts: [contactJson(store, contactId, ctx.api)], contactList: contactListJson(store, midx, ctx.api, true) });
};

const getContactLists: Handler = (ctx, _req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !ctx.store.hasContact(cid)) return notFound("Subscriber", id ?? "");
  return ok({ contactLists: ctx.store.contactMemberships(cid).map((m) => contactListJson(ctx.store, m, ctx.api, false)) });
};

// ------------------------------------------------------------------------------------------------ bulk import

const bulkFailure = (message: string, failureReasons: unknown[]): ApiReply => ({ status: 400, json: { success: 0, message, failureReasons } });

const postBulkImport: Handler = (ctx, req) => {
  const parsed = parseBody(req);
  const count = parsed.ok ? contactCount(parsed.value) : undefined;
  const single = count === 1;
  const { rules } = ctx;

  // The bulk limits: 100 multi-contact / 20 single-contact requests in any rolling minute. Refused requests do not
  // count toward the window (unless countRateLimitedBulk); requests admitted but then invalid do.
  const windows = single ? (rules.bulkSingleCountsTowardMulti ? [ctx.bulkSingle, ctx.bulkMulti] : [ctx.bulkSingle]) : [ctx.bulkMulti];
  let wait = 0;
  let binding = windows[0]!;
  for (const w of windows) {
    const ms = w.waitMs(req.now);
    if (ms > wait) {
      wait = ms;
      binding = w;
    }
  }
  if (wait > 0) {
    ctx.stats.bulkRateLimited++;
    if (rules.countRateLimitedBulk) for (const w of windows) w.take(req.now);
    const perMinute = binding.capacity;
    const body = {
      success: 0,
      message: "Rate limit exceeded.",
      failureReasons: [`Up to ${perMinute} imports may be requested per minute.Please batch contacts into larger requests, or retry this request in a minute.`],
    };
    if (rules.bulkRateLimitStatus === 429) {
      ctx.stats.rejected429++;
      return { status: 429, json: body, headers: { "Retry-After": formatRetryAfter(wait, rules.timeScale) } };
    }
    return { status: 400, json: body };
  }
  for (const w of windows) w.take(req.now);

  if (req.body.length >= MAX_BULK_BYTES) {
    return bulkFailure(
      `Payload too large: the request body is ${req.body.length} bytes; the maximum payload size of a single bulk_import request is ${MAX_BULK_BYTES} bytes (send at most ${MAX_BULK_BYTES - 1}). The import was not queued for processing.`,
      [`Request body of ${req.body.length} bytes; split the contacts into smaller requests.`],
    );
  }
  if (!parsed.ok) return bulkFailure(VALIDATION_MESSAGE, ["The request body is not valid JSON."]);
  const v = validateBulk(parsed.value, ctx.store, { duplicates: rules.bulkDuplicateEmails });
  if (!v.ok) return bulkFailure(v.message ?? VALIDATION_MESSAGE, v.failureReasons);

  const batch = ctx.batches.enqueue(v.contacts, v.excludeAutomations, ctx.faults, req.now);
  ctx.stats.bulkContactsReceived += v.contacts.length;
  ctx.stats.excludeAutomations += v.excludeAutomations;
  for (const c of v.contacts) ctx.stats.bulkEmails.add(c.key);
  return {
    status: 200,
    json: { Success: 1, queued_contacts: v.contacts.length, batchId: batch.id, message: "Contact import queued" },
    batchId: batch.id,
    contacts: v.contacts.length,
  };
};

const getImportInfo: Handler = (ctx, req) => {
  const batchId = req.query.get("batchId");
  if (!batchId) return { status: 400, json: { success: 0, message: "'batchId' is a required field." } };
  const batch = ctx.batches.byId.get(batchId);
  // Unknown batch ids are not documented; the sandbox answers 404 (stricter than pretending it is pending).
  if (!batch) return { status: 404, json: { success: 0, message: `No import found with batchId '${batchId}'.` } };
  const status = ctx.batches.statusOf(batch, req.now);
  if (status === false) return ok({ status: false });
  return ok({ status, success: batch.success.map(String), failure: [...batch.failure] });
};

const getBulkImports: Handler = (ctx) => {
  ctx.batches.settle(performance.now());
  const outstanding = new Map<string, { batches: number; contacts: number }>();
  const completed = new Map<string, { batches: number; contacts: number }>();
  const weekAgo = nowSeconds() - 7 * 86400;
  for (const b of ctx.batches.all()) {
    const into = !b.done ? outstanding : b.wallDone !== undefined && b.wallDone >= weekAgo ? completed : undefined;
    if (!into) continue;
    const day = dayOf(b.done ? (b.wallDone as number) : b.wallAt);
    const row = into.get(day) ?? { batches: 0, contacts: 0 };
    row.batches++;
    row.contacts += b.count;
    into.set(day, row);
  }
  const rows = (m: Map<string, { batches: number; contacts: number }>) =>
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([forDate, r]) => ({ forDate, batches: String(r.batches), contacts: String(r.contacts) }));
  return ok({ outstanding: rows(outstanding), recentlyCompleted: rows(completed) });
};

// ------------------------------------------------------------------------------------------------ routing

const ROUTES: Route[] = (
  [
    ["GET", "/users/me", usersMe],
    ["GET", "/lists", getLists],
    ["POST", "/lists", postList],
    ["GET", "/lists/{id}", getList],
    ["GET", "/fields", getFields],
    ["POST", "/fields", postField],
    ["GET", "/tags", getTags],
    ["POST", "/tags", postTag],
    ["POST", "/contactTags", postContactTag],
    ["DELETE", "/contactTags/{id}", deleteContactTag],
    ["GET", "/contacts/{id}/contactTags", getContactTags],
    ["POST", "/contact/sync", postContactSync],
    ["POST", "/contacts", postContact],
    ["GET", "/contacts", getContacts],
    ["GET", "/contacts/{id}", getContact],
    ["POST", "/contactLists", postContactList],
    ["GET", "/contacts/{id}/contactLists", getContactLists],
    ["POST", "/import/bulk_import", postBulkImport],
    ["GET", "/import/bulk_import", getBulkImports],
    ["GET", "/import/info", getImportInfo],
  ] as const
).map(([method, template, handler]) => ({ method, template, segments: template.split("/").slice(1), handler }));

export interface RouteMatch {
  /** "METHOD /template", the key of inspect.requests().byEndpoint */
  endpoint: string;
  handler: Handler | undefined;
  params: string[];
}

/** Finds the route of a path under /api/3 (unknown routes get the endpoint "METHOD (unknown)"). */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.replace(/\/+$/, "").split("/").slice(1);
  for (const r of ROUTES) {
    if (r.method !== method || r.segments.length !== segments.length) continue;
    const params: string[] = [];
    let hit = true;
    for (let i = 0; i < segments.length; i++) {
      const want = r.segments[i] as string;
      let got = segments[i] as string;
      try {
        got = decodeURIComponent(got);
      } catch {
        // keep it raw: it will not name a known resource
      }
      if (want === "{id}") params.push(got);
      else if (want !== got) {
        hit = false;
        break;
      }
    }
    if (hit) return { endpoint: `${method} ${r.template}`, handler: r.handler, params };
  }
  return { endpoint: `${method} (unknown)`, handler: undefined, params: [] };
}

export const unknownRoute = (): ApiReply => ({ status: 404, json: { message: "No Result found for the requested resource" } });
