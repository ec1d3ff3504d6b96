import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret/index.js";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { EXPORT_CHECK_RULES, ExportChecks, InvalidPropsError, RunnerImage, Schedule } from "../../constructs/index.js";
import { ExportsStack } from "../../main.js";
import { ActiveCampaignConnection, ActiveCampaignExport, ExportPlatform } from "../../constructs/index.js";
import { annotations, basicStack, exportProps, FAKE_BUNDLE, newStack, platformIn } from "./helpers.js";

const findingsOf = (stack: TerraformStack) => {
  Testing.synth(stack);
  return ExportChecks.findings(stack);
};
const ids = (stack: TerraformStack) => findingsOf(stack).map((f) => `${f.ruleId} ${f.path}${f.suppressedBecause ? " (suppressed)" : ""}`);

describe("ExportChecks", () => {
  it("finds nothing in the default platform, connection and export", () => {
    const { stack } = basicStack();
    expect(ids(stack)).toEqual([]);
    expect(annotations(stack).filter((n) => n.level !== "info")).toEqual([]);
  });

  it("flags a Key Vault without RBAC authorization or purge protection (ACX-KV1, ACX-KV2)", () => {
    const stack = newStack();
    const platform = platformIn(stack, { purgeProtection: false });
    platform.keyVault.addOverride("rbac_authorization_enabled", false);
    expect(ids(stack)).toEqual(["ACX-KV1 stack/exports/KeyVault", "ACX-KV2 stack/exports/KeyVault"]);
    expect(annotations(stack)).toContainEqual({
      level: "error",
      path: "stack/exports/KeyVault",
      message:
        '[ACX-KV2] Key Vault purge protection is off: a deleted API-key secret could be purged at once; set purgeProtectionEnabled: true (or suppress with ExportChecks.suppress(construct, [{ id: "ACX-KV2", reason: "…" }]))',
    });
  });

  it("flags storage with shared keys, old TLS, public blobs, no versioning (ACX-ST1..4)", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    platform.storageAccount.addOverride("shared_access_key_enabled", true);
    platform.storageAccount.addOverride("min_tls_version", "TLS1_0");
    platform.storageAccount.addOverride("allow_nested_items_to_be_public", true);
    platform.storageAccount.addOverride("blob_properties.versioning_enabled", false);
    const found = findingsOf(stack);
    expect(found.map((f) => `${f.ruleId} ${f.level}`)).toEqual(["ACX-ST1 error", "ACX-ST2 error", "ACX-ST3 error", "ACX-ST4 warning"]);
    expect(found[1]!.message).toBe('storage account allows TLS older than 1.2 (min_tls_version "TLS1_0"); set minTlsVersion: "TLS1_2"');
  });

  it("flags plaintext secrets: a secret value, a key in a job's env, a sensitive variable with a default (ACX-SEC1)", () => {
    const { stack, platform, exp } = basicStack();
    new KeyVaultSecret(stack, "Plain", { name: "plain", keyVaultId: platform.keyVaultId, value: "not-really-a-key" });
    exp.job.addOverride("template.container.0.env.1.value", "not-really-a-key");
    new TerraformVariable(stack, "token", { type: "string", sensitive: true, default: "not-really-a-key" });
    const found = findingsOf(stack).map((f) => `${f.ruleId}: ${f.message}`);
    expect(found).toEqual([
      "ACX-SEC1: environment variable AC_API_KEY has a plaintext value: pass secrets with secretName (a Key Vault reference)",
      "ACX-SEC1: Key Vault secret has a plaintext value, which lands in cdk.tf.json and Terraform state: use ApiKey.setOutOfBand() or ApiKey.fromWriteOnlyVariable()",
      'ACX-SEC1: sensitive variable "token" has a default, which lands in cdk.tf.json: remove it and set TF_VAR_token at deploy time',
    ]);
  });

  it("flags role assignments at resource-group or subscription scope, on whole storage accounts, and privileged roles (ACX-RBAC1, ACX-RBAC2)", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    const rg = platform.node.findChild("ResourceGroup") as unknown as { id: string };
    const principalId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    new RoleAssignment(stack, "OnGroup", { scope: rg.id, roleDefinitionName: "Storage Blob Data Reader", principalId });
    new RoleAssignment(stack, "OnSubscription", { scope: "/subscriptions/00000000-0000-0000-0000-000000000000", roleDefinitionName: "Reader", principalId });
    new RoleAssignment(stack, "OnAccount", { scope: platform.storageAccountId, roleDefinitionName: "Storage Blob Data Contributor", principalId });
    new RoleAssignment(stack, "Owner", { scope: platform.keyVaultId, roleDefinitionName: "Owner", principalId });
    expect(ids(stack)).toEqual(["ACX-RBAC1 stack/OnGroup", "ACX-RBAC1 stack/OnSubscription", "ACX-RBAC1 stack/OnAccount", "ACX-RBAC2 stack/Owner"]);
  });

  it("flags a provider that would use storage keys (ACX-PROV1)", () => {
    const stack = newStack({ provider: false });
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    platformIn(stack);
    expect(ids(stack)).toEqual(["ACX-PROV1 stack/azurerm"]);
  });

  it("warns when the timeout cannot cover maxProfiles, or the schedule fires more often than a run may take (ACX-JOB1, ACX-JOB2)", () => {
    const { stack } = basicStack({ export: { replicaTimeoutSeconds: 1800, schedule: Schedule.cron("*/15 * * * *") } });
    expect(findingsOf(stack).map((f) => `${f.ruleId} ${f.level}: ${f.message}`)).toEqual([
      "ACX-JOB1 warning: replicaTimeoutSeconds 1800 is below 3600, what maxProfiles 1000000 needs at 100 bulk imports/min with a 1.5x margin: a full first run would be cut off (it resumes on the next run)",
      'ACX-JOB2 warning: schedule "*/15 * * * *" can start a run every 15 minutes, but a run may take up to 30 minutes: overlapping runs wait on the export\'s lock and fail with exit code 4',
    ]);
  });

  it("ACX-JOB1 takes the time maxProfiles needs from the export's own rate limits (bulkFloorSeconds)", () => {
    // 1,000,000 profiles = 4,000 bulk imports; at 10 a minute that is 24,000 s, 36,000 s with the margin.
    const slow = basicStack({ export: { bulkRequestsPerMinute: 10 } });
    expect(findingsOf(slow.stack).map((f) => `${f.ruleId} ${f.level} ${f.path}: ${f.message}`)).toEqual([
      "ACX-JOB1 warning stack/vip-newsletter: replicaTimeoutSeconds 7200 is below 36000, what maxProfiles 1000000 needs at 10 bulk imports/min with a 1.5x margin: a full first run would be cut off (it resumes on the next run)",
    ]);
    // A bulk import is a request too: 0.5 requests/s allow 30 bulk imports a minute.
    const fewRequests = basicStack({ export: { requestsPerSecond: 0.5 } });
    expect(findingsOf(fewRequests.stack).map((f) => f.message)).toEqual([
      "replicaTimeoutSeconds 7200 is below 12000, what maxProfiles 1000000 needs at 30 bulk imports/min (requestsPerSecond 0.5) with a 1.5x margin: a full first run would be cut off (it resumes on the next run)",
    ]);
    // Enough time for fewer profiles at the same rate: 100,000 profiles need 2,400 s × 1.5 = 3,600 s.
    expect(ids(basicStack({ export: { bulkRequestsPerMinute: 10, maxProfiles: 100_000 } }).stack)).toEqual([]);
  });

  it("ACX-JOB1 stays quiet for the example app (main.ts)", () => {
    const stack = new ExportsStack(Testing.app(), "activecampaign-exports", { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    expect(findingsOf(stack).filter((f) => f.ruleId === "ACX-JOB1")).toEqual([]);
    const exports = stack.node.findAll().filter(ActiveCampaignExport.isActiveCampaignExport);
    expect(exports.map((e) => `${e.exportName} ${e.config.limits.maxProfiles} ${e.config.rateLimit.bulkRequestsPerMinute} ${e.replicaTimeoutSeconds}`)).toEqual([
      "vip-newsletter 1000000 100 7200",
      "winback-eu 1000000 100 7200",
      "trial-nurture 50000 100 3000",
    ]);
  });

  it("skips an export whose construction failed half-way instead of crashing synth with a TypeError", () => {
    const { stack, connection, exp } = basicStack();
    const invalid = new ActiveCampaignExport(stack, "broken", exportProps(connection, { listId: 0 }));
    expect(invalid.problems).toBeInstanceOf(InvalidPropsError);
    const broken = stack.node.findChild("broken");
    expect(ActiveCampaignExport.isActiveCampaignExport(broken)).toBe(false);
    expect(ActiveCampaignExport.isActiveCampaignExport(exp)).toBe(true);
    expect(ids(stack)).toEqual([]);
  });

  it("turns a check that throws into an ACX-CHECK1 finding that names the construct; synth goes on", () => {
    const { stack, exp } = basicStack({ export: { replicaTimeoutSeconds: 1800 } });
    Object.defineProperty(exp, "schedule", {
      get() {
        throw new TypeError("the schedule is not readable");
      },
    });
    // Synth completes: the stack's JSON is there, the job in it.
    expect(Object.keys(JSON.parse(Testing.synth(stack)).resource.azurerm_container_app_job)).toHaveLength(1);
    expect(ExportChecks.findings(stack).map((f) => `${f.ruleId} ${f.level} ${f.path}: ${f.message}`)).toEqual([
      "ACX-JOB1 warning stack/vip-newsletter: replicaTimeoutSeconds 1800 is below 3600, what maxProfiles 1000000 needs at 100 bulk imports/min with a 1.5x margin: a full first run would be cut off (it resumes on the next run)",
      'ACX-CHECK1 warning stack/vip-newsletter: the ACX-CONN1 checks could not run on "stack/vip-newsletter" (TypeError: the schedule is not readable); check this construct by hand',
      'ACX-CHECK1 warning stack/vip-newsletter: the ACX-JOB2 checks could not run on "stack/vip-newsletter" (TypeError: the schedule is not readable); check this construct by hand',
    ]);
    expect(annotations(stack)).toContainEqual({
      level: "warn",
      path: "stack/vip-newsletter",
      message: expect.stringMatching(/^\[ACX-CHECK1\] the ACX-JOB2 checks could not run on "stack\/vip-newsletter"/),
    });
  });

  it("flags an export whose connection has not accepted the data-privacy terms (ACX-PRIV1), which cannot be suppressed", () => {
    const { stack, connection, exp } = basicStack();
    Object.defineProperty(connection, "acceptDataPrivacy", { value: false });
    expect(ids(stack)).toEqual(["ACX-PRIV1 stack/vip-newsletter"]);
    expect(() => ExportChecks.suppress(exp, [{ id: "ACX-PRIV1", reason: "the legal team said it is fine" }])).toThrow(
      'ExportChecks.suppress for "stack/vip-newsletter" has invalid props:\n  suppressions[0].id: ACX-PRIV1 cannot be suppressed (every export\'s connection accepted the data-privacy terms (acceptDataPrivacy: true))',
    );
  });

  it("makes app.synth (what cdktf synth runs) fail on an error finding", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "ac-checks-")) });
    const stack = new TerraformStack(app, "stack");
    new AzurermProvider(stack, "azurerm", { features: [{}], storageUseAzuread: true });
    new ExportPlatform(stack, "exports", { location: "westeurope", purgeProtection: false, runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    expect(() => app.synth()).toThrow(/\[ACX-KV2\] Key Vault purge protection is off/);
  });

  it("accepts a suppression with a reason: the finding turns into info and synth passes", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "ac-checks-")) });
    const stack = new TerraformStack(app, "stack");
    new AzurermProvider(stack, "azurerm", { features: [{}], storageUseAzuread: true });
    const platform = new ExportPlatform(stack, "exports", { location: "westeurope", purgeProtection: false, runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    ExportChecks.suppress(platform, [{ id: "ACX-KV2", reason: "sandbox subscription, vault is torn down nightly" }]);
    expect(() => app.synth()).not.toThrow();
    expect(ExportChecks.findings(stack)).toEqual([
      {
        ruleId: "ACX-KV2",
        level: "error",
        path: "stack/exports/KeyVault",
        message: "Key Vault purge protection is off: a deleted API-key secret could be purged at once; set purgeProtectionEnabled: true",
        suppressedBecause: "sandbox subscription, vault is torn down nightly",
      },
    ]);
    expect(annotations(stack)).toContainEqual({
      level: "info",
      path: "stack/exports/KeyVault",
      message:
        "[ACX-KV2] suppressed: sandbox subscription, vault is torn down nightly (finding: Key Vault purge protection is off: a deleted API-key secret could be purged at once; set purgeProtectionEnabled: true)",
    });
  });

  it("refuses a suppression without a real reason or for an unknown rule", () => {
    const { platform } = basicStack();
    expect(() => ExportChecks.suppress(platform, [{ id: "ACX-KV2", reason: "  ok  " }])).toThrow(
      'ExportChecks.suppress for "stack/exports" has invalid props:\n  suppressions[0].reason: must say why ACX-KV2 is acceptable here, in at least 10 characters; got "  ok  "',
    );
    expect(() => ExportChecks.suppress(platform, [{ id: "AwsSolutions-S1", reason: "copied from another project" }])).toThrow(
      `ExportChecks.suppress for "stack/exports" has invalid props:\n  suppressions[0].id: must be one of ${Object.keys(EXPORT_CHECK_RULES).join(", ")}; got "AwsSolutions-S1"`,
    );
  });

  it("applies a suppression to the construct's children only", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    const connection = new ActiveCampaignConnection(stack, "c", { platform, hostname: "contoso.api-us1.com", acceptDataPrivacy: true });
    const a = new ActiveCampaignExport(stack, "a", exportProps(connection, { replicaTimeoutSeconds: 600 }));
    // At another time than a: two overlapping exports on one account would be an ACX-CONN1 finding of their own.
    new ActiveCampaignExport(stack, "b", exportProps(connection, { replicaTimeoutSeconds: 600, schedule: Schedule.cron("0 12 * * *") }));
    ExportChecks.suppress(a, [{ id: "ACX-JOB1", reason: "segment never exceeds 5,000 profiles" }]);
    expect(ids(stack)).toEqual(["ACX-JOB1 stack/a (suppressed)", "ACX-JOB1 stack/b"]);
  });
});
