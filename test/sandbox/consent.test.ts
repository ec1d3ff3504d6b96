// The real account's consent and refusal rules over real HTTP (issue #10): unconfirmed and bounced members, the
// exclusion list and account bounces, refused addresses, deletions, status hooks and automation counts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../runner/sandbox/index.js";
import { api, call, quickSandbox, waitForBatch } from "./helpers.js";

async function withSandbox(options: SandboxOptions, fn: (sb: Sandbox, a: ReturnType<typeof api>, listId: number) => Promise<void>): Promise<void> {
  const sb = await quickSandbox(options);
  try {
    await fn(sb, api(sb), sb.inspect.createList("Members").id);
  } finally {
    await sb.close();
  }
}

const bulk = async (sb: Sandbox, body: unknown) => {
  const r = await api(sb).post("/import/bulk_import", body);
  expect(r.status).toBe(200);
  return (await waitForBatch(sb, r.json.batchId)).json;
};

describe("unconfirmed (0) and bounced (3) members under bulk subscribe", () => {
  for (const reading of ["activate", "keep"] as const) {
    it(`bulkSubscribeInactive ${reading}: ${reading === "activate" ? "activates them and records it" : "leaves them as they are"}; status 2 always stays`, async () => {
      await withSandbox({ bulkSubscribeInactive: reading }, async (sb, _a, listId) => {
        sb.inspect.seed({
          contacts: [
            { email: "pending@example.com", lists: { [listId]: 0 } },
            { email: "bounced@example.com", lists: { [listId]: 3 } },
            { email: "left@example.com", lists: { [listId]: { status: 2, by: "contact" } } },
          ],
        });
        expect(sb.inspect.members(listId, 3)).toEqual([expect.objectContaining({ email: "bounced@example.com", unsubscribedBy: "bounce" })]);
        const contacts = ["pending", "bounced", "left"].map((p) => ({ email: `${p}@example.com`, subscribe: [{ listid: listId }] }));
        expect((await bulk(sb, { contacts })).status).toBe("completed");
        const status = (e: string) => sb.inspect.contact(e)!.lists[String(listId)]!.status;
        expect([status("pending@example.com"), status("bounced@example.com"), status("left@example.com")]).toEqual(reading === "activate" ? [1, 1, 2] : [0, 3, 2]);
        expect(sb.inspect.reactivations().map((r) => [r.email, r.from, r.path])).toEqual(
          reading === "activate" ? [["pending@example.com", 0, "bulk"], ["bounced@example.com", 3, "bulk"]] : [],
        );
      });
    });
  }

  it("POST /contactLists status 1 activates unconfirmed and bounced members too (the caller must check)", async () => {
    await withSandbox({}, async (sb, a, listId) => {
      sb.inspect.seed({ contacts: [{ email: "pending@example.com", lists: { [listId]: 0 } }] });
      const id = sb.inspect.contact("pending@example.com")!.contactId;
      const r = await a.post("/contactLists", { contactList: { list: listId, contact: id, status: 1 } });
      expect(r.json.contactList.status).toBe(1);
      expect(sb.inspect.reactivations()).toEqual([expect.objectContaining({ email: "pending@example.com", from: 0, path: "contactLists" })]);
    });
  });
});

describe("exclusion list, account bounces and refused addresses", () => {
  for (const skippedInFailure of [false, true]) {
    it(`imports skip excluded and bounced contacts (${skippedInFailure ? "listed in failure" : "silently"}); an apostrophe is refused in failure`, async () => {
      await withSandbox({ skippedInFailure }, async (sb, a, listId) => {
        const other = sb.inspect.createList("Other").id;
        sb.inspect.seed({ exclusions: ["blocked@example.com", { matchPhrase: "@blocked.test", matchType: "end" }, { matchPhrase: "ok@example.com", lists: [other] }], bounced: ["Hard@Example.com"] });
        // The exclusion of ok@example.com applies to another list only: it is imported.
        const emails = ["ok@example.com", "blocked@example.com", "anyone@blocked.test", "hard@example.com", "o'brien@example.com"];
        const info = await bulk(sb, { contacts: emails.map((email) => ({ email, subscribe: [{ listid: listId }] })) });
        expect(info.status).toBe("completed");
        expect(info.success).toEqual(["1"]);
        const skipped = ["blocked@example.com", "anyone@blocked.test", "hard@example.com"];
        expect(info.failure).toEqual(skippedInFailure ? [...skipped, "o'brien@example.com"] : ["o'brien@example.com"]);
        expect(sb.inspect.members(listId).map((m) => m.email)).toEqual(["ok@example.com"]);
        expect(sb.inspect.skips().map((s) => [s.email, s.reason])).toEqual([
          ["blocked@example.com", "excluded"],
          ["anyone@blocked.test", "excluded"],
          ["hard@example.com", "bounced"],
        ]);
        const listed = await a.get("/lists/exclusions");
        expect(listed.json.exclusions).toEqual([
          { id: "1", matchPhrase: "blocked@example.com", matchType: "exact", channel: "allEmail", hidden: false, lists: [] },
          { id: "2", matchPhrase: "@blocked.test", matchType: "end", channel: "allEmail", hidden: false, lists: [] },
          { id: "3", matchPhrase: "ok@example.com", matchType: "exact", channel: "several", hidden: false, lists: [String(other)] },
        ]);
      });
    });
  }

  it("contact/sync and POST /contacts answer 422 email_excluded for excluded and bounced addresses, email_invalid for an apostrophe", async () => {
    await withSandbox({}, async (sb, a) => {
      await call(sb, "POST", "/__sandbox/exclusions", { body: { matchPhrase: "blocked@example.com" } });
      await call(sb, "POST", "/__sandbox/bounces", { body: { email: "hard@example.com" } });
      for (const [path, email] of [["/contact/sync", "blocked@example.com"], ["/contacts", "hard@example.com"]] as const) {
        const r = await a.post(path, { contact: { email } });
        expect(r.status).toBe(422);
        expect(r.json.errors[0]).toMatchObject({ code: "email_excluded", source: { pointer: "/data/attributes/email" } });
      }
      const apostrophe = await a.post("/contact/sync", { contact: { email: "o'brien@example.com" } });
      expect(apostrophe.status).toBe(422);
      expect(apostrophe.json.errors[0].code).toBe("email_invalid");
      expect(sb.inspect.contact("blocked@example.com")).toBeUndefined();
    });
  });
});

