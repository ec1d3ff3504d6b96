// SegmentSource forms beyond a single blob: a folder of parts, a Customer Insights export, a Delta table. Each goes
// into the export config as the runner reads it, and the export's identity reads exactly the container named.
import { TerraformVariable } from "cdktf";
import { describe, expect, it } from "vitest";
import { SegmentSource } from "../../constructs/index.js";
import { InvalidPropsError } from "../../constructs/util.js";
import { parseExportConfig } from "../../runner/config.js";
import { basicStack, CDP_ACCOUNT_ID, connectionIn, exportProps, newStack, platformIn, ref, resourcesOf, strictExport, synthJson } from "./helpers.js";

function synthesized(segment: SegmentSource) {
  const setup = basicStack({ export: { segment } });
  const json = synthJson(setup.stack);
  const job = Object.values(resourcesOf(json, "azurerm_container_app_job"))[0]!;
  const env = job.template.container[0].env as Array<Record<string, string>>;
  const config = JSON.parse(env.find((e) => e.name === "AC_EXPORT_CONFIG")!.value!);
  const identity = ref(setup.stack, setup.exp.identity, "principal_id");
  const readers = Object.values(resourcesOf(json, "azurerm_role_assignment"))
    .filter((a) => a.principal_id === identity && a.role_definition_name === "Storage Blob Data Reader")
    .map((a) => a.scope);
  return { config, readers };
}

const failures = (segment: SegmentSource): string[] => {
  const stack = newStack();
  const connection = connectionIn(stack, platformIn(stack));
  try {
    strictExport(stack, "x", exportProps(connection, { segment }));
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidPropsError);
    return (e as InvalidPropsError).problems.map((p) => `${p.prop}: ${p.message}`);
  }
  throw new Error("expected invalid props");
};

describe("SegmentSource forms", () => {
  it("customerInsights: the export folder and table, Storage Blob Data Reader on exactly that container", () => {
    const { config, readers } = synthesized(
      SegmentSource.customerInsights({
        storageAccountId: CDP_ACCOUNT_ID,
        container: "ci-exports",
        exportPath: "CustomerInsights_abcd1234/BlobExport",
        table: "HighValueSegment",
        displayName: "High value",
      }),
    );
    expect(config.segment).toEqual({
      name: "High value",
      source: "https://contosocdp.blob.core.windows.net/ci-exports/CustomerInsights_abcd1234/BlobExport/",
      format: "customer-insights",
      table: "HighValueSegment",
    });
    expect(parseExportConfig(config).segment).toEqual(config.segment);
    expect(readers).toEqual([`${CDP_ACCOUNT_ID}/blobServices/default/containers/ci-exports`]);
  });

  it("delta: the table root folder", () => {
    const { config, readers } = synthesized(SegmentSource.delta({ storageAccountId: CDP_ACCOUNT_ID, container: "lake", tablePath: "Tables/vip members/" }));
    expect(config.segment).toEqual({ source: "https://contosocdp.blob.core.windows.net/lake/Tables/vip%20members/", format: "delta" });
    expect(readers).toEqual([`${CDP_ACCOUNT_ID}/blobServices/default/containers/lake`]);
  });

  it("folder: every part of the newest complete run, with the CSV dialect", () => {
    const { config, readers } = synthesized(
      SegmentSource.folder({
        storageAccountId: CDP_ACCOUNT_ID,
        container: "unloads",
        folder: "snowflake/vip/",
        format: "csv",
        header: false,
        columns: ["PrimaryEmail", "FirstName", "Tier"],
        escape: "backslash",
        settleMinutes: 30,
      }),
    );
    expect(config.segment).toEqual({
      source: "https://contosocdp.blob.core.windows.net/unloads/snowflake/vip/",
      format: "csv",
      parts: "all",
      header: false,
      columns: ["PrimaryEmail", "FirstName", "Tier"],
      escape: "backslash",
      settleMinutes: 30,
    });
    expect(readers).toEqual([`${CDP_ACCOUNT_ID}/blobServices/default/containers/unloads`]);
  });

  it("rejects bad props with InvalidPropsError, naming each prop", () => {
    expect(
      failures(SegmentSource.customerInsights({ storageAccountId: CDP_ACCOUNT_ID, container: "ci-exports", exportPath: "/CustomerInsights_x/E/", table: "" })),
    ).toEqual([
      'segment.exportPath: must be a folder in the container such as "CustomerInsights_<instanceId>/<ExportName>/" (no leading "/"); got "/CustomerInsights_x/E/"',
      'segment.table: must name the exported table (entity), e.g. "HighValueSegment"; got ""',
    ]);
    expect(failures(SegmentSource.folder({ storageAccountId: CDP_ACCOUNT_ID, container: "unloads", folder: "vip/", format: "csv", header: false }))).toEqual([
      'segment.columns: is required when header is false: the column names of the file, in order, e.g. ["email", "first_name"]',
    ]);
    const stack = newStack();
    const tokenPath = new TerraformVariable(stack, "p", { type: "string" }).stringValue;
    expect(failures(SegmentSource.delta({ storageAccountId: CDP_ACCOUNT_ID, container: "lake", tablePath: tokenPath }))).toEqual([
      "segment.tablePath: must be a literal value known at synth time; got a Terraform token",
    ]);
  });
});
