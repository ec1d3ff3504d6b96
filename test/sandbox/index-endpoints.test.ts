// GET /__sandbox lists every endpoint the sandbox serves, and every listed endpoint is really served: each API
// route is matched by the router (none lands on "unknown"), each inspection route is not "unknown sandbox endpoint".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../runner/sandbox/index.js";
import { call, quickSandbox } from "./helpers.js";

/** "GET|POST /__sandbox/x/{id} {body}" → [["GET", "/__sandbox/x/1"], ["POST", "/__sandbox/x/1"]]. */
function requestsOf(entry: string): Array<[string, string]> {
  const [methods, template] = entry.split(" ") as [string, string];
  const path = template.replace(/\[[^\]]*\]/g, "").replaceAll("{id}", "1").replaceAll("{email}", "ada%40example.com");
  return methods.split("|").map((m) => [m, path]);
}

describe("GET /__sandbox", () => {
  let sb: Sandbox;
  let index: { url: string; endpoints: { api: string[]; inspector: string[] } };

  beforeAll(async () => {
    sb = await quickSandbox();
    const r = await call(sb, "GET", "/__sandbox", { token: null });
    expect(r.status).toBe(200);
    index = r.json;
  });
  afterAll(() => sb.close());

  it("returns the options and both kinds of endpoints", () => {
    expect(index.url).toBe(sb.url);
    expect(index.endpoints.api).toEqual(expect.arrayContaining(["GET /api/3/users/me", "POST /api/3/import/bulk_import", "GET /api/3/import/info", "POST /api/3/contact/sync"]));
    expect(index.endpoints.api).toHaveLength(26);
    expect(index.endpoints.inspector).toEqual(expect.arrayContaining(["GET /__sandbox", "POST /__sandbox/seed {lists, fields, tags, contacts, exclusions, bounced}", "POST /__sandbox/reset"]));
  });

  it("every listed API endpoint is one the router serves", async () => {
    await call(sb, "POST", "/__sandbox/reset", { token: null });
    for (const entry of index.endpoints.api) {
      const [method, path] = requestsOf(entry)[0]!;
      await call(sb, method, path, method === "GET" || method === "DELETE" ? {} : { body: {} });
    }
    const seen = Object.keys(sb.inspect.requests().byEndpoint).map((e) => e.replace(" /", " /api/3/"));
    expect(seen.sort()).toEqual([...index.endpoints.api].sort());
  });

  it("every listed inspection endpoint is one the inspector serves", async () => {
    const unknown: string[] = [];
    for (const entry of index.endpoints.inspector) {
      for (const [method, path] of requestsOf(entry)) {
        // A field needs its title and tag (an empty body is a known 500 of createField, not a routing question).
        const body = path === "/__sandbox/fields" ? { title: "Tier", perstag: "TIER" } : {};
        const r = await call(sb, method, path, { token: null, ...(method !== "GET" && method !== "DELETE" && { body }) });
        if (/unknown sandbox endpoint/.test(r.text)) unknown.push(`${method} ${path}`);
      }
    }
    expect(unknown).toEqual([]);
    // An unknown one names itself and lists the same endpoints.
    const r = await call(sb, "GET", "/__sandbox/nope", { token: null });
    expect([r.status, r.json.error, r.json.endpoints]).toEqual([404, "unknown sandbox endpoint GET /__sandbox/nope", index.endpoints.inspector]);
  });
});
