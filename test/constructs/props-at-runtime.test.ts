// Construct props checked at run time (#14): unknown props with a did-you-mean, secret-like values refused in every
// string prop without echoing them, and every invalid export of an app reported in one synth, one line each.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import {
  ActiveCampaignExport,
  type ActiveCampaignExportProps,
  ApiKey,
  ExportChecks,
  ExportPlatform,
  invalidConstructs,
  Principal,
  RunnerImage,
  Schedule,
  SegmentSource,
} from "../../constructs/index.js";
import { basicStack, CDP_ACCOUNT_ID, connectionIn, exportProps, FAKE_BUNDLE, newStack, platformIn } from "./helpers.js";

const root = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** 64 hex digits: what an ActiveCampaign API key looks like. */
const CANARY = "c0ffee00".repeat(8);
const SAS = "vip/members.csv?sv=2022-11-02&ss=b&sig=Zm9vYmFyYmF6cXV4c2VjcmV0";
const REFUSAL = "looks like an ActiveCampaign API key; secrets are never accepted here (the value is not shown). Keys belong in Key Vault: see ApiKey";

describe("unknown props", () => {
  it("refuses a misspelt export prop with a did-you-mean, instead of dropping it (onleave → onLeave)", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    const exp = new ActiveCampaignExport(stack, "vip", { ...exportProps(connection), onleave: "unsubscribe" } as ActiveCampaignExportProps);
    expect(exp.problems?.oneLine).toBe(
      'ActiveCampaignExport has invalid props: onleave: unknown key (did you mean "onLeave"?); allowed keys here: connection, segment, listId, mappings, schedule, enabled, exportName, onLeave, excludeAutomations, maxProfiles, maxRemovalsPerRun, maxProblemRows, requestsPerSecond, bulkRequestsPerMinute, replicaTimeoutSeconds, retryLimit, cpu, memory, tags, alerts',
    );
    expect(exp.node.validate()).toEqual([exp.problems!.oneLine]);
    exp.grantRun(Principal.user("4b3a2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0")); // no crash: nothing to grant on
    // Nothing of the invalid export is built.
    expect(JSON.parse(Testing.synth(stack)).resource.azurerm_container_app_job).toBeUndefined();
  });

  it("refuses unknown platform and connection props the same way", () => {
    const stack = newStack();
    expect(() => platformIn(stack, { namprefix: "mkt" } as never)).toThrow(
      'ExportPlatform "stack/exports" has invalid props:\n  namprefix: unknown key (did you mean "namePrefix"?); allowed keys here: location, namePrefix, tags, resourceGroupName, useExistingResourceGroup, logRetentionDays, infrastructureSubnetId, keyVaultName, keyVaultSku, purgeProtection, softDeleteRetentionDays, storageAccountName, storageReplication, blobRetentionDays, runner, grantDeployerAccess, checks, allowDestroy, alerts',
    );
    const platform = platformIn(newStack());
    expect(() => connectionIn(platform.node.scope as never, platform, { acceptDataPrivcy: true } as never)).toThrow(
      /^ActiveCampaignConnection "stack\/marketing-eu" has invalid props:\n {2}acceptDataPrivcy: unknown key \(did you mean "acceptDataPrivacy"\?\); allowed keys here: platform, hostname, /,
    );
  });
});

