// Contract tests of POST /import/bulk_import, GET /import/info and GET /import/bulk_import over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { api, bulkContacts, call, quickSandbox, sleep, waitForBatch } from "./helpers.js";

const VALIDATION = "JSON payload did not pass validation. Please fix failure Reasons and retry. The import was not queued for processing.";

describe("bulk import validation (the whole batch is rejected, nothing is queued)", () => {
  let sb: Sandbox;
  let a: ReturnType<typeof api>;
  let listId: number;
  beforeAll(async () => {
    sb = await quickSandbox();
    a = api(sb);
    listId = sb.inspect.createList("Bulk").id;
  });
  afterAll(() => sb.close());

  const queued = () => sb.inspect.requests().batches.queued;

  it("accepts 250 contacts and refuses 251 and 0", async () => {
    const ok = await a.post("/import/bulk_import", { contacts: bulkContacts(250, "ok") });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ Success: 1, queued_contacts: 250, batchId: expect.stringMatching(/^[0-9a-f-]{36}$/), message: "Contact import queued" });
    const before = queued();
    const over = await a.post("/import/bulk_import", { contacts: bulkContacts(251, "over") });
    expect(over.status).toBe(400);
    expect(over.json).toEqual({ success: 0, message: VALIDATION, failureReasons: ["Up to 250 contacts may be included in a single request; got 251."] });
    const none = await a.post("/import/bulk_import", { contacts: [] });
    expect(none.status).toBe(400);
    expect(none.json.success).toBe(0);
    const noArray = await a.post("/import/bulk_import", { contact: [] });
    expect(noArray.status).toBe(400);
    expect(queued()).toBe(before);
  });

  it("refuses a body of 400,000 bytes or more, and accepts 399,999", async () => {
    // One contact padded with a long first name to an exact byte size.
    const sized = (bytes: number) => {
      const shell = JSON.stringify({ contacts: [{ email: "big@example.com", first_name: "" }, { email: "big2@example.com" }] });
      return JSON.stringify({ contacts: [{ email: "big@example.com", first_name: "x".repeat(bytes - shell.length) }, { email: "big2@example.com" }] });
    };
    const big = sized(400_001);
    expect(Buffer.byteLength(big)).toBe(400_001);
    const r = await call(sb, "POST", "/api/3/import/bulk_import", { raw: big });
    expect(r.status).toBe(400);
    expect(r.json.success).toBe(0);
    expect(r.json.message).toContain("400001 bytes");
    expect(r.json.message).toContain("maximum payload size of a single bulk_import request is 400000 bytes");
    const exact = await call(sb, "POST", "/api/3/import/bulk_import", { raw: sized(400_000) });
    expect(exact.status).toBe(400);
    const under = await call(sb, "POST", "/api/3/import/bulk_import", { raw: sized(399_999) });
    expect(under.status).toBe(200);
  });

  it("one malformed email at index 7 rejects all of the batch with the documented body naming the index", async () => {
    const contacts = bulkContacts(20, "bad");
    contacts[7] = { email: "not an email@example.com" };
    const before = queued();
    const r = await a.post("/import/bulk_import", { contacts });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ success: 0, message: VALIDATION, failureReasons: [{ contact: 7, failureReason: "Field\u2018 email\u2019 incorrect format" }] });
    expect(queued()).toBe(before);
    expect(sb.inspect.contact("bad0@example.com")).toBeUndefined();
  });

  it("lists every bad contact, and names unknown custom fields and lists", async () => {
    const contacts: Array<Record<string, unknown>> = bulkContacts(12, "multi");
    contacts[2] = { email: "missing-at.example.com" };
    contacts[5] = { email: "f@example.com", fields: [{ id: 999, value: "x" }] };
    contacts[9] = { email: "l@example.com", subscribe: [{ listid: 4242 }] };
    contacts[11] = { email: "n@example.com", first_name: 12 };
    const r = await a.post("/import/bulk_import", { contacts });
    expect(r.status).toBe(400);
    expect(r.json.failureReasons).toEqual([
      { contact: 2, failureReason: "Field\u2018 email\u2019 incorrect format" },
      { contact: 5, failureReason: "Custom field id 999 does not exist." },
      { contact: 9, failureReason: "List id 4242 does not exist." },
      { contact: 11, failureReason: "Field\u2018 first_name\u2019 must be a string." },
    ]);
  });

  it("refuses the same email twice in one batch (any case), naming the later index", async () => {
    const contacts = bulkContacts(10, "dup");
    contacts[6] = { email: "DUP2@example.com" };
    const r = await a.post("/import/bulk_import", { contacts });
    expect(r.status).toBe(400);
    expect(r.json.failureReasons).toEqual([{ contact: 6, failureReason: expect.stringContaining("also appears at index 2") }]);
  });

  it("takes listid as a number or a string and exclude_automations per contact or at the top level", async () => {
    const perContact = await a.post("/import/bulk_import", { contacts: bulkContacts(3, "ex", { exclude_automations: true, subscribe: [{ listid: String(listId) }] }) });
    expect(perContact.status).toBe(200);
    const top = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "ex2", { subscribe: [{ listid: listId }] }), exclude_automations: true });
    expect(top.status).toBe(200);
    expect(sb.inspect.requests().excludeAutomations).toBe(5);
    const bad = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "ex3"), exclude_automations: "yes" });
    expect(bad.status).toBe(400);
  });
});

