// A segment source in words, for `ac-export review`: which table or folder, how a complete run is recognized, and
// how the columns are named. Plain text (the caller formats it).
import type { ExportConfig } from "../config.js";
import { DEFAULT_SETTLE_MINUTES } from "./runs.js";

export function describeSegmentReading(segment: ExportConfig["segment"]): string {
  const settle = `no file of it changed for ${segment.settleMinutes ?? DEFAULT_SETTLE_MINUTES} min`;
  const format = segment.format === "jsonl" ? "JSON Lines" : segment.format.toUpperCase();
  const columns =
    segment.format !== "csv"
      ? ""
      : segment.header === false
        ? `; no header row: columns named by segment.columns (${segment.columns?.join(", ")}), a first line repeating them is skipped`
        : "; columns named by the header row";
  const dialect = segment.format === "csv" && segment.escape === "backslash" ? "; quotes escaped with a backslash" : "";
  switch (segment.format) {
    case "customer-insights":
      return (
        `Customer Insights export, table ${segment.table}: every part ${segment.table}_<n>.csv of the newest complete run folder ` +
        `(${segment.table}/<yyyy>/<MM>/<dd>/<HHmm>/); a run is complete when model.json lists its partitions, or when ${settle}; ` +
        `columns named by the attributes of entity ${segment.table} in model.json`
      );
    case "delta":
      return "Delta Lake table: its current snapshot (the log in _delta_log/); columns named by the table schema";
    default: {
      const folder = segment.source === "" || segment.source.endsWith("/");
      if (segment.parts === "all") {
        return (
          `every ${format} part (also .gz) of the newest complete run in the folder; a run is complete when it has _SUCCESS ` +
          `(or a _committed_ for every _started_ marker), when Synapse Link's changelog no longer names it, or when ${settle}${columns}${dialect}`
        );
      }
      if (folder) return `the newest ${format} file under the prefix (refused when it is one part of a multi-part run)${columns}${dialect}`;
      return `one ${format} file${segment.source.toLowerCase().endsWith(".gz") ? " (gzip)" : ""}${columns}${dialect}`;
    }
  }
}
