// The field and tag endpoints of issue #11 against a scripted server: plausible variations of ActiveCampaign's
// answers (REAL-ACCOUNT.md F13) still give each field's options and lists, and creates whose answer lacks the object
// (or that meet it already made, 422) read it back instead of failing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import { json, startStub, type Stub } from "./stub-server.js";

let stub: Stub;
const clients: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  stub = await startStub();
});
afterAll(() => stub.close());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  stub.seen.length = 0;
});

function client() {
  const c = createAcClient({ baseUrl: stub.url, apiKey: "test-key-0123456789", hostname: "acme.api-us1.com", rateLimit: { requestsPerSecond: 50, bulkRequestsPerMinute: 100 }, backoff: { baseMs: 5, capMs: 20 }, timeoutMs: 2000 });
  clients.push(c);
  return c;
}
const paths = () => stub.seen.map((s) => `${s.method} ${s.path.replace("/api/3", "")}`);
const tier = { id: "7", title: "Tier", perstag: "TIER", type: "dropdown", options: ["3", "4"], relations: ["9"] };

describe("findFields: options and lists of each field", () => {
  it("reads them from the sideloads, dropping entries it cannot read and taking the value for a missing label", async () => {
    stub.handle((_req, res) =>
      json(res, 200, {
        fields: [tier],
        fieldOptions: [{ id: "3", field: "7", value: "G", label: "Gold" }, { id: "4", field: "7", value: "S", label: null }, { id: "5", value: "orphan" }],
        fieldRels: [{ id: "9", field: "7", relid: "12" }],
        meta: { total: "1" },
      }),
    );
    expect(await client().findFields(["TIER"])).toEqual([{ id: 7, title: "Tier", perstag: "TIER", type: "dropdown", options: [{ value: "G", label: "Gold" }, { value: "S", label: "S" }], lists: [12] }]);
    expect(paths()).toEqual(["GET /fields?filters[perstag]=TIER&limit=100"]);
  });

  it("without sideloads, reads GET /fields/{id}, then /fields/{id}/options when that lacks them too", async () => {
    stub.handle((req, res) => {
      if (req.path.includes("/options")) return json(res, 200, { fieldOptions: [{ id: "3", field: "7", value: "G", label: "Gold" }, { id: "4", field: "7", value: 2, label: "Two" }] });
      if (req.path.includes("/fields/7")) return json(res, 200, { field: tier, fieldRels: [{ id: "9", field: "7", relid: "0" }] });
      return json(res, 200, { fields: [tier], meta: { total: "1" } });
    });
    const [field] = await client().findFields(["tier"]);
    expect(field).toMatchObject({ options: [{ value: "G", label: "Gold" }, { value: "2", label: "Two" }], lists: [0] });
    expect(paths()).toEqual(["GET /fields?filters[perstag]=tier&limit=100", "GET /fields/7", "GET /fields/7/options"]);
  });

  it("a text field needs no options; a server ignoring the filter is matched by tag", async () => {
    stub.handle((_req, res) => json(res, 200, { fields: [{ id: "1", title: "Other", perstag: "OTHER", type: "text" }, { id: "2", title: null, perstag: "NOTE", type: "text", relations: [] }] }));
    expect(await client().findFields(["NOTE"])).toEqual([{ id: 2, title: "", perstag: "NOTE", type: "text", options: [], lists: [] }]);
    expect(paths()).toHaveLength(1);
  });
});

describe("creates", () => {
  it("createField takes fields.yml's `fields` array answer, and sends title, type and tag", async () => {
    stub.handle((_req, res) => json(res, 201, { fieldOptions: [], fieldRels: [], fields: [{ id: "2", title: "Born", perstag: "BORN", type: "date" }], meta: { total: "1" } }));
    expect(await client().createField({ title: "Born", type: "date", perstag: "BORN" })).toEqual({ id: 2, title: "Born", perstag: "BORN", type: "date", options: [], lists: [] });
    expect(stub.seen[0]!.body).toEqual(JSON.stringify({ field: { title: "Born", type: "date", perstag: "BORN", visible: 1 } }));
  });

  it.each([
    ["{}", 201, {}],
    ["a 422 (made by an earlier try)", 422, { errors: [{ title: "There is already a field with this personalization tag", code: "field_invalid" }] }],
  ])("createField answered %s reads the field back by tag", async (_what, status, body) => {
    stub.handle((req, res) =>
      req.method === "POST" ? json(res, status, body) : json(res, 200, { fields: [{ id: "8", title: "Born", perstag: "BORN", type: "date", relations: ["1"] }], fieldRels: [{ id: "1", field: "8", relid: "12" }] }),
    );
    expect(await client().createField({ title: "Born", type: "date", perstag: "BORN" })).toMatchObject({ id: 8, perstag: "BORN", lists: [12] });
    expect(paths()).toEqual(["POST /fields", "GET /fields?filters[perstag]=BORN&limit=100"]);
  });

  it("createField fails, naming the tag, when the field cannot be found afterwards", async () => {
    stub.handle((req, res) => (req.method === "POST" ? json(res, 201, { field: { id: "3", title: "Born", perstag: "BORN_1", type: "date" } }) : json(res, 200, { fields: [] })));
    await expect(client().createField({ title: "Born", type: "date", perstag: "BORN" })).rejects.toThrow(
      'ActiveCampaign POST /fields did not create a field with personalization tag BORN (it answered with tag "BORN_1")',
    );
  });

  it("createField refused for a taken title says so", async () => {
    stub.handle((req, res) =>
      req.method === "POST" ? json(res, 422, { errors: [{ title: "There is already a field with this title", detail: "There is already a field named 'Born'", code: "duplicate" }] }) : json(res, 200, { fields: [] }),
    );
    await expect(client().createField({ title: "Born", type: "date", perstag: "BORN" })).rejects.toThrow(
      `ActiveCampaign POST /fields did not create a field with personalization tag BORN (it answered: There is already a field with this title There is already a field named 'Born' (duplicate); the title "Born" may be taken by another field: set "title")`,
    );
  });

  it("options and relations go in AC's documented bodies", async () => {
    stub.handle((_req, res) => json(res, 201, {}));
    const c = client();
    await c.addFieldOptions(7, [{ value: "G", label: "Gold" }]);
    await c.relateField(7, 12);
    expect(stub.seen.map((s) => JSON.parse(s.body))).toEqual([
      { fieldOptions: [{ field: "7", value: "G", label: "Gold", orderid: 1, isdefault: false }] },
      { fieldRel: { field: 7, relid: 12 } },
    ]);
  });

  it("createTag answered 422 (a second create of the name) reads the tag back", async () => {
    stub.handle((req, res) =>
      req.method === "POST" ? json(res, 422, { errors: [{ title: "Tag name already exists", code: "duplicate" }] }) : json(res, 200, { tags: [{ id: "16", tag: "VIP" }], meta: { total: "1" } }),
    );
    expect(await client().createTag("vip")).toEqual({ id: 16, tag: "VIP" });
    expect(JSON.parse(stub.seen[0]!.body)).toEqual({ tag: { tag: "vip", tagType: "contact", description: "" } });
  });
});
