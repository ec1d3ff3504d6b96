// The /api/3 routing table: each route's handler lives in a module per resource (routes-*.ts) and returns the
// status and body ActiveCampaign would.
import type { ApiReply, Handler } from "./reply.js";
import { getBulkImports, getImportInfo, postBulkImport } from "./routes-bulk.js";
import { deleteContact, getContact, getContactLists, getContacts, postContact, postContactList, postContactSync } from "./routes-contacts.js";
import { getField, getFieldOptions, getFields, postField, postFieldOptionBulk, postFieldRel } from "./routes-fields.js";
import { getExclusions, getList, getLists, postList, usersMe } from "./routes-lists.js";
import { deleteContactTag, getContactTags, getTags, postContactTag, postTag } from "./routes-tags.js";

export type { ApiContext, ApiReply, ApiRequest, ApiRules } from "./reply.js";

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
}

const ROUTES: Route[] = (
  [
    ["GET", "/users/me", usersMe],
    ["GET", "/lists", getLists],
    ["POST", "/lists", postList],
    ["GET", "/lists/exclusions", getExclusions],
    ["GET", "/lists/{id}", getList],
    ["GET", "/fields", getFields],
    ["POST", "/fields", postField],
    ["GET", "/fields/{id}", getField],
    ["GET", "/fields/{id}/options", getFieldOptions],
    ["POST", "/fieldOption/bulk", postFieldOptionBulk],
    ["POST", "/fieldRels", postFieldRel],
    ["GET", "/tags", getTags],
    ["POST", "/tags", postTag],
    ["POST", "/contactTags", postContactTag],
    ["DELETE", "/contactTags/{id}", deleteContactTag],
    ["GET", "/contacts/{id}/contactTags", getContactTags],
    ["POST", "/contact/sync", postContactSync],
    ["POST", "/contacts", postContact],
    ["GET", "/contacts", getContacts],
    ["GET", "/contacts/{id}", getContact],
    ["DELETE", "/contacts/{id}", deleteContact],
    ["POST", "/contactLists", postContactList],
    ["GET", "/contacts/{id}/contactLists", getContactLists],
    ["POST", "/import/bulk_import", postBulkImport],
    ["GET", "/import/bulk_import", getBulkImports],
    ["GET", "/import/info", getImportInfo],
  ] as const
).map(([method, template, handler]) => ({ method, template, segments: template.split("/").slice(1), handler }));

/** Every /api/3 route the sandbox serves, as "METHOD /api/3/template" (listed by GET /__sandbox). */
export const API_ENDPOINTS: readonly string[] = ROUTES.map((r) => `${r.method} /api/3${r.template}`);

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
