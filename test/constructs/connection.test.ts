import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerAppJob } from "@cdktf/provider-azurerm/lib/container-app-job/index.js";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret/index.js";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { afterEach, describe, expect, it } from "vitest";
import { ActiveCampaignConnection, ActiveCampaignExport, API_KEY_PLACEHOLDER, ApiKey, Principal, RunnerImage, ExportPlatform } from "../../constructs/index.js";
import { ADMINS, connectionIn, exportProps, FAKE_BUNDLE, newStack, platformIn, ref, resourcesOf, synthJson } from "./helpers.js";

const EXISTING = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/contoso-kv/secrets/ac-key";

describe("ActiveCampaignConnection", () => {
  it("by default creates the secret with a write-only placeholder and outputs the exact az command to set the key", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    const connection = connectionIn(stack, platform);
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(KeyVaultSecret, {
      name: "ac-api-key-marketing-eu",
      key_vault_id: ref(stack, platform.keyVault, "id"),
      value_wo: API_KEY_PLACEHOLDER,
      value_wo_version: 1,
      depends_on: [`azurerm_role_assignment.${stack.getLogicalId(platform.deployerSecretsAccess!)}`],
    });
    const secret = Object.values(resourcesOf(JSON.parse(synth), "azurerm_key_vault_secret"))[0]!;
    expect(secret.value).toBeUndefined();
    expect(connection.apiKey.mode).toBe("out-of-band");
    expect(JSON.parse(synth).output.marketing_eu_set_api_key_command.value).toBe(
      `az keyvault secret set --vault-name ${platform.keyVaultName} --name ac-api-key-marketing-eu --value "$AC_API_KEY" --output none`,
    );
  });

  it("gives admins Key Vault Secrets Officer on the connection's secret only", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    const json = synthJson(stack);
    const officers = Object.values(resourcesOf(json, "azurerm_role_assignment")).filter(
      (a) => a.role_definition_name === "Key Vault Secrets Officer" && a.principal_id === ADMINS.objectId,
    );
    expect(officers).toEqual([
      {
        scope: ref(stack, connection.apiKey.secret!, "resource_versionless_id"),
        role_definition_name: "Key Vault Secrets Officer",
        principal_id: ADMINS.objectId,
        principal_type: "Group",
        description: "ac-export: Marketing admins (group 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b) administers connection marketing-eu: sets and rotates its ActiveCampaign API key",
      },
    ]);
  });

  it("fails synth without acceptDataPrivacy: true, naming the prop", () => {
    const stack = newStack();
    expect(() => connectionIn(stack, platformIn(stack), { acceptDataPrivacy: undefined as never })).toThrow(
      'ActiveCampaignConnection "stack/marketing-eu" has invalid props:\n  acceptDataPrivacy: must be true: exports send customer data (email addresses, names, phone numbers, custom fields, tags) to ActiveCampaign, outside your Azure compliance boundary; set acceptDataPrivacy: true once that is agreed; got nothing',
    );
  });

  it("fails with the schema's message for a hostname with a scheme, and for a bad connection name", () => {
    const stack = newStack();
    expect(() => connectionIn(stack, platformIn(stack), { hostname: "https://contoso.api-us1.com/api/3", connectionName: "Marketing EU" })).toThrow(
      [
        'ActiveCampaignConnection "stack/marketing-eu" has invalid props:',
        '  connectionName: must be 1-48 lowercase letters, digits or "-" (the connection\'s name); got "Marketing EU"',
        '  hostname: must be a bare hostname without a scheme such as "https://"; got "https://contoso.api-us1.com/api/3"; use "contoso.api-us1.com" instead',
      ].join("\n"),
    );
  });

  it("refuses principals that are not object IDs", () => {
    expect(() => Principal.user("dana@contoso.com")).toThrow(
      'Principal.user has invalid props:\n  objectId: must be a Microsoft Entra object ID, a GUID such as "3f2504e0-4f89-41d3-9a0c-0305e82c3301" (not a name, email or UPN); got "dana@contoso.com"',
    );
  });
});

