// Public constructs API (the package root re-exports it): ExportPlatform, ActiveCampaignConnection,
// ActiveCampaignExport and their helpers. See README "Constructs: exports as code".
export { AzureProvider, type AzureProviderProps } from "./provider.js";
export { ExportPlatform, type ExportPlatformProps, type StorageReplication } from "./platform.js";
export { ActiveCampaignConnection, type ActiveCampaignConnectionProps } from "./connection.js";
export {
  ActiveCampaignExport,
  type ActiveCampaignExportProps,
  type ExportMappings,
  DEFAULT_REPLICA_TIMEOUT_SECONDS,
} from "./export.js";
export type { FieldDeclarationInput, FieldMappingInput, PhoneMappingInput } from "../runner/config/field-mapping.js";
export {
  ApiKey,
  API_KEY_PLACEHOLDER,
  type BoundApiKey,
  type ExistingSecretOptions,
  type OutOfBandOptions,
  type WriteOnlyVariableOptions,
} from "./api-key.js";
export { Principal, type PrincipalType } from "./principal.js";
export { SegmentSource, type BlobSegmentOptions } from "./segment-source.js";
export { Schedule } from "./schedule.js";
export { RunnerImage, DEFAULT_NODE_IMAGE, type BundleOptions, type FromImageOptions } from "./runner-image.js";
export {
  ExportChecks,
  EXPORT_CHECK_RULES,
  type ExportCheckFinding,
  type ExportCheckLevel,
  type ExportCheckRule,
  type ExportCheckRuleId,
  type ExportCheckSuppression,
} from "./checks.js";
export { InvalidPropsError, ROLES, type PropProblem } from "./util.js";
export { synthesize, invalidConstructs, type SynthesizeOptions } from "./synth.js";
export { type AlertRoutes, type AlertThresholds, type ExportAlerts, type PlatformAlerts } from "./alerts.js";
export { normalizeLocation } from "./platform.js";
