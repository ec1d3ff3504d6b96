// AzureProvider in a team's own stack: it takes an id and props, and refuses to become a second default azurerm
// provider next to the team's own (Terraform would fail only at plan, or cdktf with a bare id clash).
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider/index.js";
import { Testing, TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { AzureProvider } from "../../constructs/index.js";

function providers(stack: TerraformStack): unknown {
  return (JSON.parse(Testing.synth(stack)) as { provider: unknown }).provider;
}

describe("AzureProvider", () => {
  it("takes a construct id and azurerm's own props on top of the platform's defaults", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const provider = new AzureProvider(stack, "exports-azurerm", { subscriptionId: "00000000-0000-0000-0000-000000000001", useOidc: true });
    expect(provider.node.path).toBe("stack/exports-azurerm");
    expect(providers(stack)).toEqual({
      azurerm: [{ features: [{}], storage_use_azuread: true, subscription_id: "00000000-0000-0000-0000-000000000001", use_oidc: true }],
    });
  });

  it("refuses to be a second unaliased azurerm provider, naming the team's own and what to do", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    new AzurermProvider(stack, "azurerm", { features: [{}], storageUseAzuread: true });
    expect(() => new AzureProvider(stack, "exports-azurerm")).toThrow(
      'AzureProvider "exports-azurerm": the stack already has an azurerm provider without an alias (stack/azurerm). ' +
        "Keep that one, with storageUseAzuread: true, and drop AzureProvider; or give one of them an alias",
    );
  });

  it("may sit next to the team's provider under an alias", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    new AzurermProvider(stack, "azurerm", { features: [{}], storageUseAzuread: true });
    new AzureProvider(stack, "exports-azurerm", { alias: "exports" });
    expect(providers(stack)).toEqual({
      azurerm: [
        { features: [{}], storage_use_azuread: true },
        { alias: "exports", features: [{}], storage_use_azuread: true },
      ],
    });
  });
});
