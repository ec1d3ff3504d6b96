// ActiveCampaignConnection: one ActiveCampaign account (REST hostname + API key) and who may use it.
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { refuseSecretId } from "./prop-guards.js";
import { safeParseExportConfig } from "../runner/config.js";
import { ApiKey, type BoundApiKey } from "./api-key.js";
import type { ExportPlatform } from "./platform.js";
import type { Principal } from "./principal.js";
import { type AllListed, isToken, outputName, PropChecker, ROLES, show } from "./util.js";

export interface ActiveCampaignConnectionProps {
  /** The platform whose Key Vault holds the API key and whose environment runs the exports. */
  readonly platform: ExportPlatform;
  /**
   * The ActiveCampaign REST endpoint hostname from Settings → Developer, bare: `"contoso.api-us1.com"`, without
   * `https://` or a path.
   */
  readonly hostname: string;
  /**
   * Required, and must be `true`: exports send customer data (email addresses, names, phone numbers, custom fields
   * and tags) to ActiveCampaign, outside your Azure compliance boundary. Setting it records in code review that this
   * was agreed, like the "I agree" box of the reference feature.
   */
  readonly acceptDataPrivacy: boolean;
  /**
   * The connection's name in export configs, state, reports and resource names (1-48 lowercase letters, digits, "-").
   * @default - the construct id
   */
  readonly connectionName?: string;
  /**
   * Human-readable name, shown in the review summary and as a tag on the jobs.
   * @default - the connection name
   */
  readonly displayName?: string;
  /**
   * Where the API key comes from.
   * @default ApiKey.setOutOfBand() - Terraform creates the secret and its access; an administrator sets the key
   */
  readonly apiKey?: ApiKey;
  /**
   * Administrators: Key Vault Secrets Officer on the API-key secret (set and rotate the key), plus everything users get.
   * @default - none
   */
  readonly admins?: Principal[];
  /**
   * Users (contributors allowed to use the connection): Container Apps Jobs Operator on the jobs of the exports that
   * use this connection (start a run on demand, see runs) and Storage Blob Data Reader on those exports' state and
   * reports.
   * @default - none
   */
  readonly users?: Principal[];
}

/** The props ActiveCampaignConnection knows, checked at run time (an unknown prop is an error with a did-you-mean). */
const CONNECTION_PROPS = ["platform", "hostname", "acceptDataPrivacy", "connectionName", "displayName", "apiKey", "admins", "users"] as const satisfies ReadonlyArray<
  keyof ActiveCampaignConnectionProps
>;
const _allConnectionProps: AllListed<ActiveCampaignConnectionProps, (typeof CONNECTION_PROPS)[number]> = true;
void _allConnectionProps;

/** An export as the connection sees it (avoids an import cycle with export.ts). */
export interface ConnectionExport {
  readonly exportName: string;
  readonly node: Construct["node"];
}

/**
 * An ActiveCampaign account that exports send data to: its REST hostname, its API key in the platform's Key Vault,
 * and who may administer and use it. Synth fails, naming the prop, unless `acceptDataPrivacy` is `true`.
 */
export class ActiveCampaignConnection extends Construct {
  readonly platform: ExportPlatform;
  readonly connectionName: string;
  readonly displayName: string;
  readonly hostname: string;
  readonly acceptDataPrivacy: boolean;
  readonly admins: readonly Principal[];
  readonly users: readonly Principal[];
  /** The API key's secret: where it is, and how it gets there. */
  readonly apiKey: BoundApiKey;
  /** ARM ID of the API-key secret (versionless): the scope of the secret's role assignments. */
  readonly secretResourceId: string;
  /** Data-plane URI of the API-key secret (versionless): what jobs reference. */
  readonly secretUri: string;
  private readonly exportsUsing: ConnectionExport[] = [];

