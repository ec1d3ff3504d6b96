// The azurerm provider with the settings the platform needs, so apps need not import provider bindings themselves.
import { AzurermProvider, type AzurermProviderConfig } from "@cdktf/provider-azurerm/lib/provider/index.js";
import { TerraformProvider, TerraformStack } from "cdktf";
import type { Construct } from "constructs";

export type AzureProviderProps = Partial<AzurermProviderConfig>;

/**
 * The azurerm provider (v4) for an export stack. Defaults: `features: [{}]` (required by azurerm) and
 * `storageUseAzuread: true`, because the platform's storage account has shared keys off (ExportChecks ACX-PROV1).
 * Every other setting (subscriptionId, tenantId, useOidc, …) is azurerm's own, usually taken from ARM_* variables.
 *
 * A stack whose team already declares its own `AzurermProvider` does not need this construct: set
 * `storageUseAzuread: true` on that provider instead (README "Use it from your repo").
 */
export class AzureProvider extends AzurermProvider {
  /**
   * @param id the construct id, unique among the scope's children ("azurerm" when omitted)
   * @param props azurerm provider settings; they override the defaults above
   */
  constructor(scope: Construct, id = "azurerm", props: AzureProviderProps = {}) {
    if (props.alias === undefined) refuseSecondDefaultProvider(scope, id);
    super(scope, id, { features: [{}], storageUseAzuread: true, ...props });
  }
}

// Terraform allows one azurerm provider without an alias per configuration; a second one fails only at `terraform
// plan`, and a clashing construct id with a bare "already a Construct" message. Say what to do at synth instead.
function refuseSecondDefaultProvider(scope: Construct, id: string): void {
  const existing = TerraformStack.of(scope)
    .node.findAll()
    .find((c): c is TerraformProvider => c instanceof TerraformProvider && c.terraformResourceType === "azurerm" && c.alias === undefined);
  if (existing) {
    throw new Error(
      `AzureProvider "${id}": the stack already has an azurerm provider without an alias (${existing.node.path}). ` +
        `Keep that one, with storageUseAzuread: true, and drop AzureProvider; or give one of them an alias`,
    );
  }
}