describe("bulk import processing", () => {
  let sb: Sandbox;
  let a: ReturnType<typeof api>;
  let listId: number;
  let tierField: number;
  beforeAll(async () => {
    sb = await quickSandbox({ contactLimit: 1_000 });
    a = api(sb);
    listId = sb.inspect.createList("Bulk").id;
    tierField = sb.inspect.createField({ title: "Tier", perstag: "TIER" }).id;
  });
  afterAll(() => sb.close());

  it("creates and updates contacts with the bulk field names; success lists only the contacts it created", async () => {
    sb.inspect.seed({ contacts: [{ email: "Existing@example.com", firstName: "Old" }] });
    const existingId = sb.inspect.contact("existing@example.com")!.contactId;
    const r = await a.post("/import/bulk_import", {
      contacts: [
        { email: "existing@EXAMPLE.com", first_name: "New", last_name: "Name", tags: ["vip", "2024"], fields: [{ id: tierField, value: "gold" }], subscribe: [{ listid: listId }] },
        { email: "fresh@example.com", phone: "555", tags: ["VIP"], fields: [{ id: String(tierField), value: "||a||b||" }], subscribe: [{ listid: listId }] },
      ],
    });
    expect(r.status).toBe(200);
    const info = await waitForBatch(sb, r.json.batchId);
    const fresh = sb.inspect.contact("fresh@example.com")!;
    expect(info.json).toEqual({ status: "completed", success: [String(fresh.contactId)], failure: [] });
    expect(sb.inspect.contact("existing@example.com")).toMatchObject({
      contactId: existingId,
      email: "Existing@example.com",
      firstName: "New",
      lastName: "Name",
      fields: { TIER: "gold" },
      tags: ["vip", "2024"],
      lists: { [listId]: { status: 1 } },
    });
    expect(fresh).toMatchObject({ phone: "555", fields: { TIER: "||a||b||" }, tags: ["vip"] });
    const tags = await a.get("/tags?search=2024");
    expect(tags.json.tags).toEqual([expect.objectContaining({ tag: "2024", tagType: "contact" })]);
  });

  it("never re-subscribes a contact who unsubscribed from the list; unsubscribe sets status 2", async () => {
    sb.inspect.seed({
      contacts: [
        { email: "left-by-api@example.com", lists: { [listId]: { status: 2, by: "api" } } },
        { email: "left-themselves@example.com", lists: { [listId]: { status: 2, by: "contact" } } },
        { email: "staying@example.com", lists: { [listId]: 1 } },
      ],
    });
    const r = await a.post("/import/bulk_import", {
      contacts: [
        { email: "left-by-api@example.com", subscribe: [{ listid: listId }] },
        { email: "left-themselves@example.com", subscribe: [{ listid: listId }] },
        { email: "staying@example.com", unsubscribe: [{ listid: listId }] },
      ],
    });
    expect((await waitForBatch(sb, r.json.batchId)).json.status).toBe("completed");
    const status = (email: string) => sb.inspect.contact(email)!.lists[String(listId)];
    expect(status("left-by-api@example.com")).toMatchObject({ status: 2, unsubscribedBy: "api" });
    expect(status("left-themselves@example.com")).toMatchObject({ status: 2, unsubscribedBy: "contact" });
    expect(status("staying@example.com")).toMatchObject({ status: 2, unsubscribedBy: "api" });
  });

  it("skips contacts over the plan's contact limit: silently by default, in failure with skippedInFailure", async () => {
    for (const skippedInFailure of [false, true]) {
      const limited = await quickSandbox({ contactLimit: 3, skippedInFailure });
      try {
        const r = await api(limited).post("/import/bulk_import", { contacts: bulkContacts(5, "lim") });
        const info = await waitForBatch(limited, r.json.batchId);
        expect(info.json.status).toBe("completed");
        expect(info.json.success).toEqual(["1", "2", "3"]);
        expect(info.json.failure).toEqual(skippedInFailure ? ["lim3@example.com", "lim4@example.com"] : []);
        expect(limited.inspect.contact("lim3@example.com")).toBeUndefined();
        expect(limited.inspect.skips()).toEqual([
          { email: "lim3@example.com", reason: "contact limit", path: "bulk" },
          { email: "lim4@example.com", reason: "contact limit", path: "bulk" },
        ]);
      } finally {
        await limited.close();
      }
    }
  });

  it("answers /import/info without batchId with the documented 400, and an unknown batchId with 404", async () => {
    const missing = await a.get("/import/info");
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ success: 0, message: "'batchId' is a required field." });
    const unknown = await a.get("/import/info?batchId=00000000-0000-0000-0000-000000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.json.success).toBe(0);
  });

  it("GET /import/bulk_import totals outstanding and recently completed batches per day, counts as strings", async () => {
    const slow = await quickSandbox({ timeScale: 1, bulkProcessingMs: 60_000 });
    try {
      await api(slow).post("/import/bulk_import", { contacts: bulkContacts(4, "o") });
      await api(slow).post("/import/bulk_import", { contacts: bulkContacts(6, "p") });
      const r = await api(slow).get("/import/bulk_import");
      expect(r.status).toBe(200);
      const today = new Date().toISOString().slice(0, 10);
      expect(r.json).toEqual({ outstanding: [{ forDate: today, batches: "2", contacts: "10" }], recentlyCompleted: [] });
    } finally {
      await slow.close();
    }
    const done = await api(sb).get("/import/bulk_import");
    expect(done.json.outstanding).toEqual([]);
    expect(done.json.recentlyCompleted).toEqual([{ forDate: new Date().toISOString().slice(0, 10), batches: "2", contacts: "5" }]);
  });
});

