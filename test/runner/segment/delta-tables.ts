// Writes small Delta tables for the reader's tests: Parquet data files (hyparquet-writer) and a hand-written
// _delta_log, so each test states exactly which log shape it exercises.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parquetWriteBuffer, parquetWriteFile } from "hyparquet-writer";
import type { SchemaElement } from "hyparquet";
import type { Location } from "../../../runner/config.js";
import { openDeltaSegment, type DeltaOpenOptions } from "../../../runner/segment/delta/index.js";
import type { SegmentRow } from "../../../runner/segment/index.js";
import { crc32 } from "../../../runner/state/journal.js";
import { plain } from "./helpers.js";

export const DELTA_FIXTURES = resolve(import.meta.dirname, "../../fixtures/delta-tables");

export type ColumnData = Parameters<typeof parquetWriteFile>[0]["columnData"];

export interface Field {
  name: string;
  type: string;
  metadata?: Record<string, unknown>;
}

export const schemaString = (fields: Field[]): string =>
  JSON.stringify({ type: "struct", fields: fields.map((f) => ({ nullable: true, metadata: {}, ...f })) });

export const protocol = (minReaderVersion: number, readerFeatures?: string[]) => ({
  protocol: { minReaderVersion, minWriterVersion: 7, ...(readerFeatures ? { readerFeatures, writerFeatures: readerFeatures } : {}) },
});

export const metaData = (fields: Field[], partitionColumns: string[] = [], configuration: Record<string, string> = {}) => ({
  metaData: { id: "test", format: { provider: "parquet", options: {} }, schemaString: schemaString(fields), partitionColumns, configuration },
});

export const add = (path: string, extra: Record<string, unknown> = {}) => ({
  add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, ...extra },
});

/** Writes _delta_log/<version>.json with one action per line. */
export function commit(table: string, version: number, actions: object[]): void {
  const path = join(table, "_delta_log", `${String(version).padStart(20, "0")}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, actions.map((a) => JSON.stringify(a)).join("\n") + "\n");
}

export function dataFile(table: string, name: string, columnData: ColumnData, schema?: SchemaElement[]): void {
  const filename = join(table, name);
  mkdirSync(dirname(filename), { recursive: true });
  parquetWriteFile({ filename, columnData, schema });
}

/** A checkpoint part holding add actions (path only) and optionally the protocol and metaData rows. */
export function checkpointPart(
  table: string,
  name: string,
  rows: { adds?: string[]; protocol?: { minReaderVersion: number; minWriterVersion: number }; schemaString?: string },
): void {
  const adds = rows.adds ?? [];
  const n = adds.length + (rows.protocol ? 1 : 0) + (rows.schemaString ? 1 : 0);
  const column = (fill: (i: number) => unknown) => Array.from({ length: n }, (_, i) => fill(i));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "add", data: column((i) => (i < adds.length ? { path: adds[i], size: 1n, dataChange: false } : null)) },
      { name: "protocol", data: column((i) => (rows.protocol && i === adds.length ? rows.protocol : null)) },
      { name: "metaData", data: column((i) => (rows.schemaString && i === n - 1 ? { schemaString: rows.schemaString, partitionColumns: [] } : null)) },
    ],
    schema: [
      { name: "root", num_children: 3 },
      { name: "add", repetition_type: "OPTIONAL", num_children: 3 },
      { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "size", type: "INT64", repetition_type: "OPTIONAL" },
      { name: "dataChange", type: "BOOLEAN", repetition_type: "OPTIONAL" },
      { name: "protocol", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "minReaderVersion", type: "INT32", repetition_type: "OPTIONAL" },
      { name: "minWriterVersion", type: "INT32", repetition_type: "OPTIONAL" },
      { name: "metaData", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "schemaString", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "partitionColumns", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    ],
  });
  writeFileSync(join(table, "_delta_log", name), Buffer.from(buffer));
}

/** A deletion vector file (format version 1) holding one bitmap at offset 1: size, bitmap, CRC-32, all big endian. */
export function deletionVectorFile(path: string, bitmap: Uint8Array): void {
  const out = Buffer.alloc(1 + 4 + bitmap.length + 4);
  out[0] = 1;
  out.writeUInt32BE(bitmap.length, 1);
  Buffer.from(bitmap).copy(out, 5);
  out.writeUInt32BE(crc32(bitmap), 5 + bitmap.length);
  writeFileSync(path, out);
}

/** Copies a fixture table into `dir` (to change its log in a test). */
export function copyFixture(name: string, dir: string): string {
  const to = join(dir, name);
  cpSync(join(DELTA_FIXTURES, name), to, { recursive: true });
  return to;
}

/** Opens a Delta table (a Location, or a local folder path), reads every row and closes. */
export async function readDelta(where: Location | string, options: DeltaOpenOptions = {}) {
  const seg = await openDeltaSegment(typeof where === "string" ? { kind: "file", path: where } : where, options);
  const rows: SegmentRow[] = [];
  try {
    for await (const batch of seg.batches()) rows.push(...batch);
  } finally {
    await seg.close();
  }
  return { seg, rows: plain(rows) };
}

/** The error readDelta throws (fails the test if it does not throw). */
export async function readDeltaError(where: Location | string, options: DeltaOpenOptions = {}): Promise<Error> {
  try {
    await readDelta(where, options);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the read to fail");
}
