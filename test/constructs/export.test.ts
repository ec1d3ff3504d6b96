import { ContainerAppJob } from "@cdktf/provider-azurerm/lib/container-app-job/index.js";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import { StorageBlob } from "@cdktf/provider-azurerm/lib/storage-blob/index.js";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container/index.js";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity/index.js";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { TerraformVariable, Testing } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import { parseExportConfig } from "../../runner/config.js";
import {
  ActiveCampaignExport,
  Principal,
  DEFAULT_NODE_IMAGE,
  RunnerImage,
  Schedule,
  SegmentSource,
} from "../../constructs/index.js";
import { bootstrapScript } from "../../constructs/bootstrap.js";
import { ADMINS, DECLARED_MAPPINGS, strictExport, basicStack, CDP_ACCOUNT_ID, connectionIn, exportProps, FAKE_BUNDLE, newStack, OPS, platformIn, ref, resourcesOf, synthJson } from "./helpers.js";

const FAKE_SHA = createHash("sha256").update(readFileSync(FAKE_BUNDLE)).digest("hex");

describe("ActiveCampaignExport: the job, its identity and its access", () => {
  let setup: ReturnType<typeof basicStack>;
  let synth: string;
  let json: Record<string, any>;
  let identityPrincipal: string;
  let assignments: Array<Record<string, any>>;

  beforeAll(() => {
    setup = basicStack({ export: { onLeave: "unsubscribe" } });
    synth = Testing.synth(setup.stack);
    json = JSON.parse(synth);
    identityPrincipal = ref(setup.stack, setup.exp.identity, "principal_id");
    assignments = Object.values(resourcesOf(json, "azurerm_role_assignment"));
  });

  it("runs a Container Apps job on the UTC schedule, with a 2 h replica timeout and one retry", () => {
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      name: "mkt-vip-newsletter",
      location: "westeurope",
      replica_timeout_in_seconds: 7200,
      replica_retry_limit: 1,
      container_app_environment_id: ref(setup.stack, setup.platform.containerAppEnvironment, "id"),
      schedule_trigger_config: { cron_expression: "0 3 * * *", parallelism: 1, replica_completion_count: 1 },
      identity: { type: "UserAssigned", identity_ids: [ref(setup.stack, setup.exp.identity, "id")] },
    });
    const job = Object.values(resourcesOf(json, "azurerm_container_app_job"))[0]!;
    expect(job.manual_trigger_config).toBeUndefined();
  });

  it("passes the validated, normalized config as AC_EXPORT_CONFIG, with the state on the platform's storage account", () => {
    const job = Object.values(resourcesOf(json, "azurerm_container_app_job"))[0]!;
    const env = job.template.container[0].env as Array<Record<string, string>>;
    const raw = env.find((e) => e.name === "AC_EXPORT_CONFIG")!.value!;
    const config = JSON.parse(raw);
    expect(config).toEqual(parseExportConfig(config)); // already normalized: parsing changes nothing
    expect(config).toEqual({
      name: "vip-newsletter",
      connection: { name: "marketing-eu", hostname: "contoso.api-us1.com" },
      listId: 12,
      segment: { source: "https://contosocdp.blob.core.windows.net/segments/vip/", format: "csv" },
      mappings: { email: "PrimaryEmail", firstName: "FirstName", fields: { LOYALTY_TIER: "Tier" }, tags: ["vip"] },
      onLeave: "unsubscribe",
      excludeAutomations: false,
      limits: { maxProfiles: 1_000_000, maxRemovalsPerRun: "10%", maxProblemRows: "1%" },
      rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 },
      state: `https://${setup.platform.storageAccountName}.blob.core.windows.net/export-vip-newsletter/state/`,
    });
    expect(setup.exp.config).toEqual(config);
  });

  it("gets the API key through a Key Vault reference read with the export's identity, and selects that identity", () => {
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      secret: [{ name: "ac-api-key", key_vault_secret_id: ref(setup.stack, setup.connection.apiKey.secret!, "versionless_id"), identity: ref(setup.stack, setup.exp.identity, "id") }],
    });
    const job = Object.values(resourcesOf(json, "azurerm_container_app_job"))[0]!;
    const env = job.template.container[0].env as Array<Record<string, string>>;
    expect(env).toContainEqual({ name: "AC_API_KEY", secret_name: "ac-api-key" });
    expect(env).toContainEqual({ name: "AZURE_CLIENT_ID", value: ref(setup.stack, setup.exp.identity, "client_id") });
    expect(env.find((e) => e.name === "AC_API_KEY")!.value).toBeUndefined();
  });

  it("runs the bundled runner on a stock Node image: bootstrap command, blob URL and pinned SHA-256", () => {
    const account = setup.platform.storageAccountName;
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      template: {
        container: [
          expect.objectContaining({
            name: "ac-export",
            image: DEFAULT_NODE_IMAGE,
            cpu: 1,
            memory: "2Gi",
            command: ["node", "-e", bootstrapScript()],
            args: ["run"],
            env: expect.arrayContaining([
              { name: "AC_EXPORT_RUNNER_URL", value: `https://${account}.blob.core.windows.net/export-vip-newsletter/runner/ac-export-${FAKE_SHA.slice(0, 12)}.mjs` },
              { name: "AC_EXPORT_RUNNER_SHA256", value: FAKE_SHA },
            ]),
          }),
        ],
      },
    });
    expect(synth).toHaveResourceWithProperties(StorageBlob, {
      name: `runner/ac-export-${FAKE_SHA.slice(0, 12)}.mjs`,
      storage_account_name: account,
      storage_container_name: ref(setup.stack, setup.exp.stateContainer, "name"),
      type: "Block",
      source: expect.stringMatching(/^assets\/exports_RunnerBundle_[0-9A-F]+\/[0-9a-f]{16}\/fake-runner\.mjs$/),
    });
  });

  it("gives the export its own identity and private state container", () => {
    expect(synth).toHaveResourceWithProperties(UserAssignedIdentity, { name: "mkt-vip-newsletter-id", location: "westeurope" });
    expect(synth).toHaveResourceWithProperties(StorageContainer, {
      name: "export-vip-newsletter",
      storage_account_id: ref(setup.stack, setup.platform.storageAccount, "id"),
      container_access_type: "private",
    });
  });

  it("gives the export's identity exactly three roles: secret user on one secret, reader on the segment container, contributor on its state container", () => {
    const own = assignments.filter((a) => a.principal_id === identityPrincipal).map((a) => [a.role_definition_name, a.scope]);
    expect(own.sort()).toEqual(
      [
        ["Key Vault Secrets User", ref(setup.stack, setup.connection.apiKey.secret!, "resource_versionless_id")],
        ["Storage Blob Data Reader", `${CDP_ACCOUNT_ID}/blobServices/default/containers/segments`],
        ["Storage Blob Data Contributor", ref(setup.stack, setup.exp.stateContainer, "id")],
      ].sort(),
    );
    for (const a of assignments.filter((x) => x.principal_id === identityPrincipal)) {
      expect(a).toMatchObject({ principal_type: "ServicePrincipal", skip_service_principal_aad_check: true });
    }
  });

  it("assigns nothing at subscription or resource-group scope", () => {
    const rg = ref(setup.stack, setup.platform.node.findChild("ResourceGroup") as never, "id");
    for (const a of assignments) {
      expect(a.scope).not.toMatch(/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/?$/i);
      expect(a.scope).not.toBe(rg);
      expect(a.scope).not.toMatch(/azurerm_resource_group/);
    }
  });

  it("lets the connection's admins and users run the job on demand and read its reports", () => {
    for (const p of [ADMINS, OPS]) {
      expect(synth).toHaveResourceWithProperties(RoleAssignment, {
        scope: ref(setup.stack, setup.exp.job, "id"),
        role_definition_name: "Container Apps Jobs Operator",
        principal_id: p.objectId,
        principal_type: p.principalType,
      });
      expect(synth).toHaveResourceWithProperties(RoleAssignment, {
        scope: ref(setup.stack, setup.exp.stateContainer, "id"),
        role_definition_name: "Storage Blob Data Reader",
        principal_id: p.objectId,
      });
    }
    expect(synth).toHaveResourceWithProperties(RoleAssignment, {
      description: "ac-export: Dana (user 4b3a2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0), user of connection marketing-eu, may run export vip-newsletter on demand",
    });
  });

  it("lets the deployer upload the bundle to the export's container only", () => {
    expect(synth).toHaveResourceWithProperties(RoleAssignment, {
      scope: ref(setup.stack, setup.exp.stateContainer, "id"),
      role_definition_name: "Storage Blob Data Contributor",
      principal_id: `\${data.azurerm_client_config.${setup.stack.getLogicalId(setup.platform.node.findChild("Deployer") as never)}.object_id}`,
    });
  });

  it("outputs the job name, the on-demand command and where reports land", () => {
    expect(json.output.vip_newsletter_job_name.value).toBe("mkt-vip-newsletter");
    expect(json.output.vip_newsletter_run_command.value).toBe(
      `az containerapp job start --name mkt-vip-newsletter --resource-group ${ref(setup.stack, setup.platform.node.findChild("ResourceGroup") as never, "name")}`,
    );
    expect(json.output.vip_newsletter_reports.value).toBe(`${setup.exp.stateLocation}vip-newsletter/`);
  });

  it("tags the job with what the review summary needs", () => {
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      tags: {
        "ac-export:export": "vip-newsletter",
        "ac-export:connection": "marketing-eu",
        "ac-export:connection-display-name": "Marketing EU",
        "ac-export:data-privacy-accepted": "true",
        "ac-export:schedule": "0 3 * * *",
      },
    });
  });
});

