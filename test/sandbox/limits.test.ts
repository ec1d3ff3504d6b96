// The account's limits over real HTTP: 5 requests in any rolling second across every endpoint (429 + Retry-After),
// 100 multi-contact / 20 single-contact bulk imports in any rolling minute (the documented 400 body), and
// --time-scale keeping every ratio. Windows are shortened with timeScale so the tests stay fast.
import { describe, expect, it } from "vitest";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../runner/sandbox/index.js";
import { api, bulkContacts, sleep, waitForBatch } from "./helpers.js";

async function withSandbox<T>(options: SandboxOptions, fn: (sb: Sandbox, a: ReturnType<typeof api>) => Promise<T>): Promise<T> {
  const sb = await startSandbox(options);
  try {
    return await fn(sb, api(sb));
  } finally {
    await sb.close();
  }
}

const retryAfter = (r: { headers: Record<string, string | string[] | undefined> }) => Number(r.headers["retry-after"]);
const until = (t: number) => sleep(Math.max(0, t - performance.now()));

describe("5 requests per rolling second", () => {
  it("admits 5 in any rolling window and refuses the 6th with 429 and the time until a slot frees (scale 1.25: 800 ms windows)", async () => {
    const W = 800;
    await withSandbox({ timeScale: 1.25 }, async (sb, a) => {
      const t1s = performance.now();
      expect((await a.get("/users/me")).status).toBe(200); // r1
      const t1e = performance.now();
      await until(t1s + W / 2);
      const t4s = performance.now();
      const four = await Promise.all([a.get("/lists"), a.get("/fields"), a.get("/tags"), a.get("/users/me")]);
      const t4e = performance.now();
      expect(four.map((r) => r.status)).toEqual([200, 200, 200, 200]); // r2..r5
      const t6s = performance.now();
      const sixth = await a.get("/users/me");
      const t6e = performance.now();
      expect(sixth.status).toBe(429);
      expect(String(sixth.headers["retry-after"])).toMatch(/^\d+(\.\d{1,3})?$/);
      // The window the server applied, inferred from Retry-After and our clock, must be exactly 800 ms.
      const wait1 = retryAfter(sixth) * 1000;
      expect(W).toBeGreaterThanOrEqual(wait1 + (t6s - t1e) - 1);
      expect(W).toBeLessThanOrEqual(wait1 + (t6e - t1s) + 1);
      await sleep(wait1 + 2);
      expect((await a.get("/users/me")).status).toBe(200); // r7 takes the slot r1 freed
      // Rolling, not per calendar second: r2..r5 are still inside the window.
      const t8s = performance.now();
      const again = await a.get("/users/me");
      const t8e = performance.now();
      expect(again.status).toBe(429);
      const wait2 = retryAfter(again) * 1000;
      expect(W).toBeGreaterThanOrEqual(wait2 + (t8s - t4e) - 1);
      expect(W).toBeLessThanOrEqual(wait2 + (t8e - t4s) + 1);
      // The observed rate counts refused requests too: r2..r6, r7 and r8 all fall in one rolling window.
      expect(sb.inspect.requests()).toMatchObject({ total: 8, rejected429: 2, maxPerSecondObserved: 7 });
    });
  });

  it("sends Retry-After in whole seconds at time-scale 1", async () => {
    await withSandbox({}, async (_sb, a) => {
      const replies = await Promise.all(Array.from({ length: 7 }, () => a.get("/users/me")));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
      const refused = replies.filter((r) => r.status === 429);
      expect(refused).toHaveLength(2);
      for (const r of refused) {
        expect(r.headers["retry-after"]).toBe("1");
        expect(r.json).toEqual({ message: "Too Many Requests" });
      }
    });
  });

  it("does not count refused requests toward the window", async () => {
    await withSandbox({ timeScale: 1.25 }, async (_sb, a) => {
      expect((await Promise.all(Array.from({ length: 5 }, () => a.get("/users/me")))).every((r) => r.status === 200)).toBe(true);
      let last = 0;
      for (let i = 0; i < 10; i++) {
        const r = await a.get("/users/me");
        expect(r.status).toBe(429);
        last = retryAfter(r);
      }
      await sleep(last * 1000 + 2);
      // Had the 10 refusals counted, the window would still be full.
      expect((await a.get("/users/me")).status).toBe(200);
    });
  });

  it("counts requests across all endpoints, bulk imports and 404s included", async () => {
    await withSandbox({}, async (sb, a) => {
      const listId = sb.inspect.createList("L").id;
      const admitted = await Promise.all([
        a.get("/users/me"),
        a.get("/lists"),
        a.post("/contact/sync", { contact: { email: "x@example.com" } }),
        a.get("/import/info?batchId=nope"),
        a.post("/import/bulk_import", { contacts: bulkContacts(2, "b", { subscribe: [{ listid: listId }] }) }),
      ]);
      expect(admitted.map((r) => r.status)).toEqual([200, 200, 201, 404, 200]);
      const bulk = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "c") });
      const tags = await a.get("/tags");
      const contacts = await a.get("/contacts");
      expect([bulk.status, tags.status, contacts.status]).toEqual([429, 429, 429]);
      const stats = sb.inspect.requests();
      expect(stats.rejected429).toBe(3);
      expect(stats.bulkRateLimited).toBe(0); // refused by the 5/s budget before the bulk limit was consulted
      expect(stats.byEndpoint).toEqual({
        "GET /users/me": 1,
        "GET /lists": 1,
        "POST /contact/sync": 1,
        "GET /import/info": 1,
        "POST /import/bulk_import": 2,
        "GET /tags": 1,
        "GET /contacts": 1,
      });
      expect(stats.log.map((e) => e.status).sort()).toEqual([200, 200, 200, 201, 404, 429, 429, 429]);
      expect(stats.bulkContactsReceived).toBe(2);
    });
  });

  it("sends RateLimit-Limit / RateLimit-Remaining only when asked to", async () => {
    await withSandbox({ rateLimitHeaders: true }, async (_sb, a) => {
      const r1 = await a.get("/users/me");
      const r2 = await a.get("/users/me");
      expect(r1.headers["ratelimit-limit"]).toBe("5");
      expect([r1.headers["ratelimit-remaining"], r2.headers["ratelimit-remaining"]]).toEqual(["4", "3"]);
    });
    await withSandbox({ timeScale: 4 }, async (_sb, a) => {
      expect((await a.get("/users/me")).headers["ratelimit-limit"]).toBeUndefined();
    });
  });
});