  constructor(scope: Construct, id: string, props: ActiveCampaignConnectionProps) {
    super(scope, id);
    refuseSecretId("ActiveCampaignConnection", id);
    const check = new PropChecker(this, "ActiveCampaignConnection");
    const p = props ?? ({} as ActiveCampaignConnectionProps);
    if (!check.guard(p, CONNECTION_PROPS)) check.throwIfAny();
    const connectionName = p.connectionName ?? id;
    if (!p.platform || typeof p.platform !== "object" || !("keyVaultId" in p.platform)) check.add("platform", `must be an ExportPlatform; got ${show(p.platform)}`);
    if (p.acceptDataPrivacy !== true) {
      check.add(
        "acceptDataPrivacy",
        `must be true: exports send customer data (email addresses, names, phone numbers, custom fields, tags) to ActiveCampaign, outside your Azure compliance boundary; set acceptDataPrivacy: true once that is agreed; got ${show(p.acceptDataPrivacy)}`,
      );
    }
    const literals = check.literal("connectionName", connectionName) && check.literal("hostname", p.hostname);
    if (literals) {
      // The schema of runner/config.ts owns the rules for names and hostnames: ask it, with a probe config.
      const probe = safeParseExportConfig({
        name: "probe",
        connection: { name: connectionName, hostname: p.hostname },
        listId: 1,
        segment: { source: "file:probe.csv" },
        mappings: { email: "email" },
      });
      if (!probe.ok) {
        for (const problem of probe.problems) {
          if (problem.path === "connection.hostname") check.add("hostname", problem.message);
          else if (problem.path === "connection.name") check.add("connectionName", problem.message);
          else if (problem.path === "connection") check.add("hostname", problem.message);
        }
      }
    }
    if (p.displayName !== undefined && (isToken(p.displayName) || p.displayName.trim() === "" || p.displayName.length > 200)) {
      check.add("displayName", `must be 1-200 characters of plain text; got ${isToken(p.displayName) ? "a Terraform token" : show(p.displayName)}`);
    }
    for (const prop of ["admins", "users"] as const) {
      const list = p[prop];
      if (list !== undefined && (!Array.isArray(list) || list.some((x) => !x || typeof x.objectId !== "string"))) {
        check.add(prop, `must be a list of Principal.user(…), Principal.group(…) or Principal.servicePrincipal(…); got ${show(list)}`);
      }
    }
    check.throwIfAny();

    this.platform = p.platform;
    this.connectionName = connectionName;
    this.displayName = p.displayName ?? connectionName;
    this.hostname = p.hostname;
    this.acceptDataPrivacy = p.acceptDataPrivacy;
    this.admins = [...(p.admins ?? [])];
    this.users = [...(p.users ?? [])];

    this.apiKey = (p.apiKey ?? ApiKey.setOutOfBand()).bind(this, {
      keyVaultId: this.platform.keyVaultId,
      keyVaultName: this.platform.keyVaultName,
      defaultSecretName: `ac-api-key-${connectionName}`,
      path: this.node.path,
      dependsOn: this.platform.deployerSecretsAccess ? [this.platform.deployerSecretsAccess] : [],
    });
    this.secretResourceId = this.apiKey.secretResourceId;
    this.secretUri = this.apiKey.secretUri;

    const seen = new Set<string>();
    for (const admin of this.admins) {
      if (seen.has(admin.key)) continue;
      seen.add(admin.key);
      new RoleAssignment(this, `${admin.key}-SecretsOfficer`, {
        scope: this.secretResourceId,
        roleDefinitionName: ROLES.keyVaultSecretsOfficer,
        principalId: admin.objectId,
        principalType: admin.principalType,
        description: `ac-export: ${admin.label} administers connection ${connectionName}: sets and rotates its ActiveCampaign API key`,
      });
    }

    if (this.apiKey.setCommand) {
      new TerraformOutput(this, "SetApiKeyCommand", {
        value: this.apiKey.setCommand,
        description: `Sets the ActiveCampaign API key of connection ${connectionName} (after: read -rs AC_API_KEY)`,
      }).overrideLogicalId(outputName(connectionName, "set_api_key_command"));
    }
  }

  /** Everyone allowed to use the connection: admins first, then users, without repeats. */
  get operators(): Array<{ principal: Principal; role: "admin" | "user" }> {
    const seen = new Set<string>();
    const out: Array<{ principal: Principal; role: "admin" | "user" }> = [];
    for (const [list, role] of [
      [this.admins, "admin"],
      [this.users, "user"],
    ] as const) {
      for (const principal of list) {
        if (seen.has(principal.key)) continue;
        seen.add(principal.key);
        out.push({ principal, role });
      }
    }
    return out;
  }

  /** The exports that use this connection (in construction order). */
  get exports(): readonly ConnectionExport[] {
    return [...this.exportsUsing];
  }

  /** @internal Called by ActiveCampaignExport. */
  registerExport(exp: ConnectionExport): void {
    this.exportsUsing.push(exp);
  }
}
