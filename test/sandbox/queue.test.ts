// A real account's load (issue #12), over real HTTP: the slow per-account import queue, unknown or expired batch
// ids, the background tenant, the overload answer (503 without Retry-After), slow and unordered list paging.
import { describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../runner/sandbox/index.js";
import { api, bulkContacts, call, quickSandbox, sleep, waitForBatch } from "./helpers.js";

async function withSandbox(options: SandboxOptions, fn: (sb: Sandbox, a: ReturnType<typeof api>) => Promise<void>): Promise<void> {
  const sb = await quickSandbox(options);
  try {
    await fn(sb, api(sb));
  } finally {
    await sb.close();
  }
}

const info = async (sb: Sandbox, id: string) => (await call(sb, "GET", `/api/3/import/info?batchId=${id}`)).json;

describe("slow import queue", () => {
  it("processes an account's batches one after another: later ones stay waiting while the backlog lasts", async () => {
    // 240 contacts/min at time scale 20 = 80 contacts per real second: each batch of 100 takes 1.25 real s.
    await withSandbox({ importRate: 240 }, async (sb, a) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await a.post("/import/bulk_import", { contacts: bulkContacts(100, `q${i}-`) })).json.batchId);
      await sleep(100);
      const first = await info(sb, ids[0]!);
      expect(["claimed", "active"]).toContain(first.status);
      expect((await info(sb, ids[2]!)).status).toBe("waiting");
      expect((await waitForBatch(sb, ids[0]!, 10_000)).json.status).toBe("completed");
      // When the first ends, the third has not started: batches run in order, not in parallel.
      expect((await info(sb, ids[2]!)).status).toBe("waiting");
      expect(sb.inspect.contact("q2-0@example.com")).toBeUndefined();
      expect((await waitForBatch(sb, ids[2]!, 10_000)).json.status).toBe("completed");
      expect(sb.inspect.requests().batches).toMatchObject({ completed: 3, pending: 0 });
      expect(sb.options.importRate).toBe(240);
    });
  });

  it("fast mode (the default) still runs every batch in parallel", async () => {
    await withSandbox({}, async (sb, a) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await a.post("/import/bulk_import", { contacts: bulkContacts(100, `f${i}-`) })).json.batchId);
      for (const id of ids) expect((await waitForBatch(sb, id)).json.status).toBe("completed");
      expect(sb.options.importRate).toBe(0);
    });
  });
});

describe("unknown and expired batch ids", () => {
  for (const [answer, status, body] of [
    ["404", 404, { success: 0, message: "No import found with batchId 'nope'." }],
    ["false", 200, { status: false }],
    ["400", 400, { success: 0, message: "'batchId' nope is not a valid batch." }],
  ] as const) {
    it(`unknownBatchAnswer ${answer}: ${status} ${JSON.stringify(body)}`, async () => {
      await withSandbox({ unknownBatchAnswer: answer }, async (sb) => {
        const r = await call(sb, "GET", "/api/3/import/info?batchId=nope");
        expect(r.status).toBe(status);
        expect(r.json).toEqual(body);
      });
    });
  }

  it("a finished batch is forgotten after batchRetentionMs", async () => {
    await withSandbox({ batchRetentionMs: 4000, unknownBatchAnswer: "false" }, async (sb, a) => {
      const id = (await a.post("/import/bulk_import", { contacts: bulkContacts(2, "r") })).json.batchId;
      expect((await waitForBatch(sb, id)).json.status).toBe("completed");
      await sleep(400); // 4000 API ms at time scale 20 = 200 real ms
      expect(await info(sb, id)).toEqual({ status: false });
    });
  });
});

