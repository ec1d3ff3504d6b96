// Reads synthesized CDKTF output (cdktf.out/stacks/*/cdk.tf.json) as plain JSON and finds the exports in it:
// every azurerm_container_app_job with an AC_EXPORT_CONFIG, plus who may run it, what its identity may touch,
// where its API key lives and how its runner gets there. No cdktf import: the runner bundle stays small.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { safeParseExportConfig, type ConfigProblem, type ExportConfig } from "../config.js";
import { AcExportError } from "../errors.js";
import {
  GRANTS,
  JOB_ENV,
  JOB_TAGS,
  readMarker,
  ROLES,
  roleMarkerSchema,
  stackMarkerSchema,
  type SuppressionMarker,
} from "../config/contract.js";
import { alertsByExport, type ReviewAlert, type ReviewStateful, statefulOf } from "./stateful.js";

type Json = Record<string, unknown>;

export interface ReviewPrincipal {
  principalId: string;
  /** Display name, or "<type> <id>" when the principal has none. */
  name: string;
  principalType?: string;
  /** What the role assignment says about the principal, e.g. "Marketing admins (group …), admin of connection marketing-eu". */
  who: string;
}

export interface ReviewRole {
  role: string;
  /** The scope in words, e.g. 'container "segments" of storage account "contosocdp"'. */
  scope: string;
}

export interface ReviewExport {
  stack: string;
  /** Construct path, e.g. "activecampaign-exports/vip-newsletter/Job". */
  path: string;
  name: string;
  jobName: string;
  resourceGroup: string;
  connection: { name: string; displayName: string; hostname: string; dataPrivacyAccepted: boolean | undefined };
  /** The normalized config, or the problems found in it. */
  config?: ExportConfig;
  configProblems?: ConfigProblem[];
  /** The cron expression, when the job has a schedule trigger. */
  cron?: string;
  /** The schedule the export would have when enabled (the JOB_TAGS.schedule tag). */
  intendedCron?: string;
  enabled: boolean;
  timeoutSeconds?: number;
  retryLimit?: number;
  /** Container Apps Jobs Operator on the job. */
  operators: ReviewPrincipal[];
  /** Storage Blob Data Reader on the export's state location. */
  reportReaders: ReviewPrincipal[];
  /** Roles of the job's own identity. */
  identityRoles: ReviewRole[];
  apiKey: { secret: string; how: string };
  runner: string;
  runCommand: string;
  /** Azure Monitor alerts on the export, with whom they notify. */
  alerts: ReviewAlert[];
}

export interface ReviewStack {
  name: string;
  file: string;
  exports: ReviewExport[];
  /** ExportChecks suppressions declared in the stack, with their reasons and what they silenced. */
  suppressions: SuppressionMarker[];
  /** Storage accounts, Key Vaults and containers by name: a rename replaces them. */
  stateful: ReviewStateful[];
}

/** There is nothing to review at the folder given (no stacks, or a stack that is not JSON): a bad argument. */
export class ReviewInputError extends AcExportError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** Reads every stack under `dir` (a cdktf.out folder, or one stack folder). Throws ReviewInputError when none is there. */
export async function readStacks(dir: string): Promise<ReviewStack[]> {
  const files: Array<{ name: string; file: string }> = [];
  const direct = join(dir, "cdk.tf.json");
  if (await isFile(direct)) files.push({ name: dir.split(/[\\/]/).filter(Boolean).pop() ?? dir, file: direct });
  else {
    const stacksDir = join(dir, "stacks");
    let names: string[];
    try {
      names = (await readdir(stacksDir)).sort();
    } catch {
      throw new ReviewInputError(`${dir} holds no synthesized stacks (no ${stacksDir}); run "npm run synth" (cdktf synth) first`);
    }
    for (const name of names) {
      const file = join(stacksDir, name, "cdk.tf.json");
      if (await isFile(file)) files.push({ name, file });
    }
    if (files.length === 0) throw new ReviewInputError(`${stacksDir} holds no cdk.tf.json; run "npm run synth" (cdktf synth) first`);
  }
  const stacks: ReviewStack[] = [];
  for (const { name, file } of files) {
    let json: Json;
    try {
      json = JSON.parse(await readFile(file, "utf8")) as Json;
    } catch (e) {
      throw new ReviewInputError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    stacks.push({ name, file, exports: exportsOf(name, json), suppressions: readMarker(stackMarkerSchema, json)?.suppressions ?? [], stateful: statefulOf(json) });
  }
  return stacks;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : v && typeof v === "object" ? [v as Json] : []);
const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));
/** Terraform's JSON syntax escapes literal "${" and "%{" as "$${" and "%%{" (see constructs/util.ts). */
const unescape = (s: string): string => s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");