describe("asynchronous lifecycle", () => {
  it("reports status false within 1 s of the POST, then waiting → claimed → active → completed; nothing is visible before", async () => {
    // Real time (scale 1), with the processing time stretched so each phase is 500 ms wide.
    const sb = await startSandbox({ importInfoFalseMs: 500, bulkProcessingMs: 2000 });
    try {
      const a = api(sb);
      const listId = sb.inspect.createList("Async").id;
      const r = await a.post("/import/bulk_import", { contacts: bulkContacts(3, "async", { subscribe: [{ listid: listId }] }) });
      const t0 = performance.now(); // the POST was handled before this
      const statusAt = async (ms: number) => {
        await sleep(Math.max(0, t0 + ms - performance.now()));
        return (await a.get(`/import/info?batchId=${r.json.batchId}`)).json;
      };
      expect(await statusAt(0)).toEqual({ status: false });
      expect(sb.inspect.members(listId)).toEqual([]);
      expect(await statusAt(750)).toEqual({ status: "waiting", success: [], failure: [] });
      expect((await statusAt(1250)).status).toBe("claimed");
      expect((await statusAt(1750)).status).toBe("active");
      expect(sb.inspect.members(listId)).toEqual([]);
      const done = await statusAt(2050);
      expect(done).toEqual({ status: "completed", success: ["1", "2", "3"], failure: [] });
      expect(sb.inspect.members(listId, 1).map((m) => m.email)).toEqual(["async0@example.com", "async1@example.com", "async2@example.com"]);
    } finally {
      await sb.close();
    }
  });

  it("processes batches concurrently: 10 batches queued together all complete after one processing time", async () => {
    const sb = await quickSandbox({ timeScale: 10 }); // processing 2000 ms / 10 = 200 ms
    try {
      const a = api(sb);
      const t0 = performance.now();
      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => a.post("/import/bulk_import", { contacts: bulkContacts(2, `conc${i}-`) }).then((r) => r.json.batchId as string)));
      for (const id of ids) expect((await waitForBatch(sb, id)).json.status).toBe("completed");
      const elapsed = performance.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(195);
      expect(elapsed).toBeLessThan(1800); // 10 batches one after another would take ≥ 2 s
    } finally {
      await sb.close();
    }
  });
});
