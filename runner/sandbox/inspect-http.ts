// The inspector over HTTP: GET/POST /__sandbox/… (JSON in, JSON out; no token, never limited, faulted or counted).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultSpec } from "./faults.js";
import type { HookInput } from "./inspect-account.js";
import { InspectorError, type SandboxInspector, type SeedData } from "./inspect.js";
import { readBody, sendJson } from "./server.js";
import type { ListStatus, UnsubscribedBy } from "./store.js";
import { API_ENDPOINTS } from "./api.js";

/** The inspection routes, listed by GET /__sandbox and by the 404 of an unknown one. */
export const INSPECTOR_ENDPOINTS: readonly string[] = [
  "GET /__sandbox",
  "POST /__sandbox/lists {name}",
  "POST /__sandbox/fields {title, perstag, type}",
  "POST /__sandbox/tags {name}",
  "POST /__sandbox/seed {lists, fields, tags, contacts, exclusions, bounced}",
  "GET /__sandbox/lists/{id}/members[?status=1]",
  "GET /__sandbox/lists/{id}/counts",
  "GET /__sandbox/contacts/{email}",
  "POST /__sandbox/contacts/{email}/unsubscribe {listId}",
  "POST /__sandbox/contacts/{email}/status {listId, status, by}",
  "DELETE /__sandbox/contacts/{email}",
  "GET|POST /__sandbox/hooks {on, email, listId, status, by, times}",
  "POST /__sandbox/exclusions {matchPhrase, matchType, lists}",
  "POST /__sandbox/bounces {email}",
  "POST /__sandbox/keys {lists, apiKey}",
  "GET /__sandbox/automations",
  "GET /__sandbox/reactivations",
  "GET /__sandbox/skips",
  "GET|PUT|POST /__sandbox/tenant {requestsPerSecond}",
  "PUT|POST /__sandbox/fail-pattern {pattern}",
  "GET /__sandbox/requests[?log=0]",
  "GET /__sandbox/batches",
  "GET|PUT|POST /__sandbox/faults {faults}",
  "POST /__sandbox/reset",
];

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
        // The index: the sandbox's options plus every endpoint it serves, so a user can explore without the docs.
        return sendJson(res, 200, { ...(info() as object), endpoints: { api: API_ENDPOINTS, inspector: INSPECTOR_ENDPOINTS } });
      case "POST /lists":
        return sendJson(res, 201, inspector.createList(String(json.name ?? "")));
      case "POST /fields":
        if (typeof json.title !== "string" || typeof json.perstag !== "string" || !json.title || !json.perstag) {
          return sendJson(res, 400, { error: 'body must be {"title": string, "perstag": string, "type"?: string}' });
        }
        return sendJson(res, 201, inspector.createField(json as { title: string; perstag: string; type?: string }));
      case "POST /tags":
        return sendJson(res, 201, inspector.createTag(String(json.name ?? json.tag ?? "")));
      case "POST /seed":
        return sendJson(res, 200, inspector.seed(json as SeedData));
      case "GET /lists/*/members":
        return sendJson(res, 200, inspector.members(Number(seg[1]), statusParam === null || statusParam === "" ? undefined : (Number(statusParam) as ListStatus)));
      case "GET /lists/*/counts":
        return sendJson(res, 200, inspector.counts(Number(seg[1])));
      case "GET /contacts/*": {
        const c = inspector.contact(seg[1] as string);
        return c ? sendJson(res, 200, c) : sendJson(res, 404, { error: `no contact with email ${seg[1]}` });
      }
      case "POST /contacts/*/unsubscribe":
        inspector.unsubscribeByContact(seg[1] as string, Number(json.listId));
        return sendJson(res, 200, inspector.contact(seg[1] as string));
      case "POST /contacts/*/status":
        inspector.setStatus(seg[1] as string, Number(json.listId), json.status as ListStatus, json.by as UnsubscribedBy | undefined);
        return sendJson(res, 200, inspector.contact(seg[1] as string));
      case "DELETE /contacts/*":
        return inspector.deleteContact(seg[1] as string) ? sendJson(res, 200, { deleted: true }) : sendJson(res, 404, { error: `no contact with email ${seg[1]}` });
      case "GET /hooks":
        return sendJson(res, 200, inspector.hooks());
      case "POST /hooks":
        return sendJson(res, 201, inspector.armHook(json as unknown as HookInput));
      case "POST /exclusions":
        return sendJson(res, 201, inspector.exclude(json as { matchPhrase: string }));
      case "POST /bounces":
        inspector.bounce(String(json.email ?? ""));
        return sendJson(res, 200, { ok: true });
      case "POST /keys":
        return sendJson(res, 201, inspector.addRestrictedKey(json.lists as number[], json.apiKey as string | undefined));
      case "GET /automations":
        return sendJson(res, 200, inspector.automations());
      case "GET /reactivations":
        return sendJson(res, 200, inspector.reactivations());
      case "GET /skips":
        return sendJson(res, 200, inspector.skips());
      case "GET /tenant":
        return sendJson(res, 200, inspector.tenant());
      case "PUT /tenant":
      case "POST /tenant":
        return sendJson(res, 200, inspector.setTenant(Number(json.requestsPerSecond)));
      case "PUT /fail-pattern":
      case "POST /fail-pattern":
        inspector.setFailPattern((json.pattern ?? null) as string | null);
        return sendJson(res, 200, { ok: true });
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
          endpoints: INSPECTOR_ENDPOINTS,
        });
    }
  } catch (e) {
    if (e instanceof InspectorError) return sendJson(res, e.status, { error: e.message });
    if (e instanceof Error && e.name === "FaultSpecError") return sendJson(res, 400, { error: e.message });
    throw e;
  }
}
