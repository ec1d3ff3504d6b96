// Faults: the sandbox answers 10% of requests with 429 (Retry-After), 5% with 503, drops 2% of connections
// mid-response, sends 1% Cloudflare-style HTML 504 pages, ends 2% of bulk imports "failed" and delays 2% of responses;
// a first sync and an incremental run must still end with the exact list and report their retries. An account whose
// every request is refused (403) must fail fast, once, with one clear message, writing nothing.
// Each fault kind is also injected alone, often (25-30%), on a small sync, so that every kind is certainly exercised
// and its retries (or, for contacts ActiveCampaign fails, the reported failures and the next run's resend) checked.
// Bounded: 10,000 members for the mix. RESILIENCE=full: 50,000.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import type { RunReport } from "../../runner/sync/report.js";
import { parseEvents } from "../bench/lib.js";
import { csvOf, ExportFixture, expectList, person, readReport, rng, runIn, size, subscribedAs, type ExpectedMember } from "./helpers.js";

const MEMBERS = size(10_000, 50_000);
const FAULTS = "429:0.1,503:0.05,reset:0.02,html504:0.01,slow:0.02,bulkfail:0.02";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 11 });
});
afterEach(() => sandbox.inspect.setFaults(null));
afterAll(async () => {
  await sandbox?.close();
});

const retries = (r: RunReport) => r.requests?.retriesByReason ?? {};
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