/** Finds `${type.name.attr}` references and literal ARM IDs in a stack, and says what they are. */
class Resolver {
  constructor(private readonly json: Json) {}

  resource(type: string, name: string): Json | undefined {
    return ((this.json.resource as Json | undefined)?.[type] as Json | undefined)?.[name] as Json | undefined;
  }

  /** `${type.name.attr}` → [type, name, attr], for a string that is exactly one reference. */
  ref(value: unknown): [string, string, string] | undefined {
    const m = /^\$\{((?:data\.)?[a-z0-9_]+)\.([^.}]+)\.([a-z0-9_]+)\}$/.exec(str(value));
    return m ? [m[1]!, m[2]!, m[3]!] : undefined;
  }

  /** A string with references to names replaced by the names (e.g. a resource group's name). */
  text(value: unknown): string {
    return str(value).replace(/\$\{((?:data\.)?[a-z0-9_]+)\.([^.}]+)\.name\}/g, (whole, type: string, name: string) => {
      const n = this.resource(type, name)?.name;
      return typeof n === "string" ? n : whole;
    });
  }

  /** A role assignment scope in words. */
  scope(value: unknown): string {
    const r = this.ref(value);
    if (r) {
      const [type, name] = r;
      const res = this.resource(type, name) ?? {};
      switch (type) {
        case "azurerm_key_vault_secret": {
          const vault = this.ref(res.key_vault_id);
          const vaultName = vault ? this.resource(vault[0], vault[1])?.name : undefined;
          return `Key Vault secret "${str(res.name)}"${vaultName ? ` in vault "${str(vaultName)}"` : ""}`;
        }
        case "azurerm_storage_container":
          return `container "${str(res.name)}" of storage account "${this.accountName(res.storage_account_id)}"`;
        case "azurerm_container_app_job":
          return `job "${str(res.name)}"`;
        case "azurerm_key_vault":
          return `Key Vault "${str(res.name)}" (all secrets)`;
        case "azurerm_storage_account":
          return `storage account "${str(res.name)}" (all containers)`;
        case "azurerm_resource_group":
          return `resource group "${str(res.name)}" (everything in it)`;
        default:
          return `${type} "${str(res.name ?? name)}"`;
      }
    }
    const s = str(value);
    const container = /\/storageAccounts\/([^/]+)\/blobServices\/default\/containers\/([^/]+)$/i.exec(s);
    if (container) return `container "${container[2]}" of storage account "${container[1]}"`;
    const secret = /\/vaults\/([^/]+)\/secrets\/([^/]+)$/i.exec(s);
    if (secret) return `Key Vault secret "${secret[2]}" in vault "${secret[1]}"`;
    if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(s)) return `resource group ${s} (everything in it)`;
    if (/^\/subscriptions\/[^/]+$/i.test(s)) return `subscription ${s} (everything in it)`;
    return s;
  }

  accountName(value: unknown): string {
    const r = this.ref(value);
    if (r) return str(this.resource(r[0], r[1])?.name ?? r[1]);
    return /\/storageAccounts\/([^/]+)/i.exec(str(value))?.[1] ?? str(value);
  }
}

/** Who holds `grant` on the export, from the markers the constructs put on the role assignments. */
function principalsWith(assignments: Json[], role: string, scopeRef: string, grant: string): ReviewPrincipal[] {
  return assignments
    .filter((a) => a.role_definition_name === role && a.scope === scopeRef)
    .map((a) => {
      const marker = readMarker(roleMarkerSchema, a);
      // Without a marker (a role added by hand, or JSON from cdktf's Testing.synth) the principal is its type and ID.
      const bare = `${str(a.principal_type) || "principal"} ${str(a.principal_id)}`;
      const mine = marker?.grant === grant;
      return {
        principalId: str(a.principal_id),
        name: mine ? marker.name : bare,
        ...(a.principal_type ? { principalType: str(a.principal_type) } : {}),
        who: mine ? `${marker.principal}, ${marker.reason}` : bare,
      };
    });
}

