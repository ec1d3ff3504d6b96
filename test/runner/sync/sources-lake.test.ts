// End to end over the sources CDPs and lakes write (issue #13): a Customer Insights export and a Delta table in
// Azurite, each synced by `ac-export run` into the sandbox, with the list's members asserted one by one.
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { ExportFixture } from "../../helpers/export-fixture.js";
import { add, commit, dataFile, metaData, protocol } from "../segment/delta-tables.js";

const LAYOUTS = resolve(import.meta.dirname, "../../fixtures/segments/layouts");

let sandbox: Sandbox;
let azurite: Azurite;
let container: ContainerClient;
let containerUrl: string;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  [sandbox, azurite] = await Promise.all([startSandbox({ timeScale: ExportFixture.timeScale, seed: 3 }), startAzurite()]);
  containerUrl = await azurite.createContainer("lake");
  await azurite.createContainer("state");
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key));
  container = service.getContainerClient("lake");
});
afterAll(async () => {
  for (const c of cleanups) c();
  await Promise.all([sandbox?.close(), azurite?.stop()]);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function uploadFolder(local: string, prefix: string): Promise<void> {
  for (const file of filesUnder(local)) {
    await container.getBlockBlobClient(`${prefix}${relative(local, file).split("\\").join("/")}`).uploadData(readFileSync(file));
  }
}

function fixture(overrides: ConstructorParameters<typeof ExportFixture>[1]): ExportFixture {
  const f = new ExportFixture(sandbox, { ...overrides, state: `${azurite.containerUrl("state")}/exports/${Math.random().toString(36).slice(2, 8)}/` });
  cleanups.push(() => f.cleanup());
  return f;
}

describe("lake and CDP sources in Azure Blob Storage, synced into the sandbox", () => {
  it("a Customer Insights export: exactly the newest complete run's 3 headerless parts, with names from model.json", async () => {
    await uploadFolder(join(LAYOUTS, "customer-insights"), "ci/");
    const f = fixture({
      segment: { source: `${containerUrl}/ci/CustomerInsights_abcd1234/BlobExport/`, format: "customer-insights", table: "HighValueSegment", settleMinutes: 0 },
      mappings: { email: "EmailAddress", firstName: "FirstName", fields: { LOYALTY_TIER: "Tier" }, tags: ["vip"] },
    });
    const r = await f.run("run", ["--json"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const expected = Array.from({ length: 30 }, (_, i) => `ci.${i + 1}@example.com`).sort();
    expect(f.subscribed()).toEqual(expected);
    const one = sandbox.inspect.members(f.listId, 1).find((m) => m.email === "ci.1@example.com")!;
    expect(one.tags).toEqual(["vip"]);
    expect(one.firstName).toBeTruthy();
    expect(JSON.parse(r.stdout).segment.rowsRead).toBe(30);
  });

  it("a Delta table: the latest snapshot (a file added, an older one removed)", async () => {
    const local = mkdtempSync(join(tmpdir(), "acx-delta-e2e-"));
    cleanups.push(() => rmSync(local, { recursive: true, force: true }));
    const fields = [
      { name: "Email Address", type: "string" },
      { name: "First", type: "string" },
    ];
    const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `delta.${from + i}@example.com`);
    const columns = (emails: string[]) => [
      { name: "Email Address", data: emails, type: "STRING" as const },
      { name: "First", data: emails.map((_, i) => `Name${i}`), type: "STRING" as const },
    ];
    dataFile(local, "part-0.parquet", columns(people(0, 10)));
    dataFile(local, "part-1.parquet", columns(people(10, 12)));
    commit(local, 0, [protocol(1), metaData(fields), add("part-0.parquet")]);
    commit(local, 1, [add("part-1.parquet")]);
    commit(local, 2, [{ remove: { path: "part-0.parquet", deletionTimestamp: 1, dataChange: true } }]);
    await uploadFolder(local, "gold/vip_members/");

    const f = fixture({
      segment: { source: `${containerUrl}/gold/vip_members/`, format: "delta" },
      mappings: { email: "Email Address", firstName: "First", tags: ["vip"] },
    });
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    expect(f.subscribed()).toEqual(people(10, 12).sort());
    expect(JSON.parse(r.stdout).counts).toMatchObject({ added: 12, rejected: 0 });

    // Incremental: the same snapshot sends nothing the second time.
    const before = sandbox.inspect.requests().bulkContactsReceived;
    const again = await f.run("run", ["--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).counts).toMatchObject({ added: 0, updated: 0, unchanged: 12 });
    expect(sandbox.inspect.requests().bulkContactsReceived).toBe(before);
  });
});
