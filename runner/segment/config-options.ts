// The reader options a config's `segment` asks for (the engine adds the mapped columns, batch size and signal).
import type { ExportConfig } from "../config.js";
import type { OpenSegmentOptions } from "./types.js";

export function segmentReadOptions(segment: ExportConfig["segment"]): OpenSegmentOptions {
  return {
    format: segment.format,
    ...(segment.delimiter !== undefined ? { delimiter: segment.delimiter } : {}),
    ...(segment.header !== undefined ? { header: segment.header } : {}),
    ...(segment.columns !== undefined ? { columnNames: segment.columns } : {}),
    ...(segment.escape !== undefined ? { escape: segment.escape } : {}),
    ...(segment.table !== undefined ? { table: segment.table } : {}),
    ...(segment.parts !== undefined ? { parts: segment.parts } : {}),
    ...(segment.settleMinutes !== undefined ? { settleMinutes: segment.settleMinutes } : {}),
  };
}
