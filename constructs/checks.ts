// ExportChecks: Azure security checks at synth time, as an Aspect (the cdk-nag pattern for CDKTF trees).
// Each finding has a rule ID; errors fail `cdktf synth`, warnings are printed. A finding can be suppressed on a
// construct (and everything under it) only with a reason of at least 10 characters, which is then printed as info
// and recorded in the stack's cdk.tf.json (runner/config/contract.ts), where `ac-export review` lists it. A check
// that throws becomes an ACX-CHECK1 finding on its construct, as in cdk-nag, instead of aborting synth.
import {
  Annotations,
  DefaultTokenResolver,
  type IAspect,
  Aspects,
  StringConcat,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Tokenization,
} from "cdktf";
import type { IConstruct } from "constructs";
import { bulkFloorSeconds } from "../runner/config/ac-limits.js";
import { jobMemoryBytes, MEASURED_BASE_BYTES, MEASURED_BYTES_PER_PROFILE, memoryBytes } from "../runner/config/job-memory.js";
import { MARKER_KEY, type StackMarker, type SuppressionMarker } from "../runner/config/contract.js";
import { API_KEY_PLACEHOLDER } from "./api-key.js";
import { overlapMessage, overlappingShares, type ShareOverlap, type SharedExport } from "./connection-share.js";
import { isActiveCampaignExport } from "./export-kind.js";
import type { ActiveCampaignExport } from "./export.js";
import { secretProblem } from "./prop-guards.js";
import { InvalidPropsError, show } from "./util.js";

export type ExportCheckLevel = "error" | "warning";

export interface ExportCheckRule {
  readonly id: string;
  readonly level: ExportCheckLevel;
  /** What the rule wants, in one line. */
  readonly summary: string;
  /** A data-privacy acceptance cannot be waived in code review by a suppression. */
  readonly suppressible: boolean;
}

const rule = (id: string, level: ExportCheckLevel, summary: string, suppressible = true): ExportCheckRule => ({ id, level, summary, suppressible });

/** Every rule ExportChecks applies, by ID. */
export const EXPORT_CHECK_RULES = {
  "ACX-KV1": rule("ACX-KV1", "error", "Key Vaults use Azure RBAC authorization, not access policies"),
  "ACX-KV2": rule("ACX-KV2", "error", "Key Vaults have purge protection on"),
  "ACX-ST1": rule("ACX-ST1", "error", "storage accounts have shared access keys off (Entra ID only)"),
  "ACX-ST2": rule("ACX-ST2", "error", "storage accounts accept only HTTPS with TLS 1.2 or newer"),
  "ACX-ST3": rule("ACX-ST3", "error", "no public blob access: not on the account, not on containers"),
  "ACX-ST4": rule("ACX-ST4", "warning", "storage accounts keep blob versions and soft-deleted blobs"),
  "ACX-SEC1": rule("ACX-SEC1", "error", "no plaintext secret values in the synthesized configuration"),
  "ACX-RBAC1": rule("ACX-RBAC1", "error", "role assignments are scoped no wider than needed (never a subscription, management group or resource group; blob data roles on containers)"),
  "ACX-RBAC2": rule("ACX-RBAC2", "error", "no privileged roles (Owner, Contributor, User Access Administrator, …)"),
  "ACX-PRIV1": rule("ACX-PRIV1", "error", "every export's connection accepted the data-privacy terms (acceptDataPrivacy: true)", false),
  "ACX-JOB1": rule("ACX-JOB1", "warning", "an export's replica timeout covers its maxProfiles at its own bulk-import and request rate limits, with a 1.5x margin, and its memory holds maxProfiles as measured"),
  "ACX-JOB2": rule("ACX-JOB2", "warning", "an export's schedule does not start runs more often than a run may take"),
  "ACX-PROV1": rule("ACX-PROV1", "error", "the azurerm provider signs in to storage with Entra ID (storageUseAzuread: true), as shared keys are off"),
  "ACX-ALERT1": rule("ACX-ALERT1", "warning", "every export's alerts reach someone: ExportPlatform or export `alerts` with emails or a webhook"),
  "ACX-CONN1": rule("ACX-CONN1", "warning", "exports on one ActiveCampaign account whose runs can overlap stay within its 5 requests/s and 100 bulk imports/min together"),
  "ACX-CHECK1": rule("ACX-CHECK1", "warning", "every check runs to the end on every construct (a check that fails is reported here instead of aborting synth)"),
} as const;

