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
import type { FileFormat } from "./source.js";
import { SegmentChangedError, SegmentError, type OpenedSegment, type OpenSegment, type OpenSegmentOptions, type SegmentPin } from "./types.js";

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
  if (options.pin && options.format !== "delta") {
    const format = options.format === "customer-insights" ? "csv" : options.format;
    if (options.pin.kind === "file") return openFile(location, format as FileFormat, options, batchSize);
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
      return openFile(location, options.format, options, batchSize);
    }
    default:
      throw new SegmentError(`unsupported segment format ${JSON.stringify(options.format)}; use "csv", "jsonl", "parquet", "customer-insights" or "delta"`);
  }
};
/**
 * One file or blob. Its pin names it and its version (size and modification time; a blob's ETag); opened with that
 * pin, the same version is read or SegmentChangedError stops the read before any row.
 */
async function openFile(location: Location, format: FileFormat, options: OpenSegmentOptions, batchSize: number): Promise<OpenedSegment> {
  const pinned = options.pin?.parts[0];
  if (options.pin && (options.pin.kind !== "file" || !pinned)) throw new SegmentChangedError("the plan read a folder of parts, but the send pass opens one file; run again");
  const expected = pinned ? { size: pinned.size, lastModified: new Date(pinned.lastModified), ...(pinned.etag ? { etag: pinned.etag } : {}), pinned: true } : undefined;
  let source = await openSource(location, options.signal, expected);
  if (options.pin && source.resolved !== options.pin.source) {
    await source.close();
    throw new SegmentChangedError(`the plan read ${options.pin.source}, but the send pass opens ${source.resolved}; run again`);
  }
  const pin: SegmentPin = {
    kind: "file",
    source: source.resolved,
    parts: [{ name: "", size: source.size, lastModified: (source.lastModified ?? new Date(0)).toISOString(), ...(source.etag ? { etag: source.etag } : {}) }],
    csv: dialectFromOptions(options),
  };
  if (partKind(location.path)?.gzip) source = gunzipSource(source);
  // Assigned, not spread: a reader's `columns` may be a getter that grows while rows are read (JSON Lines).
  return Object.assign(await openFormat(format, source, dialectFromOptions(options), options, batchSize), { pin });
}

export { segmentReadOptions } from "./config-options.js";
export { describeSegmentReading } from "./describe.js";
