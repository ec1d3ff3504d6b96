// One file or blob of a known format (CSV, JSON Lines, Parquet) as an OpenedSegment: a single-file segment, or one
// part of a multi-part one (multipart.ts).
import { CsvReader, type CsvDialect } from "./csv.js";
import { JsonlReader } from "./jsonl.js";
import { ParquetReader } from "./parquet.js";
import type { ByteSource, FileFormat } from "./source.js";
import { BinaryInputError, openText } from "./text.js";
import { SegmentError, type OpenedSegment, type OpenSegmentOptions, type SegmentRow } from "./types.js";

/** Open `source` as `format`; closes the source when opening fails. */
export async function openFormat(format: FileFormat, source: ByteSource, dialect: CsvDialect, options: OpenSegmentOptions, batchSize: number): Promise<OpenedSegment> {
  try {
    switch (format) {
      case "csv":
        return await openCsv(source, dialect, options, batchSize);
      case "jsonl":
        return await openJsonl(source, options, batchSize);
      case "parquet":
        return await openParquet(source, options, batchSize);
    }
  } catch (e) {
    await source.close();
    throw e;
  }
}

async function text(source: ByteSource, signal?: AbortSignal) {
  try {
    return await openText(source.stream(signal));
  } catch (e) {
    if (e instanceof BinaryInputError) throw new SegmentError(`${source.resolved} ${e.message}`);
    throw e;
  }
}

/** Every remaining batch of a streaming reader. */
async function* drain(reader: { nextBatch(size: number): Promise<SegmentRow[] | null> }, batchSize: number): AsyncGenerator<SegmentRow[]> {
  for (;;) {
    const batch = await reader.nextBatch(batchSize);
    if (!batch) return;
    yield batch;
  }
}

export function once(source: { resolved: string }, produce: () => AsyncGenerator<SegmentRow[]>, signal?: AbortSignal): () => AsyncIterable<SegmentRow[]> {
  let used = false;
  return () => {
    if (used) throw new Error(`the rows of ${source.resolved} can be read once; open the segment again to re-read it`);
    used = true;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const batch of produce()) {
          signal?.throwIfAborted();
          yield batch;
        }
      },
    };
  };
}

async function openCsv(source: ByteSource, dialect: CsvDialect, options: OpenSegmentOptions, batchSize: number): Promise<OpenedSegment> {
  const { chunks } = await text(source, options.signal);
  const reader = new CsvReader(chunks, {
    name: source.resolved,
    delimiter: dialect.delimiter,
    columns: options.columns,
    headerMode: dialect.headerMode,
    ...(dialect.names ? { names: dialect.names } : {}),
    escape: dialect.escape,
    quoted: dialect.quoted,
  });
  try {
    await reader.readHeader();
  } catch (e) {
    await reader.close().catch(() => {});
    throw e;
  }
  return {
    resolved: source.resolved,
    columns: [...reader.header],
    size: source.size,
    batches: once(source, () => drain(reader, batchSize), options.signal),
    async close() {
      await reader.close().catch(() => {});
      await source.close();
    },
  };
}

async function openJsonl(source: ByteSource, options: OpenSegmentOptions, batchSize: number): Promise<OpenedSegment> {
  const { chunks } = await text(source, options.signal);
  const reader = new JsonlReader(chunks, { name: source.resolved, columns: options.columns });
  // The first batch is read now (so a broken file fails at open) and handed out first.
  let first: SegmentRow[] | null;
  try {
    first = await reader.nextBatch(batchSize);
  } catch (e) {
    await reader.close().catch(() => {});
    throw e;
  }
  // Columns are the union of the keys of every record (a key may first appear after record 1,000): known in full
  // once the rows were read, so the caller checks mapped columns again after its pass.
  // With the wanted keys given, only those are kept: the ones seen, in the order the caller gave.
  const columnsNow = (): string[] => (options.columns ? options.columns.filter((k) => reader.keys.includes(k)) : [...reader.keys]);
  return {
    resolved: source.resolved,
    get columns() {
      return columnsNow();
    },
    columnsGrow: true,
    size: source.size,
    batches: once(
      source,
      async function* () {
        if (first) yield first;
        first = null;
        yield* drain(reader, batchSize);
      },
      options.signal,
    ),
    async close() {
      first = null;
      await reader.close().catch(() => {});
      await source.close();
    },
  };
}

async function openParquet(source: ByteSource, options: OpenSegmentOptions, batchSize: number): Promise<OpenedSegment> {
  const file = await source.randomAccess(options.signal);
  const reader = await ParquetReader.open(file, { name: source.resolved, columns: options.columns });
  return {
    resolved: source.resolved,
    columns: reader.columns,
    size: source.size,
    rowCount: reader.rowCount,
    batches: once(source, () => reader.batches(batchSize, options.signal), options.signal),
    close: () => source.close(),
  };
}
