// Contract tests of the sandbox's /api/3 endpoints over real HTTP: shapes, status codes, error bodies, pagination.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../runner/sandbox/index.js";
import { api, call, quickSandbox } from "./helpers.js";

let sb: Sandbox;
let a: ReturnType<typeof api>;

beforeAll(async () => {
  sb = await quickSandbox();
  a = api(sb);
});
afterAll(() => sb.close());

describe("auth", () => {
  it("answers 403 with the real body when Api-Token is missing or wrong, and 200 with the key", async () => {
    const missing = await a.get("/users/me", { token: null });
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual({ message: "Forbidden" });
    const wrong = await a.get("/lists", { token: `${sb.apiKey}x` });
    expect(wrong.status).toBe(403);
    expect(wrong.json).toEqual({ message: "Forbidden" });
    const me = await a.get("/users/me");
    expect(me.status).toBe(200);
    expect(me.json.user).toMatchObject({ id: "1", username: expect.any(String), email: expect.any(String) });
  });

  it("serves /__sandbox without a token and answers unknown /api/3 routes with 404", async () => {
    const info = await call(sb, "GET", "/__sandbox", { token: null });
    expect(info.status).toBe(200);
    expect(info.json.api).toBe(`${sb.url}/api/3`);
    expect(JSON.stringify(info.json)).not.toContain(sb.apiKey);
    const unknown = await a.get("/campaigns");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toHaveProperty("message");
  });
});

describe("lists", () => {
  it("creates, reads and lists lists with string ids and meta.total as a string", async () => {
    const created = await a.post("/lists", { list: { name: "Newsletter", stringid: "newsletter", sender_url: "https://example.com", sender_reminder: "You signed up." } });
    expect(created.status).toBe(200);
    expect(created.json.list).toMatchObject({ name: "Newsletter", stringid: "newsletter", id: expect.stringMatching(/^\d+$/) });
    const id = created.json.list.id as string;
    const one = await a.get(`/lists/${id}`);
    expect(one.status).toBe(200);
    expect(one.json.list).toMatchObject({ id, name: "Newsletter", sender_url: "https://example.com", userid: "1" });
    const all = await a.get("/lists?filters[name]=newsl");
    expect(all.status).toBe(200);
    expect(all.json.lists.map((l: { id: string }) => l.id)).toContain(id);
    expect(all.json.meta.total).toBe(String(all.json.lists.length));
  });

  it("answers 404 with the real message for unknown list ids, 422 for missing attributes and 400 {} for a bad body", async () => {
    const missing = await a.get("/lists/9999");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: "No Result found for _List with id 9999" });
    const noName = await a.post("/lists", { list: { stringid: "x", sender_url: "u", sender_reminder: "r" } });
    expect(noName.status).toBe(422);
    expect(noName.json.errors[0]).toMatchObject({ title: "Missing attribute", source: { pointer: "/data/attributes/name" } });
    const bad = await call(sb, "POST", "/api/3/lists", { raw: "{nope" });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({});
  });
});

describe("fields", () => {
  it("creates fields (201, duplicate title → 422 duplicate) and pages them with limit/offset and filters[perstag]", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await a.post("/fields", { field: { title: `Field ${i}`, type: "text", perstag: `FIELD_${i}` } });
      expect(r.status).toBe(201);
      expect(r.json.field).toMatchObject({ title: `Field ${i}`, perstag: `FIELD_${i}`, type: "text", id: expect.stringMatching(/^\d+$/) });
      ids.push(r.json.field.id);
    }
    const dup = await a.post("/fields", { field: { title: "field 3", type: "text" } });
    expect(dup.status).toBe(422);
    expect(dup.json.errors[0]).toMatchObject({ title: "There is already a field with this title", code: "duplicate" });
    const noType = await a.post("/fields", { field: { title: "No type" } });
    expect(noType.status).toBe(422);

    const first = await a.get("/fields");
    expect(first.json).toMatchObject({ fieldOptions: [], fieldRels: [], meta: { total: "25" } });
    expect(first.json.fields).toHaveLength(20); // default limit
    // The spec documents no `offset` on /fields: by default it is ignored (the first page again).
    const second = await a.get("/fields?limit=100&offset=20");
    expect(second.json.fields.map((f: { id: string }) => f.id)).toEqual(ids);
    const byTag = await a.get("/fields?filters[perstag]=FIELD_7");
    expect(byTag.json.fields).toHaveLength(1);
    expect(byTag.json.fields[0]).toMatchObject({ perstag: "FIELD_7", id: ids[7] });
    expect(byTag.json.meta.total).toBe("1");
  });
});

