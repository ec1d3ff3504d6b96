// What people act on after a run: changes.csv (who was added, updated, unsubscribed, …), per-run report folders with
// latest copies, CSV files with a BOM, the exit code of a run whose only problems are a few rejected rows, the
// operator's one-run removal-cap override, and `plan` when the cap trips. End to end against the sandbox.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture, fixturesOn } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
const { fixture, cleanup } = fixturesOn(() => sandbox);
const BOM = "\uFEFF";
const stateDir = (f: ExportFixture) => join(f.dir, "state/test-export");
const read = (f: ExportFixture, name: string) => readFileSync(join(stateDir(f), name), "utf8");
const finished = (stderr: string) => stderr.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((e) => e.event === "finished");

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, requestsPerSecond: 5, seed: 2 });
});
afterAll(async () => {
  cleanup();
  await sandbox.close();
});

describe("changes.csv and the run's report folder", () => {
  it("lists every contact added, updated and unsubscribed with the reason; plan --json lists the same", async () => {
    const f = fixture({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "50%" } });
    f.writeSegment(csvOf(f.people(6)));
    expect((await f.run()).code).toBe(0);
    const d = f.domain;
    // person1 changes tier, person4 and person5 leave, person6 joins; a bad address and a duplicate are rejected.
    const next = [...f.people(4).map((p, i) => (i === 1 ? { ...p, tier: "silver" } : p)), ...f.people(1, 6), { email: "no-at-sign" }, { email: `PERSON2@${d}` }];
    f.writeSegment(csvOf(next));
    const planned = await f.run("plan", ["--json"]);
    expect(planned.code).toBe(0);
    const expected = [
      { row: 3, email: `person1@${d}`, action: "updated", reason: "name, phone, custom field or tag values changed since the last sync" },
      { row: 6, email: `person6@${d}`, action: "added", reason: "new in the segment" },
      { email: `person4@${d}`, action: "unsubscribed", reason: "left the segment (onLeave: unsubscribe); unsubscribed from this list only" },
      { email: `person5@${d}`, action: "unsubscribed", reason: "left the segment (onLeave: unsubscribe); unsubscribed from this list only" },
    ];
    expect(JSON.parse(planned.stdout).changes).toEqual(expected);

    const r = await f.run();
    expect(r.code).toBe(3); // 2 problem rows of 7 read, over limits.maxProblemRows "1%"
    expect(read(f, "changes.csv")).toBe(
      [
        `${BOM}row,email,action,reason,batch`,
        `3,person1@${d},updated,"name, phone, custom field or tag values changed since the last sync",`,
        `6,person6@${d},added,new in the segment,`,
        `,person4@${d},unsubscribed,left the segment (onLeave: unsubscribe); unsubscribed from this list only,`,
        `,person5@${d},unsubscribed,left the segment (onLeave: unsubscribe); unsubscribed from this list only,`,
        "",
      ].join("\n"),
    );
    expect(read(f, "rejected.csv")).toBe(
      [`${BOM}row,email,outcome,reason,batch`, "7,no-at-sign,rejected,email has no @,", `8,person2@${d},rejected,"duplicate of row 4 (same email, ignoring case)",`, ""].join("\n"),
    );
    const report = JSON.parse(read(f, "report.json"));
    expect(report.rejectsByReason).toEqual([
      { reason: "email has no @", count: 1, rows: [7] },
      { reason: "duplicate of an earlier row (same email, ignoring case)", count: 1, rows: [8] },
    ]);
    expect(sandbox.inspect.members(f.listId, 2).map((m) => m.email).sort()).toEqual([`person4@${d}`, `person5@${d}`]);

    // Each run keeps its own folder (named for its start time); the fixed names are the latest run's copy.
    const runs = readdirSync(join(stateDir(f), "runs")).sort();
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(run).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(report.runId).toBe(runs[1]);
    for (const name of ["report.json", "report.md", "changes.csv", "rejected.csv"]) {
      expect(read(f, `runs/${runs[1]}/${name}`), name).toBe(read(f, name));
    }
    expect(read(f, `runs/${runs[0]}/changes.csv`)).toBe(
      [`${BOM}row,email,action,reason,batch`, ...[0, 1, 2, 3, 4, 5].map((i) => `${i + 2},person${i}@${d},added,new in the segment,`), ""].join("\n"),
    );
    expect(r.stdout).toContain(`Changes: ${join(stateDir(f), "runs", runs[1]!, "changes.csv")}`);
    expect(r.stdout).toContain(`Latest copies: ${join(stateDir(f), "report.md")}`);
  });
});