describe("faults", () => {
  it(
    `a ${MEMBERS.toLocaleString("en-US")}-member sync through ${FAULTS} ends with the exact list and reports its retries`,
    async () => {
      const f = new ExportFixture(sandbox);
      try {
        let people = Array.from({ length: MEMBERS }, (_, i) => person(f, i));
        f.writeSegment(csvOf(people));
        sandbox.inspect.setFaults(FAULTS);
        const before = sandbox.inspect.requests();
        // Not --json: the event log on stderr is read below (--json prints only the report).
        const first = await runIn(f, "run", [], { timeoutMs: size(120_000, 600_000) });
        const after = sandbox.inspect.requests();
        expect(first.code, first.stderr.slice(-3000)).toBe(0);
        const report = readReport(f);
        expect(report.counts).toMatchObject({ added: MEMBERS, failed: 0, rejected: 0 });
        expectList(sandbox, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list after the first sync under faults");

        // Every injected request fault was retried, and the report says so.
        const injected = (k: string) => (after.faults[k] ?? 0) - (before.faults[k] ?? 0);
        const requestFaults = ["429", "503", "reset", "html504"].reduce((n, k) => n + injected(k), 0);
        expect(requestFaults, JSON.stringify(after.faults)).toBeGreaterThan(10);
        const byReason = retries(report);
        expect(byReason["429"] ?? 0).toBeGreaterThanOrEqual(injected("429"));
        expect(byReason["503"] ?? 0).toBeGreaterThanOrEqual(injected("503"));
        expect(sum(byReason)).toBeGreaterThanOrEqual(requestFaults);
        // Failed imports were re-sent: as many "not completed" batches in the log as the sandbox failed.
        const notCompleted = parseEvents(first.stderr).filter((e) => e.event === "batch-not-completed").length;
        expect(notCompleted).toBe(injected("bulkfail"));

        // The next day under the same faults: 5% changed, 3% new, 2% gone (onLeave unsubscribe).
        const r = rng(5);
        const changed = new Set<number>();
        while (changed.size < Math.floor(MEMBERS * 0.05)) changed.add(r.int(0, MEMBERS - 1));
        const gone = new Set<number>();
        while (gone.size < Math.floor(MEMBERS * 0.02)) {
          const i = r.int(0, MEMBERS - 1);
          if (!changed.has(i)) gone.add(i);
        }
        const expected = new Map<string, ExpectedMember>();
        people = people.map((p, i) => (changed.has(i) ? { ...p, tier: p.tier === "platinum" ? "gold" : "platinum", first: `${p.first}-2` } : p));
        const next = [...people.filter((_, i) => !gone.has(i)), ...Array.from({ length: Math.floor(MEMBERS * 0.03) }, (_, i) => person(f, MEMBERS + i))];
        for (const p of next) expected.set(p.email, subscribedAs(p));
        for (const i of gone) expected.set(people[i]!.email, { ...subscribedAs(people[i]!), status: 2 });
        f.writeConfig({ onLeave: "unsubscribe" });
        f.writeSegment(csvOf(next));
        await new Promise((resolve) => setTimeout(resolve, 60_000 / ExportFixture.timeScale)); // the bulk window empties
        const second = await runIn(f, "run", ["--json"], { timeoutMs: size(120_000, 600_000) });
        expect(second.code, second.stderr.slice(-3000)).toBe(0);
        expect(JSON.parse(second.stdout).counts).toMatchObject({ added: Math.floor(MEMBERS * 0.03), updated: changed.size, left: gone.size, failed: 0 });
        expectList(sandbox, f.listId, expected, "the list after the incremental run under faults");
      } finally {
        f.cleanup();
      }
    },
    size(120_000, 900_000),
  );

  const kinds: Array<{ kind: string; spec: string; reasons: string[] }> = [
    { kind: "429 with Retry-After", spec: "429:0.25", reasons: ["429"] },
    { kind: "503", spec: "503:0.25", reasons: ["503"] },
    { kind: "500", spec: "500:0.25", reasons: ["500"] },
    { kind: "connection reset mid-response", spec: "reset:0.25", reasons: ["reset", "truncated"] },
    { kind: "HTML 504 page", spec: "html504:0.25", reasons: ["html", "504"] },
    { kind: "slow responses", spec: "slow:0.3", reasons: [] },
    { kind: "imports ending failed", spec: "bulkfail:0.3", reasons: [] },
    { kind: "imports ending interrupted", spec: "bulkinterrupt:0.3", reasons: [] },
  ];
  for (const [k, { kind, spec, reasons }] of kinds.entries()) {
    it(`${kind} alone (${spec}): exact list, every fault retried`, async () => {
      // A sandbox of its own, seeded: the same requests (the sequential preflight first) and the same imports get the
      // same faults on every run of this test.
      const own = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 100 + k, faults: spec });
      const f = new ExportFixture(own);
      try {
        const people = Array.from({ length: 2_000 }, (_, i) => person(f, i));
        f.writeSegment(csvOf(people));
        const res = await runIn(f, "run", [], { timeoutMs: 60_000 });
        const after = own.inspect.requests();
        own.inspect.setFaults(null);
        expect(res.code, res.stderr.slice(-3000)).toBe(0);
        expectList(own, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), `the list after ${kind}`);
        const name = spec.split(":")[0]!;
        const injected = after.faults[name] ?? 0;
        expect(injected, `${name} injected`).toBeGreaterThan(0);
        const report = readReport(f);
        if (reasons.length) expect(reasons.reduce((n, r) => n + (retries(report)[r] ?? 0), 0)).toBeGreaterThanOrEqual(injected);
        if (name.startsWith("bulk")) expect(parseEvents(res.stderr).filter((e) => e.event === "batch-not-completed").length).toBe(injected);
      } finally {
        f.cleanup();
        await own.close();
      }
    }, 60_000);
  }

  it("contacts ActiveCampaign fails inside an import are reported with their batch, and the next run sends them", async () => {
    const f = new ExportFixture(sandbox);
    try {
      const people = Array.from({ length: 1_000 }, (_, i) => person(f, i));
      f.writeSegment(csvOf(people));
      sandbox.inspect.setFaults("contactfail:0.02");
      const first = await runIn(f, "run", ["--json"]);
      sandbox.inspect.setFaults(null);
      expect(first.code, first.stderr.slice(-2000)).toBe(3);
      const report = JSON.parse(first.stdout) as RunReport;
      const failedEmails = new Set(
        readFileSync(join(f.dir, "state/test-export/rejected.csv"), "utf8")
          .trim()
          .split("\n")
          .slice(1)
          .filter((l) => l.includes(",failed,"))
          .map((l) => l.split(",")[1]!),
      );
      expect(failedEmails.size).toBeGreaterThan(0);
      expect(report.counts.failed).toBe(failedEmails.size);
      expect(report.counts.added).toBe(people.length - failedEmails.size);
      for (const g of report.failures) expect(g.batchId).toBeTruthy();
      expect(f.subscribed()).toEqual(people.map((p) => p.email).filter((e) => !failedEmails.has(e)).sort());
      // Not committed, so the next run sends exactly those.
      const second = await runIn(f, "run", ["--json"]);
      expect(second.code, second.stderr.slice(-2000)).toBe(0);
      expect(JSON.parse(second.stdout).counts).toMatchObject({ added: failedEmails.size, unchanged: people.length - failedEmails.size });
      expectList(sandbox, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list after the second run");
    } finally {
      f.cleanup();
    }
  });

  it("an account that refuses every request (403) fails fast with one clear message and writes nothing", async () => {
    const f = new ExportFixture(sandbox);
    try {
      f.writeSegment(csvOf(Array.from({ length: 300 }, (_, i) => person(f, i))));
      sandbox.inspect.setFaults("429:0.1,503:0.05");
      const before = sandbox.inspect.requests();
      const t0 = performance.now();
      const res = await runIn(f, "run", [], { extraEnv: { AC_API_KEY: "not-the-account-key-0000" } });
      const ms = performance.now() - t0;
      const after = sandbox.inspect.requests();
      expect(res.code).toBe(1);
      const errorLines = res.stderr.split("\n").filter((l) => /API key rejected/.test(l));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toContain("API key rejected for contoso.api-us1.com");
      // The key check's 5 tries (AC's 403s can be intermittent, F15), a few more if an injected 429/503 came first:
      // never a retry storm.
      expect(after.rejected403 - before.rejected403).toBe(5);
      expect(after.total - before.total).toBeLessThanOrEqual(7);
      expect(ms).toBeLessThan(10_000);
      expect(sandbox.inspect.members(f.listId)).toEqual([]);
      expect(existsSync(join(f.dir, "state/test-export/snapshot"))).toBe(false);
      expect(existsSync(join(f.dir, "state/test-export/journal"))).toBe(false);
    } finally {
      f.cleanup();
    }
  });
});