describe("contacts", () => {
  it("contact/sync creates (201) then updates by email, case-insensitively (200, same id)", async () => {
    const field = sb.inspect.createField({ title: "Tier", perstag: "TIER" });
    const created = await a.post("/contact/sync", { contact: { email: "Jane.Doe@Example.com", firstName: "Jane", fieldValues: [{ field: String(field.id), value: "gold" }] } });
    expect(created.status).toBe(201);
    expect(created.json.contact).toMatchObject({ email: "Jane.Doe@Example.com", firstName: "Jane", id: expect.stringMatching(/^\d+$/) });
    expect(created.json.fieldValues).toEqual([expect.objectContaining({ field: String(field.id), value: "gold", contact: created.json.contact.id })]);
    const updated = await a.post("/contact/sync", { contact: { email: "jane.doe@example.com", lastName: "Doe", fieldValues: [{ field: field.id, value: "silver" }] } });
    expect(updated.status).toBe(200);
    expect(updated.json.contact).toMatchObject({ id: created.json.contact.id, firstName: "Jane", lastName: "Doe" });
    expect(sb.inspect.contact("JANE.DOE@example.com")).toMatchObject({ firstName: "Jane", lastName: "Doe", fields: { TIER: "silver" } });
  });

  it("refuses a malformed email with the real 422 email_invalid body and an unknown custom field with 422 field_invalid", async () => {
    const r = await a.post("/contact/sync", { contact: { email: "not-an-email" } });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({
      errors: [{ title: "Contact Email Address is not valid.", detail: "", code: "email_invalid", error: "must_be_valid_email_address", source: { pointer: "/data/attributes/email" } }],
    });
    const f = await a.post("/contact/sync", { contact: { email: "ok@example.com", fieldValues: [{ field: "9999", value: "x" }] } });
    expect(f.status).toBe(422);
    expect(f.json.errors[0].code).toBe("field_invalid");
    expect(sb.inspect.contact("ok@example.com")).toBeUndefined();
    const empty = await a.post("/contact/sync", { nothing: true });
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual({});
  });

  it("POST /contacts creates only: an existing email (any case) is 422 duplicate", async () => {
    const r = await a.post("/contacts", { contact: { email: "solo@example.com", phone: "123" } });
    expect(r.status).toBe(201);
    expect(r.json.contact).toMatchObject({ email: "solo@example.com", phone: "123" });
    const dup = await a.post("/contacts", { contact: { email: "SOLO@example.com" } });
    expect(dup.status).toBe(422);
    expect(dup.json).toEqual({
      errors: [{ title: "Email address already exists in the system", detail: "", code: "duplicate", source: { pointer: "/data/attributes/email" } }],
    });
  });

  it("GET /contacts?email= matches exactly and case-insensitively; no match is an empty page with total \"0\"", async () => {
    const hit = await a.get(`/contacts?email=${encodeURIComponent("SOLO@EXAMPLE.COM")}`);
    expect(hit.status).toBe(200);
    expect(hit.json.contacts).toHaveLength(1);
    expect(hit.json.contacts[0]).toMatchObject({ email: "solo@example.com", id: expect.stringMatching(/^\d+$/) });
    expect(hit.json.meta.total).toBe("1");
    expect(hit.json.scoreValues).toEqual([]);
    const partial = await a.get("/contacts?email=solo@example.co");
    expect(partial.json.contacts).toEqual([]);
    expect(partial.json.meta.total).toBe("0");
  });

  it("GET /contacts/{id} and its sub-resources answer 404 with the real message for unknown ids", async () => {
    for (const path of ["/contacts/424242", "/contacts/424242/contactLists", "/contacts/424242/contactTags"]) {
      const r = await a.get(path);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ message: "No Result found for Subscriber with id 424242" });
    }
    const id = sb.inspect.contact("solo@example.com")!.contactId;
    const one = await a.get(`/contacts/${id}`);
    expect(one.status).toBe(200);
    expect(one.json.contact).toMatchObject({ id: String(id), email: "solo@example.com" });
    expect(one.json.contactLists).toEqual([]);
  });
});