describe("secret-like values in any string prop", () => {
  const platformCases: Array<[string, Record<string, unknown>]> = [
    ["location", { location: CANARY }],
    ["namePrefix", { namePrefix: CANARY }],
    ["tags.owner", { tags: { owner: CANARY } }],
    ["tags (a key)", { tags: { [CANARY]: "x" } }],
    ["resourceGroupName", { resourceGroupName: CANARY }],
    ["infrastructureSubnetId", { infrastructureSubnetId: CANARY }],
    ["keyVaultName", { keyVaultName: CANARY }],
    ["storageAccountName", { storageAccountName: CANARY }],
    ["allowDestroy.reason", { allowDestroy: { reason: CANARY } }],
    ["alerts.emails[0]", { alerts: { emails: [`${CANARY}@contoso.com`] } }],
    ["alerts.webhookUrl", { alerts: { webhookUrl: `https://hooks.contoso.com/${CANARY}` } }],
    ["runner.nodeImage", { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE, nodeImage: CANARY }) }],
    ["runner.registryServer", { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE, registryServer: CANARY }) }],
    ["runner.image", { runner: RunnerImage.fromImage(`contoso.azurecr.io/${CANARY}`) }],
  ];
  it.each(platformCases)("ExportPlatform %s", (prop, props) => {
    const stack = newStack();
    const build = () => platformIn(stack, props as never);
    expect(build).toThrow(`ExportPlatform "stack/exports" has invalid props:\n  ${prop}: ${REFUSAL}`);
    expect(Testing.synth(stack)).not.toContain(CANARY);
  });

  const connectionCases: Array<[string, Record<string, unknown>]> = [
    ["hostname", { hostname: `${CANARY}.api-us1.com` }],
    ["connectionName", { connectionName: CANARY }],
    ["displayName", { displayName: CANARY }],
    ["apiKey.secretName", { apiKey: ApiKey.setOutOfBand({ secretName: CANARY }) }],
    ["apiKey.secretName", { apiKey: ApiKey.fromWriteOnlyVariable(undefined as never, { secretName: CANARY }) }],
    ["apiKey.secretUri", { apiKey: ApiKey.fromExistingSecret("/subscriptions/0/resourceGroups/s/providers/Microsoft.KeyVault/vaults/kv/secrets/k", { secretUri: `https://kv.vault.azure.net/secrets/${CANARY}` }) }],
  ];
  it.each(connectionCases)("ActiveCampaignConnection %s", (prop, props) => {
    const stack = newStack();
    const platform = platformIn(stack);
    expect(() => connectionIn(stack, platform, props as never)).toThrow(`ActiveCampaignConnection "stack/marketing-eu" has invalid props:\n  ${prop}: ${REFUSAL}`);
    expect(Testing.synth(stack)).not.toContain(CANARY);
  });

  const segment = (o: Record<string, unknown>) => SegmentSource.blob({ storageAccountId: CDP_ACCOUNT_ID, container: "segments", prefix: "vip/", format: "csv", ...o } as never);
  const exportCases: Array<[string, Partial<ActiveCampaignExportProps>, string?]> = [
    ["exportName", { exportName: CANARY }],
    ["segment.storageAccountId", { segment: segment({ storageAccountId: `/subscriptions/${CANARY}` }) }],
    ["segment.storageAccountName", { segment: segment({ storageAccountName: CANARY }) }],
    ["segment.container", { segment: segment({ container: CANARY }) }],
    ["segment.prefix", { segment: segment({ prefix: `${CANARY}/` }) }],
    ["segment.blobName", { segment: segment({ prefix: undefined, blobName: `${CANARY}.csv` }) }],
    ["segment.displayName", { segment: segment({ displayName: CANARY }) }],
    ["mappings.email", { mappings: { email: CANARY } }],
    ["mappings.fields.TIER", { mappings: { email: "Email", fields: { TIER: CANARY } } }],
    ["mappings.tags[0]", { mappings: { email: "Email", tags: [CANARY] } }],
    ["mappings.fields.TIER.column", { mappings: { email: "Email", fields: { TIER: { column: CANARY } } } }],
    ["mappings.fields.TIER.options[1].label", { mappings: { email: "Email", fields: { TIER: { column: "Tier", type: "dropdown", options: ["a", { value: "b", label: CANARY }] } } } }],
    ["mappings.phone.column", { mappings: { email: "Email", phone: { column: CANARY } } }],
    ["maxRemovalsPerRun", { maxRemovalsPerRun: CANARY }],
    ["memory", { memory: CANARY }],
    ["tags.team", { tags: { team: CANARY } }],
    ["alerts.webhookUrl", { alerts: { webhookUrl: `https://hooks.contoso.com/x?sig=${CANARY}` } }],
    [
      "segment.blobName",
      { segment: segment({ prefix: undefined, blobName: SAS }) },
      "looks like an Azure SAS token; secrets are never accepted here (the value is not shown). Keys belong in Key Vault: see ApiKey",
    ],
  ];
  it.each(exportCases)("ActiveCampaignExport %s", (prop, props, refusal = REFUSAL) => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    const exp = new ActiveCampaignExport(stack, "vip", exportProps(connection, props));
    expect(exp.node.validate()).toEqual([`ActiveCampaignExport has invalid props: ${prop}: ${refusal}`]);
    const synth = Testing.synth(stack);
    expect(synth).not.toContain(CANARY);
    expect(synth).not.toContain("sig=");
  });

  it("in factory arguments that check themselves: Principal, Schedule.cron, ExportChecks.suppress", () => {
    expect(() => Principal.group("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", CANARY)).toThrow(`Principal.group has invalid props:\n  displayName: ${REFUSAL}`);
    expect(() => Principal.user(CANARY)).toThrow(`Principal.user has invalid props:\n  objectId: ${REFUSAL}`);
    expect(() => Schedule.cron(CANARY)).toThrow(`Schedule.cron has invalid props:\n  expression: ${REFUSAL}`);
    const { platform } = basicStack();
    expect(() => ExportChecks.suppress(platform, [{ id: "ACX-ST4", reason: CANARY }])).toThrow(
      `ExportChecks.suppress for "stack/exports" has invalid props:\n  suppressions[0].reason: ${REFUSAL}`,
    );
  });
});

