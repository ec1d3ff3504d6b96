// Rows of a multi-part segment are named by part in what people read (issue #13: "part 3, row 1,204"): rejected.csv,
// changes.csv, report.md and a duplicate's reason; report.json keeps the unique row numbers. End to end: a folder of
// 2 CSV parts synced by `ac-export run` into the sandbox. Single-file outputs are covered, unchanged, by reports.test.ts.
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { RowLabels } from "../../../runner/sync/row-labels.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
let f: ExportFixture;
const BOM = "\uFEFF";
const read = (name: string) => readFileSync(join(f.dir, "state/test-export", name), "utf8");

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, seed: 13 });
});
afterAll(async () => {
  f?.cleanup();
  await sandbox.close();
});

describe("row labels", () => {
  it("names rows by part only when the segment has parts, whatever part a row number falls in", () => {
    const labels = new RowLabels();
    expect(labels.label(7)).toBe(7);
    // Part 1 holds rows 1..1,204 (partRow = rowNumber); part 2's numbers start after them.
    labels.see({ rowNumber: 2, part: 1, partRow: 2 });
    labels.see({ rowNumber: 1204, part: 1, partRow: 1204 });
    labels.see({ rowNumber: 1206, part: 2, partRow: 2 });
    labels.see({ rowNumber: 3409, part: 3, partRow: 1204 });
    expect(labels.multiPart).toBe(true);
    expect([labels.label(2), labels.label(1204), labels.label(1206), labels.label(3409)]).toEqual([
      "part 1, row 2",
      "part 1, row 1,204",
      "part 2, row 2",
      "part 3, row 1,204",
    ]);
  });
});

describe("a folder of 2 CSV parts with bad rows in part 2", () => {
  it("rejected.csv, changes.csv and report.md say 'part 2, row N'; report.json keeps the row numbers", async () => {
    f = new ExportFixture(sandbox, { segment: { source: "file:parts/", format: "csv", parts: "all" }, limits: { maxProblemRows: "50%" } });
    const d = f.domain;
    const dir = join(f.dir, "parts");
    mkdirSync(dir);
    const people = f.people(4);
    writeFileSync(join(dir, "part-00000.csv"), csvOf(people.slice(0, 3)));
    // Part 2: person3 (row 2), an address without @ (row 3), person1 again in capitals (row 4).
    writeFileSync(join(dir, "part-00001.csv"), csvOf([people[3]!, { email: "no-at-sign" }, { email: `PERSON1@${d}` }]));
    const past = new Date(Date.now() - 60_000);
    for (const part of ["part-00000.csv", "part-00001.csv"]) utimesSync(join(dir, part), past, past);
    writeFileSync(join(dir, "_SUCCESS"), "");

    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    expect(f.subscribed()).toEqual(f.emails(4));
    expect(read("rejected.csv")).toBe(
      [
        `${BOM}row,email,outcome,reason,batch`,
        `"part 2, row 3",no-at-sign,rejected,email has no @,`,
        `"part 2, row 4",person1@${d},rejected,"duplicate of part 1, row 3 (same email, ignoring case)",`,
        "",
      ].join("\n"),
    );
    const changes = read("changes.csv").split("\n");
    expect(changes).toContain(`"part 1, row 2",person0@${d},added,new in the segment,`);
    expect(changes).toContain(`"part 2, row 2",person3@${d},added,new in the segment,`);
    const report = JSON.parse(read("report.json"));
    expect(report.rejectsByReason).toEqual([
      { reason: "email has no @", count: 1, rows: [7], labels: ["part 2, row 3"] },
      { reason: "duplicate of an earlier row (same email, ignoring case)", count: 1, rows: [8], labels: ["part 2, row 4"] },
    ]);
    expect(read("report.md")).toContain("| email has no @ | 1 | part 2, row 3 |");
  });
});
