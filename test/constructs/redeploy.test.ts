// Safe to redeploy (#14): location normalized before names are derived, prevent_destroy on the stateful resources,
// opting out only with a reason; and the runner image pinned by digest, pullable from a private registry.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ContainerAppJob } from "@cdktf/provider-azurerm/lib/container-app-job/index.js";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { DEFAULT_NODE_IMAGE, RunnerImage } from "../../constructs/index.js";
import { basicStack, FAKE_BUNDLE, resourcesOf, synthJson } from "./helpers.js";

const only = (json: Record<string, any>, type: string) => Object.values(resourcesOf(json, type))[0]!;

describe("ExportPlatform: safe to redeploy", () => {
  it('derives identical names and locations from "North Europe" and "northeurope"', () => {
    const spaced = basicStack({ platform: { location: "North Europe" } });
    const tidy = basicStack({ platform: { location: "northeurope" } });
    expect(spaced.platform.storageAccountName).toBe(tidy.platform.storageAccountName);
    expect(spaced.platform.keyVaultName).toBe(tidy.platform.keyVaultName);
    expect(spaced.platform.location).toBe("northeurope");
    // Everything synthesized is the same, not only the two names.
    expect(Testing.synth(spaced.stack)).toBe(Testing.synth(tidy.stack));
    const json = synthJson(spaced.stack);
    expect(only(json, "azurerm_storage_account").name).toBe(tidy.platform.storageAccountName);
    expect(only(json, "azurerm_key_vault").name).toBe(tidy.platform.keyVaultName);
    expect(only(json, "azurerm_resource_group").location).toBe("northeurope");
    expect(only(json, "azurerm_container_app_job").location).toBe("northeurope");
  });

  it("puts prevent_destroy on the storage account and the Key Vault by default", () => {
    const json = synthJson(basicStack().stack);
    expect(only(json, "azurerm_storage_account").lifecycle).toEqual({ prevent_destroy: true });
    expect(only(json, "azurerm_key_vault").lifecycle).toEqual({ prevent_destroy: true });
  });

  it("lifts prevent_destroy only with a reason of at least 10 characters", () => {
    const { stack, platform } = basicStack({ platform: { allowDestroy: { reason: "a test environment, rebuilt nightly" } } });
    const json = synthJson(stack);
    expect(only(json, "azurerm_storage_account").lifecycle).toEqual({ prevent_destroy: false });
    expect(only(json, "azurerm_key_vault").lifecycle).toEqual({ prevent_destroy: false });
    expect(platform.allowDestroyReason).toBe("a test environment, rebuilt nightly");
    expect(() => basicStack({ platform: { allowDestroy: { reason: "test" } } })).toThrow(
      'ExportPlatform "stack/exports" has invalid props:\n  allowDestroy.reason: must say why the storage account and Key Vault may be destroyed, in at least 10 characters; got "test"',
    );
    expect(() => basicStack({ platform: { allowDestroy: { reson: "a test environment" } as never } })).toThrow(
      'ExportPlatform "stack/exports" has invalid props:\n  allowDestroy.reson: unknown key (did you mean "reason"?); allowed keys here: reason\n  allowDestroy.reason: must say why the storage account and Key Vault may be destroyed, in at least 10 characters; got nothing',
    );
  });
});

describe("RunnerImage: pinned and private", () => {
  it("pins the default Node image by the same digest as the repo's Dockerfile", () => {
    const dockerfile = readFileSync(resolve(import.meta.dirname, "../../Dockerfile"), "utf8");
    const from = /^FROM (\S+)$/m.exec(dockerfile)?.[1];
    expect(from).toBe("docker.io/library/node:24-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df");
    expect(DEFAULT_NODE_IMAGE).toBe(from);
    const json = synthJson(basicStack().stack);
    expect(only(json, "azurerm_container_app_job").template.container[0].image).toBe(DEFAULT_NODE_IMAGE);
    expect(only(json, "azurerm_container_app_job").registry).toBeUndefined();
  });

  it("pulls the bundle's Node image from a private registry with the job's identity", () => {
    const { stack, exp } = basicStack({
      platform: { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE, nodeImage: "contoso.azurecr.io/mirror/node:24-slim", registryServer: "contoso.azurecr.io" }) },
    });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(ContainerAppJob, {
      registry: [{ server: "contoso.azurecr.io", identity: `\${azurerm_user_assigned_identity.${stack.getLogicalId(exp.identity as never)}.id}` }],
    });
    expect(only(JSON.parse(synth), "azurerm_container_app_job").template.container[0].image).toBe("contoso.azurecr.io/mirror/node:24-slim");
    expect(() => basicStack({ platform: { runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE, registryServer: "https://contoso.azurecr.io" }) } })).toThrow(
      'RunnerImage.bundle has invalid props:\n  registryServer: must be a registry host such as "contoso.azurecr.io"; got "https://contoso.azurecr.io"',
    );
  });
});
