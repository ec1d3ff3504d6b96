// Exports of one connection divide its rate budget through the state storage (issue #12): the share rule, and
// several runs joining and leaving on the file store and on Azure Blob Storage (Azurite), never over the budget.
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation } from "../../../runner/config.js";
import { ConnectionBudget, shareOf, type Limits } from "../../../runner/state/connection-budget.js";
import type { ConnectionRegistry } from "../../../runner/state/connection-registry.js";
import { BlobStateStore } from "../../../runner/state/blob.js";
import { FileStateStore } from "../../../runner/state/file.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";

const L = (requestsPerSecond: number, bulkRequestsPerMinute: number): Limits => ({ requestsPerSecond, bulkRequestsPerMinute });

describe("shareOf", () => {
  it("alone: the whole configured budget", () => {
    expect(shareOf(L(4, 100), [])).toEqual(L(4, 100));
  });
  it("divides the smallest budget among the live registrants, within what the others use", () => {
    expect(shareOf(L(4, 100), [{ budget: L(4, 100), current: L(2, 50) }])).toEqual(L(2, 50));
    expect(shareOf(L(4, 100), [{ budget: L(4, 100), current: L(4, 100) }])).toEqual(L(0, 0)); // a newcomer waits for room
    expect(shareOf(L(4, 100), [{ budget: L(2, 60), current: L(0, 0) }])).toEqual(L(1, 30));
    const third = shareOf(L(4, 100), [
      { budget: L(4, 100), current: L(0, 0) },
      { budget: L(4, 100), current: L(0, 0) },
    ]);
    expect(third).toEqual(L(1.333, 33.333));
    expect(third.requestsPerSecond * 3).toBeLessThanOrEqual(4);
  });
});

/** Runs joining one registry; tracks the rate each has in force and checks after every change that the sum fits. */
function fleet(registry: () => ConnectionRegistry, budget = L(4, 100), heartbeatMs = 40, staleAfterMs = 2000) {
  const inForce = new Map<number, Limits>();
  let worst = L(0, 0);
  const runs: ConnectionBudget[] = [];
  const add = async () => {
    const i = runs.length;
    const run = new ConnectionBudget({
      registry: registry(),
      exportName: `export-${i}`,
      configured: budget,
      heartbeatMs,
      staleAfterMs,
      apply: (share) => {
        inForce.set(i, share);
        const sum = [...inForce.values()].reduce((a, b) => L(a.requestsPerSecond + b.requestsPerSecond, a.bulkRequestsPerMinute + b.bulkRequestsPerMinute), L(0, 0));
        worst = L(Math.max(worst.requestsPerSecond, sum.requestsPerSecond), Math.max(worst.bulkRequestsPerMinute, sum.bulkRequestsPerMinute));
      },
    });
    runs.push(run);
    await run.join();
    return run;
  };
  const leave = async (i: number) => {
    await runs[i]!.leave();
    inForce.delete(i);
  };
  const settled = async (expected: Record<number, Limits>, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (Object.entries(expected).every(([i, l]) => JSON.stringify(inForce.get(Number(i))) === JSON.stringify(l))) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`not settled: ${JSON.stringify(Object.fromEntries(inForce))}, expected ${JSON.stringify(expected)}`);
  };
  return { add, leave, settled, worst: () => worst, runs, stop: () => Promise.all(runs.map((r) => r.leave())) };
}

describe("ConnectionBudget on the file store", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "conn-budget-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs joining one after another share the budget, never exceed it together, and take back a leaver's share", async () => {
    const root = join(dir, "a");
    const f = fleet(() => new FileStateStore(root, "any").connectionRegistry("Contoso.api-us1.com"));
    await f.add();
    await f.settled({ 0: L(4, 100) });
    await f.add();
    await f.settled({ 0: L(2, 50), 1: L(2, 50) });
    await f.add();
    await f.settled({ 0: L(1.333, 33.333), 1: L(1.333, 33.333), 2: L(1.333, 33.333) });
    await f.leave(0);
    await f.settled({ 1: L(2, 50), 2: L(2, 50) });
    expect(f.worst().requestsPerSecond).toBeLessThanOrEqual(4);
    expect(f.worst().bulkRequestsPerMinute).toBeLessThanOrEqual(100);
    const files = await readdir(join(root, ".connections", "contoso.api-us1.com"));
    expect(files.filter((n) => n.endsWith(".json")).sort()).toEqual([expect.stringMatching(/^export-1\.[0-9a-f]{16}\.json$/), expect.stringMatching(/^export-2\.[0-9a-f]{16}\.json$/)]);
    await f.stop();
    expect(await readdir(join(root, ".connections", "contoso.api-us1.com"))).toEqual([]);
  });

  it("a dead run's record is ignored once its heartbeat is stale; an unreadable record counts as a whole budget", async () => {
    const root = join(dir, "b");
    const folder = join(root, ".connections", "contoso.api-us1.com");
    const f = fleet(() => new FileStateStore(root, "any").connectionRegistry("contoso.api-us1.com"), L(4, 100), 30);
    await f.add();
    await f.settled({ 0: L(4, 100) });
    const dead = { v: 1, export: "crashed", budget: L(4, 100), current: L(2, 50), pid: 1, host: "x", startedAt: "" };
    await writeFile(join(folder, "crashed.0123456789abcdef.json"), JSON.stringify(dead));
    await f.settled({ 0: L(2, 50) });
    const old = new Date(Date.now() - 60_000);
    await utimes(join(folder, "crashed.0123456789abcdef.json"), old, old);
    await f.settled({ 0: L(4, 100) });
    await writeFile(join(folder, "garbled.0123456789abcdef.json"), "{not json");
    await f.settled({ 0: L(0, 0) });
    await f.stop();
  });

  it("hostnames are separate connections", async () => {
    const root = join(dir, "c");
    const a = fleet(() => new FileStateStore(root, "any").connectionRegistry("one.api-us1.com"));
    const b = fleet(() => new FileStateStore(root, "any").connectionRegistry("two.api-us1.com"));
    await a.add();
    await b.add();
    await a.settled({ 0: L(4, 100) });
    await b.settled({ 0: L(4, 100) });
    await a.stop();
    await b.stop();
  });
});

describe("ConnectionBudget on Azure Blob Storage (Azurite)", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it("two runs in one state container share the budget and the leaver's share comes back", async () => {
    const url = await azurite.createContainer("export-state");
    const location = parseLocation(`${url}/state/`);
    if (location.kind !== "azure-blob") throw new Error("expected a blob location");
    // Blob Last-Modified has 1 s resolution: heartbeats of 400 ms, stale after 3 s.
    const f = fleet(() => new BlobStateStore(location, "any").connectionRegistry("contoso.api-us1.com"), L(4, 100), 400, 3000);
    await f.add();
    await f.settled({ 0: L(4, 100) });
    await f.add();
    await f.settled({ 0: L(2, 50), 1: L(2, 50) }, 15_000);
    const registry = new BlobStateStore(location, "any").connectionRegistry("contoso.api-us1.com");
    expect(registry.location).toBe(`${url}/state/.connections/contoso.api-us1.com/`);
    expect((await registry.list()).map((e) => e.id).sort()).toEqual([expect.stringMatching(/^export-0\./), expect.stringMatching(/^export-1\./)]);
    await f.leave(0);
    await f.settled({ 1: L(4, 100) }, 15_000);
    expect(f.worst()).toEqual(L(4, 100));
    await f.stop();
    expect(await registry.list()).toEqual([]);
  }, 60_000);
});