describe("deleted contacts", () => {
  it("DELETE /contacts/{id} removes the contact from lists and lookups; ids are not reused", async () => {
    await withSandbox({}, async (sb, a, listId) => {
      sb.inspect.seed({ contacts: [{ email: "gone@example.com", lists: { [listId]: 1 } }, { email: "stays@example.com", lists: { [listId]: 1 } }] });
      const del = await a.del("/contacts/1");
      expect(del.status).toBe(200);
      expect(del.json).toEqual({});
      expect((await a.del("/contacts/1")).json).toEqual({ message: "No result found for contact with id 1" });
      expect((await a.get("/contacts?email=gone@example.com")).json.contacts).toEqual([]);
      const members = await a.get(`/contacts?listid=${listId}&limit=100`);
      expect(members.json.contacts.map((c: { email: string }) => c.email)).toEqual(["stays@example.com"]);
      expect((await a.get("/contacts?limit=100")).json.meta.total).toBe("1");
      const again = await a.post("/contact/sync", { contact: { email: "gone@example.com" } });
      expect(again.json.contact.id).toBe("3");
    });
  });

  for (const creates of [true, false]) {
    it(`an unsubscribe-only bulk contact that does not exist is ${creates ? "created unsubscribed" : "skipped"} (bulkUnsubscribeCreates ${creates})`, async () => {
      await withSandbox({ bulkUnsubscribeCreates: creates }, async (sb, _a, listId) => {
        sb.inspect.seed({ contacts: [{ email: "erased@example.com", lists: { [listId]: 1 } }] });
        const del = await call(sb, "DELETE", "/__sandbox/contacts/erased@example.com");
        expect(del.json).toEqual({ deleted: true });
        const info = await bulk(sb, { contacts: [{ email: "erased@example.com", unsubscribe: [{ listid: listId }] }] });
        expect(info.status).toBe("completed");
        const c = sb.inspect.contact("erased@example.com");
        if (creates) expect(c?.lists[String(listId)]).toMatchObject({ status: 2, unsubscribedBy: "api" });
        else expect(c).toBeUndefined();
      });
    });
  }
});

describe("status hooks", () => {
  it("flips a contact's status right before the request it is armed on, once", async () => {
    await withSandbox({}, async (sb, a, listId) => {
      sb.inspect.seed({ contacts: [{ email: "p@example.com", lists: { [listId]: 1 } }] });
      const armed = await call(sb, "POST", "/__sandbox/hooks", { body: { on: "POST /import/bulk_import", email: "p@example.com", listId, status: 2, by: "contact" } });
      expect(armed.status).toBe(201);
      expect((await a.get(`/contacts?listid=${listId}&status=2`)).json.contacts).toEqual([]);
      await bulk(sb, { contacts: [{ email: "p@example.com", first_name: "P", subscribe: [{ listid: listId }] }, { email: "q@example.com" }] });
      expect(sb.inspect.contact("p@example.com")!.lists[String(listId)]).toMatchObject({ status: 2, unsubscribedBy: "contact" });
      expect((await call(sb, "GET", "/__sandbox/hooks")).json).toEqual([expect.objectContaining({ times: 0, fired: 1 })]);
      const flipped = await call(sb, "POST", "/__sandbox/contacts/p@example.com/status", { body: { listId, status: 0 } });
      expect(flipped.json.lists[String(listId)].status).toBe(0);
      const bad = await call(sb, "POST", "/__sandbox/hooks", { body: { on: "nope", email: "p@example.com", listId, status: 2 } });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toContain('on must be "METHOD /template"');
    });
  });
});

