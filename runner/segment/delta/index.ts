// openDeltaSegment: the latest snapshot of a Delta Lake table as a segment (same contract as the other readers, see
// ../types.ts). The location is the table root, the folder that holds _delta_log/, as a local folder or a blob prefix.
//
// Values are strings, as the Parquet reader writes them (../parquet.ts), under the logical column names; partition
// values come from the log and are written the same way; timestamp_ntz values are ISO 8601 without the "Z". Row
// numbers count the snapshot's rows in read order (data files in log order, rows in file order), from 1.
import type { Location } from "../../config.js";
import type { OpenedSegment, OpenSegmentOptions, SegmentRow } from "../types.js";
import type { AddAction } from "./actions.js";
import { FileCache, fileRows, prepareDataFile, type PreparedFile, type ReadPlan } from "./data-files.js";
import { tableSchema } from "./schema.js";
import { loadSnapshot } from "./snapshot.js";
import { tableStorage } from "./storage.js";

export { UnsupportedTableError, SUPPORTED_READER_FEATURES } from "./protocol.js";

export type DeltaOpenOptions = Pick<OpenSegmentOptions, "batchSize" | "columns" | "signal">;

const DEFAULT_BATCH = 1000;

/** Rows in the snapshot when every file's stats give numRecords (deletion vectors subtracted); else undefined. */
function countRows(files: AddAction[]): number | undefined {
  let total = 0;
  for (const f of files) {
    if (!f.stats) return undefined;
    let records: unknown;
    try {
      records = (JSON.parse(f.stats) as { numRecords?: unknown }).numRecords;
    } catch {
      return undefined;
    }
    if (typeof records !== "number") return undefined;
    total += records - (f.deletionVector?.cardinality ?? 0);
  }
  return total;
}

/**
 * The rows of every logical file in order. While one file's rows are read the next file is opened (its footer and
 * deletion vector fetched), which on blob storage hides a few round trips per file.
 */
async function* snapshotRows(plan: ReadPlan, adds: AddAction[], files: FileCache): AsyncGenerator<SegmentRow[]> {
  const numbering = { next: 1 };
  let next: Promise<PreparedFile> | undefined = adds.length > 0 ? prepareDataFile(plan, adds[0]!, files) : undefined;
  try {
    for (let i = 0; i < adds.length; i++) {
      const current = await next!;
      next = undefined;
      try {
        if (i + 1 < adds.length) {
          next = prepareDataFile(plan, adds[i + 1]!, files);
          next.catch(() => {}); // its error surfaces when it is awaited
        }
        yield* fileRows(current, plan, numbering);
      } finally {
        await current.source.close().catch(() => {});
      }
    }
  } finally {
    // Stopped early (an error, or the consumer stopped reading): close the file opened ahead.
    await next?.then((p) => p.source.close()).catch(() => {});
  }
}

export async function openDeltaSegment(location: Location, options: DeltaOpenOptions): Promise<OpenedSegment> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive whole number; got ${batchSize}`);
  const { signal } = options;
  signal?.throwIfAborted();
  const storage = tableStorage(location);
  const snapshot = await loadSnapshot(storage, signal);
  const schema = tableSchema(snapshot.metadata, snapshot.protocol, storage.root);
  const want = options.columns ? new Set(options.columns) : undefined;
  const plan: ReadPlan = { storage, schema, wanted: want ? schema.columns.filter((c) => want.has(c.name)) : schema.columns, batchSize, signal };
  const files = new FileCache(storage);
  let used = false;
  return {
    resolved: `${storage.root} (Delta table version ${snapshot.version}: ${snapshot.source}, ${snapshot.files.length} data file(s))`,
    columns: schema.columns.map((c) => c.name),
    size: snapshot.files.reduce((sum, f) => sum + (f.size ?? 0), 0),
    rowCount: countRows(snapshot.files),
    batches() {
      if (used) throw new Error(`the rows of ${storage.root} can be read once; open the segment again to re-read it`);
      used = true;
      return {
        async *[Symbol.asyncIterator]() {
          let pending: SegmentRow[] = [];
          // Files may yield short batches (deletion vectors, small files): regroup them to the batch size.
          for await (const batch of snapshotRows(plan, snapshot.files, files)) {
            signal?.throwIfAborted();
            if (pending.length === 0 && batch.length === batchSize) {
              yield batch;
              continue;
            }
            for (const row of batch) pending.push(row);
            if (pending.length >= batchSize) {
              for (let i = 0; i + batchSize <= pending.length; i += batchSize) yield pending.slice(i, i + batchSize);
              pending = pending.slice(pending.length - (pending.length % batchSize));
            }
          }
          if (pending.length > 0) yield pending;
        },
      };
    },
    close: () => files.close(),
  };
}
