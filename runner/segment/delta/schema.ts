// The table's columns from the log's schemaString (PROTOCOL.md "Schema Serialization Format"), their names in the
// data files under column mapping ("Column Mapping"), and partition values ("Partition Value Serialization") typed
// the way the Parquet reader types the same column (runner/segment/parquet.ts).
import { z } from "zod";
import { formatNumber } from "../../values/number.js";
import type { SourceValue } from "../../values/types.js";
import { SegmentError } from "../types.js";
import { columnMappingEnabled, type DeltaProtocol } from "./protocol.js";

export type ColumnMappingMode = "none" | "name" | "id";

export interface DeltaColumn {
  /** The logical (display) name: what the segment exposes. */
  name: string;
  /** The Delta type: a primitive name ("string", "timestamp_ntz", "decimal(10,2)") or "struct"/"array"/"map". */
  type: string;
  /** Name in the data files and in partitionValues (the physical name under column mapping). */
  physicalName: string;
  /** Parquet field id (column mapping by id). */
  fieldId?: number;
  partition: boolean;
}

export interface TableSchema {
  mode: ColumnMappingMode;
  columns: DeltaColumn[];
}

const FieldSchema = z.object({
  name: z.string(),
  type: z.union([z.string(), z.object({ type: z.string() }).loose()]),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
const StructSchema = z.object({ type: z.literal("struct"), fields: z.array(FieldSchema) });

export interface DeltaMetadata {
  schemaString: string;
  partitionColumns: string[];
  configuration?: Record<string, string | null> | null;
}

export function tableSchema(metadata: DeltaMetadata, protocol: DeltaProtocol, table: string): TableSchema {
  let parsed: z.infer<typeof StructSchema>;
  try {
    parsed = StructSchema.parse(JSON.parse(metadata.schemaString));
  } catch (e) {
    throw new SegmentError(`the Delta table ${table} has a schema this reader cannot parse (${e instanceof Error ? e.message.slice(0, 200) : e})`);
  }
  const configured = metadata.configuration?.["delta.columnMapping.mode"] ?? "none";
  if (configured !== "none" && configured !== "name" && configured !== "id") {
    throw new SegmentError(`the Delta table ${table} has delta.columnMapping.mode ${JSON.stringify(configured)}; Delta defines "none", "name" and "id"`);
  }
  // The property counts only when the protocol supports column mapping (PROTOCOL.md "Column Mapping").
  const mode: ColumnMappingMode = columnMappingEnabled(protocol) ? configured : "none";
  const partitions = new Set(metadata.partitionColumns);
  const columns = parsed.fields.map((f): DeltaColumn => {
    const physical = f.metadata?.["delta.columnMapping.physicalName"];
    const id = f.metadata?.["delta.columnMapping.id"];
    if (mode !== "none" && typeof physical !== "string") {
      throw new SegmentError(`the Delta table ${table} maps columns by ${mode} but column ${JSON.stringify(f.name)} has no physical name`);
    }
    if (mode === "id" && typeof id !== "number") {
      throw new SegmentError(`the Delta table ${table} maps columns by id but column ${JSON.stringify(f.name)} has no delta.columnMapping.id`);
    }
    return {
      name: f.name,
      type: typeof f.type === "string" ? f.type : f.type.type,
      physicalName: mode === "none" ? f.name : (physical as string),
      fieldId: mode === "id" ? (id as number) : undefined,
      partition: partitions.has(f.name),
    };
  });
  for (const p of partitions) {
    if (!columns.some((c) => c.name === p)) throw new SegmentError(`the Delta table ${table} is partitioned by ${JSON.stringify(p)}, which its schema lacks`);
  }
  return { mode, columns };
}

/** True for Delta's timestamp without time zone: written like a timestamp, without the trailing "Z". */
export const isTimestampNtz = (type: string): boolean => type === "timestamp_ntz";

/**
 * A partition value from the log, typed as the Parquet reader types the column's values (a long as a bigint, a date
 * as a CalendarDate, a timestamp as a Date…), or undefined for null (an empty string is null for every type). Throws
 * a SegmentError naming the column for a value that does not fit its type.
 */
export function partitionValue(column: DeltaColumn, raw: string | null | undefined, table: string): SourceValue {
  if (raw === null || raw === undefined || raw === "") return undefined;
  const bad = (): never => {
    throw new SegmentError(`the Delta table ${table} has partition value ${JSON.stringify(raw.slice(0, 100))} for column ${JSON.stringify(column.name)}, which is not a ${column.type}`);
  };
  const type = column.type;
  if (type === "string") return raw;
  if (type === "byte" || type === "short" || type === "integer") return /^[+-]?\d+$/.test(raw) ? Number(raw) : bad();
  if (type === "long") return /^[+-]?\d+$/.test(raw) ? BigInt(raw) : bad();
  if (type === "float" || type === "double") {
    const n = Number(raw);
    return Number.isNaN(n) && raw !== "NaN" ? bad() : n;
  }
  // A decimal keeps its exact digits, as the Parquet reader keeps a DECIMAL column's (Java may write "1E+2").
  if (type.startsWith("decimal")) {
    if (/^[+-]?\d+(\.\d+)?$/.test(raw)) return raw.replace(/^\+/, "").replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
    return formatNumber(Number(raw)) ?? bad();
  }
  if (type === "boolean") return raw === "true" || raw === "false" ? raw === "true" : bad();
  if (type === "date") return /^\d{4,}-\d{2}-\d{2}$/.test(raw) ? { kind: "date", value: raw } : bad();
  if (type === "timestamp" || isTimestampNtz(type)) {
    const iso = timestampIso(raw) ?? bad();
    return isTimestampNtz(type) ? { kind: "naive-timestamp", value: iso.slice(0, -1) } : new Date(iso);
  }
  // binary: each character is one byte ("\u0001\u0002"); the Parquet reader writes binary as base64.
  if (type === "binary") return Buffer.from(raw, "latin1").toString("base64");
  return raw;
}

/**
 * "2020-01-01 10:00:00[.ffffff]" (taken as UTC: the writer's zone is not recorded) or ISO 8601 with a zone → ISO
 * 8601 in UTC with milliseconds, as the Parquet reader writes timestamps.
 */
function timestampIso(raw: string): string | undefined {
  const m = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  const ms = (frac + "000").slice(0, 3);
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
