// The inspector over HTTP (/__sandbox, no token) and in-process, options checking, and --data persistence.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InspectorError, startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { api, bulkContacts, call, quickSandbox, waitForBatch } from "./helpers.js";

const sandboxCall = (sb: Sandbox, method: string, path: string, body?: unknown) => call(sb, method, `/__sandbox${path}`, { body, token: null });

describe("inspector over HTTP", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await quickSandbox();
  });
  afterAll(() => sb.close());

  it("creates lists and fields, seeds contacts, and shows members by list status", async () => {
    const list = await sandboxCall(sb, "POST", "/lists", { name: "Seeded" });
    expect(list.status).toBe(201);
    const field = await sandboxCall(sb, "POST", "/fields", { title: "Tier", perstag: "TIER" });
    const seeded = await sandboxCall(sb, "POST", "/seed", {
      tags: ["vip"],
      contacts: [
        { email: "one@example.com", firstName: "One", fields: { TIER: "gold" }, tags: ["vip"], lists: { [list.json.id]: { status: 1 } } },
        { email: "two@example.com", lists: { [list.json.id]: { status: 2, by: "contact" } } },
        { email: "three@example.com", lists: { [list.json.id]: 1 } },
      ],
    });
    expect(seeded.status).toBe(200);
    expect(seeded.json).toMatchObject({ created: 3, updated: 0 });
    expect(field.json.id).toBeGreaterThan(0);

    const active = await sandboxCall(sb, "GET", `/lists/${list.json.id}/members?status=1`);
    expect(active.json).toEqual([
      { contactId: 1, email: "one@example.com", firstName: "One", fields: { TIER: "gold" }, tags: ["vip"], status: 1 },
      { contactId: 3, email: "three@example.com", fields: {}, tags: [], status: 1 },
    ]);
    const all = await sandboxCall(sb, "GET", `/lists/${list.json.id}/members`);
    expect(all.json.map((m: { status: number; unsubscribedBy?: string }) => [m.status, m.unsubscribedBy])).toEqual([[1, undefined], [2, "contact"], [1, undefined]]);

    const unsub = await sandboxCall(sb, "POST", "/contacts/three@example.com/unsubscribe", { listId: list.json.id });
    expect(unsub.json.lists[list.json.id]).toEqual({ status: 2, unsubscribedBy: "contact", sourceid: 0 });
    const one = await sandboxCall(sb, "GET", "/contacts/ONE@example.com");
    expect(one.json).toMatchObject({ contactId: 1, email: "one@example.com", lists: { [list.json.id]: { status: 1 } } });
    expect((await sandboxCall(sb, "GET", "/contacts/nobody@example.com")).status).toBe(404);
  });

  it("answers 400, not 500, to a field without a title or personalization tag", async () => {
    for (const body of [undefined, {}, { title: "Tier" }, { perstag: "TIER" }]) {
      const r = await sandboxCall(sb, "POST", "/fields", body);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: 'body must be {"title": string, "perstag": string, "type"?: string}' });
    }
  });

  it("refuses a bad seed without changing anything, and names the problem", async () => {
    const before = sb.inspect.requests();
    const r = await sandboxCall(sb, "POST", "/seed", { contacts: [{ email: "ok@example.com" }, { email: "x@example.com", fields: { NOPE: "1" } }] });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe("contacts[1].fields: no custom field with personalization tag NOPE");
    expect(sb.inspect.contact("ok@example.com")).toBeUndefined();
    expect(() => sb.inspect.seed({ contacts: [{ email: "bad email" }] })).toThrow(InspectorError);
    expect(() => sb.inspect.members(999)).toThrow("no list with id 999");
    expect((await sandboxCall(sb, "GET", "/lists/999/members")).status).toBe(404);
    expect(sb.inspect.requests().total).toBe(before.total);
  });

  it("reports the request log and counters, sets faults, lists its endpoints, and resets everything", async () => {
    await api(sb).get("/users/me");
    await api(sb).get("/lists", { token: "wrong" });
    const stats = await sandboxCall(sb, "GET", "/requests");
    expect(stats.json).toMatchObject({ total: 2, rejected403: 1, byEndpoint: { "GET /users/me": 1, "GET /lists": 1 }, byStatus: { "200": 1, "403": 1 } });
    expect(stats.json.log).toEqual([
      expect.objectContaining({ seq: 1, method: "GET", endpoint: "GET /users/me", status: 200 }),
      expect.objectContaining({ seq: 2, endpoint: "GET /lists", status: 403 }),
    ]);
    expect((await sandboxCall(sb, "GET", "/requests?log=0")).json.log).toBeUndefined();

    const set = await sandboxCall(sb, "PUT", "/faults", { faults: "503:0.5" });
    expect(set.json).toEqual({ faults: "503:0.5" });
    const bad = await sandboxCall(sb, "PUT", "/faults", { faults: "nope:1" });
    expect(bad.status).toBe(400);
    expect((await sandboxCall(sb, "PUT", "/faults", { faults: null })).json).toEqual({ faults: "none" });

    const unknown = await sandboxCall(sb, "GET", "/what");
    expect(unknown.status).toBe(404);
    expect(unknown.json.endpoints).toContain("GET /__sandbox/lists/{id}/members[?status=1]");

    expect((await sandboxCall(sb, "POST", "/reset")).json).toEqual({ ok: true });
    expect(sb.inspect.requests()).toMatchObject({ total: 0, byEndpoint: {}, log: [] });
    expect(sb.inspect.contact("one@example.com")).toBeUndefined();
    expect((await api(sb).get("/lists")).json).toEqual({ lists: [], meta: { total: "0" } });
  });
});

