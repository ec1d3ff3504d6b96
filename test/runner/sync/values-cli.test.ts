// Values that cannot be sent, through the command line: `ac-export plan` names them per field, `run` sends the
// contact without them and report.json counts them (issue #11). A Parquet DOUBLE NaN mapped to a text field has no
// text form: it used to be sent as "NaN".
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { ExportFixture } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
let f: ExportFixture;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 3, fieldValueReading: "fail" });
  f = new ExportFixture(sandbox, { segment: { source: "file:segment.parquet" } }, "segment.parquet");
});
afterAll(async () => {
  f?.cleanup();
  await sandbox?.close();
});

describe("values not sent", () => {
  it("plan names them per field; run sends the contact without them and reports them", async () => {
    const ps = f.people(3);
    parquetWriteFile({
      filename: join(f.dir, "segment.parquet"),
      columnData: [
        { name: "Email", data: ps.map((p) => p.email), type: "STRING" },
        { name: "First", data: ps.map((p) => p.first!), type: "STRING" },
        { name: "Last", data: ps.map((p) => p.last!), type: "STRING" },
        { name: "Tier", data: [1.5, Number.NaN, 1e21], type: "DOUBLE" },
      ],
    });
    const plan = await f.run("plan");
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('  field LOYALTY_TIER: 1 value(s) not sent, the contact is sent without them (e.g. row 2: "NaN" is not a finite number)');

    const run = await f.run("run", ["--json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.counts).toMatchObject({ added: 3, rejected: 0 });
    expect(report.valueProblems).toEqual([{ field: "LOYALTY_TIER", count: 1, examples: [{ row: 2, value: '"NaN"', reason: '"NaN" is not a finite number' }] }]);
    const tiers = ps.map((p) => sandbox.inspect.contact(p.email)?.fields.LOYALTY_TIER);
    expect(tiers).toEqual(["1.5", undefined, "1000000000000000000000"]);
  });
});