export type ExportCheckRuleId = keyof typeof EXPORT_CHECK_RULES;

export interface ExportCheckSuppression {
  /** The rule ID, e.g. "ACX-ST4". */
  readonly id: string;
  /** Why the finding is acceptable here: at least 10 characters, shown at synth and in code review. */
  readonly reason: string;
}

export interface ExportCheckFinding {
  readonly ruleId: ExportCheckRuleId;
  readonly level: ExportCheckLevel;
  /** Construct path of the offending construct. */
  readonly path: string;
  readonly message: string;
  /** Set when a suppression covers the finding. */
  readonly suppressedBecause?: string;
}

const suppressions = new WeakMap<IConstruct, ExportCheckSuppression[]>();
/** Per stack, the suppressions declared in it and what they silenced: written into the stack for `ac-export review`. */
const suppressionRecords = new WeakMap<TerraformStack, SuppressionMarker[]>();
const findingsByStack = new WeakMap<TerraformStack, ExportCheckFinding[]>();
const reported = new WeakMap<IConstruct, Set<string>>();
const checkedStacks = new WeakSet<TerraformStack>();

const PRIVILEGED_ROLES = new Set(
  ["Owner", "Contributor", "User Access Administrator", "Role Based Access Control Administrator", "Key Vault Administrator", "Storage Blob Data Owner", "Storage Account Contributor"].map((r) => r.toLowerCase()),
);
const SECRET_ENV = /(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|CONNECTION_?STRING|SAS)/i;
const BROAD_SCOPE_LITERAL = /^(\/|\/subscriptions\/[^/]+\/?|\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/?|\/providers\/Microsoft\.Management\/managementGroups\/[^/]+\/?)$/i;
const BROAD_SCOPE_REF = /^\$\{(data\.)?(azurerm_resource_group|azurerm_subscription|azurerm_management_group)\.[^}]+\.id\}$/;
const ACCOUNT_SCOPE = /^(\$\{(data\.)?azurerm_storage_account\.[^}]+\.id\}|\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+\/?)$/i;

/**
 * Azure security checks for the export platform, run at synth. Added to the stack by ExportPlatform (prop `checks`,
 * on by default); add it yourself with `ExportChecks.addTo(stack)` for stacks without a platform.
 *
 * Rules: see EXPORT_CHECK_RULES. Suppress a finding where it is acceptable, with a reason:
 * `ExportChecks.suppress(platform.storageAccount, [{ id: "ACX-ST4", reason: "state is rebuilt from the segment" }])`.
 */
export class ExportChecks implements IAspect {
  /** Add the checks to a stack once (later calls are no-ops). */
  static addTo(stack: TerraformStack): void {
    if (checkedStacks.has(stack)) return;
    checkedStacks.add(stack);
    Aspects.of(stack).add(new ExportChecks());
  }

  /**
   * Suppress findings of the given rules on `scope` and everything under it. Each suppression needs a reason of at
   * least 10 characters; ACX-PRIV1 (data privacy) cannot be suppressed.
   */
  static suppress(scope: IConstruct, list: ExportCheckSuppression[]): void {
    const fail = (prop: string, message: string) => InvalidPropsError.factory("ExportChecks.suppress", prop, message, scope.node.path);
    list.forEach((s, i) => {
      const known = EXPORT_CHECK_RULES[s?.id as ExportCheckRuleId];
      if (!known) throw fail(`suppressions[${i}].id`, `must be one of ${Object.keys(EXPORT_CHECK_RULES).join(", ")}; got ${show(s?.id)}`);
      if (!known.suppressible) throw fail(`suppressions[${i}].id`, `${s.id} cannot be suppressed (${known.summary})`);
      const secret = secretProblem(`suppressions[${i}].reason`, s.reason);
      if (secret) throw fail(secret.prop, secret.message);
      if (typeof s.reason !== "string" || s.reason.trim().length < 10) {
        throw fail(`suppressions[${i}].reason`, `must say why ${s.id} is acceptable here, in at least 10 characters; got ${show(s.reason)}`);
      }
    });
    const added = list.map((s) => ({ id: s.id, reason: s.reason.trim() }));
    suppressions.set(scope, [...(suppressions.get(scope) ?? []), ...added]);
    const stack = stackOf(scope);
    if (stack) for (const s of added) record(stack, { rule: s.id, path: scope.node.path, reason: s.reason, findings: [] });
  }

