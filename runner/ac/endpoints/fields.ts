// Custom fields: the export's field mapping is checked against them. AC's spec documents only `limit` and
// `filters[perstag]` on GET /fields, not `offset` (REAL-ACCOUNT.md, "Where evidence is absent"): an account with over
// 100 fields may answer every page with the first 100. So mapped fields are looked up by their tag, one request each.
import { PAGE_LIMIT } from "../../config/ac-limits.js";
import { pageByOffset } from "../paging.js";
import * as S from "../schemas.js";
import type { AcClient, AcField } from "../types.js";
import type { EndpointContext } from "./common.js";

export function fieldEndpoints({ send }: EndpointContext): Pick<AcClient, "listFields" | "findFields"> {
  return {
    listFields() {
      return pageByOffset<AcField>(send, {
        template: "/fields",
        pathFor: (offset) => `/fields?limit=${PAGE_LIMIT}&offset=${offset}`,
        schema: S.fieldsResponse.transform((r) => ({
          items: r.fields.map((f) => ({ id: f.id, title: f.title, perstag: f.perstag ?? "", type: f.type ?? "" })),
          total: r.meta?.total,
        })),
      });
    },

    async findFields(perstags) {
      const found: AcField[] = [];
      for (const tag of perstags) {
        const wanted = tag.toUpperCase();
        const page = await send<AcField[]>({
          method: "GET",
          template: "/fields",
          path: `/fields?filters[perstag]=${encodeURIComponent(tag)}&limit=${PAGE_LIMIT}`,
          ok: (json) =>
            S.fieldsResponse.parse(json).fields.map((f) => ({ id: f.id, title: f.title, perstag: f.perstag ?? "", type: f.type ?? "" })),
        });
        // Match exactly: a server that ignores the filter answers with other fields.
        const field = page.find((f) => f.perstag.toUpperCase() === wanted);
        if (field) found.push(field);
      }
      return found;
    },
  };
}