describe("bulk imports per rolling minute", () => {
  const RATE_LIMITED = (n: number) => ({
    success: 0,
    message: "Rate limit exceeded.",
    failureReasons: [`Up to ${n} imports may be requested per minute.Please batch contacts into larger requests, or retry this request in a minute.`],
  });

  it("admits 100 multi-contact imports per minute, then answers the documented 400 until the window moves (scale 15: 4 s minutes)", async () => {
    const W = 60_000 / 15;
    await withSandbox({ timeScale: 15, requestsPerSecond: 100_000 }, async (sb, a) => {
      const t0 = performance.now();
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "first") })).status).toBe(200);
      const firstDone = performance.now(); // the oldest admission happened before this
      let next = 1;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < 100) {
            const i = next++;
            statuses.push((await a.post("/import/bulk_import", { contacts: bulkContacts(2, `m${i}-`) })).status);
          }
        }),
      );
      expect(performance.now() - t0).toBeLessThan(W - 500); // all 100 inside one window (else the test proves nothing)
      expect(statuses.filter((s) => s === 200)).toHaveLength(99);
      const over = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "over") });
      expect(over.status).toBe(400);
      expect(over.json).toEqual(RATE_LIMITED(100));
      expect(over.headers["retry-after"]).toBeUndefined();
      // A single-contact import also needs a multi-contact slot (the stricter reading).
      const single = await a.post("/import/bulk_import", { contacts: bulkContacts(1, "single") });
      expect(single.status).toBe(400);
      expect(single.json).toEqual(RATE_LIMITED(100));
      expect(sb.inspect.requests()).toMatchObject({ bulkRateLimited: 2, maxBulkPerMinuteObserved: 102, bulkContactsReceived: 200 });
      await until(firstDone + W + 2); // the first admission has left the window: exactly one slot is free
      const later = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "later") });
      expect(later.status).toBe(200);
      expect((await waitForBatch(sb, later.json.batchId)).json.status).toBe("completed");
    });
  });

  it("admits 20 single-contact imports per minute; multi-contact imports still go through", async () => {
    await withSandbox({ timeScale: 15, requestsPerSecond: 100_000 }, async (_sb, a) => {
      const singles = await Promise.all(Array.from({ length: 20 }, (_, i) => a.post("/import/bulk_import", { contacts: bulkContacts(1, `s${i}-`) })));
      expect(singles.every((r) => r.status === 200)).toBe(true);
      const over = await a.post("/import/bulk_import", { contacts: bulkContacts(1, "s-over") });
      expect(over.status).toBe(400);
      expect(over.json).toEqual(RATE_LIMITED(20));
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "multi") })).status).toBe(200);
    });
  });

  it("answers 429 with Retry-After instead when bulkRateLimitStatus is 429", async () => {
    const W = 60_000 / 30;
    await withSandbox({ timeScale: 30, requestsPerSecond: 100_000, bulkPerMinute: 2, bulkRateLimitStatus: 429 }, async (sb, a) => {
      const t1s = performance.now();
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "a") })).status).toBe(200);
      const t1e = performance.now();
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "b") })).status).toBe(200);
      const t3s = performance.now();
      const over = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "c") });
      const t3e = performance.now();
      expect(over.status).toBe(429);
      expect(over.json).toEqual(RATE_LIMITED(2));
      const wait = retryAfter(over) * 1000; // until the first import leaves the 2 s (scaled) minute
      expect(W).toBeGreaterThanOrEqual(wait + (t3s - t1e) - 1);
      expect(W).toBeLessThanOrEqual(wait + (t3e - t1s) + 1);
      expect(sb.inspect.requests().rejected429).toBe(1);
    });
  });
});