  /** Findings (including suppressed ones) of the stacks' last synth. */
  static findings(stack: TerraformStack): ExportCheckFinding[] {
    return [...(findingsByStack.get(stack) ?? [])];
  }

  visit(node: IConstruct): void {
    if (node instanceof TerraformResource) this.guarded(node, "resource", () => this.visitResource(node));
    else if (node instanceof TerraformVariable) this.guarded(node, "variable", () => this.visitVariable(node));
    else if (node instanceof TerraformProvider) this.guarded(node, "provider", () => this.visitProvider(node));
    if (isActiveCampaignExport(node)) this.visitExport(node);
  }

  /** Runs checks so that one that throws becomes an ACX-CHECK1 finding on the construct, as cdk-nag does, not a crash. */
  private guarded(node: IConstruct, what: string, checks: () => void): void {
    try {
      checks();
    } catch (e) {
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.report(node, "ACX-CHECK1", `the ${what} checks could not run on "${node.node.path}" (${why}); check this construct by hand`);
    }
  }

  private report(node: IConstruct, ruleId: ExportCheckRuleId, message: string): void {
    const done = reported.get(node) ?? new Set<string>();
    reported.set(node, done);
    const key = `${ruleId}|${message}`;
    if (done.has(key)) return;
    done.add(key);
    const r = EXPORT_CHECK_RULES[ruleId];
    const suppression = r.suppressible ? findSuppression(node, ruleId) : undefined;
    const stack = TerraformStack.of(node);
    const list = findingsByStack.get(stack) ?? [];
    findingsByStack.set(stack, list);
    list.push({ ruleId, level: r.level, path: node.node.path, message, ...(suppression ? { suppressedBecause: suppression.reason } : {}) });
    if (suppression) {
      recordFinding(stack, ruleId, suppression, node.node.path, message);
      Annotations.of(node).addInfo(`[${ruleId}] suppressed: ${suppression.reason} (finding: ${message})`);
      return;
    }
    const text = `[${ruleId}] ${message}${r.suppressible ? ` (or suppress with ExportChecks.suppress(construct, [{ id: "${ruleId}", reason: "…" }]))` : ""}`;
    if (r.level === "error") Annotations.of(node).addError(text);
    else Annotations.of(node).addWarning(text);
  }