describe("contacts ActiveCampaign refuses", () => {
  it("are listed in changes.csv as refused with the reason and the import batch, never as added", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(12)));
    sandbox.inspect.setFaults("contactfail:1");
    let r;
    try {
      r = await f.run();
    } finally {
      sandbox.inspect.setFaults(null);
    }
    expect(r.code).toBe(3); // 12 refused of 12 rows read
    const report = JSON.parse(read(f, "report.json"));
    expect(report.failures).toHaveLength(1);
    const batch = report.failures[0].batchId as string;
    expect(read(f, "changes.csv")).toBe(
      [
        `${BOM}row,email,action,reason,batch`,
        ...f.people(12).map((p, i) => `${i + 2},${p.email},refused,ActiveCampaign reported this contact as failed in the import (it gives no reason),${batch}`),
        "",
      ].join("\n"),
    );
    expect(report.problemRows).toMatchObject({ count: 12, rejected: 0, refused: 12, overLimit: true });
  });
});

describe("exit codes that suit a scheduler", () => {
  it("a run whose only problem is a rejected row under limits.maxProblemRows exits 0, and 3 over it", async () => {
    const f = fixture();
    f.writeSegment(csvOf([...f.people(199), { email: "broken@@example.com" }]));
    const r = await f.run();
    expect(r.code).toBe(0);
    expect(f.subscribed()).toEqual(f.emails(199));
    const report = JSON.parse(read(f, "report.json"));
    expect(report).toMatchObject({ status: "completed-with-problems", exitCode: 0 });
    expect(report.problemRows).toEqual({ count: 1, rejected: 1, refused: 0, rowsRead: 200, limit: "1%", allowed: 2, overLimit: false });
    expect(finished(r.stderr)).toEqual([{ time: expect.any(String), export: "test-export", event: "finished", status: "completed-with-problems", exitCode: 0, rowsRead: 200, rejected: 1, refused: 0 }]);

    f.writeConfig({ limits: { maxProblemRows: 0 } });
    const strict = await f.run();
    expect(strict.code).toBe(3);
    expect(JSON.parse(read(f, "report.json")).problemRows).toEqual({ count: 1, rejected: 1, refused: 0, rowsRead: 200, limit: 0, allowed: 0, overLimit: true });
  });
});

describe("the removal cap", () => {
  it("plan shows the plan, then the cap error; an operator's override lets one run past it and the report records it", async () => {
    const f = fixture({ onLeave: "unsubscribe" });
    f.writeSegment(csvOf(f.people(20)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(10)));

    const plan = await f.run("plan");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/leave \(unsubscribe\)\s+10\s+e\.g\. person10@/);
    expect(plan.stdout).toContain("Removal cap for this run: 2 (limits.maxRemovalsPerRun).");
    expect(plan.stdout).toMatch(/Nothing was written\. A run would stop before any write \(REMOVAL_CAP\):\n$/);
    expect(plan.stderr).toContain(
      'ac-export plan: 10 members left the segment and onLeave is "unsubscribe", more than limits.maxRemovalsPerRun allows (10% of 20 synced members = 2); nothing was sent. If the segment is right, allow them for one run (--allow-removals 10 or AC_EXPORT_ALLOW_REMOVALS=10',
    );
    const blockedJson = JSON.parse((await f.run("plan", ["--json"])).stdout);
    expect(blockedJson.changes).toHaveLength(10);
    expect(blockedJson.changes[0]).toEqual({ email: `person10@${f.domain}`, action: "unsubscribed", reason: "left the segment (onLeave: unsubscribe); unsubscribed from this list only" });

    const bad = await f.run("run", ["--allow-removals", "ten"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--allow-removals must be a whole number of contacts this run may remove (e.g. 60, as "ac-export plan" reports); got "ten"');
    expect(f.subscribed()).toEqual(f.emails(20));

    const r = await f.run("run", [], { AC_EXPORT_ALLOW_REMOVALS: "10", CONTAINER_APP_JOB_EXECUTION_NAME: "acx-vip-run-7f3k2" });
    expect(r.code).toBe(0);
    expect(f.subscribed()).toEqual(f.emails(10));
    const report = JSON.parse(read(f, "report.json"));
    expect(report.removalOverride).toEqual({ allowRemovals: 10, source: "AC_EXPORT_ALLOW_REMOVALS", execution: "acx-vip-run-7f3k2", configuredCap: 2, leavers: 10, used: true });
    expect(read(f, "report.md")).toContain(
      "**Removal cap override:** AC_EXPORT_ALLOW_REMOVALS 10 (job execution acx-vip-run-7f3k2); used: 10 leavers, over the configured cap of 2.",
    );
    expect(r.stdout).toContain("removal cap override: AC_EXPORT_ALLOW_REMOVALS 10 (used)");
  });
});

describe("--report-json that cannot be written", () => {
  it("is a warning after a run that did its work: exit 0, the list synced, the reports next to the state", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(4)));
    const r = await f.run("run", ["--report-json", "no-such-folder/report.json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: could not write --report-json "${join(f.dir, "no-such-folder/report.json")}" (ENOENT); the run's reports are next to the state`);
    expect(f.subscribed()).toEqual(f.emails(4));
    expect(JSON.parse(read(f, "report.json"))).toMatchObject({ status: "succeeded", counts: { added: 4 } });
  });
});
