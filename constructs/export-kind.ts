// How ExportChecks (and anyone else) recognizes an ActiveCampaignExport without importing its module (which would
// make an import cycle through the platform): a Symbol.for brand, as constructs' Construct.isConstruct does, so
// two copies of this package still recognize each other's exports. The brand is set as the constructor's last step:
// an export whose construction failed half-way is never taken for a built one.
import type { ActiveCampaignExport } from "./export.js";

const BRAND = Symbol.for("activecampaign-exports.ActiveCampaignExport");

/** Called once an export is completely built. */
export function brandActiveCampaignExport(exp: ActiveCampaignExport): void {
  Object.defineProperty(exp, BRAND, { value: true });
}

/** True for a completely built ActiveCampaignExport. */
export function isActiveCampaignExport(x: unknown): x is ActiveCampaignExport {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}