/** The exports of one synthesized stack, in the order of their job names. */
export function exportsOf(stack: string, json: Json): ReviewExport[] {
  const resolver = new Resolver(json);
  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  const jobs = resources.azurerm_container_app_job ?? {};
  const assignments = Object.values(resources.azurerm_role_assignment ?? {});
  const out: ReviewExport[] = [];
  const alerts = alertsByExport(json);
  for (const [logicalId, job] of Object.entries(jobs)) {
    const container = asArray((job.template as Json | undefined)?.container)[0] ?? {};
    const env = new Map(asArray(container.env).map((e) => [str(e.name), e]));
    const rawConfig = env.get(JOB_ENV.config)?.value;
    if (typeof rawConfig !== "string") continue;
    const tags = (job.tags ?? {}) as Record<string, string>;
    let config: ExportConfig | undefined;
    let configProblems: ConfigProblem[] | undefined;
    try {
      const parsed = safeParseExportConfig(JSON.parse(unescape(rawConfig)));
      if (parsed.ok) config = parsed.config;
      else configProblems = parsed.problems;
    } catch (e) {
      configProblems = [{ path: "(root)", message: `${JOB_ENV.config} is not valid JSON: ${(e as Error).message}` }];
    }
    const name = config?.name ?? tags[JOB_TAGS.export] ?? str(job.name);
    const jobRef = `\${azurerm_container_app_job.${logicalId}.id}`;
    const identityRef = asArray(job.identity)[0]?.identity_ids;
    const identityId = Array.isArray(identityRef) ? resolver.ref(identityRef[0]) : undefined;
    const identityPrincipal = identityId ? `\${${identityId[0]}.${identityId[1]}.principal_id}` : undefined;
    const identityRoles = assignments
      .filter((a) => identityPrincipal !== undefined && a.principal_id === identityPrincipal)
      .map((a) => ({ role: str(a.role_definition_name || a.role_definition_id), scope: resolver.scope(a.scope) }));
    // The state container is where the identity holds Blob Data Contributor.
    const stateScope = assignments.find((a) => a.principal_id === identityPrincipal && a.role_definition_name === ROLES.blobDataContributor)?.scope;

    const secret = asArray(job.secret).find((s) => env.get(JOB_ENV.apiKey)?.secret_name === s.name);
    const secretRef = resolver.ref(secret?.key_vault_secret_id);
    let apiKey = { secret: "not found", how: `${JOB_ENV.apiKey} is not a Key Vault reference` };
    if (secretRef) {
      const res = resolver.resource(secretRef[0], secretRef[1]) ?? {};
      const where = resolver.scope(`\${${secretRef[0]}.${secretRef[1]}.id}`);
      const how =
        res.value !== undefined
          ? "written by Terraform from a plaintext value (lands in state)"
          : /^\$\{var\.[^}]+\}$/.test(str(res.value_wo))
            ? "written by Terraform from a sensitive variable, write-only (never in state)"
            : "set out of band by an administrator (Terraform never sees it)";
      apiKey = { secret: where, how };
    } else if (typeof secret?.key_vault_secret_id === "string") {
      apiKey = { secret: resolver.scope(secret.key_vault_secret_id.replace(/^https:\/\/([^.]+)\.vault\.[^/]+\/secrets\/([^/]+).*$/, "/vaults/$1/secrets/$2")), how: "an existing secret, managed outside this stack" };
    }

    const url = str(env.get(JOB_ENV.runnerUrl)?.value);
    const sha = str(env.get(JOB_ENV.runnerSha256)?.value);
    const runner = url
      ? `the bundled runner (${url.split("/").pop()}, SHA-256 ${sha.slice(0, 12)}…) fetched with the job's identity, on ${str(container.image)}`
      : `the image ${str(container.image)}`;

    const schedule = asArray(job.schedule_trigger_config)[0];
    const resourceGroup = resolver.text(job.resource_group_name);
    const privacy = tags[JOB_TAGS.dataPrivacyAccepted];
    out.push({
      stack,
      path: str(((job["//"] as Json | undefined)?.metadata as Json | undefined)?.path) || logicalId,
      name,
      jobName: str(job.name),
      resourceGroup,
      connection: {
        name: config?.connection.name ?? tags[JOB_TAGS.connection] ?? "",
        displayName: tags[JOB_TAGS.connectionDisplayName] ?? config?.connection.name ?? "",
        hostname: config?.connection.hostname ?? "",
        dataPrivacyAccepted: privacy === undefined ? undefined : privacy === "true",
      },
      ...(config ? { config } : {}),
      ...(configProblems ? { configProblems } : {}),
      ...(schedule ? { cron: str(schedule.cron_expression) } : {}),
      ...(tags[JOB_TAGS.schedule] ? { intendedCron: tags[JOB_TAGS.schedule] } : {}),
      enabled: schedule !== undefined,
      ...(typeof job.replica_timeout_in_seconds === "number" ? { timeoutSeconds: job.replica_timeout_in_seconds } : {}),
      ...(typeof job.replica_retry_limit === "number" ? { retryLimit: job.replica_retry_limit } : {}),
      operators: principalsWith(assignments, ROLES.jobsOperator, jobRef, GRANTS.runExport),
      reportReaders: stateScope ? principalsWith(assignments, ROLES.blobDataReader, str(stateScope), GRANTS.readReports) : [],
      identityRoles,
      apiKey,
      runner,
      runCommand: `az containerapp job start --name ${str(job.name)} --resource-group ${resourceGroup}`,
      alerts: alerts.get(name) ?? [],
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