describe("ActiveCampaignExport options", () => {
  it("enabled: false keeps the job deployed with a manual trigger instead of the schedule", () => {
    const { stack, exp } = basicStack({ export: { enabled: false } });
    const json = synthJson(stack);
    const job = Object.values(resourcesOf(json, "azurerm_container_app_job"))[0]!;
    expect(job.schedule_trigger_config).toBeUndefined();
    expect(job.manual_trigger_config).toEqual({ parallelism: 1, replica_completion_count: 1 });
    expect(exp.enabled).toBe(false);
    // Still runnable on demand by the connection's people.
    expect(Testing.synth(stack)).toHaveResourceWithProperties(RoleAssignment, { role_definition_name: "Container Apps Jobs Operator", principal_id: OPS.objectId });
  });

  it("takes the timeout, retries, CPU and memory, and Schedule helpers", () => {
    const { stack } = basicStack({ export: { replicaTimeoutSeconds: 10800, retryLimit: 3, cpu: 0.5, memory: "1Gi", schedule: Schedule.daily({ hour: 4, minute: 30 }) } });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(ContainerAppJob, {
      replica_timeout_in_seconds: 10800,
      replica_retry_limit: 3,
      schedule_trigger_config: expect.objectContaining({ cron_expression: "30 4 * * *" }),
      template: { container: [expect.objectContaining({ cpu: 0.5, memory: "1Gi" })] },
    });
  });

  it("RunnerImage.fromImage runs a prebuilt image with the export's identity for the registry, and uploads nothing", () => {
    const { stack, exp } = basicStack({ platform: { runner: RunnerImage.fromImage("contoso.azurecr.io/ac-export:1.2.0", { registryServer: "contoso.azurecr.io" }) } });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      registry: [{ server: "contoso.azurecr.io", identity: ref(stack, exp.identity, "id") }],
      template: { container: [expect.objectContaining({ image: "contoso.azurecr.io/ac-export:1.2.0", args: ["run"] })] },
    });
    const container = Object.values(resourcesOf(JSON.parse(synth), "azurerm_container_app_job"))[0]!.template.container[0];
    expect(container.command).toBeUndefined();
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(["AC_EXPORT_CONFIG", "AC_API_KEY", "AZURE_CLIENT_ID"]);
    expect(JSON.parse(synth).resource.azurerm_storage_blob).toBeUndefined();
  });

  it("grantRun lets another principal run the export", () => {
    const { stack, exp } = basicStack();
    const sre = Principal.servicePrincipal("11111111-2222-4333-8444-555555555555", "SRE pipeline");
    exp.grantRun(sre);
    expect(Testing.synth(stack)).toHaveResourceWithProperties(RoleAssignment, {
      scope: ref(stack, exp.job, "id"),
      role_definition_name: "Container Apps Jobs Operator",
      principal_id: sre.objectId,
      principal_type: "ServicePrincipal",
      description: "ac-export: SRE pipeline (service principal 11111111-2222-4333-8444-555555555555), granted with grantRun, may run export vip-newsletter on demand",
    });
  });

  it("escapes Terraform template sequences in the config so Terraform passes them through literally", () => {
    const { stack } = basicStack({ export: { mappings: { email: "${Email}", firstName: "%{First}" } } });
    const job = Object.values(resourcesOf(synthJson(stack), "azurerm_container_app_job"))[0]!;
    const raw = job.template.container[0].env.find((e: { name: string }) => e.name === "AC_EXPORT_CONFIG").value as string;
    expect(raw).toContain('"email":"$${Email}"');
    expect(raw).toContain('"firstName":"%%{First}"');
  });

  it("shortens long names to Azure's limits and keeps them unique with a hash", () => {
    const stack = newStack();
    const platform = platformIn(stack);
    const connection = connectionIn(stack, platform);
    const exp = new ActiveCampaignExport(stack, "quarterly-newsletter-for-lapsed-buyers-eu", exportProps(connection));
    expect(exp.jobName.length).toBeLessThanOrEqual(32);
    expect(exp.jobName).toMatch(/^mkt-quarterly-newsletter-fo-[0-9a-f]{4}$/);
  });
});

