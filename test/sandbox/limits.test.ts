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
  it("admits 5 in any rolling window and refuses the 6th with 429 and the seconds until a slot frees (scale 2: 500 ms windows)", async () => {
    await withSandbox({ timeScale: 2 }, async (sb, a) => {
      const t0 = performance.now();
      expect((await a.get("/users/me")).status).toBe(200); // r1 at ~t0
      await until(t0 + 250);
      const four = await Promise.all([a.get("/lists"), a.get("/fields"), a.get("/tags"), a.get("/users/me")]);
      expect(four.map((r) => r.status)).toEqual([200, 200, 200, 200]); // r2..r5 at ~t0+250
      const sixth = await a.get("/users/me");
      expect(sixth.status).toBe(429);
      const wait1 = retryAfter(sixth);
      expect(String(sixth.headers["retry-after"])).toMatch(/^\d+(\.\d{1,3})?$/);
      expect(wait1).toBeGreaterThan(0.1); // r1 leaves the window at ~t0+500
      expect(wait1).toBeLessThanOrEqual(0.25);
      await sleep(wait1 * 1000 + 5);
      expect((await a.get("/users/me")).status).toBe(200); // the slot r1 freed
      // Rolling, not per calendar second: r2..r5 are still inside the window until ~t0+750.
      const again = await a.get("/users/me");
      expect(again.status).toBe(429);
      expect(retryAfter(again)).toBeGreaterThan(0);
      expect(retryAfter(again)).toBeLessThanOrEqual(0.25);
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
    await withSandbox({ timeScale: 4 }, async (_sb, a) => {
      expect((await Promise.all(Array.from({ length: 5 }, () => a.get("/users/me")))).every((r) => r.status === 200)).toBe(true);
      let last = 0;
      for (let i = 0; i < 10; i++) {
        const r = await a.get("/users/me");
        expect(r.status).toBe(429);
        last = retryAfter(r);
      }
      await sleep(last * 1000 + 5);
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
    await withSandbox({ rateLimitHeaders: true, timeScale: 4 }, async (_sb, a) => {
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

  it("admits 100 multi-contact imports per minute, then answers the documented 400 until the window moves (scale 30: 2 s minutes)", async () => {
    await withSandbox({ timeScale: 30, requestsPerSecond: 100_000 }, async (sb, a) => {
      const t0 = performance.now();
      let next = 0;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < 100) {
            const i = next++;
            statuses.push((await a.post("/import/bulk_import", { contacts: bulkContacts(2, `m${i}-`) })).status);
          }
        }),
      );
      expect(performance.now() - t0).toBeLessThan(1500); // all 100 inside one window (else the test proves nothing)
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      const over = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "over") });
      expect(over.status).toBe(400);
      expect(over.json).toEqual(RATE_LIMITED(100));
      expect(over.headers["retry-after"]).toBeUndefined();
      // A single-contact import also needs a multi-contact slot (the stricter reading).
      const single = await a.post("/import/bulk_import", { contacts: bulkContacts(1, "single") });
      expect(single.status).toBe(400);
      expect(single.json).toEqual(RATE_LIMITED(100));
      expect(sb.inspect.requests()).toMatchObject({ bulkRateLimited: 2, maxBulkPerMinuteObserved: 102, bulkContactsReceived: 200 });
      await until(t0 + 2000 + 20);
      const later = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "later") });
      expect(later.status).toBe(200);
      expect((await waitForBatch(sb, later.json.batchId)).json.status).toBe("completed");
    });
  });

  it("admits 20 single-contact imports per minute; multi-contact imports still go through", async () => {
    await withSandbox({ timeScale: 30, requestsPerSecond: 100_000 }, async (_sb, a) => {
      const singles = await Promise.all(Array.from({ length: 20 }, (_, i) => a.post("/import/bulk_import", { contacts: bulkContacts(1, `s${i}-`) })));
      expect(singles.every((r) => r.status === 200)).toBe(true);
      const over = await a.post("/import/bulk_import", { contacts: bulkContacts(1, "s-over") });
      expect(over.status).toBe(400);
      expect(over.json).toEqual(RATE_LIMITED(20));
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "multi") })).status).toBe(200);
    });
  });

  it("answers 429 with Retry-After instead when bulkRateLimitStatus is 429", async () => {
    await withSandbox({ timeScale: 30, requestsPerSecond: 100_000, bulkPerMinute: 2, bulkRateLimitStatus: 429 }, async (sb, a) => {
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "a") })).status).toBe(200);
      expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "b") })).status).toBe(200);
      const over = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "c") });
      expect(over.status).toBe(429);
      expect(over.json).toEqual(RATE_LIMITED(2));
      expect(retryAfter(over)).toBeGreaterThan(1.5); // the 2 s (scaled) window, minus the time the first two took
      expect(retryAfter(over)).toBeLessThanOrEqual(2);
      expect(sb.inspect.requests().rejected429).toBe(1);
    });
  });
});

