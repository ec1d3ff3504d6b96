// Segment sources in words for `ac-export review`.
import { describe, expect, it } from "vitest";
import { parseExportConfig } from "../../../runner/config.js";
import { describeSegmentReading } from "../../../runner/segment/index.js";
import { withValue } from "../../config/fixtures.js";

const words = (segment: unknown) => describeSegmentReading(parseExportConfig(withValue("segment", segment)).segment);

describe("describeSegmentReading", () => {
  it("says which table or folder, how a complete run is recognized and how columns are named", () => {
    expect(words({ source: "file:ci/E/", format: "customer-insights", table: "HighValueSegment" })).toBe(
      "Customer Insights export, table HighValueSegment: every part HighValueSegment_<n>.csv of the newest complete run folder (HighValueSegment/<yyyy>/<MM>/<dd>/<HHmm>/); a run is complete when model.json lists its partitions, or when no file of it changed for 15 min; columns named by the attributes of entity HighValueSegment in model.json",
    );
    expect(words({ source: "file:unload/", format: "csv", parts: "all", header: false, columns: ["email", "name"], settleMinutes: 30 })).toBe(
      "every CSV part (also .gz) of the newest complete run in the folder; a run is complete when it has _SUCCESS (or a _committed_ for every _started_ marker), when Synapse Link's changelog no longer names it, or when no file of it changed for 30 min; no header row: columns named by segment.columns (email, name), a first line repeating them is skipped",
    );
    expect(words({ source: "file:vip/", format: "parquet" })).toBe("the newest PARQUET file under the prefix (refused when it is one part of a multi-part run)");
    expect(words({ source: "file:t/", format: "delta" })).toBe("Delta Lake table: its current snapshot (the log in _delta_log/); columns named by the table schema");
  });
});
