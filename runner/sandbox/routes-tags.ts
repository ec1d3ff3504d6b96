// /tags and /contactTags. Tag triggers of automations are counted per path (contactTags always fires them).
import { emptyBadRequest, idOf, meta, missingAttribute, notFound, ok, paging, wrapped, type Handler } from "./reply.js";
import { contactTagJson, tagJson } from "./shapes.js";
import { StoreError, type TagRow } from "./store.js";

const OPS = ["eq", "neq", "lt", "lte", "gt", "gte", "contains", "starts_with"] as const;

function compare(op: (typeof OPS)[number], name: string, needle: string): boolean {
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
}

export const getTags: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  let rows: TagRow[] = [...ctx.store.tags.values()];
  const search = req.query.get("search");
  if (search) rows = rows.filter((t) => t.tag.toLowerCase().includes(search.toLowerCase()));
  for (const op of OPS) {
    const v = req.query.get(`filters[search][${op}]`);
    if (v !== null) rows = rows.filter((t) => compare(op, t.tag.toLowerCase(), v.toLowerCase()));
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

/** POST /tags {"tag":{"tag","tagType","description"}} → 201 {"tag":{…}} (FACTS.md §6). */
export const postTag: Handler = (ctx, req) => {
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

export const postContactTag: Handler = (ctx, req) => {
  const ct = wrapped(req, "contactTag");
  if (!ct) return emptyBadRequest();
  if (ct.contact === undefined || ct.contact === null || ct.contact === "") return missingAttribute("contact");
  if (ct.tag === undefined || ct.tag === null || ct.tag === "") return missingAttribute("tag");
  const contact = idOf(ct.contact);
  if (contact === undefined || !ctx.store.hasContact(contact)) return { status: 404, json: { errors: [{ status: 404, title: "Not Found", detail: "Contact not found" }] } };
  const tag = ctx.store.tags.get(idOf(ct.tag) ?? -1);
  if (!tag) return { status: 404, json: { errors: [{ status: 404, title: "Not Found", detail: "Tag not found" }] } };
  // Linking a tag a contact already has answers the existing link (and fires nothing).
  const { id, created } = ctx.store.addContactTag(contact, tag);
  if (created) ctx.account.count("contactTags", "tag");
  return ok({ contactTag: contactTagJson(ctx.store.contactTagRow(id)!, ctx.api) }, 201);
};

export const deleteContactTag: Handler = (ctx, _req, [id]) => {
  const n = idOf(id);
  if (n === undefined || !ctx.store.removeContactTag(n)) return notFound("SubscriberTag", id ?? "");
  return ok({});
};

export const getContactTags: Handler = (ctx, _req, [id]) => {
  const cid = idOf(id);
  if (cid === undefined || !ctx.store.hasContact(cid)) return notFound("Subscriber", id ?? "");
  const rows = ctx.store.contactTagIds(cid).map((ctId) => contactTagJson(ctx.store.contactTagRow(ctId)!, ctx.api));
  return ok({ contactTags: rows });
};
