// /fields, /fields/{id}, /fields/{id}/options, /fieldOption/bulk and /fieldRels, in the shapes of fields.yml.
// GET /fields documents `limit` and `filters[perstag]` only; whether `offset` is honoured is a switch (fieldsOffset).
import { emptyBadRequest, idOf, meta, missingAttribute, notFound, ok, paging, parseBody, wrapped, type ApiReply, type Handler } from "./reply.js";
import { fieldJson, fieldOptionJson, fieldRelJson } from "./shapes.js";
import { StoreError, type FieldRow } from "./store.js";

export const FIELD_TYPES = new Set(["dropdown", "hidden", "checkbox", "date", "text", "datetime", "textarea", "NULL", "listbox", "radio"]);

const sideloads = (rows: FieldRow[], api: string) => ({
  fieldOptions: rows.flatMap((f) => f.options.map((o) => fieldOptionJson(o, api))),
  fieldRels: rows.flatMap((f) => f.rels.map(fieldRelJson)),
});

export const getFields: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  const perstag = req.query.get("filters[perstag]");
  let rows = [...ctx.store.fields.values()];
  if (perstag) rows = rows.filter((f) => f.perstag === perstag.toUpperCase());
  const from = ctx.rules.fieldsOffset === "honoured" ? offset : 0;
  const page = rows.slice(from, from + limit);
  return ok({ ...sideloads(page, ctx.api), fields: page.map((f) => fieldJson(f, ctx.api)), meta: meta(rows.length) });
};

export const getField: Handler = (ctx, _req, [id]) => {
  const f = ctx.store.fields.get(idOf(id) ?? -1);
  if (!f) return notFound("Field", id ?? "");
  return ok({ ...sideloads([f], ctx.api), field: fieldJson(f, ctx.api) });
};

export const getFieldOptions: Handler = (ctx, _req, [id]) => {
  const f = ctx.store.fields.get(idOf(id) ?? -1);
  if (!f) return notFound("Field", id ?? "");
  return ok({ fieldOptions: f.options.map((o) => fieldOptionJson(o, ctx.api)) });
};

export const postField: Handler = (ctx, req) => {
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
      const perstag = e.message.includes("personalization tag");
      return {
        status: 422,
        json: { errors: [{ title: perstag ? "There is already a field with this personalization tag" : "There is already a field with this title", detail: e.message, code: perstag ? "field_invalid" : "duplicate" }] },
      };
    }
    throw e;
  }
};

const bulkOptionError = (): ApiReply => ({ status: 422, json: { errors: "Bulk operation failed. Request must contain an array of fieldOption objects." } });

/** POST /fieldOption/bulk {"fieldOptions":[{field, value, label, orderid, isdefault}]} → 201 {"fieldOptions":[…]}. */
export const postFieldOptionBulk: Handler = (ctx, req) => {
  const b = parseBody(req);
  const items = b.ok && typeof b.value === "object" && b.value !== null ? (b.value as { fieldOptions?: unknown }).fieldOptions : undefined;
  if (!Array.isArray(items) || items.length === 0) return bulkOptionError();
  const checked: Array<[FieldRow, Record<string, unknown>]> = [];
  for (const raw of items as unknown[]) {
    if (typeof raw !== "object" || raw === null) return bulkOptionError();
    const o = raw as Record<string, unknown>;
    const field = ctx.store.fields.get(idOf(o.field) ?? -1);
    if (!field) return { status: 422, json: { errors: [{ title: `Custom field ${JSON.stringify(o.field ?? null)} does not exist.`, detail: "", code: "field_invalid", source: { pointer: "/data/attributes/field" } }] } };
    if (typeof o.value !== "string" && typeof o.value !== "number") return missingAttribute("value");
    checked.push([field, o]);
  }
  const created = checked.map(([field, o]) =>
    ctx.store.addFieldOption(field, {
      value: String(o.value),
      ...(typeof o.label === "string" && { label: o.label }),
      ...(typeof o.orderid === "number" && { orderid: o.orderid }),
      ...(o.isdefault !== undefined && { isdefault: o.isdefault === true || o.isdefault === 1 || o.isdefault === "1" }),
    }),
  );
  return ok({ fieldOptions: created.map((o) => fieldOptionJson(o, ctx.api)) }, 201);
};

/** POST /fieldRels {"fieldRel":{field, relid}} → 201 {"fieldRel":{relid, field, cdate, links, id}} (relid 0: every list). */
export const postFieldRel: Handler = (ctx, req) => {
  const r = wrapped(req, "fieldRel");
  if (!r) return emptyBadRequest();
  const field = ctx.store.fields.get(idOf(r.field) ?? -1);
  if (!field) return missingAttribute("field");
  const relid = r.relid === 0 || r.relid === "0" ? 0 : idOf(r.relid);
  if (relid === undefined || (relid !== 0 && !ctx.store.lists.has(relid))) return missingAttribute("relid");
  const row = ctx.store.addFieldRel(field, relid);
  return ok({ fieldRel: { relid: row.relid, field: row.field, cdate: fieldRelJson(row).cdate, links: [], id: String(row.id) } }, 201);
};
