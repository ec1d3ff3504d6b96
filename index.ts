// Package root: the public constructs API (ExportPlatform, ActiveCampaignConnection, ActiveCampaignExport, …)
// and the ExportConfig contract types.
export * from "./constructs/index.js";
export type { ExportConfig, ExportConfigInput, LeavePolicy, SegmentFormat } from "./runner/config.js";