describe("ActiveCampaignExport validation: the schema's messages, the prop and the construct path", () => {
  const build = (props: Parameters<typeof exportProps>[1]) => () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    strictExport(stack, "vip-newsletter", exportProps(connection, props));
  };

  it("rejects a bad list ID", () => {
    expect(build({ listId: 0 })).toThrow(
      'ActiveCampaignExport "stack/vip-newsletter" has invalid props:\n  listId: must be a positive whole number (the ActiveCampaign list ID, e.g. 12); got 0',
    );
  });

  it("rejects bad mappings, all at once", () => {
    expect(build({ mappings: { email: "Email", firstName: "Email", fields: { loyalty_tier: "Tier" } } })).toThrow(
      [
        'ActiveCampaignExport "stack/vip-newsletter" has invalid props:',
        '  mappings.fields.loyalty_tier: key "loyalty_tier" must be a custom field personalization tag: upper-case A-Z, 0-9 and "_" (e.g. "LOYALTY_TIER")',
        '  mappings.firstName: column "Email" already feeds mappings.email; each source column may feed one target only',
      ].join("\n"),
    );
  });

  it("names the prop behind each config path (one table between props and config paths)", () => {
    expect(
      build({
        segment: SegmentSource.blob({ storageAccountId: CDP_ACCOUNT_ID, container: "segments", prefix: "vip/", format: "csv", displayName: "" }),
        maxProfiles: 0,
        bulkRequestsPerMinute: 2.5,
      }),
    ).toThrow(
      [
        'ActiveCampaignExport "stack/vip-newsletter" has invalid props:',
        '  segment.displayName: must be at least 1 character; got ""',
        "  maxProfiles: must be a whole number from 1 to 10000000; got 0",
        "  bulkRequestsPerMinute: must be a whole number of at least 1 (bulk import requests per minute); got 2.5",
      ].join("\n"),
    );
  });

  it("rejects untag without tags, naming onLeave", () => {
    expect(build({ onLeave: "untag", mappings: { email: "Email" } })).toThrow(
      '  onLeave: "untag" removes the export\'s tags from leavers, so mappings.tags must list at least one tag',
    );
  });

  it("rejects a segment that cannot be read", () => {
    expect(build({ segment: SegmentSource.blob({ storageAccountId: "contosocdp", container: "Segments", prefix: "vip" }) })).toThrow(
      [
        'ActiveCampaignExport "stack/vip-newsletter" has invalid props:',
        '  segment.storageAccountId: must be a storage account\'s ARM ID, "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>"; got "contosocdp"',
        '  segment.container: must be 3-63 lowercase letters, digits or single "-", starting and ending with a letter or digit; got "Segments"',
        '  segment.prefix: must end with "/" and not start with "/", e.g. "vip/"; got "vip"',
      ].join("\n"),
    );
  });

  it("asks for the format when a prefix does not tell it", () => {
    expect(build({ segment: SegmentSource.blob({ storageAccountId: CDP_ACCOUNT_ID, container: "segments", prefix: "vip/" }) })).toThrow(
      '  segment.format: cannot be inferred from the source "https://contosocdp.blob.core.windows.net/segments/vip/"; set it to one of "csv", "jsonl", "parquet"',
    );
  });

  it("rejects values that are Terraform tokens: the config must be reviewable", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    const v = new TerraformVariable(stack, "list", { type: "number" });
    expect(() => strictExport(stack, "x1", exportProps(connection, { listId: v.numberValue }))).toThrow(
      "  listId: must be a literal value known at synth time (it is part of the export config that is validated and reviewed before deploy); got a Terraform token",
    );
  });

  it("rejects a timeout, retry limit or CPU/memory pair Azure would refuse", () => {
    expect(build({ replicaTimeoutSeconds: 60, retryLimit: -1, cpu: 1, memory: "1Gi" })).toThrow(
      [
        'ActiveCampaignExport "stack/vip-newsletter" has invalid props:',
        "  replicaTimeoutSeconds: must be a whole number of seconds from 300 to 86400; got 60",
        "  retryLimit: must be a whole number from 0 to 10; got -1",
        '  memory: must be twice the vCPUs in Gi, "2Gi" for cpu 1 (Container Apps\' consumption pairs); got "1Gi"',
      ].join("\n"),
    );
  });

  it("rejects two exports with the same name in one stack", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    new ActiveCampaignExport(stack, "a", exportProps(connection, { exportName: "vip" }));
    expect(() => strictExport(stack, "b", exportProps(connection, { exportName: "vip" }))).toThrow(
      'ActiveCampaignExport "stack/b" has invalid props:\n  exportName: "vip" is already used by the export at "stack/a"; export names must be unique in a stack',
    );
  });
});

