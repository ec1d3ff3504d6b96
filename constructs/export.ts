// ActiveCampaignExport: one segment synced into one ActiveCampaign list, on a schedule, as a Container Apps job.
// This file wires the resources; export-props.ts validates the props and builds the config.
import { ContainerAppJob, type ContainerAppJobTemplateContainerEnv } from "@cdktf/provider-azurerm/lib/container-app-job/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { StorageBlob } from "@cdktf/provider-azurerm/lib/storage-blob/index.js";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container/index.js";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity/index.js";
import { type ITerraformDependable, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { refuseSecretId } from "./prop-guards.js";
import { GRANTS, JOB_API_KEY_SECRET, JOB_ENV, JOB_TAGS } from "../runner/config/contract.js";
import type { ExportConfig } from "../runner/config.js";
import { bootstrapScript } from "./bootstrap.js";
import type { ActiveCampaignConnection } from "./connection.js";
import { brandActiveCampaignExport, isActiveCampaignExport } from "./export-kind.js";
import { type ActiveCampaignExportProps, validateExportProps, type ValidatedExport } from "./export-props.js";
import { markedRoleAssignment } from "./marked-role.js";
import type { Principal } from "./principal.js";
import type { Schedule } from "./schedule.js";
import { bindExportAlerts, type BoundExportAlerts } from "./alerts.js";
import { InvalidPropsError, mergeTags, outputName, ROLES, terraformLiteral } from "./util.js";

export { type ActiveCampaignExportProps, DEFAULT_REPLICA_TIMEOUT_SECONDS, type ExportMappings } from "./export-props.js";

/** What the job's container runs. */
interface RunnerLaunch {
  image: string;
  command?: string[];
  env: ContainerAppJobTemplateContainerEnv[];
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
  /** True for a completely built ActiveCampaignExport (also from another copy of this package). */
  static isActiveCampaignExport(x: unknown): x is ActiveCampaignExport {
    return isActiveCampaignExport(x);
  }

  // Assigned unless the props are invalid: then the constructor records the problems (see `problems`) and builds
  // nothing, so one synth reports every invalid export instead of stopping at the first.
  readonly exportName!: string;
  readonly connection!: ActiveCampaignConnection;
  /** The validated, normalized config the job runs with (what `AC_EXPORT_CONFIG` holds). */
  readonly config!: ExportConfig;
  readonly schedule!: Schedule;
  readonly enabled!: boolean;
  readonly replicaTimeoutSeconds!: number;
  /** The job container's memory ("2Gi"); ACX-JOB1 checks it against maxProfiles. */
  readonly memory!: string;
  readonly job!: ContainerAppJob;
  readonly jobName!: string;
  readonly identity!: UserAssignedIdentity;
  /** Principal ID of the export's identity (for extra grants, e.g. AcrPull with RunnerImage.fromImage). */
  readonly identityPrincipalId!: string;
  /** The blob container holding this export's state, run reports and runner bundle. */
  readonly stateContainer!: StorageContainer;
  /** The config's `state`: `https://<account>.blob.core.windows.net/export-<name>/state/`. */
  readonly stateLocation!: string;
  /** Where run reports land (report.md, report.json, rejected.csv): the runner keeps them in `<state><name>/`. */
  readonly reportsLocation!: string;
  /** `az containerapp job start …`: runs the export now. */
  readonly runCommand!: string;
  /** The export's alert rules and the action groups they notify (none: ExportChecks ACX-ALERT1). */
  readonly alerts!: BoundExportAlerts;
  /**
   * Set when the props were invalid: nothing was built, and `cdktf synth` fails listing this export's problems on
   * one line (with every other invalid export's), through a construct validation.
   */
  readonly problems?: InvalidPropsError;
  private readonly access!: Construct;
  private readonly granted = new Set<string>();

  constructor(scope: Construct, id: string, props: ActiveCampaignExportProps) {
    super(scope, id);
    refuseSecretId("ActiveCampaignExport", id);
    let v: ValidatedExport;
    try {
      v = validateExportProps(this, id, props);
    } catch (e) {
      if (!(e instanceof InvalidPropsError)) throw e;
      this.problems = e;
      this.node.addValidation({ validate: () => [e.oneLine] });
      return;
    }
    const { exportName, connection, jobName, stateLocation } = v;
    const platform = connection.platform;
    this.exportName = exportName;
    this.connection = connection;
    this.config = v.config;
    this.schedule = v.schedule;
    this.enabled = v.enabled;
    this.replicaTimeoutSeconds = v.replicaTimeoutSeconds;
    this.memory = v.memory;
    this.jobName = jobName;
    this.stateLocation = stateLocation;
    this.reportsLocation = `${stateLocation}${exportName}/`;
    connection.registerExport(this);

    const tags = mergeTags(platform.tags, props.tags);
    this.identity = new UserAssignedIdentity(this, "Identity", {
      location: platform.location,
      resourceGroupName: platform.resourceGroupName,
      name: `${jobName}-id`,
      tags: Object.keys(tags).length ? tags : undefined,
    });
    this.identityPrincipalId = this.identity.principalId;
    this.stateContainer = new StorageContainer(this, "StateContainer", {
      name: v.containerName,
      storageAccountId: platform.storageAccountId,
      containerAccessType: "private",
    });
    const dependsOn = this.identityRoles(v);
    this.job = this.createJob(v, tags, this.runnerLaunch(v, dependsOn), dependsOn);

    this.access = new Construct(this, "Access");
    for (const { principal, role } of connection.operators) {
      this.grant(principal, `${role} of connection ${connection.connectionName}`);
    }

    this.runCommand = `az containerapp job start --name ${jobName} --resource-group ${platform.resourceGroupName}`;
    const out = (key: string, value: string, description: string) =>
      new TerraformOutput(this, key, { value, description }).overrideLogicalId(outputName(exportName, key));
    out("job_name", jobName, `Container Apps job of export ${exportName}`);
    out("run_command", this.runCommand, `Runs export ${exportName} now (needs Container Apps Jobs Operator on the job)`);
    this.alerts = bindExportAlerts(this, { platform, exportName, jobName, enabled: v.enabled, replicaTimeoutSeconds: v.replicaTimeoutSeconds, scheduleGapMinutes: v.schedule.maxIntervalMinutes() }, props.alerts);
    out("reports", this.reportsLocation, `Where the run reports of export ${exportName} land (report.md, report.json, rejected.csv), next to its state`);
    brandActiveCampaignExport(this);
  }

  /** The export identity's three roles, nothing more, nothing wider. The job depends on them. */
  private identityRoles(v: ValidatedExport): ITerraformDependable[] {
    const role = (id: string, scope: string, roleDefinitionName: string, why: string) =>
      new RoleAssignment(this, id, {
        scope,
        roleDefinitionName,
        principalId: this.identity.principalId,
        principalType: "ServicePrincipal",
        // A new identity may not have replicated in Entra ID yet; skipping the check avoids a failed first deploy.
        skipServicePrincipalAadCheck: true,
        description: `ac-export: export ${v.exportName} ${why}`,
      });
    return [
      role("ReadApiKey", v.connection.secretResourceId, ROLES.keyVaultSecretsUser, `reads the API key of connection ${v.connection.connectionName}`),
      role("ReadSegment", v.segment.readScope, ROLES.blobDataReader, "reads its segment"),
      role("WriteState", this.stateContainer.id, ROLES.blobDataContributor, "reads and writes its state and run reports"),
    ];
  }

  /** The image, command and environment of the job's container; bundle mode uploads the bundle (added to dependsOn). */
  private runnerLaunch(v: ValidatedExport, dependsOn: ITerraformDependable[]): RunnerLaunch {
    const platform = v.connection.platform;
    const env: ContainerAppJobTemplateContainerEnv[] = [
      { name: JOB_ENV.config, value: terraformLiteral(JSON.stringify(this.config)) },
      { name: JOB_ENV.apiKey, secretName: JOB_API_KEY_SECRET },
      { name: JOB_ENV.azureClientId, value: this.identity.clientId },
    ];
    const runner = platform.runner;
    if (runner.kind !== "bundle") return { image: runner.image, command: runner.command, env };
    // The bundle sits next to the state: the three roles above already cover reading it, and the SHA-256 pinned
    // in the job definition (which the identity cannot change) stops a modified bundle from running.
    const upload = platform.deployerObjectId
      ? [
          new RoleAssignment(this, "DeployerUpload", {
            scope: this.stateContainer.id,
            roleDefinitionName: ROLES.blobDataContributor,
            principalId: platform.deployerObjectId,
            description: `ac-export: the identity running cdktf deploy uploads the runner bundle of export ${v.exportName}`,
          }),
        ]
      : [];
    const blobName = `runner/ac-export-${runner.sha256.slice(0, 12)}.mjs`;
    dependsOn.push(
      new StorageBlob(this, "RunnerBundle", {
        name: blobName,
        storageAccountName: platform.storageAccountName,
        storageContainerName: this.stateContainer.name,
        type: "Block",
        source: platform.runnerAsset!.path,
        contentType: "text/javascript",
        dependsOn: upload,
      }),
    );
    env.push(
      { name: JOB_ENV.runnerUrl, value: `${platform.blobEndpoint}/${v.containerName}/${blobName}` },
      { name: JOB_ENV.runnerSha256, value: runner.sha256 },
    );
    return { image: runner.nodeImage, command: ["node", "-e", bootstrapScript()], env };
  }

  private createJob(v: ValidatedExport, tags: Record<string, string>, launch: RunnerLaunch, dependsOn: ITerraformDependable[]): ContainerAppJob {
    const { connection } = v;
    const platform = connection.platform;
    const runner = platform.runner;
    const trigger = { parallelism: 1, replicaCompletionCount: 1 };
    return new ContainerAppJob(this, "Job", {
      location: platform.location,
      resourceGroupName: platform.resourceGroupName,
      name: v.jobName,
      containerAppEnvironmentId: platform.containerAppEnvironmentId,
      replicaTimeoutInSeconds: v.replicaTimeoutSeconds,
      replicaRetryLimit: v.retryLimit,
      identity: { type: "UserAssigned", identityIds: [this.identity.id] },
      secret: [{ name: JOB_API_KEY_SECRET, keyVaultSecretId: connection.secretUri, identity: this.identity.id }],
      ...(v.enabled ? { scheduleTriggerConfig: { cronExpression: v.schedule.expression, ...trigger } } : { manualTriggerConfig: trigger }),
      ...(runner.registryServer ? { registry: [{ server: runner.registryServer, identity: this.identity.id }] } : {}),
      template: {
        container: [
          {
            name: "ac-export",
            image: launch.image,
            cpu: v.cpu,
            memory: v.memory,
            ...(launch.command ? { command: launch.command } : {}),
            args: ["run"],
            env: launch.env,
          },
        ],
      },
      tags: mergeTags(tags, {
        [JOB_TAGS.export]: v.exportName,
        [JOB_TAGS.connection]: connection.connectionName,
        [JOB_TAGS.connectionDisplayName]: connection.displayName,
        [JOB_TAGS.dataPrivacyAccepted]: String(connection.acceptDataPrivacy === true),
        // Kept when disabled too, so reviewers see the schedule the export would have.
        [JOB_TAGS.schedule]: v.schedule.expression,
      }),
      // The Key Vault reference and the bundle must be readable when the job is created.
      dependsOn,
    });
  }

  /**
   * Let `principal` run this export on demand (Container Apps Jobs Operator on the job: start, stop, see runs) and
   * read its run reports (Storage Blob Data Reader on its state container). Connection admins and users get this
   * automatically.
   */
  grantRun(principal: Principal, reason = "granted with grantRun"): void {
    if (this.problems) return; // an invalid export built nothing to grant on; synth lists its problems
    this.grant(principal, reason);
  }

  private grant(principal: Principal, reason: string): void {
    if (this.granted.has(principal.key)) return;
    this.granted.add(principal.key);
    const who = { principalId: principal.objectId, principalType: principal.principalType };
    const marker = { export: this.exportName, principal: principal.label, name: principal.displayName ?? principal.label, reason };
    markedRoleAssignment(this.access, `${principal.key}-RunJob`, { scope: this.job.id, roleDefinitionName: ROLES.jobsOperator, ...who }, { grant: GRANTS.runExport, ...marker });
    markedRoleAssignment(
      this.access,
      `${principal.key}-ReadReports`,
      { scope: this.stateContainer.id, roleDefinitionName: ROLES.blobDataReader, ...who },
      { grant: GRANTS.readReports, ...marker },
    );
  }
}
