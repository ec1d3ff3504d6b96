// `ac-export review [cdktf.out]`: the Markdown a reviewer sees in a pull request, from synthesized stacks.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { type TerraformStack, TerraformVariable, Testing } from "cdktf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActiveCampaignExport, ApiKey, ExportChecks, Principal, RunnerImage, SegmentSource } from "../../constructs/index.js";
import { ExportsStack } from "../../main.js";
import { runCli } from "../helpers/cli.js";
import { CDP_ACCOUNT_ID, connectionIn, DECLARED_MAPPINGS, exportProps, FAKE_BUNDLE, newStack, platformIn } from "./helpers.js";

const dirs: string[] = [];

/** The stack's cdk.tf.json as `cdktf synth` writes it: with the "//" markers, which Testing.synth drops. */
function cdktfSynth(stack: TerraformStack): string {
  const outdir = Testing.fullSynth(stack);
  dirs.push(outdir);
  return readFileSync(join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8");
}

function writeOut(stacks: Record<string, TerraformStack | string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ac-review-"));
  dirs.push(dir);
  for (const [name, stack] of Object.entries(stacks)) {
    mkdirSync(join(dir, "stacks", name), { recursive: true });
    writeFileSync(join(dir, "stacks", name, "cdk.tf.json"), typeof stack === "string" ? stack : cdktfSynth(stack));
  }
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The section of one export: from its "## name" heading to the next one. */
const section = (markdown: string, name: string) => markdown.split(/^## /m).find((s) => s.startsWith(`${name}\n`)) ?? "";

describe("ac-export review of the example stack", () => {
  let markdown: string;
  let code: number | null;

  beforeAll(async () => {
    const dir = writeOut({ "activecampaign-exports": new ExportsStack(Testing.app(), "activecampaign-exports", { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) }) });
    const r = await runCli(["review", dir, "--time-zone", "Europe/Amsterdam"]);
    expect(r.stderr).toBe("");
    ({ stdout: markdown, code } = r);
  });

  it("prints an overview table and exits 0", () => {
    expect(code).toBe(0);
    expect(markdown).toMatch(/^# ActiveCampaign exports: review summary\n/);
    expect(markdown).toContain("1 stack, 3 exports (2 scheduled, 1 disabled), 2 connections. Schedules are in UTC.");
    expect(markdown).toContain(
      [
        "| export | connection | ActiveCampaign account | list | schedule (UTC) | enabled | who may run it |",
        "|---|---|---|---|---|---|---|",
        "| trial-nurture | `sales-us` | `contoso-sales.api-us1.com` | 7 | manual only | **no** | Sales platform admins |",
        "| vip-newsletter | `marketing-eu` | `contoso.api-us1.com` | 12 | `0 3 * * *` every day at 03:00 UTC | yes | Marketing operations, Marketing platform admins, Dana Whitfield |",
        "| winback-eu | `marketing-eu` | `contoso.api-us1.com` | 31 | `0 6 * * 1` every Monday at 06:00 UTC | yes | Marketing operations, Marketing platform admins, Dana Whitfield |",
      ].join("\n"),
    );
  });

  it("says where the data comes from and goes to", () => {
    expect(section(markdown, "vip-newsletter")).toContain(
      "Sends the members of **VIP customers** (`https://contosocdp.blob.core.windows.net/segments/vip/`, CSV, the newest blob under the prefix) to list **12** of the ActiveCampaign account `contoso.api-us1.com`, ActiveCampaign – Marketing EU (connection `marketing-eu`).",
    );
  });

  it("shows the schedule in UTC, in words and in the reviewer's time zone", () => {
    expect(section(markdown, "vip-newsletter")).toContain(
      "- **Schedule:** `0 3 * * *` (UTC): every day at 03:00 UTC; that is 04:00 CET in January, 05:00 CEST in July (Europe/Amsterdam)",
    );
    expect(section(markdown, "vip-newsletter")).toContain("- **Enabled:** yes, runs on its schedule");
  });

  it("shows a disabled export as deployed but never scheduled, with the schedule it would have", () => {
    const s = section(markdown, "trial-nurture");
    expect(s).toContain("- **Enabled:** **no**: deployed with a manual trigger, so it never runs on a schedule; it runs only when an operator starts it");
    expect(s).toContain("- **Schedule:** none while disabled (when enabled: `15 * * * *`, every hour at minute 15 (UTC))");
  });

  it("lists the mappings and the leave policy", () => {
    const s = section(markdown, "vip-newsletter");
    expect(s).toContain(
      ["| ActiveCampaign | source column |", "|---|---|", "| email | `PrimaryEmail` |", "| first name | `FirstName` |", "| last name | `LastName` |", "| phone | `Phone` |", "| custom field `LOYALTY_TIER` | `Tier` |"].join("\n"),
    );
    expect(s).toContain(
      "- **Members who leave the segment:** `unsubscribe`: they are unsubscribed from list 12, at most 10% of the synced members per run (more stops the run before any write)",
    );
    expect(s).toContain("- **Tags on every synced member:** `vip`");
    expect(section(markdown, "winback-eu")).toContain("`untag`: the tags `winback` and `eu` are removed from them, at most 500 contacts per run");
  });

  it("says who may run each export and how", () => {
    const s = section(markdown, "vip-newsletter");
    expect(s).toContain(
      [
        "**Who may run it on demand** (Container Apps Jobs Operator on job `mkt-vip-newsletter`):",
        "",
        "- Marketing operations (group 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d), user of connection marketing-eu",
        "- Marketing platform admins (group 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b), admin of connection marketing-eu",
        "- Dana Whitfield (user 4b3a2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0), user of connection marketing-eu",
      ].join("\n"),
    );
    expect(s).toContain("Run it now: `az containerapp job start --name mkt-vip-newsletter --resource-group mkt-ac-exports`");
    expect(section(markdown, "trial-nurture")).toContain("- Sales platform admins (group 9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b), admin of connection sales-us");
  });

  it("says where reports land, what the job's identity may touch and where the API key lives", () => {
    const s = section(markdown, "vip-newsletter");
    expect(s).toMatch(/\*\*Reports land in\*\* `https:\/\/mktacx[0-9a-f]{10}\.blob\.core\.windows\.net\/export-vip-newsletter\/state\/vip-newsletter\/` \(report\.md, report\.json, rejected\.csv\), next to the export's state; the same principals may read them\./);
    expect(s).toMatch(
      /\*\*The job's own identity may\*\* \(and nothing else\): Key Vault Secrets User on Key Vault secret "ac-api-key-marketing-eu" in vault "mkt-acx-[0-9a-f]{6}", Storage Blob Data Reader on container "segments" of storage account "contosocdp" and Storage Blob Data Contributor on container "export-vip-newsletter" of storage account "mktacx[0-9a-f]{10}"\./,
    );
    expect(s).toMatch(/\*\*API key:\*\* Key Vault secret "ac-api-key-marketing-eu" in vault "mkt-acx-[0-9a-f]{6}", set out of band by an administrator \(Terraform never sees it\)/);
    expect(s).toContain("- **Data privacy:** accepted in code for this connection (`acceptDataPrivacy: true`)");
    expect(s).toMatch(/\*\*Runner:\*\* the bundled runner \(ac-export-[0-9a-f]{12}\.mjs, SHA-256 [0-9a-f]{12}…\) fetched with the job's identity, on docker\.io\/library\/node:24-slim@sha256:[0-9a-f]{64}\./);
  });
});

describe("ac-export review: other setups and errors", () => {
  it("describes write-only and existing-secret API keys, prebuilt images, and unescapes Terraform template sequences", async () => {
    const stack = newStack();
    const platform = platformIn(stack, { runner: RunnerImage.fromImage("contoso.azurecr.io/ac-export:1.2.0") });
    const variable = new TerraformVariable(stack, "key", { type: "string", sensitive: true });
    const wo = connectionIn(stack, platform, { apiKey: ApiKey.fromWriteOnlyVariable(variable) }, "wo");
    const existing = connectionIn(
      stack,
      platform,
      { apiKey: ApiKey.fromExistingSecret("/subscriptions/0/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/contoso-kv/secrets/ac-key") },
      "existing",
    );
    new ActiveCampaignExport(stack, "a", exportProps(wo, { mappings: { email: "${Email}" } }));
    new ActiveCampaignExport(stack, "b", exportProps(existing));
    const r = await runCli(["review", writeOut({ stack })]);
    expect(r.code).toBe(0);
    expect(section(r.stdout, "a")).toContain("written by Terraform from a sensitive variable, write-only (never in state)");
    expect(section(r.stdout, "a")).toContain("| email | `${Email}` |");
    expect(section(r.stdout, "a")).toContain("**Runner:** the image contoso.azurecr.io/ac-export:1.2.0.");
    expect(section(r.stdout, "b")).toContain('**API key:** Key Vault secret "ac-key" in vault "contoso-kv", an existing secret, managed outside this stack');
  });

  it("reads one stack's folder too, and several stacks", async () => {
    const one = newStack();
    new ActiveCampaignExport(one, "a", exportProps(connectionIn(one, platformIn(one))));
    const dir = writeOut({ first: one, second: Testing.synth(one) });
    const both = await runCli(["review", dir]);
    expect(both.stdout).toContain("2 stacks, 2 exports (2 scheduled, 0 disabled), 2 connections");
    expect(both.stdout).toContain("# Stack first");
    const single = await runCli(["review", join(dir, "stacks", "first")]);
    expect(single.stdout).toContain("1 stack, 1 export (1 scheduled, 0 disabled), 1 connection");
  });

  it("exits 2 and says what to do when there is nothing to review", async () => {
    const r = await runCli(["review", "/nonexistent/cdktf.out"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('ac-export review: /nonexistent/cdktf.out holds no synthesized stacks (no /nonexistent/cdktf.out/stacks); run "npm run synth" (cdktf synth) first\n');
  });

  it("exits 2 and lists the problems of an export whose config was edited into something invalid", async () => {
    const stack = newStack();
    new ActiveCampaignExport(stack, "vip", exportProps(connectionIn(stack, platformIn(stack))));
    const json = Testing.synth(stack).replace('\\"listId\\":12', '\\"listId\\":-1');
    const r = await runCli(["review", writeOut({ stack: json })]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("**The export config of job `mkt-vip` is invalid**; the runner would refuse it:");
    expect(r.stdout).toContain("- `listId`: must be a positive whole number (the ActiveCampaign list ID, e.g. 12); got -1");
    // Testing.synth drops cdktf's "//" metadata (the construct path), so the job's logical ID stands in for it.
    expect(r.stderr).toMatch(/^ac-export review: export vip \(vip_Job_[0-9A-F]{8}\) has an invalid config\n$/);
  });

  it("shows each custom field's declared type (or ActiveCampaign's at run time) and conversion, and the phone format", async () => {
    const stack = newStack();
    new ActiveCampaignExport(stack, "vip", exportProps(connectionIn(stack, platformIn(stack)), { mappings: DECLARED_MAPPINGS }));
    const r = await runCli(["review", writeOut({ stack })]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("| phone | `Mobile` |");
    expect(r.stdout).toContain("Phone numbers are sent in E.164 (numbers without a country prefix read as `NL`); a number that does not parse is reported, not sent.");
    expect(r.stdout).toContain(
      [
        "| custom field | type | in ActiveCampaign | values sent as |",
        "|---|---|---|---|",
        "| `LOYALTY_TIER` | from ActiveCampaign | must exist | type from ActiveCampaign at run time |",
        "| `MEMBER_SINCE` | `date` | created if missing | YYYY-MM-DD; timestamps without a zone read in Europe/Amsterdam; text dates also as DD-MM-YYYY |",
        '| `INTERESTS` | `checkbox` | missing options added | \\|\\|a\\|\\|b\\|\\| from a list or text split on ";"; each must match an option |',
        "",
        "A value that cannot be converted for its field is left out of the contact (the row is still synced) and reported.",
      ].join("\n"),
    );
  });

  it("lists every suppressed check with its reason and the findings it let through", async () => {
    const stack = newStack();
    const platform = platformIn(stack);
    const exp = new ActiveCampaignExport(stack, "vip", exportProps(connectionIn(stack, platform), { replicaTimeoutSeconds: 600 }));
    ExportChecks.suppress(exp, [{ id: "ACX-JOB1", reason: "the segment never exceeds 5,000 profiles" }]);
    ExportChecks.suppress(platform, [{ id: "ACX-ST4", reason: "state is rebuilt from the segment | on loss" }]);
    const r = await runCli(["review", writeOut({ stack })]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      [
        "## Suppressed checks",
        "",
        "2 ExportChecks suppressions in code; each lets findings of its check through on the construct and everything under it:",
        "",
        "| check | suppressed on | reason | findings it let through |",
        "|---|---|---|---|",
        "| `ACX-JOB1` (an export's replica timeout covers its maxProfiles at its own bulk-import and request rate limits, with a 1.5x margin, and its memory holds maxProfiles as measured) | `stack/vip` | the segment never exceeds 5,000 profiles | `stack/vip`: replicaTimeoutSeconds 600 is below 3600, what maxProfiles 1000000 needs at 100 bulk imports/min with a 1.5x margin: a full first run would be cut off (it resumes on the next run) |",
        "| `ACX-ST4` (storage accounts keep blob versions and soft-deleted blobs) | `stack/exports` | state is rebuilt from the segment \\| on loss | nothing in this stack (yet) |",
      ].join("\n"),
    );
  });

  it("reads who may run an export from the role assignments' markers, not from their descriptions", async () => {
    const stack = newStack();
    const exp = new ActiveCampaignExport(stack, "vip", exportProps(connectionIn(stack, platformIn(stack), { users: [] })));
    exp.grantRun(Principal.servicePrincipal("7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", "Release pipeline"), "deploys and smoke-tests the export");
    // A description edited by hand changes nothing in the review: the marker is what it reads.
    const grant = exp.node.findChild("Access").node.findChild("ServicePrincipal-7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6-RunJob") as RoleAssignment;
    grant.addOverride("description", "ac-export: someone else, may run everything");
    const r = await runCli(["review", writeOut({ stack })]);
    expect(section(r.stdout, "vip")).toContain(
      [
        "- Marketing admins (group 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b), admin of connection marketing-eu",
        "- Release pipeline (service principal 7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6), deploys and smoke-tests the export",
      ].join("\n"),
    );
    expect(r.stdout).toContain("| vip | `marketing-eu` | `contoso.api-us1.com` | 12 | `0 3 * * *` every day at 03:00 UTC | yes | Marketing admins, Release pipeline |");
    // Without markers (cdktf's Testing.synth drops "//"), a principal is its type and object ID.
    const bare = await runCli(["review", writeOut({ stack: Testing.synth(stack) })]);
    expect(section(bare.stdout, "vip")).toContain("- ServicePrincipal 7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6\n");
  });

  it("refuses an unknown time zone", async () => {
    const r = await runCli(["review", "--time-zone", "Mars/Olympus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ac-export review: --time-zone must be an IANA time zone such as "Europe/Amsterdam"; got "Mars/Olympus"\n');
  });
});

describe("ac-export review describes how each source is read", () => {
  let markdown: string;

  beforeAll(async () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    const lake = { storageAccountId: CDP_ACCOUNT_ID, container: "lake" };
    new ActiveCampaignExport(stack, "ci", exportProps(connection, {
      segment: SegmentSource.customerInsights({ ...lake, exportPath: "CustomerInsights_abcd1234/BlobExport/", table: "HighValueSegment", settleMinutes: 30 }),
    }));
    new ActiveCampaignExport(stack, "fabric", exportProps(connection, { segment: SegmentSource.delta({ ...lake, tablePath: "Tables/vip_members/" }) }));
    new ActiveCampaignExport(stack, "unload", exportProps(connection, {
      segment: SegmentSource.folder({ ...lake, folder: "unload/vip/", format: "csv", header: false, columns: ["PrimaryEmail", "FirstName", "Tier"] }),
    }));
    const r = await runCli(["review", writeOut({ stack })]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    markdown = r.stdout;
  });

  it("a Customer Insights export: the table's parts in the newest complete run folder, columns from model.json", () => {
    const s = section(markdown, "ci");
    expect(s).toContain("Sends the members of (`https://contosocdp.blob.core.windows.net/lake/CustomerInsights_abcd1234/BlobExport/`, Customer Insights export) to list **12**");
    expect(s).toContain(
      "- **What is read:** Customer Insights export, table HighValueSegment: every part HighValueSegment\\_\\<n\\>.csv of the newest complete run folder (HighValueSegment/\\<yyyy\\>/\\<MM\\>/\\<dd\\>/\\<HHmm\\>/); a run is complete when model.json lists its partitions, or when no file of it changed for 30 min; columns named by the attributes of entity HighValueSegment in model.json\n",
    );
  });

  it("a Delta table: its current snapshot, columns from the table schema", () => {
    const s = section(markdown, "fabric");
    expect(s).toContain("Sends the members of (`https://contosocdp.blob.core.windows.net/lake/Tables/vip_members/`, Delta Lake) to list **12**");
    expect(s).toContain("- **What is read:** Delta Lake table: its current snapshot (the log in \\_delta\\_log/); columns named by the table schema\n");
  });

  it("a folder of parts: every part of the newest complete run, how completion is recognized, headerless columns", () => {
    const s = section(markdown, "unload");
    expect(s).toContain(
      "- **What is read:** Every CSV part (also .gz) of the newest complete run in the folder; a run is complete when it has \\_SUCCESS (or a \\_committed\\_ for every \\_started\\_ marker), when Synapse Link's changelog no longer names it, or when no file of it changed for 15 min; no header row: columns named by segment.columns (PrimaryEmail, FirstName, Tier), a first line repeating them is skipped\n",
    );
  });

  it("a folder of parts is not summed up as 'the newest blob under the prefix'", () => {
    expect(section(markdown, "unload")).toContain("Sends the members of (`https://contosocdp.blob.core.windows.net/lake/unload/vip/`, CSV) to list **12**");
  });
});
