// /contacts, /contact/sync, /contacts/{id} (GET, DELETE) and the list-membership endpoints (/contactLists).
import { isValidEmail } from "./bulk.js";
import { storeValue } from "./fieldvalues.js";
import {
  canSee,
  canSeeContact,
  emailExcluded,
  emailInvalid,
  emptyBadRequest,
  fieldInvalid,
  forbiddenList,
  idOf,
  notFound,
  ok,
  wrapped,
  type ApiContext,
  type ApiReply,
  type ApiRequest,
  type Handler,
} from "./reply.js";
import { contactJson, contactListJson, fieldValuesJson } from "./shapes.js";
import { nowSeconds, type FieldRow, type ListStatus } from "./store.js";

export { getContacts } from "./routes-contact-reads.js";

interface ContactInput {
  email: string;
  first?: string;
  last?: string;
  phone?: string;
  fieldValues: Array<[FieldRow, string]>;
}

const apostrophe = (email: string) => email.slice(0, email.indexOf("@")).includes("'");

function contactInput(ctx: ApiContext, req: ApiRequest): ContactInput | ApiReply {
  const c = wrapped(req, "contact");
  if (!c) return emptyBadRequest();
  // AC's own example of a refused address has an apostrophe in the local part (REAL-ACCOUNT.md F14).
  if (typeof c.email !== "string" || !isValidEmail(c.email) || apostrophe(c.email)) return emailInvalid();
  if (ctx.account.skipReason(c.email)) return emailExcluded();
  const out: ContactInput = { email: c.email, fieldValues: [] };
  for (const [prop, key] of [["first", "firstName"], ["last", "lastName"], ["phone", "phone"]] as const) {
    const v = c[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" && typeof v !== "number") return fieldInvalid(`The ${key} must be a string.`, `/data/attributes/${key}`);
    out[prop] = String(v);
  }
  if (c.fieldValues === undefined) return out;
  if (!Array.isArray(c.fieldValues)) return fieldInvalid("fieldValues must be an array of {field, value}.", "/data/attributes/fieldValues");
  for (const fv of c.fieldValues as unknown[]) {
    const fid = idOf((fv as { field?: unknown } | null)?.field);
    const value = (fv as { value?: unknown } | null)?.value;
    const field = fid === undefined ? undefined : ctx.store.fields.get(fid);
    if (!field) return fieldInvalid(`Custom field ${JSON.stringify((fv as { field?: unknown } | null)?.field ?? null)} does not exist.`, "/data/attributes/fieldValues");
    if (typeof value !== "string" && typeof value !== "number") return fieldInvalid(`The value of custom field ${field.id} must be a string.`, "/data/attributes/fieldValues");
    const stored = storeValue(field, String(value), ctx.rules.fieldValueReading, ctx.rules.accountTimeZone);
    if (!stored.ok) return fieldInvalid(`The value of custom field ${field.id} is invalid: ${stored.reason}.`, "/data/attributes/fieldValues");
    out.fieldValues.push([field, stored.value]);
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

export const postContactSync: Handler = (ctx, req) => upsert(ctx, req, false);
export const postContact: Handler = (ctx, req) => upsert(ctx, req, true);

export const getContact: Handler = (ctx, req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !ctx.store.hasContact(cid) || !canSeeContact(ctx, req, cid)) return notFound("Subscriber", id ?? "");
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

/** DELETE /contacts/{id} → 200 {} (contacts.yml); unknown → 404 "No result found for contact with id N". */
export const deleteContact: Handler = (ctx, req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !canSeeContact(ctx, req, cid) || !ctx.store.deleteContact(cid)) return { status: 404, json: { message: `No result found for contact with id ${id ?? ""}` } };
  return ok({});
};

/**
 * POST /contactLists. Status 1 re-subscribes whoever it names, whatever `sourceid` says (documented warning;
 * REAL-ACCOUNT.md F1): reading "any". Reading "sourceid4" (the sandbox's old model) keeps status 2 unless sourceid 4.
 */
export const postContactList: Handler = (ctx, req) => {
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
  if (!canSee(req, listId)) return forbiddenList();
  const now = nowSeconds();
  let midx = list.m.byContact.get(contactId);
  if (midx === undefined) {
    midx = store.addMembership(list, contactId, status as ListStatus, "api", sourceid ?? 0, now);
    if (status === 1) ctx.account.count("contactLists", "subscribe");
  } else if (status === 2) {
    store.setMembershipStatus(midx, 2, "api", sourceid, now);
  } else {
    const from = store.mStatus.at(midx) as ListStatus;
    const gated = from === 2 && ctx.rules.contactListsResubscribe === "sourceid4" && sourceid !== 4;
    if (from !== 1 && !gated) {
      const by = store.membershipRow(midx).unsubscribedBy;
      ctx.account.reactivations.push({ email: store.emails[contactId - 1] as string, contactId, listId, from, ...(by && { unsubscribedBy: by }), sourceid: sourceid ?? 0, path: "contactLists" });
      ctx.account.count("contactLists", "subscribe");
    }
    if (!gated) store.setMembershipStatus(midx, 1, undefined, sourceid, now);
  }
  return ok({ contacts: [contactJson(store, contactId, ctx.api)], contactList: contactListJson(store, midx, ctx.api, true) });
};

export const getContactLists: Handler = (ctx, req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !ctx.store.hasContact(cid) || !canSeeContact(ctx, req, cid)) return notFound("Subscriber", id ?? "");
  const rows = ctx.store.contactMemberships(cid).filter((m) => canSee(req, ctx.store.mList.at(m)));
  return ok({ contactLists: rows.map((m) => contactListJson(ctx.store, m, ctx.api, false)) });
};