describe("a secret-like construct id (names default to it)", () => {
  it("is refused without the construct's path, which holds it", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    const other = newStack();
    for (const build of [
      () => new ActiveCampaignExport(stack, CANARY, exportProps(connection)),
      () => connectionIn(other, platformIn(other), {}, CANARY),
      () => new ExportPlatform(newStack(), CANARY, { location: "westeurope" }),
    ]) {
      let message = "";
      try {
        build();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^(ActiveCampaignExport|ActiveCampaignConnection|ExportPlatform) has invalid props:\n {2}id: looks like an ActiveCampaign API key; /);
      expect(message).not.toContain(CANARY);
    }
  });
});

describe("every invalid export in one synth", () => {
  it("lists each invalid export on one line with its path, and builds the valid ones", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    new ActiveCampaignExport(stack, "good", exportProps(connection));
    new ActiveCampaignExport(stack, "typo", { ...exportProps(connection), onleave: "unsubscribe" } as ActiveCampaignExportProps);
    new ActiveCampaignExport(stack, "bad-list", exportProps(connection, { listId: 0, retryLimit: 11 }));
    expect(invalidConstructs(stack.node.scope as never)).toEqual([
      expect.stringMatching(/^\[stack\/typo\] ActiveCampaignExport has invalid props: onleave: unknown key \(did you mean "onLeave"\?\); allowed keys here: /),
      "[stack/bad-list] ActiveCampaignExport has invalid props: listId: must be a positive whole number (the ActiveCampaign list ID, e.g. 12); got 0; retryLimit: must be a whole number from 0 to 10; got 11",
    ]);
    expect(Object.values(JSON.parse(Testing.synth(stack)).resource.azurerm_container_app_job).map((j: any) => j.name)).toEqual(["mkt-good"]);
  });

  it("prints them from main.ts as `cdktf synth` runs it: one line each, no stack trace, exit code 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "ac-broken-"));
    dirs.push(dir);
    const main = readFileSync(join(root, "main.ts"), "utf8")
      .replaceAll('from "./constructs/index.js"', `from ${JSON.stringify(join(root, "constructs/index.ts"))}`)
      .replaceAll('from "cdktf"', `from ${JSON.stringify(join(root, "node_modules/cdktf/lib/index.js"))}`)
      .replace('onLeave: "unsubscribe",', 'onleave: "unsubscribe",')
      .replace("listId: 31,", "listId: -31,");
    expect(main).toContain("onleave");
    // .mts: an ES module outside the package, as main.ts is inside it.
    writeFileSync(join(dir, "main.mts"), main);
    const r = spawnSync(process.execPath, ["--regexp-interpret-all", "--import", "tsx", join(dir, "main.mts")], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: join(dir, "out") },
      encoding: "utf8",
      timeout: 60_000,
    });
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("synth stopped: 2 invalid constructs (fix each line below)");
    expect(lines[1]).toMatch(/^ {2}\[activecampaign-exports\/vip-newsletter\] ActiveCampaignExport has invalid props: onleave: unknown key \(did you mean "onLeave"\?\); allowed keys here: connection, /);
    expect(lines[2]).toBe("  [activecampaign-exports/winback-eu] ActiveCampaignExport has invalid props: listId: must be a positive whole number (the ActiveCampaign list ID, e.g. 12); got -31");
    expect(lines).toHaveLength(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(1);
  }, 90_000);
});
