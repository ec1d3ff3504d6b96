// Reading a list's members with one status, checked against meta.total (REAL-ACCOUNT.md F10): a short page mid-list
// does not end the read, a read that stays short fails with PREFLIGHT_FAILED, and an account that ignores orders[id]
// is read by offset instead. Real sandbox for the order, a scripted server for the short pages.
import { afterEach, describe, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import { AcExportError } from "../../../runner/errors.js";
import { startSandbox } from "../../../runner/sandbox/index.js";
import { json, startStub } from "./stub-server.js";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

function clientAt(baseUrl: string, apiKey: string, timeScale = 1) {
  const c = createAcClient({ baseUrl, apiKey, hostname: "acme.api-us1.com", rateLimit: { requestsPerSecond: 50, bulkRequestsPerMinute: 100 }, timeScale });
  open.push(c);
  return c;
}
const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const e of it) out.push(e);
  return out;
};
const contact = (id: number) => ({ id: String(id), email: `p${id}@example.com` });

/** A list of `total` members with ids 1…total, answered `size` at a time from the id cursor; `total` as reported. */
async function scripted(total: number, reported: number, size: (page: number) => number) {
  const stub = await startStub();
  open.push(stub);
  let page = 0;
  stub.handle((req, res) => {
    if (req.path.endsWith("/users/me")) return json(res, 200, { user: { id: "1" } });
    const after = Number(new URL(req.path, "http://x").searchParams.get("id_greater") ?? 0);
    const ids = Array.from({ length: Math.max(0, Math.min(size(page++), total - after)) }, (_, i) => after + i + 1);
    json(res, 200, { contacts: ids.map(contact), meta: { total: String(reported) } });
  });
  return { stub, client: clientAt(stub.url, "test-key-0123456789") };
}

describe("listContactEmails against meta.total", () => {
  it("reads past a short page in the middle of the list", async () => {
    const { client, stub } = await scripted(250, 250, (p) => (p === 1 ? 50 : 100));
    const emails = await collect(client.listContactEmails!(7, 2));
    expect(emails).toEqual(Array.from({ length: 250 }, (_, i) => `p${i + 1}@example.com`));
    expect(stub.seen.filter((s) => s.path.includes("/contacts")).length).toBe(3); // 100, 50, 100: meta.total reached
  });

  it("fails with PREFLIGHT_FAILED when the read stays short of meta.total, after one re-read", async () => {
    const { client, stub } = await scripted(150, 300, () => 100);
    const err = await collect(client.listContactEmails!(7, 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcExportError);
    expect((err as AcExportError).code).toBe("PREFLIGHT_FAILED");
    expect((err as AcExportError).message).toBe(
      "Reading list 7's members with status 2 ended at 150 of 300 (meta.total), twice; nothing was sent, because a member missing from this read could have their consent overridden. Run again later.",
    );
    // two reads, each 100 + 50 + an empty page
    expect(stub.seen.filter((s) => s.path.includes("/contacts")).length).toBe(6);
  });
});

describe("listContactEmails on an account that ignores orders[id]", () => {
  it("detects the unordered page and reads every member by offset", async () => {
    const sb = await startSandbox({ listOrderIgnored: true, timeScale: 50 });
    open.push(sb);
    const emails = Array.from({ length: 450 }, (_, i) => `m${i}@example.com`);
    const { lists } = sb.inspect.seed({ lists: ["L"], contacts: emails.map((email) => ({ email })) });
    const listId = lists[0]!;
    // subscribed in reverse id order, so subscription order is not id order
    sb.inspect.seed({ contacts: [...emails].reverse().map((email) => ({ email, lists: { [listId]: 2 } })) });
    const c = clientAt(`${sb.url}/api/3`, sb.apiKey, sb.options.timeScale);
    const read = await collect(c.listContactEmails!(listId, 2));
    expect(read.sort()).toEqual([...emails].sort());
  });
});

describe("listChangedMembers: only the members whose contact changed since a date (the consent cache's refresh)", () => {
  it("sends filters[updated_after] and reads the changed members of that status only, checked against meta.total", async () => {
    const sb = await startSandbox({ timeScale: 50 });
    open.push(sb);
    const listId = sb.inspect.seed({ lists: ["L"] }).lists[0]!;
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    sb.inspect.seed({ contacts: Array.from({ length: 300 }, (_, i) => ({ email: `old${i}@example.com`, updatedAt: old, lists: { [listId]: 2 } })) });
    // 150 changed recently (more than a page): 120 unsubscribed, 30 bounced
    sb.inspect.seed({ contacts: Array.from({ length: 150 }, (_, i) => ({ email: `new${i}@example.com`, lists: { [listId]: i < 120 ? 2 : 3 } })) });
    const c = clientAt(`${sb.url}/api/3`, sb.apiKey, sb.options.timeScale);
    const before = sb.inspect.requests().byEndpoint["GET /contacts"] ?? 0;
    const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 19) + "+00:00";
    const changed = await c.listChangedMembers!(listId, 2, since);
    expect(changed.sort()).toEqual(Array.from({ length: 120 }, (_, i) => `new${i}@example.com`).sort());
    expect((sb.inspect.requests().byEndpoint["GET /contacts"] ?? 0) - before).toBe(2);
    expect(await c.countListContacts!(listId, 2)).toBe(420);
    // The sandbox's seed takes a contact's time of change (old data); a bad one changes nothing.
    expect(() => sb.inspect.seed({ contacts: [{ email: "x@example.com", updatedAt: "yesterday" }] })).toThrow('contacts[0].updatedAt must be an ISO 8601 date-time; got "yesterday"');
    expect(sb.inspect.contact("x@example.com")).toBeUndefined();
  });
});

describe("the cost of a full read (measured for #10; a re-run reads counts and changes instead: consent-cache.test.ts)", () => {
  it("reads 30,000 unsubscribed members in 300 GET /contacts (100 a page; reaching meta.total ends the read, no empty page after it)", async () => {
    const sb = await startSandbox({ timeScale: 50 });
    open.push(sb);
    const { lists } = sb.inspect.seed({ lists: ["L"] });
    const listId = lists[0]!;
    const n = 30_000;
    sb.inspect.seed({ contacts: Array.from({ length: n }, (_, i) => ({ email: `u${i}@example.com`, lists: { [listId]: 2 } })) });
    const c = clientAt(`${sb.url}/api/3`, sb.apiKey, sb.options.timeScale);
    const before = sb.inspect.requests().byEndpoint["GET /contacts"] ?? 0;
    const read = await collect(c.listContactEmails!(listId, 2));
    expect(read.length).toBe(n);
    expect((sb.inspect.requests().byEndpoint["GET /contacts"] ?? 0) - before).toBe(n / 100);
  }, 120_000);
});
