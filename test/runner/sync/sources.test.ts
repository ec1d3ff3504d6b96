// The runner over every segment format and location: CSV, JSON Lines and Parquet files, a segment blob (the newest
// under a prefix) and state in Azure Blob Storage, against the sandbox and a real Azurite.
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { parquetWriteFile } from "hyparquet-writer";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
let azurite: Azurite;
const fixtures: ExportFixture[] = [];
const fixture = (...args: ConstructorParameters<typeof ExportFixture> extends [Sandbox, ...infer R] ? R : never) => {
  const f = new ExportFixture(sandbox, ...args);
  fixtures.push(f);
  return f;
};

beforeAll(async () => {
  [sandbox, azurite] = await Promise.all([startSandbox({ timeScale: ExportFixture.timeScale, seed: 2 }), startAzurite()]);
});
afterAll(async () => {
  for (const f of fixtures) f.cleanup();
  await Promise.all([sandbox?.close(), azurite?.stop()]);
});

const expectMembers = (f: ExportFixture, n: number) => {
  expect(f.subscribed()).toEqual(f.emails(n));
  const m = sandbox.inspect.members(f.listId, 1).find((x) => x.email === `person1@${f.domain}`)!;
  expect(m).toMatchObject({ firstName: "First1", lastName: "Last1", fields: { LOYALTY_TIER: "gold" }, tags: ["vip"] });
};

describe("segment formats and locations", () => {
  it("JSON Lines, with a broken line reported as a rejected row", async () => {
    const f = fixture({ segment: { source: "file:segment.jsonl" } }, "segment.jsonl");
    const lines = f.people(25).map((p) => JSON.stringify({ Email: p.email, First: p.first, Last: p.last, Tier: p.tier }));
    lines.splice(10, 0, '{"Email": "broken@x.io", "First": ');
    f.writeSegment(`${lines.join("\n")}\n`, "segment.jsonl");
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(3);
    expectMembers(f, 25);
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ added: 25, rejected: 1 });
    expect(report.rejectsByReason[0].rows).toEqual([11]);
  });

  it("Parquet", async () => {
    const f = fixture({ segment: { source: "file:segment.parquet" } }, "segment.parquet");
    const ps = f.people(30);
    parquetWriteFile({
      filename: join(f.dir, "segment.parquet"),
      columnData: [
        { name: "Email", data: ps.map((p) => p.email) },
        { name: "First", data: ps.map((p) => p.first!) },
        { name: "Last", data: ps.map((p) => p.last!) },
        { name: "Tier", data: ps.map((p) => p.tier!) },
      ],
    });
    const r = await f.run();
    expect(r.code).toBe(0);
    expectMembers(f, 30);
  });

  it("a semicolon-delimited CSV with CRLF and a BOM", async () => {
    const f = fixture();
    f.writeSegment(`\uFEFF${csvOf(f.people(12)).replace(/,/g, ";").replace(/\n/g, "\r\n")}`);
    expect((await f.run()).code).toBe(0);
    expectMembers(f, 12);
  });

  it("the newest blob under a prefix, with state, lock and reports in Azure Blob Storage", async () => {
    const segments = await azurite.createContainer("segments");
    await azurite.createContainer("state");
    const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key));
    const container = service.getContainerClient("segments");
    const f = fixture({ segment: { source: `${segments}/vip/`, format: "csv" }, state: `${azurite.containerUrl("state")}/exports/` });
    const older = csvOf(f.people(5));
    const newer = csvOf(f.people(20));
    await container.getBlockBlobClient("vip/2026-11-22.csv").upload(older, older.length);
    await new Promise((r) => setTimeout(r, 1100)); // last-modified has one-second resolution
    await container.getBlockBlobClient("vip/2026-11-23.csv").upload(newer, newer.length);
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    expectMembers(f, 20);
    expect(JSON.parse(r.stdout).segment.source).toContain("vip/2026-11-23.csv");
    const names: string[] = [];
    for await (const b of service.getContainerClient("state").listBlobsFlat({ prefix: "exports/test-export/" })) names.push(b.name);
    expect(names).toEqual(expect.arrayContaining(["exports/test-export/report.json", "exports/test-export/report.md", "exports/test-export/rejected.csv", "exports/test-export/changes.csv"]));
    expect(names.filter((n) => /^exports\/test-export\/runs\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\/changes\.csv$/.test(n))).toHaveLength(1);
    // Incremental from blob state: nothing to send the second time.
    const before = sandbox.inspect.requests().bulkContactsReceived;
    const again = await f.run("run", ["--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).counts).toMatchObject({ added: 0, updated: 0, unchanged: 20 });
    expect(sandbox.inspect.requests().bulkContactsReceived).toBe(before);
  });
});