describe("options", () => {
  it("listens on loopback only unless allowNonLoopback, and checks its options", async () => {
    await expect(startSandbox({ host: "0.0.0.0" })).rejects.toThrow(/host "0.0.0.0" is not a loopback address/);
    await expect(startSandbox({ host: "192.168.1.10" })).rejects.toThrow(/allowNonLoopback/);
    await expect(startSandbox({ timeScale: 0 })).rejects.toThrow(/timeScale/);
    await expect(startSandbox({ requestsPerSecond: 0 })).rejects.toThrow(/requestsPerSecond must be a whole number ≥ 1; got 0/);
    await expect(startSandbox({ bulkRateLimitStatus: 418 as 400 })).rejects.toThrow(/bulkRateLimitStatus must be one of 400, 429/);
    await expect(startSandbox({ contactListsResubscribe: "never" as "any" })).rejects.toThrow(/contactListsResubscribe must be one of "any", "sourceid4"; got "never"/);
    await expect(startSandbox({ importJitter: 2 })).rejects.toThrow(/importJitter must be from 0 to 1; got 2/);
    await expect(startSandbox({ accountTimeZone: "Nowhere/Land" })).rejects.toThrow(/accountTimeZone must be an IANA time zone/);
    await expect(startSandbox({ restrictedKeys: { k: [0] } })).rejects.toThrow(/restrictedKeys: the lists of a key must be list ids/);
    await expect(startSandbox({ apiKey: "same", restrictedKeys: { same: [1] } })).rejects.toThrow(/other than apiKey/);
    const sb = await startSandbox({ host: "localhost", apiKey: "k" });
    try {
      expect(sb.url).toMatch(/^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/);
      expect(sb.apiKey).toBe("k");
      expect(JSON.stringify(sb.options)).not.toContain('"k"');
    } finally {
      await sb.close();
    }
    const generated = await startSandbox();
    try {
      expect(generated.apiKey).toMatch(/^[0-9a-f]{72}$/);
    } finally {
      await generated.close();
      await generated.close(); // idempotent
    }
  });
});

