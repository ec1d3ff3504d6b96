// ActiveCampaignExport: one segment synced into one ActiveCampaign list, on a schedule, as a Container Apps job.
import { ContainerAppJob, type ContainerAppJobTemplateContainerEnv } from "@cdktf/provider-azurerm/lib/container-app-job/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { StorageBlob } from "@cdktf/provider-azurerm/lib/storage-blob/index.js";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container/index.js";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity/index.js";
import { Annotations, type ITerraformDependable, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { type ExportConfig, type ExportConfigInput, type LeavePolicy, safeParseExportConfig } from "../runner/config.js";
import { BOOTSTRAP_ENV, bootstrapScript } from "./bootstrap.js";
import type { ActiveCampaignConnection } from "./connection.js";
import type { Principal } from "./principal.js";
import { Schedule } from "./schedule.js";
import type { SegmentSource } from "./segment-source.js";
import { fitName, isToken, terraformLiteral, JOB_NAME, mergeTags, outputName, PropChecker, ROLES, show } from "./util.js";

/** Marks export constructs for ExportChecks without an import cycle. */
export const EXPORT_MARKER = Symbol.for("activecampaign-exports.ActiveCampaignExport");

/** 1M profiles need ≥ 40 minutes at ActiveCampaign's 100 bulk imports/min × 250 contacts; 2 h leaves a 3× margin. */
export const DEFAULT_REPLICA_TIMEOUT_SECONDS = 7200;

export interface ExportMappings {
  /** Source column with the email address (required: ActiveCampaign keys contacts by email). */
  readonly email: string;
  /** Source column for the first name. @default - not sent */
  readonly firstName?: string;
  /** Source column for the last name. @default - not sent */
  readonly lastName?: string;
  /** Source column for the phone number. @default - not sent */
  readonly phone?: string;
  /** Custom field personalization tag (e.g. "LOYALTY_TIER") → source column; at most 100. @default - none */
  readonly fields?: Record<string, string>;
  /** Tags applied to every synced member; at most 20. @default - none */
  readonly tags?: string[];
}

export interface ActiveCampaignExportProps {
  /** The ActiveCampaign account to send to, and who may run the export. */
  readonly connection: ActiveCampaignConnection;
  /** Where the segment's members come from. */
  readonly segment: SegmentSource;
  /** The ActiveCampaign list ID (a positive whole number). */
  readonly listId: number;
  /** Which source columns feed which contact fields. */
  readonly mappings: ExportMappings;
  /**
   * When the export runs (UTC).
   * @default Schedule.daily({ hour: 2 }) - 02:00 UTC every day
   */
  readonly schedule?: Schedule;
  /**
   * `false` keeps the export deployed (job, identity, state, access) but never scheduled: the job gets a manual
   * trigger instead of the schedule, so it runs only when someone starts it on demand. Remove the export to stop
   * it for good.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The export's name in its config, state, reports, job and container names (1-48 lowercase letters, digits, "-").
   * @default - the construct id
   */
  readonly exportName?: string;
  /**
   * What happens to members who leave the segment: "keep", "unsubscribe" (from this list) or "untag" (remove
   * `mappings.tags`).
   * @default "keep"
   */
  readonly onLeave?: LeavePolicy;
  /**
   * Stop ActiveCampaign automations from firing for imported contacts.
   * @default false
   */
  readonly excludeAutomations?: boolean;
  /**
   * Most valid profiles a run accepts; more stops the run before any write (1 to 10,000,000).
   * @default 1000000
   */
  readonly maxProfiles?: number;
  /**
   * Most removals a run may make (a count, or a percentage of synced members such as "10%"); more stops the run
   * before any write.
   * @default "10%"
   */
  readonly maxRemovalsPerRun?: number | string;
  /**
   * This export's share of the account's 5 requests/s (lower it when exports of one account run at the same time).
   * @default 5
   */
  readonly requestsPerSecond?: number;
  /**
   * This export's share of the account's 100 bulk imports/min.
   * @default 100
   */
  readonly bulkRequestsPerMinute?: number;
  /**
   * Longest a run may take, in seconds (300-86400). ExportChecks warns (ACX-JOB1) when it is below what
   * `maxProfiles` needs at the bulk-import rate limit, with a 1.5× margin.
   * @default 7200
   */
  readonly replicaTimeoutSeconds?: number;
  /**
   * How often Container Apps retries a failed run (0-10). Retries are safe: runs resume from their last checkpoint.
   * @default 1
   */
  readonly retryLimit?: number;
  /**
   * vCPUs of the job's container (0.25-4 in steps of 0.25).
   * @default 1
   */
  readonly cpu?: number;
  /**
   * Memory of the job's container; must be twice the vCPUs in Gi (Container Apps' consumption pairs).
   * @default "2Gi"
   */
  readonly memory?: string;
  /**
   * Extra tags on the export's resources.
   * @default - the platform's tags
   */
  readonly tags?: Record<string, string>;
}

const exportNamesByStack = new WeakMap<TerraformStack, Map<string, string>>();

/** Maps a config key path (from the schema) to the prop a user wrote. */
function propFor(path: string): string {
  const map: Record<string, string> = {
    name: "exportName",
    "limits.maxProfiles": "maxProfiles",
    "limits.maxRemovalsPerRun": "maxRemovalsPerRun",
    "rateLimit.requestsPerSecond": "requestsPerSecond",
    "rateLimit.bulkRequestsPerMinute": "bulkRequestsPerMinute",
  };
  if (map[path]) return map[path]!;
  if (path === "segment.source") return "segment";
  if (path.startsWith("connection")) return "connection";
  return path;
}

function tokenPaths(value: unknown, path: string[] = []): string[] {
  if (isToken(value)) return [path.join(".")];
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => tokenPaths(v, [...path, k]));
  return [];
}