  private visitResource(node: TerraformResource): void {
    const type = node.terraformResourceType;
    const attrs = configOf(node, "resource", type);
    if (!attrs) return;
    switch (type) {
      case "azurerm_key_vault": {
        if (attrs.rbac_authorization_enabled !== true && attrs.enable_rbac_authorization !== true) {
          this.report(node, "ACX-KV1", "Key Vault does not use RBAC authorization: set rbacAuthorizationEnabled: true so access is granted per secret with Azure roles");
        }
        if (attrs.purge_protection_enabled !== true) {
          this.report(node, "ACX-KV2", "Key Vault purge protection is off: a deleted API-key secret could be purged at once; set purgeProtectionEnabled: true");
        }
        break;
      }
      case "azurerm_storage_account": {
        if (attrs.shared_access_key_enabled !== false) {
          this.report(node, "ACX-ST1", "storage account accepts shared access keys: set sharedAccessKeyEnabled: false (jobs and people use Entra ID)");
        }
        if (attrs.min_tls_version !== "TLS1_2" && attrs.min_tls_version !== "TLS1_3") {
          this.report(node, "ACX-ST2", `storage account allows TLS older than 1.2 (min_tls_version ${show(attrs.min_tls_version ?? "the provider default")}); set minTlsVersion: "TLS1_2"`);
        }
        if (attrs.https_traffic_only_enabled === false) this.report(node, "ACX-ST2", "storage account accepts plain HTTP: set httpsTrafficOnlyEnabled: true");
        if (attrs.allow_nested_items_to_be_public !== false) {
          this.report(node, "ACX-ST3", "storage account allows public blob access: set allowNestedItemsToBePublic: false");
        }
        const blob = (attrs.blob_properties ?? {}) as Record<string, unknown>;
        if (blob.versioning_enabled !== true || !blob.delete_retention_policy) {
          this.report(node, "ACX-ST4", "storage account does not keep blob versions and soft-deleted blobs: set blobProperties.versioningEnabled and deleteRetentionPolicy");
        }
        break;
      }
      case "azurerm_storage_container": {
        if (attrs.container_access_type !== undefined && attrs.container_access_type !== "private") {
          this.report(node, "ACX-ST3", `container allows public access (container_access_type ${show(attrs.container_access_type)}); set containerAccessType: "private"`);
        }
        break;
      }
      case "azurerm_key_vault_secret": {
        if (attrs.value !== undefined) {
          this.report(node, "ACX-SEC1", "Key Vault secret has a plaintext value, which lands in cdk.tf.json and Terraform state: use ApiKey.setOutOfBand() or ApiKey.fromWriteOnlyVariable()");
        }
        const wo = resolve(node, attrs.value_wo);
        if (typeof wo === "string" && wo !== API_KEY_PLACEHOLDER && !/^\$\{var\.[A-Za-z0-9_-]+\}$/.test(wo)) {
          this.report(node, "ACX-SEC1", "Key Vault secret's write-only value is written in code: feed it from a sensitive TerraformVariable (ApiKey.fromWriteOnlyVariable)");
        }
        break;
      }
      case "azurerm_container_app_job":
      case "azurerm_container_app": {
        for (const secret of asArray(attrs.secret)) {
          if (secret.value !== undefined) {
            this.report(node, "ACX-SEC1", `job secret ${show(secret.name)} has a plaintext value: use a Key Vault reference (keyVaultSecretId + identity)`);
          }
        }
        const template = (attrs.template ?? {}) as Record<string, unknown>;
        for (const container of [...asArray(template.container), ...asArray(template.init_container)]) {
          for (const env of asArray(container.env)) {
            if (env.value !== undefined && typeof env.name === "string" && SECRET_ENV.test(env.name)) {
              this.report(node, "ACX-SEC1", `environment variable ${env.name} has a plaintext value: pass secrets with secretName (a Key Vault reference)`);
            }
          }
        }
        break;
      }
      case "azurerm_role_assignment": {
        const scope = resolve(node, attrs.scope);
        const role = String(attrs.role_definition_name ?? attrs.role_definition_id ?? "");
        if (typeof scope === "string" && (BROAD_SCOPE_LITERAL.test(scope) || BROAD_SCOPE_REF.test(scope))) {
          this.report(node, "ACX-RBAC1", `role assignment of ${show(role)} is scoped to ${show(scope)}, a subscription, management group or resource group: scope it to the one resource it needs`);
        } else if (typeof scope === "string" && /^Storage Blob Data/i.test(role) && ACCOUNT_SCOPE.test(scope)) {
          this.report(node, "ACX-RBAC1", `role assignment of ${show(role)} covers a whole storage account (${show(scope)}): scope it to the container`);
        }
        if (PRIVILEGED_ROLES.has(role.toLowerCase())) {
          this.report(node, "ACX-RBAC2", `role assignment grants the privileged role ${show(role)}: grant a data or operator role on the one resource instead`);
        }
        break;
      }
      default:
        break;
    }
  }

  private visitVariable(node: TerraformVariable): void {
    const attrs = configOf(node, "variable", undefined);
    if (attrs && attrs.sensitive === true && attrs.default !== undefined) {
      this.report(node, "ACX-SEC1", `sensitive variable ${show(node.friendlyUniqueId)} has a default, which lands in cdk.tf.json: remove it and set TF_VAR_${node.friendlyUniqueId} at deploy time`);
    }
  }

