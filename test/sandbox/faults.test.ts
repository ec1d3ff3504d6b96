// Fault injection over real HTTP: each kind, seeded reproducibility, and /__sandbox never being faulted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { api, bulkContacts, call, quickSandbox, waitForBatch } from "./helpers.js";

describe("each fault kind", () => {
  let sb: Sandbox;
  let a: ReturnType<typeof api>;
  beforeAll(async () => {
    sb = await quickSandbox({ timeScale: 10, slowMs: 3000 });
    a = api(sb);
  });
  afterAll(() => sb.close());

  it("429: an extra 429 with Retry-After, not counted toward the 5/s window", async () => {
    const strict = await startSandbox({ timeScale: 10, faults: "429:1" });
    try {
      const replies = await Promise.all(Array.from({ length: 8 }, () => api(strict).get("/users/me")));
      for (const r of replies) {
        expect(r.status).toBe(429);
        expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(0.1); // 1-3 s, scaled by 10
        expect(Number(r.headers["retry-after"])).toBeLessThanOrEqual(0.3);
      }
      strict.inspect.setFaults(null);
      const after = await Promise.all(Array.from({ length: 5 }, () => api(strict).get("/users/me")));
      expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(strict.inspect.requests()).toMatchObject({ rejected429: 0, faults: { "429": 8 } });
    } finally {
      await strict.close();
    }
  });

  it("503 (HTML body) and 500 (JSON body) are not applied", async () => {
    sb.inspect.setFaults("503:1");
    const r503 = await a.post("/contact/sync", { contact: { email: "f503@example.com" } });
    expect(r503.status).toBe(503);
    expect(r503.headers["content-type"]).toContain("text/html");
    expect(r503.text).toContain("503 Service Temporarily Unavailable");
    sb.inspect.setFaults("500:1");
    const r500 = await a.post("/contact/sync", { contact: { email: "f500@example.com" } });
    expect(r500.status).toBe(500);
    expect(r500.json).toEqual({ message: "An unexpected error occurred." });
    sb.inspect.setFaults(null);
    expect(sb.inspect.contact("f503@example.com")).toBeUndefined();
    expect(sb.inspect.contact("f500@example.com")).toBeUndefined();
  });

  it("html504: a Cloudflare-style HTML 504 page; the request was applied all the same", async () => {
    sb.inspect.setFaults("html504:1");
    const r = await a.post("/contact/sync", { contact: { email: "f504@example.com" } });
    sb.inspect.setFaults(null);
    expect(r.status).toBe(504);
    expect(r.headers["content-type"]).toContain("text/html");
    expect(r.text).toMatch(/<title>[^<]*504: Gateway time-out<\/title>/);
    expect(r.text).toContain("Cloudflare Ray ID");
    expect(r.json).toBeUndefined();
    expect(sb.inspect.contact("f504@example.com")).toBeDefined();
  });

  it("reset: the connection dies mid-response; the request was applied (unless lostResponsesApplied is false)", async () => {
    sb.inspect.setFaults("reset:1");
    await expect(a.post("/contact/sync", { contact: { email: "reset@example.com" } })).rejects.toThrow();
    sb.inspect.setFaults(null);
    expect(sb.inspect.contact("reset@example.com")).toBeDefined();
    expect(sb.inspect.requests().log.at(-1)).toMatchObject({ endpoint: "POST /contact/sync", status: -1, fault: "reset" });
    // The connection is usable again afterwards (a new one).
    expect((await a.get("/users/me")).status).toBe(200);

    const strict = await quickSandbox({ faults: "reset:1", lostResponsesApplied: false });
    try {
      await expect(api(strict).post("/contact/sync", { contact: { email: "reset@example.com" } })).rejects.toThrow();
      expect(strict.inspect.contact("reset@example.com")).toBeUndefined();
    } finally {
      await strict.close();
    }
  });

  it("slow: the response comes several (scaled) seconds late, and is correct", async () => {
    sb.inspect.setFaults("slow:1");
    const t0 = performance.now();
    const r = await a.get("/users/me");
    sb.inspect.setFaults(null);
    expect(r.status).toBe(200);
    expect(r.json.user.id).toBe("1");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295); // 3000 ms / 10
  });

  it("bulkfail / bulkinterrupt: an accepted batch ends failed / interrupted with nothing applied", async () => {
    const listId = sb.inspect.createList("Faulty").id;
    for (const [kind, status] of [["bulkfail", "failed"], ["bulkinterrupt", "interrupted"]] as const) {
      sb.inspect.setFaults(`${kind}:1`);
      const r = await a.post("/import/bulk_import", { contacts: bulkContacts(5, kind, { subscribe: [{ listid: listId }] }) });
      sb.inspect.setFaults(null);
      expect(r.status).toBe(200);
      expect(r.json.Success).toBe(1);
      const info = await waitForBatch(sb, r.json.batchId);
      expect(info.json).toEqual({ status, success: [], failure: [] });
      expect(sb.inspect.contact(`${kind}0@example.com`)).toBeUndefined();
    }
    expect(sb.inspect.members(listId)).toEqual([]);
    expect(sb.inspect.requests().batches).toMatchObject({ failed: 1, interrupted: 1 });
  });

  it("contactfail: one contact of a batch fails and is listed by email in failure", async () => {
    sb.inspect.setFaults("contactfail:1");
    const r = await a.post("/import/bulk_import", { contacts: bulkContacts(3, "cf") });
    sb.inspect.setFaults(null);
    const info = await waitForBatch(sb, r.json.batchId);
    expect(info.json).toEqual({ status: "completed", success: [], failure: ["cf0@example.com", "cf1@example.com", "cf2@example.com"] });
  });

  it("never faults, limits or counts /__sandbox", async () => {
    sb.inspect.setFaults("500:1");
    const before = sb.inspect.requests().total;
    for (let i = 0; i < 10; i++) expect((await call(sb, "GET", "/__sandbox/requests?log=0", { token: null })).status).toBe(200);
    expect((await call(sb, "POST", "/__sandbox/lists", { body: { name: "Still fine" }, token: null })).status).toBe(201);
    sb.inspect.setFaults(null);
    expect(sb.inspect.requests().total).toBe(before);
  });
});