describe("--time-scale", () => {
  /**
   * Measures, in real ms, the window a limit applies: one admitted request, then one refused with Retry-After; the
   * window lies in [wait + (refused start − admitted end), wait + (refused end − admitted start)]. When the second
   * request came too late to be refused (a loaded machine), the sample is taken again (bounded).
   */
  async function windowOf(windowMs: number, first: () => Promise<{ status: number }>, second: () => Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const t1s = performance.now();
      expect((await first()).status).toBe(200);
      const t1e = performance.now();
      const t2s = performance.now();
      const r = await second();
      const t2e = performance.now();
      if (r.status === 429) {
        const wait = retryAfter(r) * 1000;
        return { low: wait + (t2s - t1e) - 1, high: wait + (t2e - t1s) + 1, wait };
      }
      await sleep(windowMs + 5); // both admitted: let the window empty and sample again
    }
    throw new Error("never got a 429 to measure");
  }

  it("divides every window, Retry-After, processing delay and slow-response delay by N, keeping the ratios", async () => {
    for (const scale of [4, 16]) {
      // The 5/s window (capacity 1 here): 1000 ms / N.
      await withSandbox({ timeScale: scale, requestsPerSecond: 1, bulkPerMinute: 100_000 }, async (_sb, a) => {
        const w = await windowOf(1000 / scale, () => a.get("/users/me"), () => a.get("/users/me"));
        expect(1000 / scale).toBeGreaterThanOrEqual(w.low);
        expect(1000 / scale).toBeLessThanOrEqual(w.high);
      });
      // The bulk minute (capacity 1, 429 mode so Retry-After is sent): 60,000 ms / N, 60 times the 5/s window.
      await withSandbox({ timeScale: scale, requestsPerSecond: 100_000, bulkPerMinute: 1, bulkRateLimitStatus: 429 }, async (_sb, a) => {
        let n = 0;
        const w = await windowOf(
          60_000 / scale,
          () => a.post("/import/bulk_import", { contacts: bulkContacts(2, `x${n++}-`) }),
          () => a.post("/import/bulk_import", { contacts: bulkContacts(2, `y${n++}-`) }),
        );
        expect(60_000 / scale).toBeGreaterThanOrEqual(w.low);
        expect(60_000 / scale).toBeLessThanOrEqual(w.high);
      });
      // Processing (2000 ms / N from POST to completed) and a slow response (slowMs / N).
      await withSandbox({ timeScale: scale, requestsPerSecond: 100_000, bulkPerMinute: 100_000, slowMs: 2000 }, async (sb, a) => {
        const t0 = performance.now();
        const r = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "p") });
        const posted = performance.now();
        const early = await a.get(`/import/info?batchId=${r.json.batchId}`);
        if (performance.now() - t0 < 1000 / scale) expect(early.json.status).toBe(false);
        await waitForBatch(sb, r.json.batchId);
        const processing = performance.now() - t0;
        expect(processing).toBeGreaterThanOrEqual(2000 / scale);
        expect(processing).toBeLessThan(2000 / scale + 400 + (posted - t0));
        sb.inspect.setFaults("slow:1");
        const t1 = performance.now();
        expect((await a.get("/users/me")).status).toBe(200);
        const slow = performance.now() - t1;
        expect(slow).toBeGreaterThanOrEqual(2000 / scale - 1);
        expect(slow).toBeLessThan(2000 / scale + 400);
      });
    }
  });
});