describe("shared account budget", () => {
  it("the background tenant spends part of the 5 requests/s and records the refusals a greedy client causes", async () => {
    await withSandbox({ requestsPerSecond: 5, backgroundTenantRps: 2 }, async (sb, a) => {
      await sleep(300);
      const quiet = (await call(sb, "GET", "/__sandbox/tenant")).json;
      expect(quiet).toMatchObject({ requestsPerSecond: 2, refused: 0 });
      expect(quiet.succeeded).toBeGreaterThan(0);
      let limited = 0;
      for (let i = 0; i < 150; i++) if ((await a.get("/users/me")).status === 429) limited++;
      const busy = sb.inspect.tenant();
      expect(limited).toBeGreaterThan(0);
      expect(busy.refused).toBeGreaterThan(0);
      expect(busy.attempts).toBe(busy.succeeded + busy.refused);
      const off = await call(sb, "PUT", "/__sandbox/tenant", { body: { requestsPerSecond: 0 } });
      expect(off.json.requestsPerSecond).toBe(0);
    });
  });

  it("overload mode answers the limit with an HTML 503 and no Retry-After", async () => {
    await withSandbox({ requestsPerSecond: 5, timeScale: 1, rateLimitAnswer: 503 }, async (sb, a) => {
      const replies = [];
      for (let i = 0; i < 8; i++) replies.push(await a.get("/users/me"));
      const refused = replies.filter((r) => r.status === 503);
      expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
      expect(refused).toHaveLength(3);
      for (const r of refused) {
        expect(r.headers["retry-after"]).toBeUndefined();
        expect(r.text).toContain("503 Service Temporarily Unavailable");
      }
      expect(sb.inspect.requests()).toMatchObject({ rejected503: 3, rejected429: 0 });
    });
  });
});

describe("list paging realism", () => {
  it("pages of a large list take longer (contactsPageDelayMs per 10,000 members)", async () => {
    await withSandbox({ contactsPageDelayMs: 20_000, timeScale: 10 }, async (sb, a) => {
      const listId = sb.inspect.createList("Big").id;
      sb.inspect.seed({ contacts: bulkContacts(50, "p").map((c) => ({ ...c, lists: { [listId]: 1 } })) });
      // 50 members → 20,000 × 50 / 10,000 = 100 API ms = 10 real ms; the account-wide read waits as long.
      const t = performance.now();
      const page = await a.get(`/contacts?listid=${listId}&limit=100`);
      expect(page.json.contacts).toHaveLength(50);
      expect(performance.now() - t).toBeGreaterThanOrEqual(9);
    });
  });

  it("listOrderIgnored: orders[id] with listid comes in subscription order, so a max-id cursor skips members", async () => {
    await withSandbox({ listOrderIgnored: true }, async (sb, a) => {
      const listId = sb.inspect.createList("Order").id;
      sb.inspect.seed({ contacts: bulkContacts(5, "o") });
      for (const n of [4, 2, 0, 3, 1]) sb.inspect.setStatus(`o${n}@example.com`, listId, 2);
      const first = await a.get(`/contacts?listid=${listId}&status=2&orders[id]=ASC&limit=2`);
      expect(first.json.contacts.map((c: { id: string }) => c.id)).toEqual(["5", "3"]);
      expect(first.json.meta.total).toBe("5");
      const next = await a.get(`/contacts?listid=${listId}&status=2&orders[id]=ASC&limit=2&id_greater=5`);
      expect(next.json.contacts).toEqual([]); // contacts 1, 2 and 4 are never read by the cursor
      const ordered = await a.get(`/contacts?listid=${listId}&status=2&limit=2`);
      expect(ordered.json.contacts.map((c: { id: string }) => c.id)).toEqual(["1", "2"]);
    });
  });
});

describe("incremental reads by update date", () => {
  for (const touches of [false, true]) {
    it(`filters[updated_after] ${touches ? "finds" : "misses"} a contact whose list status changed (statusChangeTouchesContact ${touches})`, async () => {
      await withSandbox({ statusChangeTouchesContact: touches }, async (sb, a) => {
        const listId = sb.inspect.createList("Inc").id;
        sb.inspect.seed({ contacts: bulkContacts(3, "u").map((c) => ({ ...c, lists: { [listId]: 1 } })) });
        await sleep(1100); // udate has whole seconds: `since` is a later second than the seed's
        const since = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
        sb.inspect.unsubscribeByContact("u1@example.com", listId);
        await a.post("/contact/sync", { contact: { email: "u2@example.com", firstName: "Changed" } });
        const r = await a.get(`/contacts?listid=${listId}&filters[updated_after]=${encodeURIComponent(since)}&limit=100`);
        expect(r.json.contacts.map((c: { email: string }) => c.email)).toEqual(touches ? ["u1@example.com", "u2@example.com"] : ["u2@example.com"]);
        expect(r.json.meta.total).toBe(touches ? "2" : "1");
        const old = await a.get(`/contacts?filters[updated_before]=${encodeURIComponent(since)}&limit=100`);
        expect(old.json.contacts.map((c: { email: string }) => c.email)).toEqual(touches ? ["u0@example.com"] : ["u0@example.com", "u1@example.com"]);
      });
    });
  }
});
