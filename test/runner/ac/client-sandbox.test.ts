// The client against the project's sandbox (runner/sandbox): real HTTP on loopback, real limits, seeded faults.
// Outcomes are read back from the sandbox's inspector, not only from what the client says.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createAcClient, type AcClientOptions } from "../../../runner/ac/client.js";
import { AcRequestError, ApiKeyRejectedError, type AcClient, type AcClientEvent } from "../../../runner/ac/types.js";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../../runner/sandbox/index.js";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await startSandbox(options);
  open.push(sb);
  return sb;
}

type TestClient = AcClient & { events: AcClientEvent[] };
function clientFor(sb: Sandbox, extra: Partial<AcClientOptions> = {}): TestClient {
  const events: AcClientEvent[] = [];
  const c = createAcClient({
    baseUrl: `${sb.url}/api/3`,
    apiKey: sb.apiKey,
    hostname: "acme.api-us1.com",
    rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 },
    timeScale: sb.options.timeScale,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  open.push(c);
  return Object.assign(c, { events });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** Polls import/info until the batch ends (bounded). */
async function waitForBatch(c: AcClient, batchId: string, maxPolls = 200) {
  for (let i = 0; i < maxPolls; i++) {
    const info = await c.importInfo(batchId);
    if (info.status === "completed" || info.status === "failed" || info.status === "interrupted") return info;
    await sleep(20);
  }
  throw new Error(`batch ${batchId} did not finish within ${maxPolls} polls`);
}

describe("AcClient against the sandbox", () => {
  it("every method works and the client's endpoint templates match the sandbox's", async () => {
    const sb = await sandbox({ timeScale: 20 });
    const fields = Array.from({ length: 130 }, (_, i) => ({ title: `Field ${i + 1}`, perstag: `FIELD_${i + 1}`, type: "text" }));
    const seeded = sb.inspect.seed({ lists: ["Newsletter"], fields, tags: ["VIP Gold", "vip"] });
    const listId = seeded.lists[0]!;
    const c = clientFor(sb);

    await c.checkKey();
    expect(await c.getList(listId)).toEqual({ id: listId, name: "Newsletter" });
    expect(await c.getList(999_999)).toBeNull();
    // AC documents no offset on /fields (the sandbox ignores it by default): 130 fields are found by tag, not paged.
    const got = await c.findFields(["FIELD_1", "field_130", "NO_SUCH_FIELD"]);
    expect(got.map((f) => f.perstag)).toEqual(["FIELD_1", "FIELD_130"]);
    expect(got[1]).toMatchObject({ title: "Field 130", type: "text" });
    expect(await c.listFields()).toHaveLength(100);
    expect(await c.findTag("VIP")).toEqual({ id: seeded.tags[1], tag: "vip" });
    expect(await c.findTag("vip gold")).toEqual({ id: seeded.tags[0], tag: "VIP Gold" });
    expect(await c.findTag("bronze")).toBeNull();

    expect(await c.findContactByEmail("ann@example.com")).toBeNull();
    const ann = await c.syncContact({ email: "ann@example.com", firstName: "Ann", fieldValues: [{ field: got[0]!.id, value: "gold" }] });
    expect(ann).toMatchObject({ email: "ann@example.com", firstName: "Ann" });
    expect(await c.findContactByEmail("ANN@example.com")).toMatchObject({ id: ann.id });
    expect(await c.setListStatus(ann.id, listId, 1)).toMatchObject({ contact: ann.id, list: listId, status: 1 });
    expect(await c.contactLists(ann.id)).toEqual([expect.objectContaining({ contact: ann.id, list: listId, status: 1 })]);
    const ct = await c.addContactTag(ann.id, seeded.tags[1]!);
    expect(await c.contactTags(ann.id)).toEqual([ct]);
    await c.removeContactTag(ct.id);
    expect(await c.contactTags(ann.id)).toEqual([]);

    const batch = Array.from({ length: 12 }, (_, i) => ({
      email: `bulk${i}@example.com`,
      first_name: `B${i}`,
      tags: ["vip"],
      fields: [{ id: got[1]!.id, value: `v${i}` }],
      subscribe: [{ listid: listId }],
      exclude_automations: true,
    }));
    const queued = await c.bulkImport(batch);
    expect(queued).toEqual({ batchId: expect.any(String) });
    const info = await waitForBatch(c, (queued as { batchId: string }).batchId);
    expect(info.status).toBe("completed");
    expect(info.success).toHaveLength(12);
    const members = sb.inspect.members(listId, 1);
    expect(members.map((m) => m.email).sort()).toEqual([...batch.map((b) => b.email), "ann@example.com"].sort());
    expect(members.find((m) => m.email === "bulk3@example.com")).toMatchObject({ firstName: "B3", tags: ["vip"], fields: { FIELD_130: "v3" } });

    const bad = batch.map((b, i) => (i === 7 ? { ...b, email: "not-an-email" } : b));
    const rejected = await c.bulkImport(bad);
    expect(rejected).toEqual({ rejected: { message: expect.any(String), failureReasons: [expect.objectContaining({ contact: 7 })] } });

    const stats = sb.inspect.requests();
    expect(c.stats().requestsByEndpoint).toEqual(stats.byEndpoint);
    expect(c.stats().retriesByReason).toEqual({});
    expect(stats.rejected429).toBe(0);
  });

  it("an all-403 key fails after 5 tries of the key check (F15), \"API key rejected for <hostname>\"", async () => {
    const sb = await sandbox();
    const c = clientFor(sb, { apiKey: "wrong-key-0000", forbiddenBackoff: { baseMs: 10, capMs: 40 } });
    const started = [c.checkKey(), c.getList(1), c.listFields(), c.bulkImport([{ email: "a@example.com" }, { email: "b@example.com" }])];
    const results = await Promise.allSettled(started);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      const err = (r as PromiseRejectedResult).reason as Error;
      expect(err).toBeInstanceOf(ApiKeyRejectedError);
      expect(err.message).toContain("API key rejected for acme.api-us1.com");
    }
    await expect(c.findTag("x")).rejects.toBeInstanceOf(ApiKeyRejectedError);
    expect(sb.inspect.requests().total).toBe(5);
    expect(sb.inspect.requests().rejected403).toBe(5);
    expect(sb.inspect.requests().byEndpoint).toEqual({ "GET /users/me": 5 });
  });

  it("a concurrent burst of mixed requests never exceeds the sandbox's limits, and bulk imports run at the floor", async () => {
    const timeScale = 60; // the 60 s bulk window takes 1 s, the 1 s window 16.7 ms
    const sb = await sandbox({ timeScale });
    const listId = sb.inspect.seed({ lists: ["L"] }).lists[0]!;
    const c = clientFor(sb);
    await c.checkKey();
    const batch = [
      { email: "x1@example.com", subscribe: [{ listid: listId }] },
      { email: "x2@example.com", subscribe: [{ listid: listId }] },
    ];
    let lastBatch = "";
    const until = performance.now() + 4200;
    const bulkWorker = async () => {
      while (performance.now() < until) {
        const r = await c.bulkImport(batch);
        if ("batchId" in r) lastBatch = r.batchId;
      }
    };
    const pollWorker = async () => {
      while (performance.now() < until) {
        if (lastBatch) await c.importInfo(lastBatch);
        else await c.getList(listId);
      }
    };
    // Enough bulk imports queued to keep the bulk window full (as the sync's pipeline does), polls alongside.
    await Promise.all([...Array.from({ length: 12 }, bulkWorker), ...Array.from({ length: 6 }, pollWorker)]);

    const stats = sb.inspect.requests();
    expect(stats.rejected429).toBe(0);
    expect(stats.bulkRateLimited).toBe(0);
    expect(stats.maxPerSecondObserved).toBeLessThanOrEqual(5);
    expect(stats.maxBulkPerMinuteObserved).toBeLessThanOrEqual(100);
    expect(c.stats().retriesByReason).toEqual({});

    // Throughput in steady state: how long it takes 100 bulk POSTs to follow the 100 before them (the window is full
    // from the first burst on), as bulk POSTs per scaled minute.
    const windowMs = 60_000 / timeScale;
    const bulkTimes = stats.log.filter((e) => e.endpoint === "POST /import/bulk_import" && e.status === 200).map((e) => e.at);
    const gaps = bulkTimes.slice(100).map((t, i) => t - bulkTimes[i]!);
    expect(gaps.length).toBeGreaterThan(200);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(windowMs); // no 101 in any window, as the server saw them
    const perMinute = (100 * windowMs) / (gaps.reduce((a, b) => a + b, 0) / gaps.length);
    const polls = (stats.byEndpoint["GET /import/info"] ?? 0) + (stats.byEndpoint["GET /lists/{id}"] ?? 0);
    console.log(
      `[ac-client throughput] time-scale ${timeScale}: ${perMinute.toFixed(1)} bulk POSTs per scaled minute (limit 100); ` +
        `${stats.total} requests in total, ${polls} polls alongside; max ${stats.maxPerSecondObserved}/s (limit 5), ` +
        `max ${stats.maxBulkPerMinuteObserved} bulk/min; client throttled ${c.stats().throttledMs} ms`,
    );
    // Each bulk slot comes back one window after its response: the loss is one loopback latency per window.
    expect(perMinute).toBeGreaterThanOrEqual(95);
    expect(perMinute).toBeLessThanOrEqual(100);
    expect(bulkTimes.length).toBeGreaterThanOrEqual(4 * 95);
    // The polls were not starved: they share the rest of the general budget (each general slot comes back one
    // window after its response, so at time-scale 60 the loopback latency eats a good part of the 16.7 ms window).
    expect(polls).toBeGreaterThan(150);
  }, 30_000);

  it("retries every injected fault kind, and its retry counts match what the sandbox injected", async () => {
    const sb = await sandbox({ timeScale: 50, faults: "429:0.08,503:0.08,500:0.08,reset:0.08,html504:0.08", seed: 7 });
    const listId = sb.inspect.seed({ lists: ["L"], tags: ["t"] }).lists[0]!;
    const c = clientFor(sb, { maxRetries: 12 });
    await c.checkKey();
    const contact = await c.syncContact({ email: "f@example.com" });
    const calls: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < 40; i++) {
      calls.push(() => c.getList(listId));
      calls.push(() => c.contactLists(contact.id));
      calls.push(() => c.findContactByEmail("f@example.com"));
    }
    for (let i = 0; i < 12; i++) calls.push(() => c.bulkImport([{ email: `f${i}@example.com` }, { email: `g${i}@example.com` }]));
    const results = await Promise.allSettled(calls.map((f) => f()));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const stats = sb.inspect.requests();
    const retries = c.stats().retriesByReason;
    expect(stats.rejected429).toBe(0);
    expect(retries["429"]).toBe(stats.faults["429"]);
    expect(retries["503"]).toBe(stats.faults["503"]);
    expect(retries["500"]).toBe(stats.faults["500"]);
    expect(retries.reset).toBe(stats.faults.reset);
    expect(retries.html).toBe(stats.faults.html504);
    for (const reason of ["429", "503", "500", "reset", "html"]) expect(retries[reason]).toBeGreaterThan(0);
    expect(sum(c.stats().requestsByEndpoint)).toBe(stats.total);
    // Bulk imports whose response was lost after the sandbox applied them were sent again, and counted.
    const lostBulk = stats.log.filter((e) => e.endpoint === "POST /import/bulk_import" && ["reset", "html504", "500", "503"].includes(e.fault ?? "")).length;
    expect(c.stats().bulkResends).toBe(lostBulk);
    // 429s paused the whole budget: the sandbox never saw more than 5 requests in a (scaled) second.
    expect(stats.maxPerSecondObserved).toBeLessThanOrEqual(5);
    expect(c.events.filter((e) => e.type === "throttle" && e.scope === "all").length).toBe(stats.faults["429"]);
  }, 30_000);

  it("reports a batch that the sandbox ends `failed` as such (the engine decides what to do)", async () => {
    // Time scale 5: the import ends 400 ms after its POST, so the first poll comes before it even on a loaded machine
    // (at 50 it ended after 40 ms, sooner than a busy machine's next request).
    const sb = await sandbox({ timeScale: 5, faults: "bulkfail:1" });
    const c = clientFor(sb);
    const queued = (await c.bulkImport([{ email: "a@example.com" }, { email: "b@example.com" }])) as { batchId: string };
    const first = await c.importInfo(queued.batchId);
    expect(first.status).toBe(false); // polled at once: not known yet
    expect((await waitForBatch(c, queued.batchId)).status).toBe("failed");
    expect(sb.inspect.contact("a@example.com")).toBeUndefined();
  });

  it("times out slow answers and retries them", async () => {
    const sb = await sandbox({ faults: "slow:0.5", seed: 3, slowMs: 3000 });
    const c = clientFor(sb, { timeoutMs: 400, backoff: { baseMs: 10, capMs: 50 }, rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 } });
    await c.checkKey();
    for (let i = 0; i < 6; i++) await c.findContactByEmail("nobody@example.com");
    const stats = sb.inspect.requests();
    expect(c.stats().retriesByReason.timeout).toBe(stats.faults.slow);
    expect(stats.faults.slow).toBeGreaterThan(0);
  }, 30_000);

  it.each([400, 429] as const)("waits for the bulk window when the sandbox says \"Rate limit exceeded.\" (HTTP %d)", async (status) => {
    // Another integration uses the account's bulk budget: the sandbox allows 3/min, the client believes 100/min.
    const sb = await sandbox({ timeScale: 60, bulkPerMinute: 3, bulkRateLimitStatus: status });
    const c = clientFor(sb);
    await c.checkKey();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => c.bulkImport([{ email: `r${i}@example.com` }, { email: `s${i}@example.com` }])));
    for (const r of results) expect(r).toEqual({ batchId: expect.any(String) });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000); // one scaled minute
    const stats = sb.inspect.requests();
    // The first refusals lower the bulk ceiling to what the sandbox admitted: the others wait for a freed slot instead
    // of being refused in a herd (at most one probe above the ceiling after a quiet window).
    expect(stats.bulkRateLimited).toBeGreaterThanOrEqual(1);
    expect(stats.bulkRateLimited).toBeLessThanOrEqual(3);
    expect(c.stats().retriesByReason["bulk-rate-limit"]).toBe(stats.bulkRateLimited);
    expect(stats.batches.queued).toBe(5);
  }, 30_000);

  it("two clients sharing one account: the sandbox's own 429s pause each budget and lower its ceiling; both finish near the account's rate", async () => {
    const timeScale = 10; // 1 s window = 100 ms
    const sb = await sandbox({ timeScale });
    const a = clientFor(sb);
    const b = clientFor(sb);
    await a.checkKey();
    await b.checkKey();
    const t0 = performance.now();
    const work = (c: AcClient) => Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 10; i++) expect(await c.getList(1)).toBeNull();
    }));
    await Promise.all([work(a), work(b)]);
    const elapsed = performance.now() - t0;
    const stats = sb.inspect.requests();
    const accepted = stats.total - stats.rejected429;
    const ideal = ((accepted - 2) / 5) * (1000 / timeScale); // 5 per window was all the account allowed
    expect(stats.rejected429).toBeGreaterThan(0);
    expect((a.stats().retriesByReason["429"] ?? 0) + (b.stats().retriesByReason["429"] ?? 0)).toBe(stats.rejected429);
    // Each refusal lowers the ceiling to what the sandbox admitted, so refusals stay around one per window per client
    // (a probe) instead of a herd after every pause (~11 per window with 16 callers); and the account's rate is still
    // used (not halved by over-caution).
    const windows = ideal / (1000 / timeScale);
    expect(stats.rejected429).toBeLessThan(3 * windows);
    expect(elapsed).toBeLessThan(ideal * 1.5);
    expect(stats.maxPerSecondObserved).toBeLessThanOrEqual(10); // refused ones included
  }, 30_000);

  it("gives up after maxRetries with AcRequestError naming the endpoint and the last failure", async () => {
    const sb = await sandbox({ faults: "500:1" });
    const c = clientFor(sb, { maxRetries: 2, backoff: { baseMs: 5, capMs: 10 } });
    // No request ever gets through, so the key is never confirmed: a 500 is not a 403, the client keeps trying.
    const err = (await c.getList(1).catch((e: unknown) => e)) as AcRequestError;
    expect(err).toBeInstanceOf(AcRequestError);
    expect(err.endpoint).toBe("GET /lists/{id}");
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/failed after 3 attempts; last: HTTP 500: \{"message":"An unexpected error occurred\."\}/);
    expect(sb.inspect.requests().total).toBe(3);
  });

  it("a canary key never appears in any error, event, stat or thrown object, on any failure path", async () => {
    const canary = "canary-ac-key-5e1f0b7d9c2a4e6f8a1b3c5d7e9f0a2b";
    const sb = await sandbox({ apiKey: canary, timeScale: 50, faults: "429:0.1,503:0.1,500:0.1,reset:0.1,html504:0.1,slow:0.05", slowMs: 2000, seed: 11, bulkPerMinute: 2 });
    const collected: unknown[] = [];
    const wrong = clientFor(sb, { apiKey: `${canary}-revoked` });
    collected.push(await wrong.checkKey().catch((e: unknown) => e), await wrong.getList(1).catch((e: unknown) => e), wrong.events, wrong.stats());
    const c = clientFor(sb, { timeoutMs: 30, maxRetries: 3, backoff: { baseMs: 1, capMs: 5 } });
    const calls: Array<() => Promise<unknown>> = [
      () => c.checkKey(),
      () => c.getList(424242),
      () => c.syncContact({ email: "not an email" }),
      () => c.contactTags(999_999),
      () => c.addContactTag(999_999, 1),
      () => c.removeContactTag(999_999),
      () => c.setListStatus(999_999, 1, 1),
      () => c.importInfo(""),
      () => c.bulkImport([{ email: "ok@example.com" }, { email: "bad" }]),
      () => c.bulkImport([{ email: "ok@example.com" }, { email: "ok2@example.com" }]),
      () => c.bulkImport([{ email: "ok@example.com" }, { email: "ok3@example.com" }]),
      () => c.bulkImport([{ email: "ok@example.com" }, { email: "ok4@example.com" }]),
    ];
    for (let round = 0; round < 3; round++) for (const call of calls) collected.push(await call().catch((e: unknown) => e));
    collected.push(c.events, c.stats());
    expect(collected.filter((x) => x instanceof Error).length).toBeGreaterThan(5);
    for (const item of collected) {
      const text = [inspect(item, { depth: 20, showHidden: true }), JSON.stringify(item), item instanceof Error ? `${item.message}\n${item.stack}` : ""].join("\n");
      expect(text).not.toContain(canary);
      expect(text).not.toContain(canary.slice(0, 16));
    }
  }, 30_000);
});