describe("--time-scale", () => {
  it("divides every window, Retry-After, processing delay and slow-response delay by N, keeping the ratios", async () => {
    const measured: Record<number, { rps: number; bulk: number; processing: number; slow: number }> = {};
    for (const scale of [10, 40]) {
      // Retry-After of the 5/s window (capacity 1 here) and of the bulk window (capacity 1, 429 mode), in API seconds.
      const { rps, bulk } = await withSandbox({ timeScale: scale, requestsPerSecond: 1, bulkPerMinute: 1, bulkRateLimitStatus: 429 }, async (_sb, a) => {
        expect((await a.get("/users/me")).status).toBe(200);
        const r = await a.get("/users/me");
        expect(r.status).toBe(429);
        const rpsWait = retryAfter(r);
        await sleep(rpsWait * 1000 + 2);
        expect((await a.post("/import/bulk_import", { contacts: bulkContacts(2, "x") })).status).toBe(200);
        await sleep(1000 / scale + 2);
        const b = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "y") });
        expect(b.status).toBe(429);
        return { rps: rpsWait * scale, bulk: retryAfter(b) * scale };
      });
      // Processing time (POST → completed) and a slow response, measured, in API milliseconds.
      const { processing, slow } = await withSandbox({ timeScale: scale, requestsPerSecond: 100_000, bulkPerMinute: 100_000, slowMs: 2000 }, async (sb, a) => {
        const t0 = performance.now();
        const r = await a.post("/import/bulk_import", { contacts: bulkContacts(2, "p") });
        await waitForBatch(sb, r.json.batchId);
        const processingMs = (performance.now() - t0) * scale;
        sb.inspect.setFaults("slow:1");
        const t1 = performance.now();
        expect((await a.get("/users/me")).status).toBe(200);
        return { processing: processingMs, slow: (performance.now() - t1) * scale };
      });
      measured[scale] = { rps, bulk, processing, slow };
    }
    for (const scale of [10, 40]) {
      const m = measured[scale]!;
      expect(m.rps).toBeGreaterThan(0.75); // 1 s window minus the few ms between the two requests
      expect(m.rps).toBeLessThanOrEqual(1);
      expect(m.bulk).toBeGreaterThan(57); // 60 s window minus the 1 s waited for the 5/s budget
      expect(m.bulk).toBeLessThanOrEqual(59);
      expect(m.processing).toBeGreaterThanOrEqual(1990);
      expect(m.processing).toBeLessThan(2000 + 60 * scale); // polling adds a few real ms
      expect(m.slow).toBeGreaterThanOrEqual(1990);
      expect(m.slow).toBeLessThan(2000 + 60 * scale);
      expect(m.bulk / m.rps).toBeGreaterThan(57);
      expect(m.bulk / m.rps).toBeLessThan(79);
    }
  });
});