/**
 * One export destination: a segment synced into an ActiveCampaign list by a Container Apps job with a UTC schedule.
 *
 * At construction it builds the export's `ExportConfig` and validates it with the runner's own schema
 * (`runner/config.ts`): a bad hostname, list ID or mapping fails `cdktf synth` with the schema's message, the prop
 * and this construct's path. The job gets the normalized config as `AC_EXPORT_CONFIG`, the API key as `AC_API_KEY`
 * through a Key Vault reference, and runs as the export's own user-assigned identity with exactly three roles:
 * Key Vault Secrets User on the connection's secret, Storage Blob Data Reader on the segment's container and Storage
 * Blob Data Contributor on the export's own state container. The connection's admins and users get Container Apps
 * Jobs Operator on the job and Storage Blob Data Reader on the state container (run reports).
 */
export class ActiveCampaignExport extends Construct {
  readonly [EXPORT_MARKER] = true;
  readonly exportName: string;
  readonly connection: ActiveCampaignConnection;
  /** The validated, normalized config the job runs with (what `AC_EXPORT_CONFIG` holds). */
  readonly config: ExportConfig;
  readonly schedule: Schedule;
  readonly enabled: boolean;
  readonly replicaTimeoutSeconds: number;
  readonly job: ContainerAppJob;
  readonly jobName: string;
  readonly identity: UserAssignedIdentity;
  /** Principal ID of the export's identity (for extra grants, e.g. AcrPull with RunnerImage.fromImage). */
  readonly identityPrincipalId: string;
  /** The blob container holding this export's state, run reports and runner bundle. */
  readonly stateContainer: StorageContainer;
  /** The config's `state`: `https://<account>.blob.core.windows.net/export-<name>/state/`. */
  readonly stateLocation: string;
  /** Where run reports land (report.md, report.json, rejected.csv): the runner keeps them in `<state><name>/`. */
  readonly reportsLocation: string;
  /** `az containerapp job start …`: runs the export now. */
  readonly runCommand: string;
  private readonly access: Construct;
  private readonly granted = new Set<string>();

