// ExportPlatform: the shared Azure infrastructure every connection and export of a team uses.
import { ContainerAppEnvironment } from "@cdktf/provider-azurerm/lib/container-app-environment/index.js";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault/index.js";
import { LogAnalyticsWorkspace } from "@cdktf/provider-azurerm/lib/log-analytics-workspace/index.js";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account/index.js";
import { AssetType, TerraformAsset, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { MARKER_KEY } from "../runner/config/contract.js";
import { ExportChecks } from "./checks.js";
import { RunnerImage, type RunnerDelivery } from "./runner-image.js";
import { type BoundPlatformAlerts, bindPlatformAlerts, checkPlatformAlerts, type PlatformAlerts } from "./alerts.js";
import { refuseSecretId, unknownProps } from "./prop-guards.js";
import { type AllListed, isToken, KEY_VAULT_NAME, NAME_PREFIX, outputName, PropChecker, ROLES, sha256, show, STORAGE_ACCOUNT_NAME } from "./util.js";

export type StorageReplication = "LRS" | "ZRS" | "GRS" | "RAGRS" | "GZRS" | "RAGZRS";

export interface ExportPlatformProps {
  /** Azure region of every resource, e.g. "westeurope". */
  readonly location: string;
  /**
   * Starts every resource name (1-12 lowercase letters, digits or single "-", starting with a letter). Pick one
   * per team: the Key Vault and storage account names derived from it must be unique in all of Azure.
   * @default "acx"
   */
  readonly namePrefix?: string;
  /**
   * Tags on every resource the platform, its connections and exports create.
   * @default - none besides the "ac-export:…" tags on jobs
   */
  readonly tags?: Record<string, string>;
  /**
   * Name of the resource group.
   * @default "<namePrefix>-ac-exports"
   */
  readonly resourceGroupName?: string;
  /**
   * Use the existing resource group `resourceGroupName` instead of creating one.
   * @default false
   */
  readonly useExistingResourceGroup?: boolean;
  /**
   * Days the Log Analytics workspace keeps job logs (30-730).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Subnet for the Container Apps environment (VNet integration).
   * @default - Azure-managed networking
   */
  readonly infrastructureSubnetId?: string;
  /**
   * Key Vault name (3-24 letters, digits, single "-"; unique in Azure).
   * @default "<namePrefix>-acx-<6 hex chars of a hash of namePrefix, location and this construct's path>"
   */
  readonly keyVaultName?: string;
  /**
   * Key Vault SKU. Secrets work the same in both; premium adds HSM-backed keys, which the platform does not use.
   * @default "standard"
   */
  readonly keyVaultSku?: "standard" | "premium";
  /**
   * Key Vault purge protection: deleted secrets cannot be purged before the retention ends. Cannot be turned off
   * once on. Turning it off fails the ACX-KV2 check unless suppressed with a reason.
   * @default true
   */
  readonly purgeProtection?: boolean;
  /**
   * Days a deleted Key Vault or secret stays recoverable (7-90). Set once, at creation.
   * @default 90
   */
  readonly softDeleteRetentionDays?: number;
  /**
   * Storage account for runner state, run reports and the runner bundle (3-24 lowercase letters or digits; unique
   * in Azure). The name must be known at synth time because each export's config holds its state URL.
   * @default "<namePrefix without '-'>acx<hex hash of namePrefix, location and this construct's path>", 24 characters at most
   */
  readonly storageAccountName?: string;
  /**
   * Replication of the storage account.
   * @default "ZRS"
   */
  readonly storageReplication?: StorageReplication;
  /**
   * Days deleted or overwritten blobs and containers stay recoverable (soft delete; versioning is always on).
   * @default 30
   */
  readonly blobRetentionDays?: number;
  /**
   * How jobs get the runner.
   * @default RunnerImage.bundle() - dist/ac-export.mjs uploaded as a blob and run on docker.io/library/node:24-slim
   */
  readonly runner?: RunnerImage;
  /**
   * Give the identity that runs `cdktf deploy` what it needs to create API-key secrets (Key Vault Secrets Officer on
   * the vault) and upload the runner bundle (Storage Blob Data Contributor on each export's container). Turn off
   * when your pipeline's identity already has those roles.
   * @default true
   */
  readonly grantDeployerAccess?: boolean;
  /**
   * Add the ExportChecks aspect (Azure security checks at synth time) to the stack.
   * @default true
   */
  readonly checks?: boolean;
  /**
   * Let Terraform destroy or replace the storage account (every export's state and reports) and the Key Vault (the
   * API keys). By default both carry `lifecycle.prevent_destroy`, so a change that would replace them fails the plan
   * instead. Opting out needs a reason (at least 10 characters), shown in the review.
   * @default - prevent_destroy on both
   */
  readonly allowDestroy?: { readonly reason: string };
  /**
   * Azure Monitor alerts for every export on this platform (failed runs, rejected rows, slow runs, missing runs)
   * and where they go. Exports can tune or turn them off with their own `alerts` prop.
   * @default - no alerts (ExportChecks warns with ACX-ALERT1)
   */
  readonly alerts?: PlatformAlerts;
}

/** The props ExportPlatform knows, checked at run time (an unknown prop is an error with a did-you-mean). */
const PLATFORM_PROPS = [
  "location",
  "namePrefix",
  "tags",
  "resourceGroupName",
  "useExistingResourceGroup",
  "logRetentionDays",
  "infrastructureSubnetId",
  "keyVaultName",
  "keyVaultSku",
  "purgeProtection",
  "softDeleteRetentionDays",
  "storageAccountName",
  "storageReplication",
  "blobRetentionDays",
  "runner",
  "grantDeployerAccess",
  "checks",
  "allowDestroy",
  "alerts",
] as const satisfies ReadonlyArray<keyof ExportPlatformProps>;
const _allPlatformProps: AllListed<ExportPlatformProps, (typeof PLATFORM_PROPS)[number]> = true;
void _allPlatformProps;

/** Azure's spelling of a region as names are derived from it: "North Europe" → "northeurope". */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/**
 * The shared Azure infrastructure of a team's exports: a resource group, a Log Analytics workspace, a Container Apps
 * environment, a Key Vault (RBAC authorization, purge protection, soft delete) for the API keys and a storage
 * account (shared keys off, TLS 1.2, no public blobs, versioning and soft delete) for runner state, run reports and
 * the runner bundle. Secure by default; every default can be overridden.
 *
 * The azurerm provider must set `storageUseAzuread: true` (the storage account has shared keys off); ExportChecks
 * rule ACX-PROV1 reminds you.
 */
export class ExportPlatform extends Construct {
  readonly location: string;
  readonly namePrefix: string;
  readonly tags: Record<string, string>;
  readonly resourceGroupName: string;
  readonly keyVault: KeyVault;
  readonly keyVaultId: string;
  readonly keyVaultName: string;
  readonly storageAccount: StorageAccount;
  readonly storageAccountId: string;
  readonly storageAccountName: string;
  /** `https://<account>.blob.core.windows.net` (public Azure cloud). */
  readonly blobEndpoint: string;
  readonly containerAppEnvironment: ContainerAppEnvironment;
  readonly containerAppEnvironmentId: string;
  readonly logAnalyticsWorkspace: LogAnalyticsWorkspace;
  /** Why the stateful resources may be destroyed (`allowDestroy`); undefined when they carry prevent_destroy. */
  readonly allowDestroyReason?: string;
  /** The platform's alert settings and action group, when `alerts` is set. */
  readonly alerts?: BoundPlatformAlerts;
  /** Object ID of the identity running `cdktf deploy` (a token), when `grantDeployerAccess` is on. */
  readonly deployerObjectId?: string;
  /** The deployer's Key Vault Secrets Officer assignment; API-key secrets wait for it. */
  readonly deployerSecretsAccess?: RoleAssignment;
  /** @internal */
  readonly runner: RunnerDelivery;
  /** @internal The uploaded bundle, for bundle delivery. */
  readonly runnerAsset?: TerraformAsset;

  constructor(scope: Construct, id: string, props: ExportPlatformProps) {
    super(scope, id);
    refuseSecretId("ExportPlatform", id);
    const check = new PropChecker(this, "ExportPlatform");
    const p = props ?? ({} as ExportPlatformProps);
    if (!check.guard(p, PLATFORM_PROPS)) check.throwIfAny();
    const namePrefix = p.namePrefix ?? "acx";
    if (isToken(p.location) === false && (typeof p.location !== "string" || !/^[a-z0-9]+$/i.test(p.location.replace(/\s/g, "")))) {
      check.add("location", `must be an Azure region such as "westeurope"; got ${show(p.location)}`);
    }
    if (check.literal("namePrefix", namePrefix) && !NAME_PREFIX.test(namePrefix)) {
      check.add("namePrefix", `must be 1-12 lowercase letters, digits or single "-", starting with a letter and ending with a letter or digit; got ${show(namePrefix)}`);
    }
    // Normalized before any name is derived: a tidy-up from "North Europe" to "northeurope" must not rename (and so
    // replace) the storage account and the Key Vault.
    const location = isToken(p.location) ? p.location : normalizeLocation(String(p.location));
    const seed = sha256(`${namePrefix}|${isToken(location) ? "" : location}|${this.node.path}`);
    const compact = namePrefix.replace(/-/g, "");
    const storageAccountName = p.storageAccountName ?? `${compact}acx${seed.slice(0, Math.min(10, 24 - 3 - compact.length))}`;
    if (check.literal("storageAccountName", storageAccountName) && !STORAGE_ACCOUNT_NAME.test(storageAccountName)) {
      check.add("storageAccountName", `must be 3-24 lowercase letters or digits (Azure's rule for storage accounts); got ${show(storageAccountName)}`);
    }
    const keyVaultName = p.keyVaultName ?? `${namePrefix}-acx-${seed.slice(0, 6)}`;
    if (check.literal("keyVaultName", keyVaultName) && !KEY_VAULT_NAME.test(keyVaultName)) {
      check.add("keyVaultName", `must be 3-24 letters, digits or single "-", starting with a letter and ending with a letter or digit; got ${show(keyVaultName)}`);
    }
    checkSettings(check, p);
    check.throwIfAny();

    this.location = location;
    this.allowDestroyReason = p.allowDestroy?.reason.trim();
    this.namePrefix = namePrefix;
    this.tags = { ...(p.tags ?? {}) };
    this.storageAccountName = storageAccountName;
    this.keyVaultName = keyVaultName;
    this.blobEndpoint = `https://${storageAccountName}.blob.core.windows.net`;
    const tags = Object.keys(this.tags).length ? this.tags : undefined;

    if (p.useExistingResourceGroup) {
      this.resourceGroupName = p.resourceGroupName!;
    } else {
      const rg = new ResourceGroup(this, "ResourceGroup", { name: p.resourceGroupName ?? `${namePrefix}-ac-exports`, location, tags });
      this.resourceGroupName = rg.name;
    }
    const common = { location, resourceGroupName: this.resourceGroupName, tags };
    const client = new DataAzurermClientConfig(this, "Deployer", {});

    this.logAnalyticsWorkspace = new LogAnalyticsWorkspace(this, "Logs", {
      ...common,
      name: `${namePrefix}-acx-logs`,
      sku: "PerGB2018",
      retentionInDays: p.logRetentionDays ?? 30,
    });
    this.containerAppEnvironment = new ContainerAppEnvironment(this, "Environment", {
      ...common,
      name: `${namePrefix}-acx-env`,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspace.id,
      ...(p.infrastructureSubnetId !== undefined ? { infrastructureSubnetId: p.infrastructureSubnetId } : {}),
    });
    this.containerAppEnvironmentId = this.containerAppEnvironment.id;

    this.keyVault = new KeyVault(this, "KeyVault", {
      ...common,
      name: keyVaultName,
      tenantId: client.tenantId,
      skuName: p.keyVaultSku ?? "standard",
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: p.purgeProtection ?? true,
      softDeleteRetentionDays: p.softDeleteRetentionDays ?? 90,
      // Jobs on an environment without a VNet reach the vault over its public endpoint, with Entra ID auth only.
      publicNetworkAccessEnabled: true,
      // Replacing the vault loses every API key (and with purge protection its name for 90 days).
      lifecycle: { preventDestroy: this.allowDestroyReason === undefined },
    });
    this.keyVaultId = this.keyVault.id;
    // Who read or changed an API key, and when: the vault's audit log goes to the platform's workspace.
    new MonitorDiagnosticSetting(this, "KeyVaultAudit", {
      name: `${namePrefix}-acx-kv-audit`,
      targetResourceId: this.keyVault.id,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspace.id,
      enabledLog: [{ categoryGroup: "audit" }],
    });

    this.storageAccount = new StorageAccount(this, "Storage", {
      ...common,
      name: storageAccountName,
      accountKind: "StorageV2",
      accountTier: "Standard",
      accountReplicationType: p.storageReplication ?? "ZRS",
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      minTlsVersion: "TLS1_2",
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      crossTenantReplicationEnabled: false,
      blobProperties: {
        versioningEnabled: true,
        deleteRetentionPolicy: { days: p.blobRetentionDays ?? 30 },
        containerDeleteRetentionPolicy: { days: p.blobRetentionDays ?? 30 },
      },
      // Replacing the account wipes every export's state and reports.
      lifecycle: { preventDestroy: this.allowDestroyReason === undefined },
    });
    this.storageAccountId = this.storageAccount.id;
    if (this.allowDestroyReason !== undefined) {
      // The reason rides along in cdktf's "//" comment (Terraform ignores it), where `ac-export review` shows it.
      for (const r of [this.keyVault, this.storageAccount]) r.addOverride(`//.${MARKER_KEY}`, { allowDestroy: this.allowDestroyReason });
    }

    if (p.grantDeployerAccess ?? true) {
      this.deployerObjectId = client.objectId;
      this.deployerSecretsAccess = new RoleAssignment(this, "DeployerSecretsOfficer", {
        scope: this.keyVault.id,
        roleDefinitionName: ROLES.keyVaultSecretsOfficer,
        principalId: client.objectId,
        description: "ac-export: the identity running cdktf deploy creates the connections' API-key secrets (placeholders or write-only values)",
      });
    }

    this.runner = (p.runner ?? RunnerImage.bundle()).resolve();
    if (this.runner.kind === "bundle") {
      this.runnerAsset = new TerraformAsset(this, "RunnerBundle", {
        path: this.runner.bundlePath,
        type: AssetType.FILE,
        assetHash: this.runner.sha256.slice(0, 16),
      });
    }

    const out = (name: string, value: string, description: string) =>
      new TerraformOutput(this, name, { value, description }).overrideLogicalId(outputName(namePrefix, name));
    out("resource_group_name", this.resourceGroupName, "Resource group of the ActiveCampaign export platform");
    out("key_vault_name", keyVaultName, "Key Vault holding the connections' ActiveCampaign API keys");
    out("storage_account_name", storageAccountName, "Storage account holding export state, run reports and the runner bundle");

    if (p.alerts !== undefined) this.alerts = bindPlatformAlerts(this, p.alerts);

    if (p.checks ?? true) ExportChecks.addTo(TerraformStack.of(this));
  }
}

/** The platform's settings besides its names: ranges, choices, allowDestroy and alerts. */
function checkSettings(check: PropChecker, p: ExportPlatformProps): void {
  const range = (prop: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && !isToken(v) && (!Number.isInteger(v) || v < min || v > max)) check.add(prop, `must be a whole number from ${min} to ${max}; got ${show(v)}`);
  };
  range("logRetentionDays", p.logRetentionDays, 30, 730);
  range("softDeleteRetentionDays", p.softDeleteRetentionDays, 7, 90);
  range("blobRetentionDays", p.blobRetentionDays, 1, 365);
  if (p.keyVaultSku !== undefined && !["standard", "premium"].includes(p.keyVaultSku)) check.add("keyVaultSku", `must be "standard" or "premium"; got ${show(p.keyVaultSku)}`);
  if (p.storageReplication !== undefined && !["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"].includes(p.storageReplication)) {
    check.add("storageReplication", `must be one of "LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"; got ${show(p.storageReplication)}`);
  }
  if (p.useExistingResourceGroup && p.resourceGroupName === undefined) check.add("resourceGroupName", "is required when useExistingResourceGroup is true");
  if (p.allowDestroy !== undefined) {
    const unknown = unknownProps(p.allowDestroy, ["reason"], "allowDestroy.");
    for (const u of unknown) check.add(u.prop, u.message);
    const reason = p.allowDestroy?.reason;
    if (typeof reason !== "string" || reason.trim().length < 10) {
      check.add("allowDestroy.reason", `must say why the storage account and Key Vault may be destroyed, in at least 10 characters; got ${show(reason)}`);
    }
  }
  if (p.alerts !== undefined) for (const problem of checkPlatformAlerts(p.alerts)) check.add(problem.prop, problem.message);
}