describe("ApiKey alternatives", () => {
  it("fromWriteOnlyVariable writes the sensitive variable as value_wo with its version", () => {
    const stack = newStack();
    const key = new TerraformVariable(stack, "ac_api_key_marketing_eu", { type: "string", sensitive: true });
    connectionIn(stack, platformIn(stack), { apiKey: ApiKey.fromWriteOnlyVariable(key, { version: 3 }) });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(KeyVaultSecret, { name: "ac-api-key-marketing-eu", value_wo: "${var.ac_api_key_marketing_eu}", value_wo_version: 3 });
    expect(JSON.parse(synth).output.marketing_eu_set_api_key_command).toBeUndefined();
  });

  it("fromWriteOnlyVariable refuses variables that are not sensitive or have a default", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    const plain = new TerraformVariable(stack, "plain", { type: "string" });
    expect(() => connectionIn(stack, platform, { apiKey: ApiKey.fromWriteOnlyVariable(plain) })).toThrow(
      'ApiKey.fromWriteOnlyVariable for "stack/marketing-eu" has invalid props:\n  variable: "plain" must be declared with sensitive: true, so Terraform never prints the key',
    );
    const withDefault = new TerraformVariable(stack, "with_default", { type: "string", sensitive: true, default: "x" });
    expect(() => connectionIn(stack, platform, { apiKey: ApiKey.fromWriteOnlyVariable(withDefault) }, "other")).toThrow(
      'ApiKey.fromWriteOnlyVariable for "stack/other" has invalid props:\n  variable: "with_default" must not have a default (a default is written into cdk.tf.json); feed it with TF_VAR_with_default at deploy time',
    );
  });

  it("fromExistingSecret references the secret without creating one, and scopes every role to it", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack), { apiKey: ApiKey.fromExistingSecret(EXISTING) });
    const exp = new ActiveCampaignExport(stack, "vip-newsletter", exportProps(connection));
    const synth = Testing.synth(stack);
    expect(JSON.parse(synth).resource.azurerm_key_vault_secret).toBeUndefined();
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      secret: [{ name: "ac-api-key", key_vault_secret_id: "https://contoso-kv.vault.azure.net/secrets/ac-key", identity: ref(stack, exp.identity, "id") }],
    });
    expect(synth).toHaveResourceWithProperties(RoleAssignment, { scope: EXISTING, role_definition_name: "Key Vault Secrets User", principal_id: ref(stack, exp.identity, "principal_id") });
    expect(synth).toHaveResourceWithProperties(RoleAssignment, { scope: EXISTING, role_definition_name: "Key Vault Secrets Officer", principal_id: ADMINS.objectId });
  });

  it("fromExistingSecret refuses a data-plane URI where the ARM ID belongs", () => {
    const stack = newStack();
    expect(() => connectionIn(stack, platformIn(stack), { apiKey: ApiKey.fromExistingSecret("https://contoso-kv.vault.azure.net/secrets/ac-key") })).toThrow(
      'ApiKey.fromExistingSecret for "stack/marketing-eu" has invalid props:\n  secretResourceId: must be an ARM ID without version, "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name>"; got "https://contoso-kv.vault.azure.net/secrets/ac-key"',
    );
  });
});

describe("no secret value ever reaches cdk.tf.json (canary)", () => {
  const CANARY = "canary-4f1d9c2e7ab84e0c9d3f6a1b2c5e8d7f-ac-api-key";
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  function allFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? allFiles(join(dir, n)) : [join(dir, n)]));
  }

  it("keeps the key out of the synthesized output for every ApiKey mode, even when it is in the environment", () => {
    // Where a careless setup would have the key: the deployer's environment and the write-only variable's TF_VAR_.
    process.env.AC_API_KEY = CANARY;
    process.env.TF_VAR_ac_api_key_sales_us = CANARY;
    const outdir = mkdtempSync(join(tmpdir(), "ac-canary-"));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "canary");
    new AzurermProvider(stack, "azurerm", { features: [{}], storageUseAzuread: true });
    const platform = new ExportPlatform(stack, "exports", { location: "westeurope", namePrefix: "mkt", runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    const variable = new TerraformVariable(stack, "ac_api_key_sales_us", { type: "string", sensitive: true });
    const connections = [
      new ActiveCampaignConnection(stack, "marketing-eu", { platform, hostname: "contoso.api-us1.com", acceptDataPrivacy: true }),
      new ActiveCampaignConnection(stack, "sales-us", { platform, hostname: "sales.api-us1.com", acceptDataPrivacy: true, apiKey: ApiKey.fromWriteOnlyVariable(variable) }),
      new ActiveCampaignConnection(stack, "legacy", { platform, hostname: "legacy.api-us1.com", acceptDataPrivacy: true, apiKey: ApiKey.fromExistingSecret(EXISTING) }),
    ];
    connections.forEach((c, i) => new ActiveCampaignExport(stack, `export-${i}`, exportProps(c)));
    app.synth(); // also runs ExportChecks: it would throw on a plaintext secret (ACX-SEC1)
    const files = allFiles(outdir);
    expect(files.some((f) => f.endsWith("cdk.tf.json"))).toBe(true);
    for (const f of files) expect(readFileSync(f, "utf8"), f).not.toContain(CANARY);
  });

  it("the canary check does see a key that leaks (negative control)", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    new KeyVaultSecret(stack, "leak", { name: "leak", keyVaultId: platform.keyVaultId, value: CANARY });
    expect(Testing.synth(stack)).toContain(CANARY);
  });
});
