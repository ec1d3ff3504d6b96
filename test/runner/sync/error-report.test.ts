// Every error that reaches `ac-export run` / `plan` has a stable code: in the JSON report (--json, --report-json,
// report.json), in the JSON log's last line, and it decides the exit code. Runs the command in-process (main) against
// the sandbox; assertions are on the reports, the exit code and the list in the sandbox.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../runner/cli.js";
import { parseLocation } from "../../../runner/config.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { openStateStore } from "../../../runner/state/index.js";
import { csvOf, ExportFixture, fixturesOn } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
const { fixture, cleanup } = fixturesOn(() => sandbox);

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, requestsPerSecond: 5, seed: 1 });
});
afterAll(async () => {
  cleanup();
  await sandbox.close();
});

/** Runs `ac-export <argv>` in this process, as the fixture's directory and environment (stderr not a TTY: JSON log). */
async function cli(f: ExportFixture, argv: string[], env: NodeJS.ProcessEnv = f.env()) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env,
    cwd: f.dir,
    signal: new AbortController().signal,
  });
  const log = stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, log, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

const reportJson = (f: ExportFixture) => JSON.parse(readFileSync(join(f.dir, "state/test-export/report.json"), "utf8")) as Record<string, unknown>;

describe("error codes in the report and the log", () => {
  it("a blocked plan reports MAX_PROFILES; a run blocked by the removal cap reports REMOVAL_CAP in report.json and report.md", async () => {
    const f = fixture({ onLeave: "unsubscribe", limits: { maxProfiles: 10 } });
    f.writeSegment(csvOf(f.people(11)));
    const plan = await cli(f, ["plan", "--config", "export.json", "--json"]);
    expect(plan.code).toBe(2);
    expect(plan.json()).toMatchObject({
      status: "blocked",
      exitCode: 2,
      error: { code: "MAX_PROFILES", message: expect.stringMatching(/^the segment has 11 valid profiles, more than limits\.maxProfiles \(10\)/) },
    });

    f.writeSegment(csvOf(f.people(10)));
    expect((await cli(f, ["run", "--config", "export.json"])).code).toBe(0);
    f.writeSegment("Email,First,Last,Tier\n");
    const run = await cli(f, ["run", "--config", "export.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ac-export run: 10 members left the segment and onLeave is "unsubscribe", more than limits.maxRemovalsPerRun allows');
    const report = reportJson(f);
    expect(report).toMatchObject({ status: "blocked", exitCode: 2, error: { code: "REMOVAL_CAP" } });
    expect(Object.keys(report.error as object)).toEqual(["code", "message"]);
    expect(readFileSync(join(f.dir, "state/test-export/report.md"), "utf8")).toContain("> **Error (REMOVAL_CAP):** 10 members left the segment");
    expect(run.log.at(-1)).toMatchObject({ event: "finished", export: "test-export", status: "blocked", exitCode: 2, error: { code: "REMOVAL_CAP" } });
    expect(f.subscribed()).toHaveLength(10);
  });

  it("an unknown list is LIST_NOT_FOUND (blocked, nothing written); a rejected key is API_KEY_REJECTED (failed)", async () => {
    const f = fixture({ listId: 99999 });
    f.writeSegment(csvOf(f.people(3)));
    const missing = await cli(f, ["run", "--config", "export.json", "--json"]);
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ status: "blocked", error: { code: "LIST_NOT_FOUND", message: expect.stringContaining("listId: list 99999 does not exist") } });
    expect(reportJson(f)).toMatchObject({ status: "blocked", error: { code: "LIST_NOT_FOUND" } });

    f.writeConfig({ listId: f.listId });
    const rejected = await cli(f, ["run", "--config", "export.json", "--report-json", "out.json"], f.env({ AC_API_KEY: "wrong-key-000" }));
    expect(rejected.code).toBe(1);
    const out = JSON.parse(readFileSync(join(f.dir, "out.json"), "utf8"));
    expect(out).toMatchObject({ status: "failed", exitCode: 1, error: { code: "API_KEY_REJECTED", message: expect.stringContaining("API key rejected for contoso.api-us1.com") } });
    expect(rejected.log.at(-1)).toEqual({ time: expect.any(String), export: "test-export", event: "finished", status: "failed", exitCode: 1, error: { code: "API_KEY_REJECTED" } });
    expect(rejected.stderr.split("\n").filter((l) => l.includes("API key rejected"))).toHaveLength(1);
    expect(f.subscribed()).toEqual([]);
  });

  it("a run while another holds the lock reports LOCKED, exits 4 and writes no report", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(3)));
    const lock = await openStateStore(parseLocation("file:state", f.dir), "test-export").lock();
    try {
      const r = await cli(f, ["run", "--config", "export.json", "--json"]);
      expect(r.code).toBe(4);
      expect(r.json()).toMatchObject({ status: "failed", exitCode: 4, error: { code: "LOCKED", message: expect.stringContaining("another run of this export holds the lock") } });
      expect(existsSync(join(f.dir, "state/test-export/report.json"))).toBe(false);
    } finally {
      await lock.release();
    }
    expect(f.subscribed()).toEqual([]);
  });

  it("usage errors and an invalid config have a code in the JSON report too, before the config is known", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(3)));
    const noKey = await cli(f, ["run", "--config", "export.json", "--json"], f.env({ AC_API_KEY: "" }));
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("ac-export run: AC_API_KEY is not set");
    expect(noKey.json()).toMatchObject({ export: "test-export", status: "blocked", exitCode: 2, error: { code: "USAGE", message: expect.stringMatching(/^AC_API_KEY is not set/) } });

    const badFlag = await cli(f, ["plan", "--config", "export.json", "--json", "--frobnicate"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("ac-export plan: Unknown option '--frobnicate'");
    const early = badFlag.json();
    expect(early).toMatchObject({ mode: "plan", status: "blocked", exitCode: 2, error: { code: "USAGE", message: expect.stringContaining("--frobnicate") } });
    expect(early.export).toBeUndefined();

    f.writeConfig({ listId: -1 });
    const invalid = await cli(f, ["run", "--config", "export.json", "--json"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^invalid config \(1 problem\):\n {2}listId: /m);
    expect(invalid.json()).toMatchObject({ mode: "run", status: "blocked", error: { code: "CONFIG_INVALID", message: expect.stringMatching(/^listId: /) } });
    expect(invalid.log).toEqual([]); // --json: the report on stdout, no log
    const logged = await cli(f, ["run", "--config", "export.json"]);
    expect(logged.log).toEqual([{ time: expect.any(String), event: "finished", status: "blocked", exitCode: 2, error: { code: "CONFIG_INVALID" } }]);
    expect(sandbox.inspect.members(f.listId)).toEqual([]);
  });

  it("a completed run has no error and a finished line with its status", async () => {
    const f = fixture();
    f.writeSegment(csvOf([...f.people(4), { email: "not-an-email" }]));
    const r = await cli(f, ["run", "--config", "export.json"]);
    expect(r.code).toBe(3);
    expect(reportJson(f)).not.toHaveProperty("error");
    expect(reportJson(f)).toMatchObject({ status: "completed-with-problems", exitCode: 3 });
    expect(r.log.at(-1)).toEqual({ time: expect.any(String), export: "test-export", event: "finished", status: "completed-with-problems", exitCode: 3, rowsRead: 5, rejected: 1, refused: 0 });
    expect(f.subscribed()).toEqual(f.emails(4));
  });
});
