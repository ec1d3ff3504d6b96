// REAL-ACCOUNT.md F14: ActiveCampaign refuses `invalid'character@example.com` (its documented example). Such a row is
// rejected in the file with a reason a person can act on, never sent, and an unchanged re-run sends nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { APOSTROPHE_REASON } from "../../../runner/sync/email.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
let f: ExportFixture;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, requestsPerSecond: 5, seed: 3 });
  f = new ExportFixture(sandbox);
});
afterAll(async () => {
  f.cleanup();
  await sandbox.close();
});

it("an address with an apostrophe is a rejected row with AC's rule as the reason (exit 3), and is never sent", async () => {
  const obrien = `o'brien@${f.domain}`;
  f.writeSegment(csvOf([...f.people(30), { email: obrien, first: "Pat" }, ...f.people(2, 30)]));
  const first = await f.run();
  expect(first.code, first.stderr.slice(-2000)).toBe(3);
  expect(f.subscribed()).toEqual(f.emails(32));
  expect(sandbox.inspect.contact(obrien)).toBeUndefined();
  const report = JSON.parse(readFileSync(join(f.dir, "state/test-export/report.json"), "utf8"));
  expect(report.counts).toMatchObject({ added: 32, rejected: 1, failed: 0 });
  expect(report.rejectsByReason).toEqual([{ reason: APOSTROPHE_REASON, count: 1, rows: [32] }]);
  const rejected = readFileSync(join(f.dir, "state/test-export/rejected.csv"), "utf8");
  expect(rejected.split("\n")).toContain(`32,${obrien},rejected,${APOSTROPHE_REASON},`);

  const before = sandbox.inspect.requests();
  const second = await f.run("run", ["--json"]);
  const after = sandbox.inspect.requests();
  expect(second.code).toBe(3); // the row is still in the file, still rejected
  expect(after.bulkContactsReceived - before.bulkContactsReceived).toBe(0);
  expect((after.byEndpoint["POST /contact/sync"] ?? 0) - (before.byEndpoint["POST /contact/sync"] ?? 0)).toBe(0);
  expect(JSON.parse(second.stdout).counts).toMatchObject({ added: 0, updated: 0, unchanged: 32, rejected: 1 });
  expect(sandbox.inspect.contact(obrien)).toBeUndefined();
});