describe("GET /contacts paging over a list", () => {
  let listId: number;
  let otherList: number;
  const statusOf = (i: number) => (i % 10 === 3 ? 2 : 1);

  beforeAll(() => {
    listId = sb.inspect.createList("Paging").id;
    otherList = sb.inspect.createList("Other").id;
    // 250 members (every 10th one unsubscribed), plus contacts on another list in between, so ids have gaps.
    const contacts = [];
    for (let i = 0; i < 300; i++) {
      const onList = i % 6 !== 5;
      contacts.push({ email: `page${i}@example.com`, lists: onList ? { [listId]: statusOf(i) as 1 | 2 } : { [otherList]: 1 as const } });
    }
    sb.inspect.seed({ contacts });
  });

  const listMembers = () => sb.inspect.members(listId);

  it("defaults to 20, takes 100, clamps larger limits to 100, and pages with offset", async () => {
    const all = listMembers();
    expect(all).toHaveLength(250);
    const ids = all.map((m) => String(m.contactId));
    const d = await a.get(`/contacts?listid=${listId}`);
    expect(d.json.contacts).toHaveLength(20);
    expect(d.json.meta.total).toBe("250");
    expect(d.json.meta.page_input).toMatchObject({ limit: 20, offset: 0, listid: listId });
    const hundred = await a.get(`/contacts?listid=${listId}&limit=100`);
    expect(hundred.json.contacts.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 100));
    const clamped = await a.get(`/contacts?listid=${listId}&limit=500`);
    expect(clamped.json.contacts).toHaveLength(100);
    expect(clamped.json.meta.page_input.limit).toBe(100);
    const last = await a.get(`/contacts?listid=${listId}&limit=100&offset=200`);
    expect(last.json.contacts.map((c: { id: string }) => c.id)).toEqual(ids.slice(200));
    const past = await a.get(`/contacts?listid=${listId}&limit=100&offset=250`);
    expect(past.json.contacts).toEqual([]);
    expect(past.json.meta.total).toBe("250");
  });

  it("filters on the list status when listid is given, and pages the whole list with orders[id]=ASC + id_greater", async () => {
    const active = listMembers().filter((m) => m.status === 1).map((m) => String(m.contactId));
    expect(active.length).toBe(230); // 250 members, 20 of them unsubscribed (i % 10 === 3 and on the list)
    const seen: string[] = [];
    let last = 0;
    for (let page = 0; page < 10; page++) {
      const r = await a.get(`/contacts?listid=${listId}&status=1&limit=100&orders[id]=ASC&id_greater=${last}`);
      expect(r.status).toBe(200);
      expect(Number(r.json.meta.total)).toBe(active.length - seen.length); // total counts what is left after id_greater
      if (r.json.contacts.length === 0) break;
      for (const c of r.json.contacts) seen.push(c.id);
      last = Number(r.json.contacts.at(-1).id);
    }
    expect(seen).toEqual(active);
    const unsub = await a.get(`/contacts?listid=${listId}&status=2&limit=100`);
    expect(unsub.json.meta.total).toBe("20");
    expect(unsub.json.contacts.every((c: { email: string }) => Number(/page(\d+)@/.exec(c.email)![1]) % 10 === 3)).toBe(true);
  });

  it("orders[id]=DESC pages from the highest id; an unknown list is an empty page", async () => {
    const ids = listMembers().map((m) => String(m.contactId));
    const desc = await a.get(`/contacts?listid=${listId}&orders[id]=DESC&limit=5&offset=1`);
    expect(desc.json.contacts.map((c: { id: string }) => c.id)).toEqual(ids.slice().reverse().slice(1, 6));
    const none = await a.get("/contacts?listid=777");
    expect(none.json.contacts).toEqual([]);
    expect(none.json.meta.total).toBe("0");
  });

  it("without listid, id_greater pages every contact of the account", async () => {
    const total = Number((await a.get("/contacts?limit=1")).json.meta.total);
    const after = await a.get("/contacts?limit=100&id_greater=10");
    expect(Number(after.json.meta.total)).toBe(total - 10);
    expect(after.json.contacts[0].id).toBe("11");
  });
});

