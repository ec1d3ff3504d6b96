// Custom fields: the export's field mapping is checked against them, and declared fields are created (issue #11).
// AC's spec documents only `limit` and `filters[perstag]` on GET /fields, not `offset` (REAL-ACCOUNT.md, "Where
// evidence is absent"): an account with over 100 fields may answer every page with the first 100. So mapped fields
// are looked up by their tag, one request each, with their options and list relations from the sideloads.
import { PAGE_LIMIT } from "../../config/ac-limits.js";
import { pageByOffset } from "../paging.js";
import * as S from "../schemas.js";
import { AcRequestError, type AcClient, type AcField, type AcFieldOption } from "../types.js";
import { wholeId, type EndpointContext } from "./common.js";

type FieldEndpoints = Pick<AcClient, "listFields" | "findFields" | "createField" | "addFieldOptions" | "relateField">;

const OPTION_TYPES = new Set(["dropdown", "radio", "checkbox", "listbox"]);

const baseField = (f: S.FieldRow): AcField => ({ id: f.id, title: f.title, perstag: f.perstag ?? "", type: f.type ?? "" });

type Sideloads = { fieldOptions?: Array<{ id?: number; field: number; value: string; label: string }> | null; fieldRels?: Array<{ id?: number; field: number; relid: number }> | null };

/** The sideloaded entries of one field, or undefined when the answer does not hold all the field lists (or none). */
function ofField<E extends { id?: number; field: number }>(entries: E[] | null | undefined, fieldId: number, listed: number[] | null | undefined): E[] | undefined {
  if (!entries) return listed && listed.length === 0 ? [] : undefined;
  const mine = entries.filter((e) => e.field === fieldId);
  if (listed && !listed.every((id) => mine.some((e) => e.id === id))) return undefined;
  return mine;
}

const optionsOf = (entries: Array<{ value: string; label: string }>): AcFieldOption[] => entries.map((o) => ({ value: o.value, label: o.label }));

export function fieldEndpoints({ send }: EndpointContext): FieldEndpoints {
  /** Options and relations of a field found by tag: from the sideloads, else GET /fields/{id}, else /options. */
  async function complete(row: S.FieldRow, loads: Sideloads): Promise<AcField> {
    const field = baseField(row);
    const wantsOptions = OPTION_TYPES.has(field.type);
    let options = wantsOptions ? ofField(loads.fieldOptions, row.id, row.options) : [];
    let rels = ofField(loads.fieldRels, row.id, row.relations);
    if (options === undefined || rels === undefined) {
      const one = await send({
        method: "GET",
        template: "/fields/{id}",
        path: `/fields/${wholeId(row.id, "field id")}`,
        ok: (json) => S.fieldResponse.parse(json),
      });
      options ??= ofField(one.fieldOptions, row.id, one.field.options ?? row.options);
      rels ??= ofField(one.fieldRels, row.id, one.field.relations ?? row.relations) ?? [];
    }
    options ??= await send({
      method: "GET",
      template: "/fields/{id}/options",
      path: `/fields/${wholeId(row.id, "field id")}/options`,
      ok: (json) => S.fieldOptionsResponse.parse(json).fieldOptions,
    });
    return { ...field, options: optionsOf(options), lists: [...new Set(rels.map((r) => r.relid))] };
  }

  async function findFields(perstags: readonly string[]): Promise<AcField[]> {
    const found: AcField[] = [];
    for (const tag of perstags) {
      const wanted = tag.toUpperCase();
      const page = await send({
        method: "GET",
        template: "/fields",
        path: `/fields?filters[perstag]=${encodeURIComponent(tag)}&limit=${PAGE_LIMIT}`,
        ok: (json) => S.fieldsResponse.parse(json),
      });
      // Match exactly: a server that ignores the filter answers with other fields.
      const row = page.fields.find((f) => (f.perstag ?? "").toUpperCase() === wanted);
      if (row) found.push(await complete(row, page));
    }
    return found;
  }

  return {
    listFields() {
      return pageByOffset<AcField>(send, {
        template: "/fields",
        pathFor: (offset) => `/fields?limit=${PAGE_LIMIT}&offset=${offset}`,
        schema: S.fieldsResponse.transform((r) => ({ items: r.fields.map(baseField), total: r.meta?.total })),
      });
    },

    findFields,

    async createField({ title, type, perstag }) {
      let refused: string | undefined;
      const created = await send<AcField | undefined>({
        method: "POST",
        template: "/fields",
        path: "/fields",
        body: { field: { title, type, perstag, visible: 1 } },
        ok: (json) => {
          const r = S.fieldCreatedResponse.parse(json);
          const row = r.field ?? r.fields?.find((f) => (f.perstag ?? "").toUpperCase() === perstag);
          return row ? baseField(row) : undefined;
        },
        // A create whose answer was lost and was sent again finds the field there already: read it back below.
        onError: (res) => {
          if (res.status !== 422) return undefined;
          refused = S.errorMessageOf(res.json) ?? "422";
          return { value: undefined };
        },
      });
      if (created && created.perstag.toUpperCase() === perstag) return { ...created, options: [], lists: [] };
      const [found] = await findFields([perstag]);
      if (found) return found;
      const why = created ? ` (it answered with tag "${created.perstag}")` : refused ? ` (it answered: ${refused}; the title ${JSON.stringify(title)} may be taken by another field: set "title")` : "";
      throw new AcRequestError(
        `ActiveCampaign POST /fields did not create a field with personalization tag ${perstag}${why}`,
        undefined,
        "POST /fields",
      );
    },

    async addFieldOptions(fieldId, options) {
      if (!options.length) return;
      const id = wholeId(fieldId, "field id");
      const fieldOptions = options.map((o, i) => ({ field: id, value: o.value, label: o.label, orderid: i + 1, isdefault: false }));
      await send<void>({ method: "POST", template: "/fieldOption/bulk", path: "/fieldOption/bulk", body: { fieldOptions } });
    },

    async relateField(fieldId, listId) {
      const fieldRel = { field: Number(wholeId(fieldId, "field id")), relid: Number(wholeId(listId, "list id")) };
      await send<void>({ method: "POST", template: "/fieldRels", path: "/fieldRels", body: { fieldRel } });
    },
  };
}