  private visitProvider(node: TerraformProvider): void {
    if (node.terraformResourceType !== "azurerm") return;
    const attrs = configOf(node, "provider", "azurerm");
    if (attrs && attrs.storage_use_azuread !== true) {
      this.report(node, "ACX-PROV1", "the azurerm provider uses storage account keys, which the platform's storage account refuses: set storageUseAzuread: true on the AzurermProvider");
    }
  }

  private visitExport(exp: ActiveCampaignExport): void {
    this.guarded(exp, "ACX-PRIV1", () => {
      if (exp.connection.acceptDataPrivacy !== true) {
        this.report(exp, "ACX-PRIV1", `export ${exp.exportName} uses connection ${exp.connection.connectionName}, which has not accepted the data-privacy terms (acceptDataPrivacy: true)`);
      }
    });
    this.guarded(exp, "ACX-JOB1", () => {
      this.checkTimeout(exp);
      this.checkMemory(exp);
    });
    this.guarded(exp, "ACX-ALERT1", () => {
      if (exp.alerts.actionGroupIds.length > 0) return;
      const why = exp.alerts.rules.length === 0 ? "has no alerts" : "has alerts that notify nobody";
      this.report(
        exp,
        "ACX-ALERT1",
        `export ${exp.exportName} ${why}: a failed or stalled run goes unnoticed; set alerts: { emails: [...] } or { webhookUrl } on the ExportPlatform (or on the export)`,
      );
    });
    this.guarded(exp, "ACX-CONN1", () => {
      for (const o of sharedOverlaps(exp)) if (o.exports.some((e) => e.name === exp.exportName)) this.report(exp, "ACX-CONN1", overlapMessage(o, exp.exportName));
    });
    this.guarded(exp, "ACX-JOB2", () => {
      if (!exp.enabled) return;
      const gap = exp.schedule.minIntervalMinutes();
      if (gap * 60 < exp.replicaTimeoutSeconds) {
        this.report(
          exp,
          "ACX-JOB2",
          `schedule "${exp.schedule.expression}" can start a run every ${gap} minutes, but a run may take up to ${exp.replicaTimeoutSeconds / 60} minutes: overlapping runs wait on the export's lock and fail with exit code 4`,
        );
      }
    });
  }

  /** ACX-JOB1: the job's memory holds maxProfiles, as the benchmark measured the runner (runner/config/job-memory.ts). */
  private checkMemory(exp: ActiveCampaignExport): void {
    const have = memoryBytes(exp.memory);
    const need = jobMemoryBytes(exp.config.limits.maxProfiles);
    if (have === undefined || have >= need) return;
    this.report(
      exp,
      "ACX-JOB1",
      `memory ${exp.memory} is below ${gib(need)}, what maxProfiles ${exp.config.limits.maxProfiles} needs as measured (${MEASURED_BASE_BYTES / 2 ** 20} MiB + ${MEASURED_BYTES_PER_PROFILE} bytes a profile): a large run may be stopped for memory; give the job more vCPUs (memory is twice the vCPUs) or lower maxProfiles`,
    );
  }

  /** ACX-JOB1: the least time a first sync of maxProfiles takes at the export's own limits, with a 1.5x margin. */
  private checkTimeout(exp: ActiveCampaignExport): void {
    const { limits, rateLimit } = exp.config;
    // A bulk import is one request too, so requestsPerSecond caps the bulk imports a minute as well.
    const bulkPerMinute = Math.min(rateLimit.bulkRequestsPerMinute, rateLimit.requestsPerSecond * 60);
    const needed = Math.ceil(bulkFloorSeconds(limits.maxProfiles, bulkPerMinute) * 1.5);
    if (typeof exp.replicaTimeoutSeconds !== "number" || exp.replicaTimeoutSeconds >= needed) return;
    const rate = bulkPerMinute === rateLimit.bulkRequestsPerMinute ? `${bulkPerMinute} bulk imports/min` : `${bulkPerMinute} bulk imports/min (requestsPerSecond ${rateLimit.requestsPerSecond})`;
    this.report(
      exp,
      "ACX-JOB1",
      `replicaTimeoutSeconds ${exp.replicaTimeoutSeconds} is below ${needed}, what maxProfiles ${limits.maxProfiles} needs at ${rate} with a 1.5x margin: a full first run would be cut off (it resumes on the next run)`,
    );
  }
}

