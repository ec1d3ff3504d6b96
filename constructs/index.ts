// Public constructs API: filled by issue #5 (ExportPlatform, ActiveCampaignConnection, ActiveCampaignExport…).
export {};