describe("seeded faults", () => {
  const SPEC = "429:0.1,503:0.2,500:0.1,html504:0.1";
  const sequence = async (sb: Sandbox) => {
    const out: number[] = [];
    for (let i = 0; i < 40; i++) out.push((await api(sb).get("/users/me")).status);
    return out;
  };

  it("gives the same faults for the same seed and requests, another sequence for another seed, and restarts on reset()", async () => {
    const runs: number[][] = [];
    for (const seed of [42, 42, 43]) {
      const sb = await quickSandbox({ faults: SPEC, seed });
      try {
        runs.push(await sequence(sb));
        if (runs.length === 1) {
          sb.inspect.reset();
          expect(await sequence(sb)).toEqual(runs[0]);
        }
      } finally {
        await sb.close();
      }
    }
    const [a, b, c] = runs as [number[], number[], number[]];
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    // Roughly the asked mix (40 draws; 50% faults): some of each status, and some successes.
    for (const s of [200, 429, 503]) expect(a).toContain(s);
  });

  it("refuses a bad fault spec with a message naming the problem", async () => {
    await expect(startSandbox({ faults: "418:0.5" })).rejects.toThrow(/unknown fault kind "418"; known kinds: 429, 503, 500, reset, html504, slow, 403, bulkfail/);
    await expect(startSandbox({ faults: "503:2" })).rejects.toThrow(/fault 503 needs a probability from 0 to 1; got 2/);
    await expect(startSandbox({ faults: "503:0.6,500:0.6" })).rejects.toThrow(/add up to 1.2/);
    await expect(startSandbox({ faults: "503" })).rejects.toThrow(/must look like kind:probability/);
  });
});