/** "1.5 GiB" */
const gib = (bytes: number) => `${Math.round((bytes / 2 ** 30) * 100) / 100} GiB`;
/** ACX-CONN1's overlaps, computed once per app (every export of the app, in any stack, may share an account). */
const overlapsByApp = new WeakMap<IConstruct, ShareOverlap[]>();
function sharedOverlaps(exp: ActiveCampaignExport): ShareOverlap[] {
  const root = exp.node.root;
  let found = overlapsByApp.get(root);
  if (!found) {
    const scheduled = root.node.findAll().filter((c): c is ActiveCampaignExport => isActiveCampaignExport(c) && c.enabled);
    const shared: SharedExport[] = scheduled.map((e) => ({
      name: e.exportName,
      hostname: e.config.connection.hostname,
      schedule: e.schedule.expression,
      runSeconds: typeof e.replicaTimeoutSeconds === "number" ? e.replicaTimeoutSeconds : undefined,
      state: e.config.state,
      requestsPerSecond: e.config.rateLimit.requestsPerSecond,
      bulkRequestsPerMinute: e.config.rateLimit.bulkRequestsPerMinute,
    }));
    found = overlappingShares(shared);
    overlapsByApp.set(root, found);
  }
  return found;
}

function stackOf(scope: IConstruct): TerraformStack | undefined {
  try {
    return TerraformStack.of(scope);
  } catch {
    return undefined; // a suppression on the app: its findings are recorded in their own stacks
  }
}

/** Keep the stack's suppression records, and write them into the stack's "//" for `ac-export review`. */
function record(stack: TerraformStack, entry: SuppressionMarker): SuppressionMarker {
  const list = suppressionRecords.get(stack) ?? [];
  suppressionRecords.set(stack, list);
  const same = list.find((r) => r.rule === entry.rule && r.path === entry.path && r.reason === entry.reason);
  if (same) return same;
  const added = { ...entry, summary: EXPORT_CHECK_RULES[entry.rule as ExportCheckRuleId]?.summary };
  list.push(added);
  const marker: StackMarker = { suppressions: list };
  stack.addOverride(`//.${MARKER_KEY}`, marker);
  return added;
}

function recordFinding(stack: TerraformStack, ruleId: string, suppression: ExportCheckSuppression & { path: string }, path: string, message: string): void {
  const entry = record(stack, { rule: ruleId, path: suppression.path, reason: suppression.reason, findings: [] });
  entry.findings.push({ path, message });
}

/** The nearest suppression of the rule on the node or a scope above it, with the path it was declared on. */
function findSuppression(node: IConstruct, ruleId: string): (ExportCheckSuppression & { path: string }) | undefined {
  for (const scope of [...node.node.scopes].reverse()) {
    const hit = suppressions.get(scope)?.find((s) => s.id === ruleId);
    if (hit) return { ...hit, path: scope.node.path };
  }
  return undefined;
}

/** The element's own block of its synthesized JSON (snake_case keys, overrides applied, tokens unresolved). */
function configOf(node: { toTerraform(): unknown }, section: string, type: string | undefined): Record<string, unknown> | undefined {
  const json = node.toTerraform() as Record<string, Record<string, unknown>>;
  const block = json[section];
  if (!block) return undefined;
  const entry = type === undefined ? Object.values(block)[0] : block[type];
  const value = Array.isArray(entry) ? entry[0] : type === undefined ? entry : Object.values(entry as Record<string, unknown>)[0];
  return value as Record<string, unknown> | undefined;
}

function resolve(node: IConstruct, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: TerraformStack.of(node), resolver: new DefaultTokenResolver(new StringConcat()) });
}

function asArray(value: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value as Array<Record<string, unknown>>;
  return value && typeof value === "object" ? [value as Record<string, unknown>] : [];
}
