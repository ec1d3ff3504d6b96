// Acceptance (issue #12): two exports on one connection, run as two `ac-export run` processes at the same time, never
// exceed the account's limits together (the sandbox counts every request in rolling windows), and both complete with
// exact lists. The control: the same two exports with their states in different places cannot coordinate, and the
// sandbox refuses them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

const TIME_SCALE = 5;
const MEMBERS = 12_000;
let sandbox: Sandbox;
const made: ExportFixture[] = [];
const shared = mkdtempSync(join(tmpdir(), "ac-export-shared-state-"));

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, requestsPerSecond: 5, seed: 7 });
});
afterAll(async () => {
  for (const f of made) f.cleanup();
  rmSync(shared, { recursive: true, force: true });
  await sandbox.close();
});

function exportOn(name: string, state: string | undefined): ExportFixture {
  const f = new ExportFixture(sandbox, { name, ...(state ? { state } : {}) });
  made.push(f);
  f.writeSegment(csvOf(f.people(MEMBERS)));
  return f;
}

const env = { AC_TIME_SCALE: String(TIME_SCALE) };
/** The connection-budget log lines of a run: how many exports it saw registered. */
const exportsSeen = (stderr: string): number[] =>
  stderr
    .split("\n")
    .filter((l) => l.includes('"event":"connection-budget"'))
    .map((l) => JSON.parse(l).exports as number);

describe("two exports on one connection", () => {
  it("running at the same time, they stay within the account's 5 requests/s and 100 bulk imports/min together, and both complete exactly", async () => {
    sandbox.inspect.reset();
    const a = exportOn("newsletter", `file:${shared}`);
    const b = exportOn("winback", `file:${shared}`);
    const [ra, rb] = await Promise.all([a.run("run", [], env), b.run("run", [], env)]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(a.subscribed()).toEqual(a.emails(MEMBERS));
    expect(b.subscribed()).toEqual(b.emails(MEMBERS));
    // They did overlap: each saw the other registered on the connection.
    expect(Math.max(...exportsSeen(ra.stderr), ...exportsSeen(rb.stderr))).toBe(2);
    const stats = sandbox.inspect.requests();
    expect(stats.rejected429).toBe(0);
    expect(stats.bulkRateLimited).toBe(0);
    expect(stats.maxPerSecondObserved).toBeLessThanOrEqual(5);
    expect(stats.maxBulkPerMinuteObserved).toBeLessThanOrEqual(100);
    expect(stats.bulkContactsReceived - stats.bulkContactsDistinct).toBe(0);
    // Nothing is left registered once both ended.
    expect(await import("node:fs/promises").then((fs) => fs.readdir(join(shared, ".connections", "contoso.api-us1.com")))).toEqual([]);
  }, 180_000);

  it("control: with their states in different places they cannot coordinate, and together they go over the account's limit", async () => {
    sandbox.inspect.reset();
    const a = exportOn("newsletter", undefined);
    const b = exportOn("winback", undefined);
    const [ra, rb] = await Promise.all([a.run("run", [], env), b.run("run", [], env)]);
    expect([ra.code, rb.code]).toEqual([0, 0]); // the account's refusals are retried: both still complete
    const stats = sandbox.inspect.requests();
    expect(stats.maxPerSecondObserved).toBeGreaterThan(5);
    expect(stats.rejected429).toBeGreaterThan(0);
  }, 180_000);
});