describe("list membership", () => {
  let listId: number;
  let contactId: string;
  beforeAll(async () => {
    listId = sb.inspect.createList("Members").id;
    contactId = (await a.post("/contact/sync", { contact: { email: "member@example.com" } })).json.contact.id;
  });

  it("subscribes (status 1) and unsubscribes (status 2); POST answers status as a number, GET as a string", async () => {
    const sub = await a.post("/contactLists", { contactList: { list: listId, contact: contactId, status: 1 } });
    expect(sub.status).toBe(200);
    expect(sub.json.contactList).toMatchObject({ contact: contactId, list: String(listId), status: 1, id: expect.stringMatching(/^\d+$/) });
    expect(sub.json.contacts[0]).toMatchObject({ id: contactId, email: "member@example.com" });
    const unsub = await a.post("/contactLists", { contactList: { list: String(listId), contact: Number(contactId), status: "2" } });
    expect(unsub.json.contactList.status).toBe(2);
    const lists = await a.get(`/contacts/${contactId}/contactLists`);
    expect(lists.json.contactLists).toEqual([expect.objectContaining({ contact: contactId, list: String(listId), status: "2" })]);
    expect(sb.inspect.members(listId, 2)).toEqual([expect.objectContaining({ email: "member@example.com", status: 2, unsubscribedBy: "api" })]);
  });

  it("re-subscribes an unsubscribed contact on a plain status 1, whatever the sourceid (documented), and records it", async () => {
    const plain = await a.post("/contactLists", { contactList: { list: listId, contact: contactId, status: 1, sourceid: 3 } });
    expect(plain.status).toBe(200);
    expect(plain.json.contactList).toMatchObject({ status: 1, sourceid: "3" });
    expect(sb.inspect.contact("member@example.com")!.lists[String(listId)]).toEqual({ status: 1, sourceid: 3 });
    expect(sb.inspect.reactivations()).toEqual([{ email: "member@example.com", contactId: Number(contactId), listId, from: 2, unsubscribedBy: "api", sourceid: 3, path: "contactLists" }]);
  });

  it("re-subscribes even a contact who unsubscribed themselves: the caller must check (the runner must not)", async () => {
    sb.inspect.unsubscribeByContact("member@example.com", listId);
    expect(sb.inspect.members(listId)).toEqual([expect.objectContaining({ email: "member@example.com", status: 2, unsubscribedBy: "contact" })]);
    const plain = await a.post("/contactLists", { contactList: { list: listId, contact: contactId, status: 1 } });
    expect(plain.json.contactList.status).toBe(1);
    expect(sb.inspect.reactivations().at(-1)).toMatchObject({ from: 2, unsubscribedBy: "contact", sourceid: 0 });
    await a.post("/contactLists", { contactList: { list: listId, contact: contactId, status: 2 } });
  });

  it("reading sourceid4 (the old model): status 1 without sourceid 4 leaves status 2 and answers it", async () => {
    const old = await quickSandbox({ contactListsResubscribe: "sourceid4" });
    try {
      const list = old.inspect.createList("Old").id;
      old.inspect.seed({ contacts: [{ email: "x@example.com", lists: { [list]: { status: 2, by: "contact" } } }] });
      const id = old.inspect.contact("x@example.com")!.contactId;
      const plain = await api(old).post("/contactLists", { contactList: { list, contact: id, status: 1, sourceid: 3 } });
      expect(plain.json.contactList.status).toBe(2);
      const resub = await api(old).post("/contactLists", { contactList: { list, contact: id, status: 1, sourceid: 4 } });
      expect(resub.json.contactList).toMatchObject({ status: 1, sourceid: "4" });
      expect(old.inspect.reactivations()).toEqual([expect.objectContaining({ from: 2, unsubscribedBy: "contact", sourceid: 4 })]);
    } finally {
      await old.close();
    }
  });

  it("answers 400 {} for a bad body and 404 for unknown contacts and lists", async () => {
    for (const body of [{}, { contactList: { list: listId, contact: contactId } }, { contactList: { list: listId, contact: contactId, status: 3 } }]) {
      const r = await a.post("/contactLists", body);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({});
    }
    const noContact = await a.post("/contactLists", { contactList: { list: listId, contact: 987654, status: 1 } });
    expect(noContact.status).toBe(404);
    expect(noContact.json).toEqual({ message: "No Result found for Subscriber with id 987654" });
    const noList = await a.post("/contactLists", { contactList: { list: 8888, contact: contactId, status: 1 } });
    expect(noList.status).toBe(404);
    expect(noList.json).toEqual({ message: "No Result found for _List with id 8888" });
  });
});