  constructor(scope: Construct, id: string, props: ActiveCampaignExportProps) {
    super(scope, id);
    const check = new PropChecker(this, "ActiveCampaignExport");
    const p = props ?? ({} as ActiveCampaignExportProps);
    if (!p.connection || typeof p.connection !== "object" || !("registerExport" in p.connection)) {
      check.add("connection", `must be an ActiveCampaignConnection; got ${show(p.connection)}`);
      check.throwIfAny();
    }
    if (!p.segment || typeof (p.segment as { bind?: unknown }).bind !== "function") {
      check.add("segment", `must be a SegmentSource, e.g. SegmentSource.blob({ storageAccountId, container, prefix }); got ${show(p.segment)}`);
      check.throwIfAny();
    }
    const connection = p.connection;
    const platform = connection.platform;
    const exportName = p.exportName ?? id;
    const segment = p.segment.bind();
    for (const problem of segment.problems) check.add(problem.prop, problem.message);

    // The state container: one per export, so the job's Blob Data Contributor role covers its own state only.
    const containerName = fitName("export-", String(exportName), 63);
    const stateLocation = `${platform.blobEndpoint}/${containerName}/state/`;

    const input: ExportConfigInput = {
      name: exportName,
      connection: { name: connection.connectionName, hostname: connection.hostname },
      listId: p.listId,
      segment: segment.config,
      mappings: p.mappings,
      ...(p.onLeave !== undefined ? { onLeave: p.onLeave } : {}),
      ...(p.excludeAutomations !== undefined ? { excludeAutomations: p.excludeAutomations } : {}),
      limits: {
        ...(p.maxProfiles !== undefined ? { maxProfiles: p.maxProfiles } : {}),
        ...(p.maxRemovalsPerRun !== undefined ? { maxRemovalsPerRun: p.maxRemovalsPerRun } : {}),
      },
      rateLimit: {
        ...(p.requestsPerSecond !== undefined ? { requestsPerSecond: p.requestsPerSecond } : {}),
        ...(p.bulkRequestsPerMinute !== undefined ? { bulkRequestsPerMinute: p.bulkRequestsPerMinute } : {}),
      },
      state: stateLocation,
    };
    const tokens = tokenPaths(input);
    for (const path of tokens) {
      check.add(propFor(path), "must be a literal value known at synth time (it is part of the export config that is validated and reviewed before deploy); got a Terraform token");
    }
    let config: ExportConfig | undefined;
    if (tokens.length === 0) {
      const parsed = safeParseExportConfig(input);
      if (parsed.ok) {
        config = parsed.config;
        for (const w of parsed.warnings) Annotations.of(this).addWarning(w);
      } else {
        for (const problem of parsed.problems) check.add(propFor(problem.path), problem.message);
      }
    }

    const enabled = p.enabled ?? true;
    if (typeof enabled !== "boolean") check.add("enabled", `must be true or false; got ${show(enabled)}`);
    const schedule = p.schedule ?? Schedule.daily({ hour: 2 });
    if (!(schedule instanceof Schedule)) check.add("schedule", `must be a Schedule, e.g. Schedule.cron("0 3 * * *") or Schedule.daily({ hour: 3 }); got ${show(schedule)}`);
    const timeout = p.replicaTimeoutSeconds ?? DEFAULT_REPLICA_TIMEOUT_SECONDS;
    if (!isToken(timeout) && (!Number.isInteger(timeout) || timeout < 300 || timeout > 86400)) {
      check.add("replicaTimeoutSeconds", `must be a whole number of seconds from 300 to 86400; got ${show(timeout)}`);
    }
    const retryLimit = p.retryLimit ?? 1;
    if (!isToken(retryLimit) && (!Number.isInteger(retryLimit) || retryLimit < 0 || retryLimit > 10)) {
      check.add("retryLimit", `must be a whole number from 0 to 10; got ${show(retryLimit)}`);
    }
    const cpu = p.cpu ?? 1;
    const memory = p.memory ?? `${cpu * 2}Gi`;
    if (typeof cpu !== "number" || cpu < 0.25 || cpu > 4 || !Number.isInteger(cpu * 4)) {
      check.add("cpu", `must be 0.25 to 4 vCPUs in steps of 0.25; got ${show(cpu)}`);
    } else if (memory !== `${cpu * 2}Gi`) {
      check.add("memory", `must be twice the vCPUs in Gi, "${cpu * 2}Gi" for cpu ${cpu} (Container Apps' consumption pairs); got ${show(memory)}`);
    }
    const jobName = fitName(`${platform.namePrefix}-`, String(exportName), 32);
    if (!JOB_NAME.test(jobName)) check.add("exportName", `gives the job name ${show(jobName)}, which Azure does not accept`);

    const stack = TerraformStack.of(this);
    const names = exportNamesByStack.get(stack) ?? new Map<string, string>();
    exportNamesByStack.set(stack, names);
    const other = names.get(String(exportName));
    if (other) check.add("exportName", `${show(exportName)} is already used by the export at "${other}"; export names must be unique in a stack`);
    check.throwIfAny();
    names.set(exportName, this.node.path);

    this.exportName = exportName;
    this.connection = connection;
    this.config = config!;
    this.schedule = schedule;
    this.enabled = enabled;
    this.replicaTimeoutSeconds = timeout;
    this.jobName = jobName;
    this.stateLocation = stateLocation;
    this.reportsLocation = `${stateLocation}${exportName}/`;
    connection.registerExport(this);

    const tags = mergeTags(platform.tags, p.tags);
    const tagsOrUndefined = Object.keys(tags).length ? tags : undefined;
    const common = { location: platform.location, resourceGroupName: platform.resourceGroupName };

    this.identity = new UserAssignedIdentity(this, "Identity", { ...common, name: `${jobName}-id`, tags: tagsOrUndefined });
    this.identityPrincipalId = this.identity.principalId;

    this.stateContainer = new StorageContainer(this, "StateContainer", {
      name: containerName,
      storageAccountId: platform.storageAccountId,
      containerAccessType: "private",
    });

    // The export identity's three roles, nothing more, nothing wider.
    const identityRole = (id: string, scope: string, role: string, why: string) =>
      new RoleAssignment(this, id, {
        scope,
        roleDefinitionName: role,
        principalId: this.identity.principalId,
        principalType: "ServicePrincipal",
        // A new identity may not have replicated in Entra ID yet; skipping the check avoids a failed first deploy.
        skipServicePrincipalAadCheck: true,
        description: `ac-export: export ${exportName} ${why}`,
      });
    const dependsOn: ITerraformDependable[] = [
      identityRole("ReadApiKey", connection.secretResourceId, ROLES.keyVaultSecretsUser, `reads the API key of connection ${connection.connectionName}`),
      identityRole("ReadSegment", segment.readScope, ROLES.blobDataReader, "reads its segment"),
      identityRole("WriteState", this.stateContainer.id, ROLES.blobDataContributor, "reads and writes its state and run reports"),
    ];

    const env: ContainerAppJobTemplateContainerEnv[] = [
      { name: "AC_EXPORT_CONFIG", value: terraformLiteral(JSON.stringify(this.config)) },
      { name: "AC_API_KEY", secretName: "ac-api-key" },
      { name: "AZURE_CLIENT_ID", value: this.identity.clientId },
    ];
    const runner = platform.runner;
    let image: string;
    let command: string[] | undefined;
    if (runner.kind === "bundle") {
      // The bundle sits next to the state: the three roles above already cover reading it, and the SHA-256 pinned
      // in the job definition (which the identity cannot change) stops a modified bundle from running.
      const upload = platform.deployerObjectId
        ? [
            new RoleAssignment(this, "DeployerUpload", {
              scope: this.stateContainer.id,
              roleDefinitionName: ROLES.blobDataContributor,
              principalId: platform.deployerObjectId,
              description: `ac-export: the identity running cdktf deploy uploads the runner bundle of export ${exportName}`,
            }),
          ]
        : [];
      const blob = new StorageBlob(this, "RunnerBundle", {
        name: `runner/ac-export-${runner.sha256.slice(0, 12)}.mjs`,
        storageAccountName: platform.storageAccountName,
        storageContainerName: this.stateContainer.name,
        type: "Block",
        source: platform.runnerAsset!.path,
        contentType: "text/javascript",
        dependsOn: upload,
      });
      dependsOn.push(blob);
      image = runner.nodeImage;
      command = ["node", "-e", bootstrapScript()];
      env.push(
        { name: BOOTSTRAP_ENV.url, value: `${platform.blobEndpoint}/${containerName}/runner/ac-export-${runner.sha256.slice(0, 12)}.mjs` },
        { name: BOOTSTRAP_ENV.sha256, value: runner.sha256 },
      );
    } else {
      image = runner.image;
      command = runner.command;
    }

    const trigger = { parallelism: 1, replicaCompletionCount: 1 };
    this.job = new ContainerAppJob(this, "Job", {
      ...common,
      name: jobName,
      containerAppEnvironmentId: platform.containerAppEnvironmentId,
      replicaTimeoutInSeconds: timeout,
      replicaRetryLimit: retryLimit,
      identity: { type: "UserAssigned", identityIds: [this.identity.id] },
      secret: [{ name: "ac-api-key", keyVaultSecretId: connection.secretUri, identity: this.identity.id }],
      ...(enabled ? { scheduleTriggerConfig: { cronExpression: schedule.expression, ...trigger } } : { manualTriggerConfig: trigger }),
      ...(runner.kind === "image" && runner.registryServer ? { registry: [{ server: runner.registryServer, identity: this.identity.id }] } : {}),
      template: {
        container: [
          {
            name: "ac-export",
            image,
            cpu,
            memory,
            ...(command ? { command } : {}),
            args: ["run"],
            env,
          },
        ],
      },
      tags: mergeTags(tags, {
        "ac-export:export": exportName,
        "ac-export:connection": connection.connectionName,
        "ac-export:connection-display-name": connection.displayName,
        "ac-export:data-privacy-accepted": String(connection.acceptDataPrivacy === true),
        // Kept when disabled too, so reviewers see the schedule the export would have.
        "ac-export:schedule": schedule.expression,
      }),
      // The Key Vault reference and the bundle must be readable when the job is created.
      dependsOn,
    });

    this.access = new Construct(this, "Access");
    for (const { principal, role } of connection.operators) {
      this.grant(principal, `${role} of connection ${connection.connectionName}`);
    }

    this.runCommand = `az containerapp job start --name ${jobName} --resource-group ${platform.resourceGroupName}`;
    const out = (key: string, value: string, description: string) =>
      new TerraformOutput(this, key, { value, description }).overrideLogicalId(outputName(exportName, key));
    out("job_name", jobName, `Container Apps job of export ${exportName}`);
    out("run_command", this.runCommand, `Runs export ${exportName} now (needs Container Apps Jobs Operator on the job)`);
    out("reports", this.reportsLocation, `Where the run reports of export ${exportName} land (report.md, report.json, rejected.csv), next to its state`);
  }

  /**
   * Let `principal` run this export on demand (Container Apps Jobs Operator on the job: start, stop, see runs) and
   * read its run reports (Storage Blob Data Reader on its state container). Connection admins and users get this
   * automatically.
   */
  grantRun(principal: Principal, reason = "granted with grantRun"): void {
    this.grant(principal, reason);
  }

  private grant(principal: Principal, reason: string): void {
    if (this.granted.has(principal.key)) return;
    this.granted.add(principal.key);
    new RoleAssignment(this.access, `${principal.key}-RunJob`, {
      scope: this.job.id,
      roleDefinitionName: ROLES.jobsOperator,
      principalId: principal.objectId,
      principalType: principal.principalType,
      description: `ac-export: ${principal.label}, ${reason}, may run export ${this.exportName} on demand`,
    });
    new RoleAssignment(this.access, `${principal.key}-ReadReports`, {
      scope: this.stateContainer.id,
      roleDefinitionName: ROLES.blobDataReader,
      principalId: principal.objectId,
      principalType: principal.principalType,
      description: `ac-export: ${principal.label}, ${reason}, may read the run reports of export ${this.exportName}`,
    });
  }
}
