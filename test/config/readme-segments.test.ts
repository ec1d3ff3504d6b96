// The README's "Segment sources" examples are valid configs, and the file: ones read exactly what the README says
// from test/fixtures/segments/layouts/ (made by generate.ts there).
import { readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseExportConfig, parseLocation } from "../../runner/config.js";
import { openSegment, segmentReadOptions, type SegmentRow } from "../../runner/segment/index.js";
import { withValue } from "./fixtures.js";

const ROOT = resolve(import.meta.dirname, "../..");
const LAYOUTS = resolve(ROOT, "test/fixtures/segments/layouts");
const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Segment sources"), readme.indexOf("\n## ", readme.indexOf("## Segment sources") + 3));
const examples = [...section.matchAll(/```json\n(.*?)\n```/gs)].map((m) => JSON.parse(m[1]!).segment as Record<string, unknown>);
/** Fixture files are as new as the checkout: read them as if the settle time had passed. */
const later = () => new Date(Date.now() + 2 * 60 * 60_000);

async function rowsOf(segment: Record<string, unknown>): Promise<{ rows: SegmentRow[]; columns: string[] }> {
  const config = parseExportConfig(withValue("segment", segment)).segment;
  const opened = await openSegment(parseLocation(config.source, LAYOUTS), { ...segmentReadOptions(config), now: later });
  const rows: SegmentRow[] = [];
  for await (const batch of opened.batches()) rows.push(...batch);
  await opened.close();
  return { rows, columns: opened.columns };
}

/**
 * A git checkout writes files in name order with fresh times, so `_SUCCESS` can look older than the parts it marks.
 * Give the fixtures the times their writers give them: parts first, markers and manifests after.
 */
function settleFixtureTimes(dir: string, partsAt = Date.now() / 1000 - 7200): void {
  for (const name of readdirSync(dir)) {
    const path = resolve(dir, name);
    if (statSync(path).isDirectory()) settleFixtureTimes(path, partsAt);
    else {
      const marker = name === "_SUCCESS" || name.startsWith("_committed_") || name === "model.json";
      utimesSync(path, marker ? partsAt + 60 : partsAt, marker ? partsAt + 60 : partsAt);
    }
  }
}

beforeAll(() => settleFixtureTimes(LAYOUTS));

describe("README segment source examples", () => {
  it("has one example per source and every one is a valid config", () => {
    expect(examples.map((e) => e.source)).toEqual([
      "file:customer-insights/CustomerInsights_abcd1234/BlobExport/",
      "file:snowflake/vip/",
      "file:spark/vip/",
      "file:adf/vip.csv",
      "https://contosocdp.blob.core.windows.net/lake/Tables/vip_members/",
    ]);
    for (const e of examples) expect(parseExportConfig(withValue("segment", e)).segment).toMatchObject(e);
  });

  it("Customer Insights: exactly the 30 members of the newest run's 3 parts", async () => {
    const { rows, columns } = await rowsOf(examples[0]!);
    expect(columns).toEqual(["CustomerId", "EmailAddress", "FirstName", "Tier"]);
    expect(rows.map((r) => r.values.EmailAddress)).toEqual(Array.from({ length: 30 }, (_, i) => `ci.${i + 1}@example.com`));
  });

  it("Snowflake gzip unload, Spark folder with _SUCCESS and ADF backslash escapes: exactly their rows", async () => {
    expect((await rowsOf(examples[1]!)).rows.map((r) => r.values.email)).toEqual(Array.from({ length: 25 }, (_, i) => `sf.${i}@example.com`));
    expect((await rowsOf(examples[2]!)).rows.map((r) => ({ ...r.values }))).toEqual([
      { email: "spark.0@example.com", first_name: "Ann" },
      { email: "spark.1@example.com", first_name: "Bob" },
      { email: "spark.2@example.com", first_name: "Smith, Cy" },
    ]);
    expect((await rowsOf(examples[3]!)).rows.map((r) => ({ ...r.values }))).toEqual([
      { email: "adf.0@example.com", first_name: 'Ann "the" first', note: "C:\\data\\" },
      { email: "adf.1@example.com", first_name: "Bob", note: "plain" },
    ]);
  });
});
