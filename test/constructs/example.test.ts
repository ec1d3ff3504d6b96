// The example app (main.ts): a snapshot of its stack, and a real run of main.ts as `cdktf synth` runs it, whose
// output `ac-export review` summarizes and whose AC_EXPORT_CONFIG the runner accepts.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportChecks, RunnerImage } from "../../constructs/index.js";
import { ExportsStack } from "../../main.js";
import { runCli } from "../helpers/cli.js";
import { FAKE_BUNDLE } from "./helpers.js";

const root = resolve(import.meta.dirname, "../..");

describe("example stack (main.ts)", () => {
  it("matches the snapshot", () => {
    const stack = new ExportsStack(Testing.app(), "activecampaign-exports", { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    const synth = Testing.synth(stack);
    expect(ExportChecks.findings(stack)).toEqual([]);
    expect(synth).toMatchSnapshot();
  });
});

describe("main.ts synthesized like `cdktf synth` does (offline, no terraform binary)", () => {
  let outdir: string;
  let json: Record<string, any>;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "ac-example-"));
    // cdktf.json's app command, with CDKTF_OUTDIR as the cdktf CLI sets it.
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
