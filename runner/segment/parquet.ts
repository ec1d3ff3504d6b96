// A streaming Parquet reader on hyparquet: the footer first, then each row group in slices of rows, reading only
// the needed columns (and, when the file has offset indexes, only the needed pages). Memory stays at about one
// row group's compressed bytes of the needed columns plus one slice of decoded values, whatever the file size.
//
// Values keep their type until they are converted for their ActiveCampaign field (runner/values, issue #11): strings
// as they are; integers as numbers (INT32) or bigints (INT64), also when a column has the "wrong" type (an email
// stored as INT64); FLOAT as the number its writer meant (0.1, not 0.10000000149011612); DOUBLE as is; booleans as
// booleans; DATE as a CalendarDate; TIMESTAMP as a Date (an instant) when adjusted to UTC, as a NaiveTimestamp
// (wall-clock time, no zone) when not; DECIMAL as its exact digits in a string; lists as arrays; binary as base64;
// maps and structs as JSON text; null → undefined. Row numbers are 1-based record indexes.
import type { AsyncBuffer, FileMetaData, ParquetScan, SchemaTree } from "hyparquet";
import type { SegmentRow } from "./types.js";
import { SegmentError } from "./types.js";
import { formatDecimal, fromFloat32 } from "../values/number.js";
import type { SourceValue } from "../values/types.js";

/** Rows decoded at a time within a row group. */
const SLICE_ROWS = 100_000;

/** Random access to the file's bytes (a local file or a blob read by ranges). */
export interface RandomAccess {
  byteLength: number;
  /** Bytes [start, end). Errors are I/O errors (not bad input) and pass through unchanged. */
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

/** Marks an error of the byte source so it is not mistaken for a malformed file. */
export class SourceIoError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "SourceIoError";
  }
}

