import { parquetWriteFile } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { SegmentError } from "../../../runner/segment/index.js";
import { fixture, FIXTURES, plain, readAll, readError, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("Parquet", () => {
  it("keeps every type, numbers rows by record, and reads across row groups", async () => {
    const path = `${tmp.dir}/types.parquet`;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "email", data: ["a@x.io", "b@x.io", null, "d@x.io", "e@x.io"] },
        { name: "age", data: [41, null, 7, -1, 0] },
        { name: "customer_id", data: [1n, 2n, 9007199254740993n, null, -5n] },
        { name: "score", data: [1.5, 0.1, null, 1e21, -0] },
        { name: "vip", data: [true, false, null, true, false] },
        { name: "birthday", data: [new Date("1990-05-17T00:00:00Z"), null, new Date("2000-01-01T00:00:00Z"), null, null] },
        { name: "seen", data: [new Date("2024-05-01T12:34:56.789Z"), null, null, null, null] },
      ],
      schema: [
        { name: "root", num_children: 7 },
        { name: "email", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "age", type: "INT32", repetition_type: "OPTIONAL" },
        { name: "customer_id", type: "INT64", repetition_type: "OPTIONAL" },
        { name: "score", type: "DOUBLE", repetition_type: "OPTIONAL" },
        { name: "vip", type: "BOOLEAN", repetition_type: "OPTIONAL" },
        { name: "birthday", type: "INT32", converted_type: "DATE", repetition_type: "OPTIONAL" },
        { name: "seen", type: "INT64", converted_type: "TIMESTAMP_MILLIS", repetition_type: "OPTIONAL" },
      ],
      rowGroupSize: 2,
    });
    const r = await readAll({ kind: "file", path }, { format: "parquet", batchSize: 2 });
    expect(r.columns).toEqual(["email", "age", "customer_id", "score", "vip", "birthday", "seen"]);
    expect(r.batchSizes).toEqual([2, 2, 1]);
    const day = (value: string) => ({ kind: "date", value });
    expect(plain(r.rows)).toEqual([
      {
        rowNumber: 1,
        values: { email: "a@x.io", age: 41, customer_id: 1n, score: 1.5, vip: true, birthday: day("1990-05-17"), seen: new Date("2024-05-01T12:34:56.789Z") },
      },
      { rowNumber: 2, values: { email: "b@x.io", age: undefined, customer_id: 2n, score: 0.1, vip: false, birthday: undefined, seen: undefined } },
      {
        rowNumber: 3,
        values: { email: undefined, age: 7, customer_id: 9007199254740993n, score: undefined, vip: undefined, birthday: day("2000-01-01"), seen: undefined },
      },
      { rowNumber: 4, values: { email: "d@x.io", age: -1, customer_id: undefined, score: 1e21, vip: true, birthday: undefined, seen: undefined } },
      { rowNumber: 5, values: { email: "e@x.io", age: 0, customer_id: -5n, score: -0, vip: false, birthday: undefined, seen: undefined } },
    ]);
  });

  it("keeps what conversion needs: naive timestamps, exact decimals, float32 as written, lists", async () => {
    const path = `${tmp.dir}/typed.parquet`;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "local", data: [1714566896789n, null] },
        // Decimals are written as their unscaled integers.
        { name: "price", data: [1234n, -5n] },
        { name: "big", data: [12345678901234567n, null] },
        { name: "wide", data: [123456n, -5n] },
        { name: "ratio", data: [Math.fround(0.1), Math.fround(19.99)] },
        { name: "tags", data: [["a", "b"], []] },
      ],
      schema: [
        { name: "root", num_children: 6 },
        { name: "local", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MILLIS" } },
        { name: "price", type: "INT32", repetition_type: "REQUIRED", converted_type: "DECIMAL", precision: 9, scale: 2 },
        { name: "big", type: "INT64", repetition_type: "OPTIONAL", converted_type: "DECIMAL", precision: 18, scale: 4 },
        { name: "wide", type: "FIXED_LEN_BYTE_ARRAY", type_length: 3, repetition_type: "REQUIRED", converted_type: "DECIMAL", precision: 6, scale: 3 },
        { name: "ratio", type: "FLOAT", repetition_type: "REQUIRED" },
        { name: "tags", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      ],
    });
    const r = await readAll({ kind: "file", path }, { format: "parquet" });
    expect(plain(r.rows).map((row) => row.values)).toEqual([
      { local: { kind: "naive-timestamp", value: "2024-05-01T12:34:56.789" }, price: "12.34", big: "1234567890123.4567", wide: "123.456", ratio: 0.1, tags: ["a", "b"] },
      { local: undefined, price: "-0.05", big: undefined, wide: "-0.005", ratio: 19.99, tags: [] },
    ]);
  });

  it("an email column stored as INT64 comes out as an integer (the engine reads it as digits and rejects them as emails)", async () => {
    const path = `${tmp.dir}/wrong-type.parquet`;
    parquetWriteFile({ filename: path, columnData: [{ name: "email", data: [12345n, 678n], type: "INT64" }] });
    const r = await readAll({ kind: "file", path }, { format: "parquet" });
    expect(r.rows.map((row) => row.values.email)).toEqual([12345n, 678n]);
  });

  it("reads only the columns asked for", async () => {
    const path = `${tmp.dir}/cols.parquet`;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "id", data: [1, 2], type: "INT32" },
        { name: "email", data: ["a@x.io", "b@x.io"], type: "STRING" },
        { name: "tier", data: ["gold", "silver"], type: "STRING" },
      ],
    });
    const r = await readAll({ kind: "file", path }, { format: "parquet", columns: ["tier", "email", "missing"] });
    expect(r.columns).toEqual(["id", "email", "tier"]);
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "a@x.io", tier: "gold" } },
      { rowNumber: 2, values: { email: "b@x.io", tier: "silver" } },
    ]);
    const none = await readAll({ kind: "file", path }, { format: "parquet", columns: ["missing"] });
    expect(plain(none.rows)).toEqual([
      { rowNumber: 1, values: {} },
      { rowNumber: 2, values: {} },
    ]);
  });

  it("streams a large file in slices with exact row numbers", async () => {
    const path = `${tmp.dir}/big.parquet`;
    const count = 230_000;
    parquetWriteFile({
      filename: path,
      columnData: [{ name: "email", data: Array.from({ length: count }, (_, i) => `u${i}@x.io`), type: "STRING" }],
      rowGroupSize: 120_000,
    });
    let expected = 0;
    let ok = true;
    const seg = await (await import("../../../runner/segment/index.js")).openSegment({ kind: "file", path }, { format: "parquet", batchSize: 5000 });
    expect(seg.rowCount).toBe(count);
    for await (const batch of seg.batches()) {
      for (const row of batch) {
        if (row.rowNumber !== expected + 1 || row.values.email !== `u${expected}@x.io`) ok = false;
        expected++;
      }
    }
    await seg.close();
    expect(ok).toBe(true);
    expect(expected).toBe(count);
  });

  it("fails a file that is not Parquet, naming it", async () => {
    for (const name of ["not-parquet.parquet", "truncated.parquet"]) {
      const e = await readError(fixture(name), { format: "parquet" });
      expect(e).toBeInstanceOf(SegmentError);
      expect(e.message).toBe(`${FIXTURES}/${name}: not a readable Parquet file (parquet file invalid (footer != PAR1))`);
    }
    const empty = await readError(fixture("empty.csv"), { format: "parquet" });
    expect(empty.message).toBe(`${FIXTURES}/empty.csv: the file is empty, not a Parquet file`);
  });

  it("refuses a schema with two columns of the same name, as a CSV header naming a column twice (it used to read the first)", async () => {
    const path = `${tmp.dir}/duplicate-columns.parquet`;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "email", data: ["first@example.com"], type: "STRING" },
        { name: "tier", data: ["gold"], type: "STRING" },
        { name: "email", data: ["second@example.com"], type: "STRING" },
      ],
    });
    for (const columns of [undefined, ["email"], ["tier"]]) {
      const e = await readError({ kind: "file", path }, { format: "parquet", ...(columns ? { columns } : {}) });
      expect(e).toBeInstanceOf(SegmentError);
      expect(e.message).toBe(`${path}: the Parquet schema names column "email" twice (columns 1 and 3); column names must be unique`);
    }
  });
});
