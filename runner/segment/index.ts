// openSegment: the one way the engine reads a segment, whatever its format (CSV, JSON Lines, Parquet; a Customer
// Insights export; a Delta table) and location (a local file or folder, an Azure blob or prefix). See types.ts for
// the contract.
import type { Location } from "../config.js";
import { planCustomerInsights } from "./customer-insights.js";
import { openDeltaSegment } from "./delta/index.js";
import { dialectFromOptions, isFolder, planFolder } from "./folder.js";
import { openFormat } from "./formats.js";
import { gunzipSource } from "./gzip.js";
import { openPlan, planFromPin } from "./multipart.js";
import { storeFor } from "./store.js";
import { partKind } from "./parts.js";
import { openSource } from "./source.js";
import { SegmentError, type OpenedSegment, type OpenSegment, type OpenSegmentOptions } from "./types.js";

export * from "./types.js";
export { CSV_DELIMITERS, MAX_FIELD_BYTES, MAX_RECORD_BYTES } from "./csv.js";
export { MAX_LINE_BYTES } from "./jsonl.js";
export { FORMAT_EXTENSIONS, pickNewest } from "./source.js";
export { DEFAULT_SETTLE_MINUTES } from "./runs.js";

const DEFAULT_BATCH = 1000;

export const openSegment: OpenSegment = async (location: Location, options: OpenSegmentOptions): Promise<OpenedSegment> => {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive whole number; got ${batchSize}`);
  const { signal } = options;
  signal?.throwIfAborted();
  if (options.pin && (options.format === "customer-insights" || (options.format !== "delta" && (await isFolder(location))))) {
    const format = options.format === "customer-insights" ? "csv" : options.format;
    return openPlan(planFromPin(options.pin, await storeFor(location), format), options, batchSize);
  }
  switch (options.format) {
    case "customer-insights":
      if (!(await isFolder(location))) throw new SegmentError('a Customer Insights source is the export\'s folder: end segment.source with "/" (…/CustomerInsights_<instanceId>/<ExportName>/)');
      return openPlan(await planCustomerInsights(location, options), options, batchSize);
    case "delta":
      return openDeltaSegment(location, options);
    case "csv":
    case "jsonl":
    case "parquet": {
      if (await isFolder(location)) return openPlan(await planFolder(location, options.format, options), options, batchSize);
      let source = await openSource(location, signal);
      if (partKind(location.path)?.gzip) source = gunzipSource(source);
      return openFormat(options.format, source, dialectFromOptions(options), options, batchSize);
    }
    default:
      throw new SegmentError(`unsupported segment format ${JSON.stringify(options.format)}; use "csv", "jsonl", "parquet", "customer-insights" or "delta"`);
  }
};
export { segmentReadOptions } from "./config-options.js";
export { describeSegmentReading } from "./describe.js";