/** An AsyncBuffer that caches the ranges it served until reset(): one row group's column chunks at a time. */
class GroupCache implements AsyncBuffer {
  private cache = new Map<string, Promise<ArrayBuffer>>();
  constructor(private readonly file: RandomAccess) {}
  get byteLength(): number {
    return this.file.byteLength;
  }
  slice(start: number, end?: number): Promise<ArrayBuffer> {
    const key = `${start}:${end ?? ""}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.file.slice(start, end).catch((e: unknown) => {
        throw e instanceof SourceIoError ? e : new SourceIoError(e);
      });
      this.cache.set(key, hit);
    }
    return hit;
  }
  reset(): void {
    this.cache = new Map();
  }
}

/** A decoded value as a SourceValue (lists element by element; structs and maps as JSON text). */
export function parquetValue(v: unknown): SourceValue {
  switch (typeof v) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return v;
    case "object": {
      if (v === null) return undefined;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
      if (Array.isArray(v)) return v.map(parquetValue);
      return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
    }
    default:
      return undefined;
  }
}

/** Reads one column's decoded value as a SourceValue. */
type ColumnValue = (v: unknown) => SourceValue;

/** A big-endian two's-complement integer (a DECIMAL stored as bytes). */
function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return bytes.length && bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}

/** How each top-level column's values are typed beyond what hyparquet gives (by its logical or converted type). */
function columnValue(node: SchemaTree): ColumnValue {
  const e = node.element;
  if (node.children.length > 0) return parquetValue;
  if (e.converted_type === "DATE" || e.logical_type?.type === "DATE") {
    return (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? { kind: "date", value: v.toISOString().slice(0, 10) } : parquetValue(v));
  }
  if (e.logical_type?.type === "TIMESTAMP" && !e.logical_type.isAdjustedToUTC) {
    // hyparquet reads the wall-clock time as if it were UTC: its UTC fields are the wall clock.
    return (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? { kind: "naive-timestamp", value: v.toISOString().slice(0, -1) } : parquetValue(v));
  }
  if (isExactDecimal(node)) {
    const scale = e.scale ?? 0;
    return (v) => {
      if (v === null || v === undefined) return undefined;
      const unscaled = v instanceof Uint8Array ? bytesToBigInt(v) : BigInt(v as number | bigint);
      return formatDecimal(unscaled, scale);
    };
  }
  if (e.type === "FLOAT") return (v) => (typeof v === "number" ? fromFloat32(v) : parquetValue(v));
  return parquetValue;
}

/** A top-level DECIMAL column whose unscaled integers hyparquet can hand over (it would turn them into floats). */
function isExactDecimal(node: SchemaTree): boolean {
  const e = node.element;
  return node.children.length === 0 && e.converted_type === "DECIMAL" && (e.type === "INT32" || e.type === "INT64" || e.type === "FIXED_LEN_BYTE_ARRAY");
}

/**
 * The footer as hyparquet should decode it: DECIMAL columns without their decimal annotation, so they arrive as
 * unscaled integers that columnValue turns into exact digits. The reader's own `metadata` stays as written.
 */
function scanMetadata(metadata: FileMetaData, tree: SchemaTree): FileMetaData {
  const exact = new Set(tree.children.filter(isExactDecimal).map((c) => c.element));
  if (exact.size === 0) return metadata;
  return { ...metadata, schema: metadata.schema.map((e) => (exact.has(e) ? { ...e, converted_type: undefined, logical_type: undefined } : e)) };
}

export class ParquetReader {
  private constructor(
    private readonly name: string,
    private readonly file: GroupCache,
    /** The footer (Delta's column mapping by id reads the field ids from its schema). */
    readonly metadata: FileMetaData,
    readonly columns: string[],
    /** How each column's values are typed, by name. */
    private readonly columnValues: Map<string, ColumnValue>,
    private readonly wanted: string[],
    /** The footer handed to hyparquet to decode with (see scanMetadata). */
    private readonly scanMeta: FileMetaData,
  ) {}

  static async open(file: RandomAccess, options: { name: string; columns?: readonly string[] }): Promise<ParquetReader> {
    const { parquetMetadataAsync, parquetSchema } = await import("hyparquet");
    const cached = new GroupCache(file);
    if (file.byteLength === 0) throw new SegmentError(`${options.name}: the file is empty, not a Parquet file`);
    let metadata: FileMetaData;
    let tree: SchemaTree;
    try {
      metadata = await parquetMetadataAsync(cached);
      tree = parquetSchema(metadata);
    } catch (e) {
      if (e instanceof SourceIoError) throw e.cause;
      throw new SegmentError(`${options.name}: not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`);
    }
    cached.reset();
    const columns = tree.children.map((c) => c.element.name);
    // Two columns of one name: reading "the" column would silently pick one of them (as a CSV header naming a column
    // twice, refused). Only top-level names count: nested fields are not mapped.
    const seen = new Map<string, number>();
    columns.forEach((name, i) => {
      const before = seen.get(name);
      if (before !== undefined) {
        throw new SegmentError(
          `${options.name}: the Parquet schema names column ${JSON.stringify(name)} twice (columns ${before + 1} and ${i + 1}); column names must be unique`,
        );
      }
      seen.set(name, i);
    });
    const columnValues = new Map(tree.children.map((c) => [c.element.name, columnValue(c)]));
    const want = options.columns ? new Set(options.columns) : null;
    const wanted = want ? columns.filter((c) => want.has(c)) : columns;
    return new ParquetReader(options.name, cached, metadata, columns, columnValues, wanted, scanMetadata(metadata, tree));
  }

  /** Total number of records, from the footer. */
  get rowCount(): number {
    return Number(this.metadata.num_rows);
  }

  async *batches(size: number, signal?: AbortSignal): AsyncGenerator<SegmentRow[]> {
    const { parquetScan } = await import("hyparquet");
    // zstd, brotli, lz4 and gzip pages (Fabric, Databricks and delta-rs write zstd); hyparquet alone reads snappy only.
    const { compressors } = await import("hyparquet-compressors");
    const wanted = this.wanted;
    const read = wanted.map((c) => this.columnValues.get(c)!);
    const protoKey = wanted.includes("__proto__");
    let scan: ParquetScan | undefined;
    const fail = (e: unknown): never => {
      if (e instanceof SourceIoError) throw e.cause;
      if (e instanceof SegmentError) throw e;
      if (e instanceof Error && e.name === "AbortError") throw e;
      throw new SegmentError(`${this.name}: cannot read the Parquet data (${e instanceof Error ? e.message : String(e)})`);
    };
    if (wanted.length > 0) {
      try {
        scan = await parquetScan({ file: this.file, metadata: this.scanMeta, columns: wanted, useOffsetIndex: true, compressors });
      } catch (e) {
        fail(e);
      }
    }
    // Without any wanted column there is nothing to decode, but every record is still a row.
    const ranges = scan ? scan.ranges : groupRanges(this.metadata);
    let batch: SegmentRow[] = [];
    for (const range of ranges) {
      this.file.reset();
      for (let start = range.rowStart; start < range.rowEnd; start += SLICE_ROWS) {
        signal?.throwIfAborted();
        const end = Math.min(range.rowEnd, start + SLICE_ROWS);
        let data: ArrayLike<unknown>[] = [];
        if (scan) {
          try {
            data = await Promise.all(wanted.map((column) => scan!.readColumn({ column, rowStart: start, rowEnd: end })));
          } catch (e) {
            fail(e);
          }
        }
        for (let r = 0; r < end - start; r++) {
          const values: Record<string, SourceValue> = {};
          for (let c = 0; c < wanted.length; c++) {
            const value = read[c]!(data[c]![r]);
            if (protoKey && wanted[c] === "__proto__") {
              Object.defineProperty(values, "__proto__", { value, enumerable: true, writable: true, configurable: true });
            } else values[wanted[c]!] = value;
          }
          batch.push({ rowNumber: start + r + 1, values });
          if (batch.length >= size) {
            yield batch;
            batch = [];
          }
        }
      }
    }
    this.file.reset();
    if (batch.length > 0) yield batch;
  }
}

function groupRanges(metadata: FileMetaData): Array<{ rowStart: number; rowEnd: number }> {
  const ranges: Array<{ rowStart: number; rowEnd: number }> = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    if (rows > 0) ranges.push({ rowStart: start, rowEnd: start + rows });
    start += rows;
  }
  return ranges;
}
