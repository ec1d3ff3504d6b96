// The segment keys of issue #13: Customer Insights exports, Delta tables, folders of parts, headerless CSV.
import { describe, expect, it } from "vitest";
import { parseExportConfig, safeParseExportConfig } from "../../runner/config.js";
import { segmentReadOptions } from "../../runner/segment/index.js";
import { withValue } from "./fixtures.js";

const problems = (segment: unknown) => {
  const r = safeParseExportConfig(withValue("segment", segment));
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};

describe("segment keys", () => {
  it("accepts the documented forms and hands the reader what they say", () => {
    const ci = parseExportConfig(
      withValue("segment", { source: "https://contosocdp.blob.core.windows.net/ci-exports/CustomerInsights_abcd/BlobExport/", format: "customer-insights", table: "HighValueSegment" }),
    ).segment;
    expect(segmentReadOptions(ci)).toEqual({ format: "customer-insights", table: "HighValueSegment" });
    const delta = parseExportConfig(withValue("segment", { source: "azure-blob://contosocdp/lake/Tables/vip/", format: "delta" })).segment;
    expect(segmentReadOptions(delta)).toEqual({ format: "delta" });
    const folder = parseExportConfig(
      withValue("segment", {
        source: "file:unload/vip/",
        format: "csv",
        parts: "all",
        header: false,
        columns: ["email", "name"],
        escape: "backslash",
        delimiter: "\u0001",
        settleMinutes: 30,
      }),
    ).segment;
    expect(segmentReadOptions(folder)).toEqual({
      format: "csv",
      parts: "all",
      header: false,
      columnNames: ["email", "name"],
      escape: "backslash",
      delimiter: "\u0001",
      settleMinutes: 30,
    });
    // A gzip file's format comes from the name under ".gz".
    expect(parseExportConfig(withValue("segment", { source: "file:vip.csv.gz" })).segment.format).toBe("csv");
  });

  it("names each bad key and what is allowed", () => {
    expect(problems({ source: "file:ci/Export/", format: "customer-insights" })).toEqual([
      'segment.table: is required for a Customer Insights export: the exported table (entity) to read, e.g. "HighValueSegment"',
    ]);
    expect(problems({ source: "file:ci/Export", format: "customer-insights", table: "T", header: false })).toEqual([
      'segment.header: applies to format "csv" only, not "customer-insights"',
      'segment.source: must be the export\'s folder, ending in "/" (…/CustomerInsights_<instanceId>/<ExportName>/); got "file:ci/Export"',
    ]);
    expect(problems({ source: "file:vip.csv", header: false })).toEqual([
      'segment.columns: is required when header is false: the column names of the file, in order, e.g. ["email", "first_name"]',
    ]);
    expect(problems({ source: "file:vip.csv", columns: ["a", "a"], header: false })).toEqual([
      'segment.columns: names column "a" twice (positions 1 and 2); column names must be unique',
    ]);
    expect(problems({ source: "file:vip.parquet", escape: "backslash", table: "x" })).toEqual([
      'segment.escape: applies to format "csv" or "customer-insights" only, not "parquet"',
      'segment.table: applies to format "customer-insights" only, not "parquet"',
    ]);
    expect(problems({ source: "file:t/", format: "delta", parts: "all", settleMinutes: 5 })).toEqual([
      'segment.parts: applies to format "csv" or "jsonl" or "parquet" only, not "delta"',
      'segment.settleMinutes: applies to format "csv" or "jsonl" or "parquet" or "customer-insights" only, not "delta"',
    ]);
    expect(problems({ source: "file:vip.csv", delimiter: "::", settleMinutes: -1, parts: "some" })).toEqual([
      'segment.delimiter: must be one ASCII character other than a quote or a line break (e.g. ",", ";", "\\t", "|"); got "::"',
      'segment.parts: must be one of "all"; got "some"',
      "segment.settleMinutes: must be a number of minutes from 0 to 10080; got -1",
    ]);
  });
});