describe("--data persistence", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ac-sandbox-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps contacts, ids, memberships, fields, tags and finished imports across a restart, and finishes pending imports", async () => {
    const file = join(dir, "account.json");
    const first = await quickSandbox({ data: file, timeScale: 20 });
    const listId = first.inspect.createList("Persisted").id;
    const fieldId = first.inspect.createField({ title: "Tier", perstag: "TIER" }).id;
    const a1 = api(first);
    const done = await a1.post("/import/bulk_import", { contacts: bulkContacts(3, "p", { tags: ["vip"], fields: [{ id: fieldId, value: "gold" }], subscribe: [{ listid: listId }] }) });
    await waitForBatch(first, done.json.batchId);
    first.inspect.unsubscribeByContact("p1@example.com", listId);
    const tagLink = (await a1.get("/contacts/3/contactTags")).json.contactTags[0].id;
    expect((await a1.del(`/contactTags/${tagLink}`)).status).toBe(200);
    first.inspect.setFaults(null);
    const pending = await a1.post("/import/bulk_import", { contacts: bulkContacts(2, "late", { subscribe: [{ listid: listId }] }) });
    await first.close(); // before the pending batch completes (100 ms at scale 20)

    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved).toMatchObject({ format: "activecampaign-sandbox", version: 1 });

    const second = await quickSandbox({ data: file, timeScale: 20 });
    try {
      const a2 = api(second);
      expect((await a2.get(`/import/info?batchId=${done.json.batchId}`)).json).toEqual({ status: "completed", success: ["1", "2", "3"], failure: [] });
      expect((await waitForBatch(second, pending.json.batchId)).json).toEqual({ status: "completed", success: ["4", "5"], failure: [] });
      expect(second.inspect.members(listId)).toEqual([
        { contactId: 1, email: "p0@example.com", fields: { TIER: "gold" }, tags: ["vip"], status: 1 },
        { contactId: 2, email: "p1@example.com", fields: { TIER: "gold" }, tags: ["vip"], status: 2, unsubscribedBy: "contact" },
        { contactId: 3, email: "p2@example.com", fields: { TIER: "gold" }, tags: [], status: 1 },
        { contactId: 4, email: "late0@example.com", fields: {}, tags: [], status: 1 },
        { contactId: 5, email: "late1@example.com", fields: {}, tags: [], status: 1 },
      ]);
      // Ids continue after the loaded ones; the removed contactTag id stays taken.
      const tagged = await a2.post("/contactTags", { contactTag: { contact: "3", tag: "1" } });
      expect(Number(tagged.json.contactTag.id)).toBe(Number(tagLink) + 1);
      expect((await a2.post("/contact/sync", { contact: { email: "new@example.com" } })).json.contact.id).toBe("6");
    } finally {
      await second.close();
    }
  });

  it("keeps field options and relations, exclusions, account bounces and deleted contacts across a restart", async () => {
    const file = join(dir, "real.json");
    const first = await quickSandbox({ data: file });
    const listId = first.inspect.createList("Real").id;
    first.inspect.seed({
      fields: [{ title: "Tier", perstag: "TIER", type: "dropdown", options: [{ value: "gold", label: "Gold" }], lists: [listId] }],
      exclusions: [{ matchPhrase: "@blocked.test", matchType: "end" }],
      bounced: ["hard@example.com"],
      contacts: [{ email: "gone@example.com", lists: { [listId]: 1 } }, { email: "kept@example.com", fields: { TIER: "gold" }, lists: { [listId]: 3 } }],
    });
    expect(first.inspect.deleteContact("gone@example.com")).toBe(true);
    await first.close();

    const second = await quickSandbox({ data: file });
    try {
      const a2 = api(second);
      const fields = (await a2.get("/fields")).json;
      expect(fields.fieldOptions.map((o: { value: string; label: string }) => [o.value, o.label])).toEqual([["gold", "Gold"]]);
      expect(fields.fieldRels).toEqual([expect.objectContaining({ relid: String(listId) })]);
      expect(second.inspect.members(listId)).toEqual([{ contactId: 2, email: "kept@example.com", fields: { TIER: "gold" }, tags: [], status: 3, unsubscribedBy: "bounce" }]);
      expect(second.inspect.contact("gone@example.com")).toBeUndefined();
      expect((await a2.post("/contact/sync", { contact: { email: "x@blocked.test" } })).json.errors[0].code).toBe("email_excluded");
      expect((await a2.post("/contact/sync", { contact: { email: "hard@example.com" } })).json.errors[0].code).toBe("email_excluded");
      expect((await a2.post("/contact/sync", { contact: { email: "gone@example.com" } })).json.contact.id).toBe("3");
    } finally {
      await second.close();
    }
  });

  it("refuses a file that is not a sandbox data file", async () => {
    const file = join(dir, "other.json");
    writeFileSync(file, JSON.stringify({ hello: "world" }));
    await expect(startSandbox({ data: file })).rejects.toThrow(/is not a sandbox data file/);
    writeFileSync(file, "{not json");
    await expect(startSandbox({ data: file })).rejects.toThrow(/is not valid JSON/);
    await expect(startSandbox({ data: join(dir, "missing", "a.json") })).rejects.toThrow(/the folder .* does not exist/);
  });
});
