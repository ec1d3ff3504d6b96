// Shared setup for construct tests: a stack with the azurerm provider, a small platform/connection/export, and
// readers for the synthesized JSON and the annotations (which Testing.synth does not throw on).
import "../helpers/cdktf-matchers.js";
import { resolve } from "node:path";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider/index.js";
import { Testing, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import {
  ActiveCampaignConnection,
  type ActiveCampaignConnectionProps,
  ActiveCampaignExport,
  type ActiveCampaignExportProps,
  ExportPlatform,
  type ExportPlatformProps,
  Principal,
  RunnerImage,
  Schedule,
  SegmentSource,
} from "../../constructs/index.js";

export const FAKE_BUNDLE = resolve(import.meta.dirname, "fixtures/fake-runner.mjs");
export const CDP_ACCOUNT_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/cdp/providers/Microsoft.Storage/storageAccounts/contosocdp";
export const ADMINS = Principal.group("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "Marketing admins");
export const OPS = Principal.user("4b3a2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0", "Dana");

export function newStack(options: { provider?: boolean } = {}): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "stack");
  if (options.provider ?? true) new AzurermProvider(stack, "azurerm", { features: [{}], storageUseAzuread: true });
  return stack;
}

export function platformIn(stack: TerraformStack, props: Partial<ExportPlatformProps> = {}): ExportPlatform {
  // With an alert route, as a real platform has (none: ExportChecks ACX-ALERT1).
  return new ExportPlatform(stack, "exports", {
    location: "westeurope",
    namePrefix: "mkt",
    runner: RunnerImage.bundle({ bundlePath: FAKE_BUNDLE }),
    alerts: { emails: ["ops@contoso.com"] },
    ...props,
  });
}

export function connectionIn(stack: TerraformStack, platform: ExportPlatform, props: Partial<ActiveCampaignConnectionProps> = {}, id = "marketing-eu") {
  return new ActiveCampaignConnection(stack, id, {
    platform,
    displayName: "Marketing EU",
    hostname: "contoso.api-us1.com",
    admins: [ADMINS],
    users: [OPS],
    acceptDataPrivacy: true,
    ...props,
  });
}

export function exportProps(connection: ActiveCampaignConnection, props: Partial<ActiveCampaignExportProps> = {}): ActiveCampaignExportProps {
  return {
    connection,
    segment: SegmentSource.blob({ storageAccountId: CDP_ACCOUNT_ID, container: "segments", prefix: "vip/", format: "csv" }),
    listId: 12,
    mappings: { email: "PrimaryEmail", firstName: "FirstName", fields: { LOYALTY_TIER: "Tier" }, tags: ["vip"] },
    schedule: Schedule.cron("0 3 * * *"),
    ...props,
  };
}

/** Mappings with custom fields and a phone declared as code (issue #11). */
export const DECLARED_MAPPINGS = {
  email: "PrimaryEmail",
  phone: { column: "Mobile", e164: { defaultCountry: "NL" } },
  fields: {
    LOYALTY_TIER: "Tier",
    MEMBER_SINCE: { column: "JoinedAt", type: "date" as const, timeZone: "Europe/Amsterdam", dateFormats: ["DD-MM-YYYY"], create: true },
    INTERESTS: { column: "Interests", type: "checkbox" as const, options: ["news", { value: "EVT", label: "Events" }], separator: ";", addOptions: true },
  },
};

/** Platform + connection + one export "vip-newsletter". */
export function basicStack(options: { platform?: Partial<ExportPlatformProps>; connection?: Partial<ActiveCampaignConnectionProps>; export?: Partial<ActiveCampaignExportProps> } = {}) {
  const stack = newStack();
  const platform = platformIn(stack, options.platform);
  const connection = connectionIn(stack, platform, options.connection);
  const exp = new ActiveCampaignExport(stack, "vip-newsletter", exportProps(connection, options.export));
  return { stack, platform, connection, exp };
}

type Json = Record<string, any>;

export function synthJson(stack: TerraformStack): Json {
  return JSON.parse(Testing.synth(stack));
}

/** Resources of one type, by logical ID. */
export function resourcesOf(json: Json, type: string): Record<string, Json> {
  return json.resource?.[type] ?? {};
}

/** `${type.logicalId.attr}` of the resource a construct synthesizes to. */
export function ref(stack: TerraformStack, construct: IConstruct & { terraformResourceType: string }, attr: string): string {
  return `\${${construct.terraformResourceType}.${stack.getLogicalId(construct as never)}.${attr}}`;
}

export interface Note {
  level: "error" | "warn" | "info";
  path: string;
  message: string;
}

/** Annotations on every construct of the stack (after a synth ran the aspects). */
export function annotations(stack: TerraformStack): Note[] {
  return stack.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => typeof m.type === "string" && m.type.startsWith("@cdktf/"))
      .map((m) => ({ level: m.type.replace("@cdktf/", "") as Note["level"], path: c.node.path, message: String(m.data) })),
  );
}

/**
 * An export built the old way for tests of its messages: throws the InvalidPropsError an invalid export records
 * (constructors collect it, so one synth lists every invalid export; see constructs/synth.ts).
 */
export function strictExport(...args: ConstructorParameters<typeof ActiveCampaignExport>): ActiveCampaignExport {
  const exp = new ActiveCampaignExport(...args);
  if (exp.problems) throw exp.problems;
  return exp;
}
