// GET /contacts?tagid=: the contacts that carry a tag (the spec's list-all-contacts filter), paged, with meta.total;
// and the client's reads of it (runner/ac/endpoints/tags.ts), which leavers.ts uses to untag leavers in bulk.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAcClient } from "../../runner/ac/client.js";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { api } from "./helpers.js";

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ timeScale: 50 });
});
afterAll(() => sb.close());

it("answers the tag's contacts only, by offset, with the tag's total; an unknown tag has none", async () => {
  const tagged = Array.from({ length: 130 }, (_, i) => ({ email: `t${i}@tags.example.com`, tags: ["vip"] }));
  const seeded = sb.inspect.seed({ tags: ["vip", "quiet"], contacts: [...tagged, { email: "plain@tags.example.com" }, { email: "other@tags.example.com", tags: ["quiet"] }] });
  const vip = seeded.tags[0]!;
  sb.inspect.deleteContact("t5@tags.example.com");
  const a = api(sb);
  const first = await a.get(`/contacts?tagid=${vip}&limit=100`);
  expect(first.json.meta.total).toBe("129");
  expect(first.json.meta.page_input.tagid).toBe(vip);
  const second = await a.get(`/contacts?tagid=${vip}&limit=100&offset=100`);
  const emails = [...first.json.contacts, ...second.json.contacts].map((c: { email: string }) => c.email);
  expect(emails).toHaveLength(129);
  expect(new Set(emails)).toEqual(new Set(tagged.map((t) => t.email).filter((e) => e !== "t5@tags.example.com")));
  expect((await a.get(`/contacts?tagid=${seeded.tags[1]}`)).json.contacts.map((c: { email: string }) => c.email)).toEqual(["other@tags.example.com"]);
  expect((await a.get("/contacts?tagid=99999")).json).toMatchObject({ contacts: [], meta: { total: "0" } });

  const client = createAcClient({ baseUrl: `${sb.url}/api/3`, apiKey: sb.apiKey, hostname: "acme.api-us1.com", rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 }, timeScale: 50 });
  try {
    expect(await client.countTaggedContacts!(vip)).toBe(129);
    const read = await client.taggedContacts!(vip);
    expect(read.map((c) => c.email).sort()).toEqual([...emails].sort());
    expect(read.every((c) => sb.inspect.contact(c.email) !== undefined)).toBe(true);
  } finally {
    await client.close();
  }
});
