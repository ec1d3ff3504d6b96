// Reads the rows of a snapshot's data files with the Parquet reader: only the wanted columns (by physical name, or by
// field id under column mapping by id), without the rows a deletion vector deletes, with partition values from the
// log, and under the logical column names.
import { ParquetReader, type RandomAccess } from "../parquet.js";
import type { ByteSource } from "../source.js";
import { SegmentError, type SegmentRow } from "../types.js";
import type { AddAction } from "./actions.js";
import { loadDeletionVector, type DeletedRows } from "./deletion-vector.js";
import { isTimestampNtz, partitionValue, type DeltaColumn, type TableSchema } from "./schema.js";
import type { TableStorage } from "./storage.js";
import type { SourceValue } from "../../values/types.js";

export interface ReadPlan {
  storage: TableStorage;
  schema: TableSchema;
  /** The columns to return (a subset of schema.columns, in schema order). */
  wanted: DeltaColumn[];
  batchSize: number;
  signal?: AbortSignal;
}

/** Sets a key, "__proto__" included, as an own property. */
function put(values: Record<string, SourceValue>, key: string, value: SourceValue): void {
  if (key === "__proto__") Object.defineProperty(values, key, { value, enumerable: true, writable: true, configurable: true });
  else values[key] = value;
}

/** Random access to files by path, kept open until close(): one deletion vector file may serve many data files. */
export class FileCache {
  private readonly open = new Map<string, Promise<{ source: ByteSource; access: RandomAccess }>>();
  constructor(private readonly storage: TableStorage) {}
  async get(relative: string, signal?: AbortSignal): Promise<RandomAccess> {
    let hit = this.open.get(relative);
    if (!hit) {
      hit = this.storage.open(relative, signal).then(async (source) => ({ source, access: await source.randomAccess(signal) }));
      this.open.set(relative, hit);
    }
    return (await hit).access;
  }
  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((s) => s.source.close()).catch(() => {})));
  }
}

/** Under column mapping by id, the file's own top-level column name for each wanted field id. */
async function physicalNamesById(reader: ParquetReader, wanted: DeltaColumn[], where: string): Promise<Map<DeltaColumn, string>> {
  const { parquetSchema } = await import("hyparquet");
  const byId = new Map<number, string>();
  for (const child of parquetSchema(reader.metadata).children) {
    if (child.element.field_id !== undefined) byId.set(child.element.field_id, child.element.name);
  }
  if (byId.size === 0 && reader.columns.length > 0) {
    throw new SegmentError(`${where} has no Parquet field ids, which the table's column mapping by id needs to find its columns`);
  }
  const out = new Map<DeltaColumn, string>();
  for (const c of wanted) {
    const name = byId.get(c.fieldId!);
    if (name !== undefined) out.set(c, name);
  }
  return out;
}

interface OpenedDataFile {
  source: ByteSource;
  reader: ParquetReader;
  /** Where each wanted data column is in this file (absent: the file lacks it). */
  found: Map<DeltaColumn, string>;
}

/** Opens one data file's Parquet reader for only the wanted data columns. The caller closes `source`. */
async function openDataFile(plan: ReadPlan, relative: string, where: string): Promise<OpenedDataFile> {
  const dataColumns = plan.wanted.filter((c) => !c.partition);
  const source = await plan.storage.open(relative, plan.signal);
  try {
    const file = await source.randomAccess(plan.signal);
    if (plan.schema.mode === "id") {
      // The names behind the ids differ per file: read the footer first, then open for just those columns.
      const probe = await ParquetReader.open(file, { name: where, columns: [] });
      const found = await physicalNamesById(probe, dataColumns, where);
      const reader = await ParquetReader.open(file, { name: where, columns: [...found.values()] });
      return { source, reader, found };
    }
    const reader = await ParquetReader.open(file, { name: where, columns: dataColumns.map((c) => c.physicalName) });
    const present = new Set(reader.columns);
    return { source, reader, found: new Map(dataColumns.filter((c) => present.has(c.physicalName)).map((c) => [c, c.physicalName])) };
  } catch (e) {
    await source.close().catch(() => {});
    throw e;
  }
}

/** Where one output column's value comes from: a column of the file, or the file's partition value. */
interface Slot {
  name: string;
  partition: boolean;
  /** Partition value (partition columns). */
  value?: SourceValue;
  /** The file's column (data columns; undefined when the file lacks it). */
  from?: string;
  ntz: boolean;
}

/** A data file opened for reading: its reader, where each output column comes from, and its deleted rows. */
export interface PreparedFile {
  source: ByteSource;
  reader: ParquetReader;
  slots: Slot[];
  deleted?: DeletedRows;
}

/** Opens one logical file: its deletion vector, its footer, and where each wanted column is. The caller closes `source`. */
export async function prepareDataFile(plan: ReadPlan, add: AddAction, files: FileCache): Promise<PreparedFile> {
  const { storage } = plan;
  const relative = storage.relativeOf(add.path);
  const where = `${storage.root}${relative}`;
  let deleted: DeletedRows | undefined;
  if (add.deletionVector && add.deletionVector.cardinality > 0) {
    deleted = await loadDeletionVector(
      add.deletionVector,
      async (path, offset, length) => {
        const ra = await files.get(storage.relativeOf(path), plan.signal);
        return new Uint8Array(await ra.slice(offset, Math.min(offset + length, ra.byteLength)));
      },
      where,
    );
  }
  const { source, reader, found } = await openDataFile(plan, relative, where);
  try {
    const slots = plan.wanted.map(
      (c): Slot =>
        c.partition
          ? { name: c.name, partition: true, value: partitionValue(c, add.partitionValues?.[c.physicalName], storage.root), ntz: false }
          : { name: c.name, partition: false, from: found.get(c), ntz: isTimestampNtz(c.type) },
    );
    return { source, reader, slots, deleted };
  } catch (e) {
    await source.close().catch(() => {});
    throw e;
  }
}

/**
 * The rows of one prepared file, numbered on from `numbering.next`, under the logical names. Columns the file lacks
 * (added to the table after it was written) are undefined, as the protocol requires.
 */
export async function* fileRows(file: PreparedFile, plan: ReadPlan, numbering: { next: number }): AsyncGenerator<SegmentRow[]> {
  const { reader, slots, deleted } = file;
  // Rows pass through untouched when the file already uses the logical names and no value needs rewriting.
  const passThrough = slots.every((s) => !s.partition && s.from === s.name && !s.ntz);
  for await (const batch of reader.batches(plan.batchSize, plan.signal)) {
    // The reader's rows are fresh objects: renumber and rewrite them in place, compacting out the deleted ones.
    let kept = 0;
    for (const row of batch) {
      if (deleted?.has(row.rowNumber - 1)) continue;
      if (!passThrough) {
        const values: Record<string, SourceValue> = {};
        for (const s of slots) {
          let v = s.partition ? s.value : s.from === undefined ? undefined : row.values[s.from];
          // A timestamp_ntz written without the Parquet annotation that says so is still a wall-clock time.
          if (s.ntz && v instanceof Date) v = { kind: "naive-timestamp", value: v.toISOString().slice(0, -1) };
          put(values, s.name, v);
        }
        row.values = values;
      }
      row.rowNumber = numbering.next++;
      batch[kept++] = row;
    }
    batch.length = kept;
    if (kept > 0) yield batch;
  }
}
