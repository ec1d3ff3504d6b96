// The Delta reader on tables written here, for the shapes the real fixtures lack: column mapping by id, inline and
// absolute-path deletion vectors, multi-part checkpoints, timestamp_ntz, typed partition values, a column that must
// not be read, a gap in the log; and the decoders (Z85, RoaringBitmap) on their specifications' examples.
import type { SourceValue } from "../../../runner/values/types.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parquetMetadata } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { parseRoaringArray, relativeDvPath, z85Decode } from "../../../runner/segment/delta/deletion-vector.js";
import { openDeltaSegment, UnsupportedTableError } from "../../../runner/segment/delta/index.js";
import { partitionValue, type DeltaColumn } from "../../../runner/segment/delta/schema.js";
import { SegmentError } from "../../../runner/segment/index.js";
import { add, checkpointPart, commit, dataFile, deletionVectorFile, metaData, protocol, readDelta as read, readDeltaError as readError, schemaString } from "./delta-tables.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("delta-gen-");
afterAll(() => tmp.cleanup());
let n = 0;
const newTable = () => join(tmp.dir, `t${++n}`);


/** The protocol's inline example: row indexes 3, 4, 7, 11, 18, 29 (PROTOCOL.md, "JSON Example 3 — Inline"). */
const INLINE_EXAMPLE = { storageType: "i", pathOrInlineDv: "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", sizeInBytes: 40, cardinality: 6 };
const thirty = Array.from({ length: 30 }, (_, i) => i);
const kept = thirty.filter((i) => ![3, 4, 7, 11, 18, 29].includes(i)).map(String);

