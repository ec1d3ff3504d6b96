// The sandbox's lean contacts (--lean-contacts, for the 10,000,000-contact bench): bulk imports still create contacts
// and memberships exactly, counted by GET /__sandbox/lists/{id}/counts, while names, fields and tags are dropped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { SandboxHttp } from "../bench/lib.js";
import { runCli } from "../helpers/cli.js";
import { api, bulkContacts, quickSandbox, waitForBatch } from "./helpers.js";

/** 3 batches: 250 + 250 new subscribers, then 100 of them unsubscribed and 50 new unsubscribed contacts. */
async function importInto(sb: Sandbox, listId: number, fieldId: number): Promise<void> {
  const a = api(sb);
  const extra = { first_name: "Zoë", last_name: "Ångström", phone: "+15550100", tags: ["vip"], fields: [{ id: fieldId, value: "gold" }], subscribe: [{ listid: listId }] };
  const ids: string[] = [];
  for (const prefix of ["a", "b"]) {
    const r = await a.post("/import/bulk_import", { contacts: bulkContacts(250, prefix, extra) });
    expect(r.status).toBe(200);
    ids.push(r.json.batchId);
  }
  for (const id of ids) expect((await waitForBatch(sb, id)).json.status).toBe("completed");
  const leaving = [...bulkContacts(100, "a"), ...bulkContacts(50, "gone")].map((c) => ({ ...c, unsubscribe: [{ listid: listId }] }));
  const r = await a.post("/import/bulk_import", { contacts: leaving });
  expect(r.status).toBe(200);
  expect((await waitForBatch(sb, r.json.batchId)).json.status).toBe("completed");
}

describe("sandbox lean contacts", () => {
  let lean: Sandbox;
  let full: Sandbox;
  beforeAll(async () => {
    [lean, full] = await Promise.all([quickSandbox({ leanContacts: true }), quickSandbox()]);
  });
  afterAll(async () => {
    await Promise.all([lean.close(), full.close()]);
  });

  it("counts members exactly, by status, and keeps no names, fields or tags", async () => {
    const listId = lean.inspect.createList("Lean").id;
    const fieldId = lean.inspect.createField({ title: "Tier", perstag: "TIER" }).id;
    await importInto(lean, listId, fieldId);
    const http = new SandboxHttp(lean.url, lean.apiKey);
    expect(await http.counts(listId)).toEqual({ members: 550, byStatus: { 0: 0, 1: 400, 2: 150, 3: 0 } });
    expect(lean.inspect.counts(listId)).toEqual({ members: 550, byStatus: { 0: 0, 1: 400, 2: 150, 3: 0 } });
    expect(lean.inspect.requests()).toMatchObject({ bulkContactsReceived: 650, bulkContactsDistinct: 550 });
    const c = lean.inspect.contact("b7@example.com")!;
    expect(c).toEqual({ contactId: expect.any(Number), email: "b7@example.com", fields: {}, tags: [], lists: { [String(listId)]: { status: 1, sourceid: 0 } } });
    expect(lean.inspect.contact("a7@example.com")!.lists[String(listId)]!.status).toBe(2);
  });

  it("changes nothing in the default mode: the same imports keep names, fields and tags", async () => {
    const listId = full.inspect.createList("Full").id;
    const fieldId = full.inspect.createField({ title: "Tier", perstag: "TIER" }).id;
    await importInto(full, listId, fieldId);
    expect(full.inspect.counts(listId)).toEqual({ members: 550, byStatus: { 0: 0, 1: 400, 2: 150, 3: 0 } });
    expect(full.inspect.contact("b7@example.com")).toMatchObject({ firstName: "Zoë", lastName: "Ångström", phone: "+15550100", fields: { TIER: "gold" }, tags: ["vip"] });
  });

  it("refuses lean contacts with a data file, and documents the switch", async () => {
    await expect(startSandbox({ leanContacts: true, data: "/tmp/lean-sandbox.json" })).rejects.toThrow(
      "leanContacts keeps no names, field values or tags, so it cannot save an account: leave out data (--data) or leanContacts (--lean-contacts)",
    );
    const help = await runCli(["sandbox", "--help"]);
    expect(help.stdout).toContain("--lean-contacts");
    expect(help.stdout).toContain("GET /__sandbox/lists/<id>/counts");
  });
});
