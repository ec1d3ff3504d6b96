// REAL-ACCOUNT.md F15: ActiveCampaign sends intermittent 403s for a good key, the first request included. A run
// against the sandbox's intermittent-403 fault completes exactly: the key check is retried (not "API key rejected"),
// and every later 403 is retried with a seconds-long backoff (scaled by AC_TIME_SCALE here).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { Prng } from "../../../runner/sandbox/faults.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

const P403 = 0.2;
/** A seed whose first two fault draws are 403s: the run's first two requests (both the key check) are refused. */
function seedRefusingTheKeyCheckTwice(): number {
  for (let seed = 1; ; seed++) {
    const prng = new Prng(seed);
    if (prng.next() < P403 && prng.next() < P403 && prng.next() >= P403) return seed;
  }
}

let sandbox: Sandbox;
let f: ExportFixture;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, requestsPerSecond: 5, seed: seedRefusingTheKeyCheckTwice(), faults: `403:${P403}` });
  f = new ExportFixture(sandbox);
});
afterAll(async () => {
  f.cleanup();
  await sandbox.close();
});

it("a run through intermittent 403s (the key check's included) puts exactly the segment on the list", async () => {
  f.writeSegment(csvOf(f.people(400)));
  const r = await f.run("run", ["--json"]);
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  expect(r.stderr).not.toContain("API key rejected");
  expect(f.subscribed()).toEqual(f.emails(400));

  const stats = sandbox.inspect.requests();
  // The key check was refused twice and went through on its third try; nothing else went out before it.
  expect(stats.log.slice(0, 3).map((e) => [e.endpoint, e.status, e.fault])).toEqual([
    ["GET /users/me", 403, "403"],
    ["GET /users/me", 403, "403"],
    ["GET /users/me", 200, undefined],
  ]);
  // Every 403 the sandbox injected was retried, and only those (the key is right).
  const report = JSON.parse(r.stdout) as { requests: { retriesByReason: Record<string, number> } };
  expect(stats.faults["403"]).toBeGreaterThan(2);
  expect(report.requests.retriesByReason["403"]).toBe(stats.faults["403"]);
  expect(stats.rejected403).toBe(0);
  const saved = JSON.parse(readFileSync(join(f.dir, "state/test-export/report.json"), "utf8"));
  expect(saved.counts).toMatchObject({ added: 400, failed: 0, rejected: 0 });
});
