// What a platform team commits: its ActiveCampaign connections and export destinations, as code.
// `npm run synth` (cdktf synth) turns it into cdktf.out/ offline; `cdktf deploy` ships it to Azure;
// `npx ac-export review` prints what it does for a pull request.
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  ActiveCampaignConnection,
  ActiveCampaignExport,
  ApiKey,
  AzureProvider,
  ExportPlatform,
  Principal,
  RunnerImage,
  Schedule,
  SegmentSource,
  synthesize,
} from "./constructs/index.js";

// The customer-data platform's storage account, where segment files land (owned by another team).
const CDP_STORAGE = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/cdp-prod/providers/Microsoft.Storage/storageAccounts/contosocdp";

const marketingAdmins = Principal.group("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "Marketing platform admins");
const marketingOps = Principal.group("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Marketing operations");
const salesAdmins = Principal.group("9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b", "Sales platform admins");
const campaignManager = Principal.user("4b3a2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0", "Dana Whitfield");

export interface ExportsStackOptions {
  /** For tests: a fixed runner bundle, so snapshots do not change with every runner change. */
  readonly runner?: RunnerImage;
}

export class ExportsStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: ExportsStackOptions = {}) {
    super(scope, id);
    // azurerm with storageUseAzuread: the platform's storage account has shared keys off. Subscription and
    // credentials come from ARM_SUBSCRIPTION_ID / az login at deploy time.
    new AzureProvider(this);

    const platform = new ExportPlatform(this, "exports", {
      location: "westeurope",
      namePrefix: "mkt",
      tags: { "cost-center": "marketing-4711", owner: "marketing-platform" },
      runner: options.runner,
      // Failed runs, rejected rows above 5%, runs near their timeout and missing runs mail the platform team.
      alerts: { emails: ["marketing-platform@contoso.com"] },
    });

    const marketingEu = new ActiveCampaignConnection(this, "marketing-eu", {
      platform,
      displayName: "ActiveCampaign – Marketing EU",
      hostname: "contoso.api-us1.com",
      apiKey: ApiKey.setOutOfBand(), // the default: an admin sets the key with the printed az command
      admins: [marketingAdmins],
      users: [marketingOps, campaignManager],
      acceptDataPrivacy: true, // agreed with the DPO: profiles of EU customers may go to ActiveCampaign
    });

    const salesUs = new ActiveCampaignConnection(this, "sales-us", {
      platform,
      displayName: "ActiveCampaign – Sales US",
      hostname: "contoso-sales.api-us1.com",
      admins: [salesAdmins],
      acceptDataPrivacy: true,
    });

    new ActiveCampaignExport(this, "vip-newsletter", {
      connection: marketingEu,
      segment: SegmentSource.blob({ storageAccountId: CDP_STORAGE, container: "segments", prefix: "vip/", format: "csv", displayName: "VIP customers" }),
      listId: 12,
      mappings: {
        email: "PrimaryEmail",
        firstName: "FirstName",
        lastName: "LastName",
        phone: "Phone",
        fields: { LOYALTY_TIER: "Tier" },
        tags: ["vip"],
      },
      schedule: Schedule.cron("0 3 * * *"),
      onLeave: "unsubscribe",
    });

    new ActiveCampaignExport(this, "winback-eu", {
      connection: marketingEu,
      segment: SegmentSource.blob({ storageAccountId: CDP_STORAGE, container: "segments", prefix: "lapsed/", format: "parquet", displayName: "Lapsed buyers (EU)" }),
      listId: 31,
      mappings: { email: "Email", firstName: "GivenName", fields: { LAST_ORDER_DATE: "LastOrderDate" }, tags: ["winback", "eu"] },
      schedule: Schedule.weekly({ day: "MON", hour: 6 }),
      onLeave: "untag",
      maxRemovalsPerRun: 500,
      // Shares the marketing account's 5 requests/s with vip-newsletter.
      requestsPerSecond: 2,
    });

    new ActiveCampaignExport(this, "trial-nurture", {
      connection: salesUs,
      segment: SegmentSource.blob({ storageAccountId: CDP_STORAGE, container: "segments-sales", blobName: "trials/current.jsonl", displayName: "Active trials" }),
      listId: 7,
      mappings: { email: "email", firstName: "first_name", lastName: "last_name" },
      schedule: Schedule.hourly({ minute: 15 }),
      // Paused while Sales reworks the nurture sequence: deployed, runnable on demand, never scheduled.
      enabled: false,
      replicaTimeoutSeconds: 3000,
      maxProfiles: 50_000,
    });
  }
}

// Synthesize when run as the app (cdktf.json's app command runs main.ts), not when a test imports ExportsStack.
// Decided from process.argv, not import.meta, so a copy of this file also compiles as CommonJS (TS1470).
// synthesize() lists every invalid export on one line each (no stack trace) and fails the synth.
if (/(^|[\\/])main\.[cm]?[jt]s$/.test(process.argv[1] ?? "")) {
  synthesize((app) => new ExportsStack(app, "activecampaign-exports"));
}