describe("Delta decoders", () => {
  it("decodes the protocol's inline deletion vector and its relative-path example", () => {
    const bytes = z85Decode(INLINE_EXAMPLE.pathOrInlineDv).subarray(0, 40);
    expect(parseRoaringArray(bytes)).toEqual([3, 4, 7, 11, 18, 29]);
    expect(relativeDvPath("ab^-aqEH.-t@S}K{vb[*k^")).toBe("ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
    expect(() => z85Decode("abcd")).toThrow("Z85 text has 4 characters, not a multiple of 5");
  });

  it("reads run, bitset and array containers in several 64-bit buckets", () => {
    const parts: Buffer[] = [];
    const u32 = (v: number) => Buffer.from(new Uint32Array([v]).buffer);
    const u16 = (...v: number[]) => Buffer.from(new Uint16Array(v).buffer);
    parts.push(u32(1681511377), Buffer.from(new BigUint64Array([2n]).buffer));
    // bucket 0: one run container (5..9), with the run cookie and no offsets (fewer than 4 containers)
    parts.push(u32(0), u32(12347), Buffer.from([1]), u16(0, 4), u16(1, 5, 4));
    // bucket 1: a bitset container under key 1 (5000 values) and an array container under key 2, with offsets
    const bitset = Buffer.alloc(8192);
    for (let v = 0; v < 5000; v++) bitset[v >> 3]! |= 1 << (v & 7);
    parts.push(u32(1), u32(12346), u32(2), u16(1, 4999, 2, 1), u32(0), u32(0), bitset, u16(7, 9));
    const values = parseRoaringArray(new Uint8Array(Buffer.concat(parts)));
    const high = 2 ** 32;
    expect(values.slice(0, 5)).toEqual([5, 6, 7, 8, 9]);
    expect(values.length).toBe(5 + 5000 + 2);
    expect(values[5]).toBe(high + 65536);
    expect(values[5 + 4999]).toBe(high + 65536 + 4999);
    expect(values.slice(-2)).toEqual([high + 2 * 65536 + 7, high + 2 * 65536 + 9]);
    expect(() => parseRoaringArray(new Uint8Array(12))).toThrow("wrong magic number");
  });

  it("types partition values as the Parquet reader types the column; an empty string is null", () => {
    const col = (type: string): DeltaColumn => ({ name: "c", type, physicalName: "c", partition: true });
    expect(partitionValue(col("integer"), "007", "t")).toBe(7);
    expect(partitionValue(col("long"), "9007199254740993", "t")).toBe(9007199254740993n);
    expect(partitionValue(col("double"), "1.50", "t")).toBe(1.5);
    expect(partitionValue(col("decimal(10,2)"), "1.50", "t")).toBe("1.5");
    expect(partitionValue(col("decimal(10,2)"), "+10.00", "t")).toBe("10");
    expect(partitionValue(col("decimal(10,-2)"), "1E+2", "t")).toBe("100");
    expect(partitionValue(col("date"), "2024-05-01", "t")).toEqual({ kind: "date", value: "2024-05-01" });
    expect(partitionValue(col("timestamp"), "2024-05-01 12:34:56.789123", "t")).toEqual(new Date("2024-05-01T12:34:56.789Z"));
    expect(partitionValue(col("timestamp"), "2024-05-01T10:00:00.000000Z", "t")).toEqual(new Date("2024-05-01T10:00:00.000Z"));
    expect(partitionValue(col("timestamp_ntz"), "2024-05-01 12:34:56", "t")).toEqual({ kind: "naive-timestamp", value: "2024-05-01T12:34:56.000" });
    expect(partitionValue(col("boolean"), "true", "t")).toBe(true);
    expect(partitionValue(col("binary"), "\u0001\u0002", "t")).toBe("AQI=");
    expect(partitionValue(col("string"), "", "t")).toBeUndefined();
    expect(partitionValue(col("integer"), null, "t")).toBeUndefined();
    expect(() => partitionValue(col("integer"), "seven", "tbl")).toThrow(
      'the Delta table tbl has partition value "seven" for column "c", which is not a integer',
    );
  });
});

describe("Delta tables written here", () => {
  it("column mapping by id finds columns by Parquet field id, whatever the file calls them", async () => {
    const t = newTable();
    const fields = [
      { name: "E Mail", type: "string", metadata: { "delta.columnMapping.id": 7, "delta.columnMapping.physicalName": "col-a" } },
      { name: "Tier", type: "string", metadata: { "delta.columnMapping.id": 8, "delta.columnMapping.physicalName": "col-b" } },
    ];
    dataFile(t, "p1.parquet", [{ name: "renamed-in-file", data: ["a@x.io", "b@x.io"] }, { name: "other", data: ["gold", "silver"] }], [
      { name: "root", num_children: 2 },
      { name: "renamed-in-file", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL", field_id: 7 },
      { name: "other", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL", field_id: 8 },
    ]);
    commit(t, 0, [protocol(2), metaData(fields, [], { "delta.columnMapping.mode": "id" }), add("p1.parquet")]);
    const { seg, rows } = await read(t);
    expect(seg.columns).toEqual(["E Mail", "Tier"]);
    expect(rows.map((r) => r.values)).toEqual([
      { "E Mail": "a@x.io", Tier: "gold" },
      { "E Mail": "b@x.io", Tier: "silver" },
    ]);
    // A file without field ids cannot be mapped by id: refused, not read as nulls.
    dataFile(t, "p2.parquet", [{ name: "col-a", data: ["c@x.io"] }]);
    commit(t, 1, [add("p2.parquet")]);
    const e = await readError(t);
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`${t}/p2.parquet has no Parquet field ids, which the table's column mapping by id needs to find its columns`);
  });

  it("applies inline (i) and absolute-path (p) deletion vectors", async () => {
    const t = newTable();
    dataFile(t, "a.parquet", [{ name: "n", data: thirty, type: "INT32" }]);
    dataFile(t, "b.parquet", [{ name: "n", data: thirty.map((i) => i + 100), type: "INT32" }]);
    const dvFile = join(t, "elsewhere.bin");
    deletionVectorFile(dvFile, z85Decode(INLINE_EXAMPLE.pathOrInlineDv).subarray(0, 40));
    const absolute = { storageType: "p", pathOrInlineDv: pathToFileURL(dvFile).href, offset: 1, sizeInBytes: 40, cardinality: 6 };
    commit(t, 0, [protocol(3, ["deletionVectors"]), metaData([{ name: "n", type: "integer" }]), add("a.parquet"), add("b.parquet")]);
    // The delete replaces each logical file: remove without a vector, add with one (as Databricks writes it).
    commit(t, 1, [
      { remove: { path: "a.parquet", dataChange: true } },
      add("a.parquet", { deletionVector: INLINE_EXAMPLE }),
      { remove: { path: "b.parquet", dataChange: true } },
      add("b.parquet", { deletionVector: absolute }),
    ]);
    const { rows } = await read(t);
    expect(rows.map((r) => String(r.values.n))).toEqual([...kept, ...kept.map((v) => String(Number(v) + 100))]);
    // A damaged vector file is refused, never read as "nothing deleted".
    const bytes = readFileSync(dvFile);
    bytes[20] = bytes[20]! ^ 0xff;
    writeFileSync(dvFile, bytes);
    const e = await readError(t);
    expect(e.message).toBe(`cannot read the deletion vector of ${t}/b.parquet (storageType "p"): its checksum does not match (the file is damaged)`);
  });

  it("reads a complete multi-part checkpoint and ignores one with a missing part", async () => {
    const t = newTable();
    const fields = [{ name: "v", type: "integer" }];
    for (const name of ["a", "b", "c", "d"]) dataFile(t, `${name}.parquet`, [{ name: "v", data: [name.charCodeAt(0)], type: "INT32" }]);
    commit(t, 0, [protocol(1), metaData(fields), add("a.parquet"), add("b.parquet")]);
    commit(t, 1, [add("c.parquet"), { remove: { path: "a.parquet", dataChange: true } }]);
    const cp = (version: number, part: number, of: number) =>
      `${String(version).padStart(20, "0")}.checkpoint.${String(part).padStart(10, "0")}.${String(of).padStart(10, "0")}.parquet`;
    checkpointPart(t, cp(1, 1, 2), { adds: ["b.parquet"], protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    checkpointPart(t, cp(1, 2, 2), { adds: ["c.parquet"], schemaString: schemaString(fields) });
    commit(t, 2, [add("d.parquet")]);
    const { seg, rows } = await read(t);
    expect(seg.resolved).toBe(`${t}/ (Delta table version 2: checkpoint 1 (multi-part) + 1 commit(s), 3 data file(s))`);
    expect(rows.map((r) => r.values.v)).toEqual([98, 99, 100]);
    // A 3-part checkpoint at version 2 with only two parts written: ignored, the 2-part one is used.
    checkpointPart(t, cp(2, 1, 3), { adds: ["zzz.parquet"] });
    checkpointPart(t, cp(2, 2, 3), { adds: ["zzz.parquet"] });
    const again = await read(t);
    expect(again.seg.resolved).toContain("checkpoint 1 (multi-part) + 1 commit(s)");
    expect(again.rows.map((r) => r.values.v)).toEqual([98, 99, 100]);
  });

  it("timestamps with and without a zone, and typed partition values", async () => {
    const t = newTable();
    const micros = 1714566896789123n; // 2024-05-01T12:34:56.789123
    dataFile(t, "day=2024-05-01/p.parquet", [{ name: "at", data: [micros, null] }, { name: "local", data: [micros, micros] }], [
      { name: "root", num_children: 2 },
      { name: "at", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" } },
      { name: "local", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MICROS" } },
    ]);
    const fields = [
      { name: "at", type: "timestamp" },
      { name: "local", type: "timestamp_ntz" },
      { name: "day", type: "date" },
      { name: "n", type: "long" },
      { name: "since", type: "timestamp" },
    ];
    commit(t, 0, [
      protocol(3, ["timestampNtz"]),
      metaData(fields, ["day", "n", "since"]),
      add("day=2024-05-01/p.parquet", { partitionValues: { day: "2024-05-01", n: "", since: "2024-01-02 03:04:05" } }),
    ]);
    const { rows } = await read(t);
    const naive = { kind: "naive-timestamp", value: "2024-05-01T12:34:56.789" };
    const day = { kind: "date", value: "2024-05-01" };
    expect(rows.map((r) => r.values)).toEqual([
      { at: new Date("2024-05-01T12:34:56.789Z"), local: naive, day, n: undefined, since: new Date("2024-01-02T03:04:05.000Z") },
      { at: undefined, local: naive, day, n: undefined, since: new Date("2024-01-02T03:04:05.000Z") },
    ]);
  });

  it("reads only the mapped columns: a damaged column that is not asked for is never decoded", async () => {
    const t = newTable();
    dataFile(t, "p.parquet", [
      { name: "email", data: ["a@x.io", "b@x.io"], type: "STRING" },
      { name: "notes", data: ["x".repeat(200), "y".repeat(200)], type: "STRING" },
    ]);
    const path = join(t, "p.parquet");
    const bytes = readFileSync(path);
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const notes = meta.row_groups[0]!.columns[1]!.meta_data!;
    bytes.fill(0xff, Number(notes.data_page_offset), Number(notes.data_page_offset) + Number(notes.total_compressed_size));
    writeFileSync(path, bytes);
    commit(t, 0, [protocol(1), metaData([{ name: "email", type: "string" }, { name: "notes", type: "string" }]), add("p.parquet")]);
    const { seg, rows } = await read(t, { columns: ["email", "absent"] });
    expect(seg.columns).toEqual(["email", "notes"]);
    expect(rows).toEqual([
      { rowNumber: 1, values: { email: "a@x.io" } },
      { rowNumber: 2, values: { email: "b@x.io" } },
    ]);
    const e = await readError(t);
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toMatch(new RegExp(`^${t}/p.parquet: cannot read the Parquet data`));
  });

  it("refuses an unsupported feature from a later commit before reading the checkpoint", async () => {
    const t = newTable();
    commit(t, 0, [protocol(1), metaData([{ name: "v", type: "integer" }])]);
    commit(t, 1, []);
    writeFileSync(join(t, "_delta_log", `${"1".padStart(20, "0")}.checkpoint.parquet`), "not parquet");
    commit(t, 2, [protocol(3, ["deletionVectors", "typeWidening"])]);
    const e = await readError(t);
    expect(e).toBeInstanceOf(UnsupportedTableError);
    expect(e.message).toMatch(new RegExp(`^the Delta table ${t}/ needs the reader feature "typeWidening", which this reader does not support`));
  });

  it("refuses a log with a missing commit", async () => {
    const t = newTable();
    commit(t, 0, [protocol(1), metaData([{ name: "v", type: "integer" }])]);
    commit(t, 2, []);
    const e = await readError(t);
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`the Delta log ${t}/_delta_log/ is missing the commit of version 1; it cannot be read (was it cleaned up while being written?)`);
  });

  it("refuses a data file path that climbs out of the table", async () => {
    const t = newTable();
    commit(t, 0, [protocol(1), metaData([{ name: "v", type: "integer" }]), add("../other/secret.parquet")]);
    const e = await readError(t);
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe('the Delta log names a file outside the table: "../other/secret.parquet"');
  });

  it("a data file missing from storage fails the read after the rows before it, naming the file", async () => {
    const t = newTable();
    dataFile(t, "a.parquet", [{ name: "v", data: [1, 2], type: "INT32" }]);
    commit(t, 0, [protocol(1), metaData([{ name: "v", type: "integer" }]), add("a.parquet"), add("gone.parquet")]);
    const seg = await openDeltaSegment({ kind: "file", path: t }, { batchSize: 2 });
    const seen: SourceValue[] = [];
    let error: Error | undefined;
    try {
      for await (const batch of seg.batches()) seen.push(...batch.map((r) => r.values.v));
    } catch (e) {
      error = e as Error;
    } finally {
      await seg.close();
    }
    expect(seen).toEqual([1, 2]);
    expect(error).toBeInstanceOf(SegmentError);
    expect(error!.message).toBe(`segment file not found: ${t}/gone.parquet`);
  });
});
