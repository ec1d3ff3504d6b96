// Custom fields: the export's field mapping is checked against them.
import { PAGE_LIMIT } from "../../config/ac-limits.js";
import { pageByOffset } from "../paging.js";
import * as S from "../schemas.js";
import type { AcClient, AcField } from "../types.js";
import type { EndpointContext } from "./common.js";

export function fieldEndpoints({ send }: EndpointContext): Pick<AcClient, "listFields"> {
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
  };
}
