// A set of parts read as one segment: the parts in order, each opened when the previous one is done (so one part's
// buffers are in memory at a time). Rows keep a unique `rowNumber` across the segment (offset past the previous
// parts) and say their part and row within it, for reports ("part 3, row 1,204").
import type { PartsPlan } from "./folder.js";
import { openFormat, once } from "./formats.js";
import { partKind } from "./parts.js";
import { gunzipSource } from "./gzip.js";
import type { CsvDialect } from "./csv.js";
import type { FileFormat } from "./source.js";
import type { Store, StoreEntry } from "./store.js";
import { SegmentChangedError, SegmentError, type OpenedSegment, type OpenSegmentOptions, type SegmentPin, type SegmentRow } from "./types.js";

export async function openPlan(plan: PartsPlan, options: OpenSegmentOptions, batchSize: number): Promise<OpenedSegment> {
  // Empty files are empty partitions (Spark writes them); they hold no rows and, with a header row, not even that.
  const nonEmpty = plan.parts.filter((p) => p.size > 0);
  const parts = nonEmpty.length > 0 || plan.parts.length === 0 ? nonEmpty : plan.parts.slice(0, 1);
  const multi = plan.parts.length > 1;
  const openPart = async (entry: StoreEntry): Promise<OpenedSegment> => {
    options.signal?.throwIfAborted();
    let source = await plan.store.open(entry, options.signal);
    if (partKind(entry.name)?.gzip) source = gunzipSource(source);
    return openFormat(plan.format, source, plan.csv, options, batchSize);
  };
  const first = await openPart(parts[0]!);
  const info = {
    ...(plan.run ? { run: plan.run } : {}),
    parts: plan.parts.map((p) => ({ resolved: plan.store.show(p.name), size: p.size })),
    pin: pinOf(plan),
  };
  if (!multi) return { ...first, ...info };

  let current: OpenedSegment | undefined = first;
  const sameColumns = plan.format === "parquet" || (plan.format === "csv" && plan.csv.headerMode === "file");
  const expected = new Set(first.columns);
  const partNumber = (entry: StoreEntry) => plan.parts.indexOf(entry) + 1;
  return {
    resolved: plan.run?.folder ?? first.resolved,
    columns: first.columns,
    size: plan.parts.reduce((s, p) => s + p.size, 0),
    ...info,
    batches: once(
      { resolved: plan.run?.folder ?? first.resolved },
      async function* (): AsyncGenerator<SegmentRow[]> {
        let offset = 0;
        for (let i = 0; i < parts.length; i++) {
          const segment: OpenedSegment = i === 0 ? first : await openPart(parts[i]!);
          current = segment;
          const part = partNumber(parts[i]!);
          if (sameColumns && (segment.columns.length !== expected.size || segment.columns.some((c) => !expected.has(c)))) {
            throw new SegmentError(
              `part ${part} (${segment.resolved}) has the columns ${JSON.stringify(segment.columns.slice(0, 20))}, but part ${partNumber(parts[0]!)} has ${JSON.stringify(first.columns.slice(0, 20))}; every part of a run must have the same columns`,
            );
          }
          let last = offset;
          for await (const batch of segment.batches()) {
            for (const row of batch) {
              row.part = part;
              row.partRow = row.rowNumber;
              row.rowNumber += offset;
            }
            last = batch[batch.length - 1]!.rowNumber;
            yield batch;
          }
          offset = last;
          await segment.close();
          current = undefined;
        }
      },
      options.signal,
    ),
    async close() {
      await Promise.all([first.close(), current?.close()]);
    },
  };
}

function pinOf(plan: PartsPlan): SegmentPin {
  return {
    source: plan.store.show(""),
    parts: plan.parts.map((p) => ({ name: p.name, size: p.size, lastModified: p.lastModified.toISOString(), ...(p.etag ? { etag: p.etag } : {}) })),
    ...(plan.run ? { run: plan.run } : {}),
    csv: plan.csv,
  };
}

/** The plan of a pin: the same parts, read with the same dialect (reads fail if a part changed since). */
export function planFromPin(pin: SegmentPin, store: Store, format: FileFormat): PartsPlan {
  if (pin.source !== store.show("") || pin.kind === "file") throw new SegmentChangedError(`the plan read ${pin.source}, but the send pass opens the folder ${store.show("")}; run again`);
  return {
    store,
    parts: pin.parts.map((p) => ({ name: p.name, size: p.size, lastModified: new Date(p.lastModified), ...(p.etag ? { etag: p.etag } : {}), pinned: true })),
    format,
    csv: pin.csv as CsvDialect,
    ...(pin.run ? { run: pin.run } : {}),
  };
}
