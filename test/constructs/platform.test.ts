import { ContainerAppEnvironment } from "@cdktf/provider-azurerm/lib/container-app-environment/index.js";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault/index.js";
import { LogAnalyticsWorkspace } from "@cdktf/provider-azurerm/lib/log-analytics-workspace/index.js";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account/index.js";
import { Testing } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import { ExportPlatform, RunnerImage } from "../../constructs/index.js";
import { FAKE_BUNDLE, newStack, platformIn, ref, resourcesOf } from "./helpers.js";

describe("ExportPlatform: secure defaults", () => {
  let stack: ReturnType<typeof newStack>;
  let platform: ExportPlatform;
  let synth: string;

  beforeAll(() => {
    stack = newStack();
    platform = platformIn(stack, { tags: { owner: "marketing" } });
    synth = Testing.synth(stack);
  });

  it("creates a resource group, Log Analytics workspace and Container Apps environment", () => {
    expect(synth).toHaveResourceWithProperties(ResourceGroup, { name: "mkt-ac-exports", location: "westeurope", tags: { owner: "marketing" } });
    expect(synth).toHaveResourceWithProperties(LogAnalyticsWorkspace, { name: "mkt-acx-logs", sku: "PerGB2018", retention_in_days: 30 });
    expect(synth).toHaveResourceWithProperties(ContainerAppEnvironment, {
      name: "mkt-acx-env",
      log_analytics_workspace_id: ref(stack, platform.logAnalyticsWorkspace, "id"),
      resource_group_name: ref(stack, platform.node.findChild("ResourceGroup") as ResourceGroup, "name"),
    });
  });

  it("creates an RBAC Key Vault with purge protection and 90 days of soft delete", () => {
    expect(synth).toHaveResourceWithProperties(KeyVault, {
      name: platform.keyVaultName,
      sku_name: "standard",
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      soft_delete_retention_days: 90,
      tenant_id: expect.stringMatching(/^\$\{data\.azurerm_client_config\.[^}]+\.tenant_id\}$/),
    });
    expect(platform.keyVaultName).toMatch(/^mkt-acx-[0-9a-f]{6}$/);
  });

  it("creates a storage account with shared keys off, TLS 1.2, no public blobs, versioning and soft delete", () => {
    expect(synth).toHaveResourceWithProperties(StorageAccount, {
      name: platform.storageAccountName,
      account_replication_type: "ZRS",
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      min_tls_version: "TLS1_2",
      https_traffic_only_enabled: true,
      allow_nested_items_to_be_public: false,
      cross_tenant_replication_enabled: false,
      blob_properties: {
        versioning_enabled: true,
        delete_retention_policy: { days: 30 },
        container_delete_retention_policy: { days: 30 },
      },
    });
  });

  it("derives a deterministic storage account name that fits Azure's 3-24 lowercase alphanumeric rule", () => {
    expect(platform.storageAccountName).toMatch(/^mktacx[0-9a-f]{10}$/);
    expect(platformIn(newStack()).storageAccountName).toBe(platform.storageAccountName);
    const long = new ExportPlatform(newStack(), "exports", { location: "westeurope", namePrefix: "marketing-eu", runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }) });
    expect(long.storageAccountName).toMatch(/^marketingeuacx[0-9a-f]{10}$/);
    expect(long.storageAccountName.length).toBe(24);
    expect(long.keyVaultName.length).toBeLessThanOrEqual(24);
  });

  it("lets the deployer create secrets in its vault (and nothing wider)", () => {
    expect(synth).toHaveResourceWithProperties(RoleAssignment, {
      scope: ref(stack, platform.keyVault, "id"),
      role_definition_name: "Key Vault Secrets Officer",
      principal_id: expect.stringMatching(/^\$\{data\.azurerm_client_config\.[^}]+\.object_id\}$/),
    });
  });

  it("outputs the resource group, vault and storage account names", () => {
    const json = JSON.parse(synth);
    expect(json.output.mkt_key_vault_name.value).toBe(platform.keyVaultName);
    expect(json.output.mkt_storage_account_name.value).toBe(platform.storageAccountName);
    expect(json.output.mkt_resource_group_name.value).toBe(ref(stack, platform.node.findChild("ResourceGroup") as ResourceGroup, "name"));
  });
});

describe("ExportPlatform options", () => {
  it("uses an existing resource group and overrides the defaults", () => {
    const stack = newStack();
    platformIn(stack, {
      resourceGroupName: "rg-shared",
      useExistingResourceGroup: true,
      keyVaultName: "contoso-ac-keys",
      storageAccountName: "contosoacstate",
      keyVaultSku: "premium",
      storageReplication: "GZRS",
      softDeleteRetentionDays: 30,
      logRetentionDays: 90,
      blobRetentionDays: 7,
      grantDeployerAccess: false,
    });
    const synth = Testing.synth(stack);
    const json = JSON.parse(synth);
    expect(json.resource.azurerm_resource_group).toBeUndefined();
    expect(synth).toHaveResourceWithProperties(KeyVault, { name: "contoso-ac-keys", resource_group_name: "rg-shared", sku_name: "premium", soft_delete_retention_days: 30 });
    expect(synth).toHaveResourceWithProperties(StorageAccount, { name: "contosoacstate", account_replication_type: "GZRS" });
    expect(Object.values(resourcesOf(json, "azurerm_role_assignment"))).toEqual([]);
  });

  it("names every bad prop with its value and what is allowed", () => {
    expect(
      () =>
        new ExportPlatform(newStack(), "exports", {
          location: "westeurope",
          namePrefix: "Marketing_EU",
          storageAccountName: "Contoso-State",
          keyVaultName: "kv--x",
          softDeleteRetentionDays: 3,
          runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }),
        }),
    ).toThrow(
      [
        'ExportPlatform "stack/exports" has invalid props:',
        '  namePrefix: must be 1-12 lowercase letters, digits or single "-", starting with a letter and ending with a letter or digit; got "Marketing_EU"',
        '  storageAccountName: must be 3-24 lowercase letters or digits (Azure\'s rule for storage accounts); got "Contoso-State"',
        '  keyVaultName: must be 3-24 letters, digits or single "-", starting with a letter and ending with a letter or digit; got "kv--x"',
        "  softDeleteRetentionDays: must be a whole number from 7 to 90; got 3",
      ].join("\n"),
    );
  });

  it("says how to build the runner bundle when it is missing", () => {
    expect(() => platformIn(newStack(), { runner: RunnerImage.bundle({ bundlePath: "/nonexistent/ac-export.mjs" }) })).toThrow(
      'RunnerImage.bundle has invalid props:\n  bundlePath: the runner bundle /nonexistent/ac-export.mjs does not exist; build it with "npm run build" (npm run synth does it for you) or set bundlePath',
    );
  });

  it("refuses an image reference that is not one", () => {
    expect(() => platformIn(newStack(), { runner: RunnerImage.fromImage("https://contoso.azurecr.io/ac-export") })).toThrow(
      'RunnerImage.fromImage has invalid props:\n  image: must be an image reference such as "docker.io/library/node:24-slim" or "contoso.azurecr.io/ac-export:1.2.0"; got "https://contoso.azurecr.io/ac-export"',
    );
  });
});