describe("automations", () => {
  const contacts = (listId: number, perContact: boolean) => [
    { email: "a@example.com", tags: ["vip"], subscribe: [{ listid: listId }], ...(perContact && { exclude_automations: true }) },
    { email: "b@example.com", subscribe: [{ listid: listId }], ...(perContact && { exclude_automations: true }) },
  ];
  for (const [reading, top, per, fired] of [
    ["top-level", true, false, false],
    ["top-level", false, true, true],
    ["per-contact", false, true, false],
    ["per-contact", true, false, true],
    ["either", true, false, false],
  ] as const) {
    it(`reading ${reading}: exclude_automations ${top ? "top-level" : "per contact"} ${fired ? "is ignored" : "suppresses the triggers"}`, async () => {
      await withSandbox({ excludeAutomationsReading: reading }, async (sb, _a, listId) => {
        await bulk(sb, { contacts: contacts(listId, per), ...(top && { exclude_automations: true }) });
        expect(sb.inspect.automations()).toEqual({ bulk: fired ? { subscribe: 2, tag: 1, suppressed: 0 } : { subscribe: 0, tag: 0, suppressed: 3 } });
      });
    });
  }

  it("contactLists and contactTags always fire (they take no exclude_automations)", async () => {
    await withSandbox({}, async (sb, a, listId) => {
      const id = (await a.post("/contact/sync", { contact: { email: "c@example.com" } })).json.contact.id;
      const tag = (await a.post("/tags", { tag: { tag: "vip", tagType: "contact" } })).json.tag.id;
      await a.post("/contactLists", { contactList: { list: listId, contact: id, status: 1 } });
      await a.post("/contactLists", { contactList: { list: listId, contact: id, status: 1 } });
      await a.post("/contactTags", { contactTag: { contact: id, tag } });
      expect(sb.inspect.automations()).toEqual({ contactLists: { subscribe: 1, tag: 0, suppressed: 0 }, contactTags: { subscribe: 0, tag: 1, suppressed: 0 } });
    });
  });
});

describe("user groups, intermittent 403s and the failure index base", () => {
  let sb: Sandbox;
  let a: ReturnType<typeof api>;
  let seen: number;
  let hidden: number;
  beforeAll(async () => {
    sb = await quickSandbox();
    a = api(sb);
    seen = sb.inspect.createList("Seen").id;
    hidden = sb.inspect.createList("Hidden").id;
    sb.inspect.seed({ contacts: [{ email: "s@example.com", lists: { [seen]: 1 } }, { email: "h@example.com", lists: { [hidden]: 2 } }] });
  });
  afterAll(() => sb.close());

  it("a restricted key gets 403 on a list its group cannot see, and none of its contacts", async () => {
    const { apiKey } = (await call(sb, "POST", "/__sandbox/keys", { body: { lists: [seen] } })).json;
    const r = { token: apiKey as string };
    const list = await a.get(`/lists/${hidden}`, r);
    expect(list.status).toBe(403);
    expect(list.json).toEqual({ errors: [{ status: 403, title: "Forbidden", detail: "You do not have permission to view lists." }] });
    expect((await a.get(`/lists/${seen}`, r)).status).toBe(200);
    expect((await a.get("/lists", r)).json.lists.map((l: { id: string }) => Number(l.id))).toEqual([seen]);
    const unsub = await a.get(`/contacts?listid=${hidden}&status=2&limit=100`, r);
    expect(unsub.status).toBe(200);
    expect(unsub.json).toMatchObject({ contacts: [], meta: { total: "0" } });
    expect((await a.get("/contacts?email=h@example.com", r)).json.contacts).toEqual([]);
    expect((await a.get("/contacts?limit=100", r)).json.contacts.map((c: { email: string }) => c.email)).toEqual(["s@example.com"]);
    const h = sb.inspect.contact("h@example.com")!.contactId;
    expect((await a.post("/contactLists", { contactList: { list: hidden, contact: h, status: 1 } }, r)).status).toBe(403);
    expect(sb.inspect.contact("h@example.com")!.lists[String(hidden)]!.status).toBe(2);
    // The main key still sees everything.
    expect((await a.get(`/contacts?listid=${hidden}&status=2`)).json.meta.total).toBe("1");
  });

  it("injects intermittent 403s for a valid key (fault kind 403)", async () => {
    sb.inspect.setFaults("403:1");
    const r = await a.get("/users/me");
    sb.inspect.setFaults(null);
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ message: "Forbidden" });
    expect(sb.inspect.requests().faults["403"]).toBe(1);
    expect((await a.get("/users/me")).status).toBe(200);
  });

  for (const base of [0, 1] as const) {
    it(`failureReasons[].contact counts from ${base} with failureIndexBase ${base}`, async () => {
      await withSandbox({ failureIndexBase: base }, async (_sb, a2) => {
        const r = await a2.post("/import/bulk_import", { contacts: [{ email: "a@example.com" }, { email: "not an email" }] });
        expect(r.status).toBe(400);
        expect(r.json.failureReasons).toEqual([{ contact: 1 + base, failureReason: "Field\u2018 email\u2019 incorrect format" }]);
      });
    });
  }
});