describe("tags", () => {
  it("creates tags (201), finds them with search (contains) and filters[search][eq], refuses a second tag of the same name", async () => {
    const vip = await a.post("/tags", { tag: { tag: "VIP customer", tagType: "contact", description: "" } });
    expect(vip.status).toBe(201);
    expect(vip.json.tag).toMatchObject({ tag: "VIP customer", tagType: "contact", id: expect.stringMatching(/^\d+$/) });
    await a.post("/tags", { tag: { tag: "VIP", tagType: "contact" } });
    const contains = await a.get("/tags?search=vip");
    expect(contains.json.tags.map((t: { tag: string }) => t.tag).sort()).toEqual(["VIP", "VIP customer"]);
    expect(contains.json.meta.total).toBe("2");
    const eq = await a.get("/tags?filters[search][eq]=vip");
    expect(eq.json.tags.map((t: { tag: string }) => t.tag)).toEqual(["VIP"]);
    const dup = await a.post("/tags", { tag: { tag: "vip" } });
    expect(dup.status).toBe(422);
    expect(dup.json.errors[0].code).toBe("duplicate");
    const missing = await a.post("/tags", { tag: { tagType: "contact" } });
    expect(missing.status).toBe(422);
  });

  it("links, lists and removes contact tags, with the documented 404 and 422 bodies", async () => {
    const contact = (await a.post("/contact/sync", { contact: { email: "tagged@example.com" } })).json.contact.id as string;
    const tag = (await a.get("/tags?filters[search][eq]=vip")).json.tags[0].id as string;
    const linked = await a.post("/contactTags", { contactTag: { contact, tag } });
    expect(linked.status).toBe(201);
    expect(linked.json.contactTag).toMatchObject({ contact, tag, id: expect.stringMatching(/^\d+$/) });
    const listed = await a.get(`/contacts/${contact}/contactTags`);
    expect(listed.json.contactTags).toEqual([expect.objectContaining({ id: linked.json.contactTag.id, contact, tag })]);
    expect(sb.inspect.contact("tagged@example.com")!.tags).toEqual(["VIP"]);

    const noContact = await a.post("/contactTags", { contactTag: { contact: "999999", tag } });
    expect(noContact.status).toBe(404);
    expect(noContact.json).toEqual({ errors: [{ status: 404, title: "Not Found", detail: "Contact not found" }] });
    const missing = await a.post("/contactTags", { contactTag: { tag } });
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({ errors: [{ status: 422, title: "Missing attribute", source: { pointer: "/data/attributes/contact" } }] });

    const removed = await a.del(`/contactTags/${linked.json.contactTag.id}`);
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual({});
    expect((await a.get(`/contacts/${contact}/contactTags`)).json.contactTags).toEqual([]);
    const again = await a.del(`/contactTags/${linked.json.contactTag.id}`);
    expect(again.status).toBe(404);
    expect(again.json).toEqual({ message: `No Result found for SubscriberTag with id ${linked.json.contactTag.id}` });
  });
});