describe("ActiveCampaignExport: custom fields and tags declared as code (#11)", () => {
  const declared = { ...DECLARED_MAPPINGS, tags: ["vip"], invalidValues: "reject-row" as const };

  it("puts the declarations into AC_EXPORT_CONFIG as written", () => {
    const { stack, exp } = basicStack({ export: { mappings: declared } });
    const job = Object.values(resourcesOf(synthJson(stack), "azurerm_container_app_job"))[0]!;
    const config = JSON.parse(job.template.container[0].env.find((e: { name: string }) => e.name === "AC_EXPORT_CONFIG").value as string);
    expect(config.mappings).toEqual(declared);
    expect(config).toEqual(parseExportConfig(config));
    expect(exp.config.mappings).toEqual(declared);
  });

  it("fails synth on a bad declaration with the config's message, naming the prop", () => {
    const build = () => {
      const stack = newStack();
      const connection = connectionIn(stack, platformIn(stack));
      strictExport(stack, "vip-newsletter", exportProps(connection, {
        mappings: {
          email: "Email",
          fields: { MEMBER_SINCE: { column: "JoinedAt", type: "date", timeZone: "CET+1", create: true }, LEVEL: { column: "Level", type: "date", options: ["x"] } },
        },
      }));
    };
    expect(build).toThrow(
      [
        'ActiveCampaignExport "stack/vip-newsletter" has invalid props:',
        '  mappings.fields.MEMBER_SINCE.timeZone: must be an IANA time zone such as "UTC", "Europe/Amsterdam" or "America/New_York"; got "CET+1"',
        '  mappings.fields.LEVEL.options: a "date" field has no options; options apply to dropdown, radio, checkbox, listbox fields',
      ].join("\n"),
    );
  });
});
