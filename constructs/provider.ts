// The azurerm provider with the settings the platform needs, so apps need not import provider bindings themselves.
import { AzurermProvider, type AzurermProviderConfig } from "@cdktf/provider-azurerm/lib/provider/index.js";
import type { Construct } from "constructs";

export type AzureProviderProps = Partial<AzurermProviderConfig>;

/**
 * The azurerm provider (v4) for an export stack. Defaults: `features: [{}]` (required by azurerm) and
 * `storageUseAzuread: true`, because the platform's storage account has shared keys off (ExportChecks ACX-PROV1).
 * Every other setting (subscriptionId, tenantId, useOidc, …) is azurerm's own, usually taken from ARM_* variables.
 */
export class AzureProvider extends AzurermProvider {
  constructor(scope: Construct, id = "azurerm", props: AzureProviderProps = {}) {
    super(scope, id, { features: [{}], storageUseAzuread: true, ...props });
  }
}
