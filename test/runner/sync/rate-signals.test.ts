// Rate signals end to end (issue #12, REAL-ACCOUNT.md F6): the account's limiter answers an HTML 503 without
// Retry-After (the overload reading) while another integration spends most of its budget. The run slows down, says so
// in its log and report, and still completes exactly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

const TIME_SCALE = 10;
let sandbox: Sandbox;
let f: ExportFixture;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, requestsPerSecond: 5, rateLimitAnswer: 503, backgroundTenantRps: 3, seed: 3 });
});
afterAll(async () => {
  f?.cleanup();
  await sandbox.close();
});

describe("a 503 without Retry-After near the run's rate", () => {
  it("halves the run's rate (logged and reported), and the run completes exactly", async () => {
    f = new ExportFixture(sandbox, { name: "overloaded" });
    f.writeSegment(csvOf(f.people(1500)));
    const r = await f.run("run", [], { AC_TIME_SCALE: String(TIME_SCALE) });
    expect(r.code, r.stderr).toBe(0);
    expect(f.subscribed()).toEqual(f.emails(1500));
    expect(sandbox.inspect.requests().rejected503).toBeGreaterThan(0);
    const rateLines = r.stderr
      .split("\n")
      .filter((l) => l.includes('"event":"rate"'))
      .map((l) => JSON.parse(l) as { reason: string; requestsPerSecond: number });
    const cuts = rateLines.filter((l) => l.reason === "503");
    expect(cuts.length).toBeGreaterThan(0);
    expect(cuts[0]!.requestsPerSecond).toBe(2); // half of the default 4
    const report = JSON.parse(readFileSync(join(f.dir, "state/overloaded/report.json"), "utf8"));
    expect(report.requests.rate.slowDowns).toBe(cuts.length);
    expect(report.requests.rate.lowestRequestsPerSecond).toBe(Math.min(...cuts.map((c) => c.requestsPerSecond)));
    const md = readFileSync(join(f.dir, "state/overloaded/report.md"), "utf8");
    expect(md).toContain(`Slowed down ${cuts.length} × on rate signals from ActiveCampaign`);
  }, 120_000);
});
