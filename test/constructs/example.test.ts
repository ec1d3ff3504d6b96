// The example app (main.ts): a snapshot of its stack, and a real run of main.ts as `cdktf synth` runs it, whose
// output `ac-export review` summarizes and whose AC_EXPORT_CONFIG the runner runs against the sandbox (end to end).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { ExportChecks, RunnerImage } from "../../constructs/index.js";
import { ExportsStack } from "../../main.js";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { type Azurite, startAzurite } from "../helpers/azurite.js";
import { runCli } from "../helpers/cli.js";
import { FAKE_BUNDLE } from "./helpers.js";

const root = resolve(import.meta.dirname, "../..");

// main.ts run once for this file, as cdktf.json's app command, with CDKTF_OUTDIR as the cdktf CLI sets it.
let outdir: string;
let json: Record<string, any>;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "ac-example-"));
  const r = spawnSync(process.execPath, ["--regexp-interpret-all", "--import", "tsx", "main.ts"], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  json = JSON.parse(readFileSync(join(outdir, "stacks/activecampaign-exports/cdk.tf.json"), "utf8"));
}, 90_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("example stack (main.ts)", () => {
  it("matches the snapshot", () => {
    const stack = new ExportsStack(Testing.app(), "activecampaign-exports", { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    const synth = Testing.synth(stack);
    expect(ExportChecks.findings(stack)).toEqual([]);
    expect(synth).toMatchSnapshot();
  });
});

describe("main.ts synthesized like `cdktf synth` does (offline, no terraform binary)", () => {

  it("writes the stack with the runner bundle as an asset, the one whose SHA-256 the jobs pin", () => {
    const blob = Object.values(json.resource.azurerm_storage_blob as Record<string, { source: string }>)[0]!;
    const asset = join(outdir, "stacks/activecampaign-exports", blob.source);
    expect(existsSync(asset)).toBe(true);
    // (Not compared with dist/ac-export.mjs itself: a concurrent test run may rebuild it meanwhile.)
    const job = Object.values(json.resource.azurerm_container_app_job as Record<string, any>)[0]!;
    const pinned = job.template.container[0].env.find((e: { name: string }) => e.name === "AC_EXPORT_RUNNER_SHA256").value;
    expect(createHash("sha256").update(readFileSync(asset)).digest("hex")).toBe(pinned);
    expect(readFileSync(asset, "utf8")).not.toMatch(/node_modules\/(cdktf|constructs|@cdktf)\//);
  });

  it("has two connections and three exports, one of them disabled", () => {
    const jobs = Object.values(json.resource.azurerm_container_app_job as Record<string, any>);
    expect(jobs.map((j) => [j.name, j.schedule_trigger_config?.cron_expression ?? "manual"]).sort()).toEqual([
      ["mkt-trial-nurture", "manual"],
      ["mkt-vip-newsletter", "0 3 * * *"],
      ["mkt-winback-eu", "0 6 * * 1"],
    ]);
    expect(Object.keys(json.resource.azurerm_key_vault_secret)).toHaveLength(2);
  });

  it("gives the runner a config it accepts, taken straight out of cdk.tf.json", async () => {
    const job = Object.values(json.resource.azurerm_container_app_job as Record<string, any>).find((j) => j.name === "mkt-vip-newsletter")!;
    const config = job.template.container[0].env.find((e: { name: string }) => e.name === "AC_EXPORT_CONFIG").value as string;
    const r = await runCli(["validate"], { env: { AC_EXPORT_CONFIG: config } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(config));
  });

  it("is summarized by `ac-export review`", async () => {
    const r = await runCli(["review", outdir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("3 exports (2 scheduled, 1 disabled), 2 connections");
    expect(r.stdout).toContain("| vip-newsletter | `marketing-eu` | `contoso.api-us1.com` | 12 | `0 3 * * *` every day at 03:00 UTC | yes | Marketing operations, Marketing platform admins, Dana Whitfield |");
  });
});

describe("end to end: main.ts → cdk.tf.json → AC_EXPORT_CONFIG → ac-export run → the ActiveCampaign list", () => {
  let sandbox: Sandbox;
  let azurite: Azurite;

  beforeAll(async () => {
    [sandbox, azurite] = await Promise.all([startSandbox({ timeScale: 50 }), startAzurite()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([sandbox?.close(), azurite?.stop()]);
  });

  it("syncs vip-newsletter's segment into list 12 with fields and tags, then unsubscribes a leaver (onLeave: unsubscribe)", async () => {
    const job = Object.values(json.resource.azurerm_container_app_job as Record<string, any>).find((j) => j.name === "mkt-vip-newsletter")!;
    const deployed = job.template.container[0].env.find((e: { name: string }) => e.name === "AC_EXPORT_CONFIG").value as string;
    // Only the endpoints change: Azure Blob Storage → Azurite (same containers and paths), and the ActiveCampaign
    // host → the sandbox (AC_API_URL). Name, list, mappings, leave policy and limits are exactly what was synthesized.
    const local = deployed.replace(/https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\//g, `${azurite.blobEndpoint}/`);
    const config = JSON.parse(local);
    expect(config.segment.source).toBe(`${azurite.blobEndpoint}/segments/vip/`);
    expect(config.state).toBe(`${azurite.blobEndpoint}/export-vip-newsletter/state/`);

    // The ActiveCampaign account: list 12 (the config's listId) and the LOYALTY_TIER custom field.
    while (sandbox.inspect.createList(`list-${Math.random().toString(36).slice(2, 6)}`).id < config.listId);
    sandbox.inspect.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER" });
    // The customer-data platform drops the segment as a new CSV under segments/vip/.
    await azurite.createContainer("export-vip-newsletter");
    const segments = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key)).getContainerClient("segments");
    await segments.createIfNotExists();
    const drop = async (name: string, people: number[]) => {
      const csv = `PrimaryEmail,FirstName,LastName,Phone,Tier\n${people.map((i) => `vip${i}@contoso-e2e.example,First${i},Last${i},+3120555${String(i).padStart(4, "0")},gold`).join("\n")}\n`;
      await segments.getBlockBlobClient(`vip/${name}`).upload(csv, Buffer.byteLength(csv));
    };
    const env = { AC_EXPORT_CONFIG: local, AC_API_KEY: sandbox.apiKey, AC_API_URL: sandbox.url, AC_TIME_SCALE: "50" };
    const subscribed = () => sandbox.inspect.members(config.listId, 1).map((m) => m.email).sort();
    const emails = (ids: number[]) => ids.map((i) => `vip${i}@contoso-e2e.example`).sort();

    await drop("2026-11-23.csv", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const first = await runCli(["run", "--quiet"], { env });
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.code).toBe(0);
    expect(subscribed()).toEqual(emails([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(sandbox.inspect.members(config.listId, 1).find((m) => m.email === "vip7@contoso-e2e.example")).toMatchObject({
      firstName: "First7",
      lastName: "Last7",
      fields: { LOYALTY_TIER: "gold" },
      tags: ["vip"],
    });

    // Next refresh: the newest blob under the prefix wins; vip10 left the segment.
    await drop("2026-11-24.csv", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const second = await runCli(["run", "--quiet"], { env });
    expect(second.code).toBe(0);
    expect(subscribed()).toEqual(emails([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(sandbox.inspect.members(config.listId, 2).map((m) => m.email)).toEqual(["vip10@contoso-e2e.example"]);
  });
});
