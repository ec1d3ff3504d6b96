// The Delta reader on tables written by Spark, Databricks and delta-rs (test/fixtures/delta-tables/README.md says what
// each one must read as).
import type { SourceValue } from "../../../runner/values/types.js";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Location } from "../../../runner/config.js";
import { UnsupportedTableError } from "../../../runner/segment/delta/index.js";
import { loadSnapshot } from "../../../runner/segment/delta/snapshot.js";
import { tableStorage } from "../../../runner/segment/delta/storage.js";
import { SegmentError } from "../../../runner/segment/index.js";
import { copyFixture, DELTA_FIXTURES, readDelta as read, readDeltaError as readError } from "./delta-tables.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("delta-test-");
afterAll(() => tmp.cleanup());

const table = (name: string): Location => ({ kind: "file", path: join(DELTA_FIXTURES, name) });


const column = (rows: Array<{ values: Record<string, SourceValue> }>, name: string) => rows.map((r) => r.values[name]);
const sortedNumbers = (values: SourceValue[]) => values.map(Number).sort((a, b) => a - b);

/** A copy of a fixture table with every checkpoint and _last_checkpoint removed: the reader must replay JSON only. */
function withoutCheckpoints(name: string): Location {
  const copy = copyFixture(name, tmp.dir + `/json-only-${name}`);
  for (const f of readdirSync(join(copy, "_delta_log"))) {
    if (f.includes(".checkpoint.") || f === "_last_checkpoint") rmSync(join(copy, "_delta_log", f));
  }
  return { kind: "file", path: copy };
}

describe("Delta tables written by real engines", () => {
  it("simple_table: adds and removes over several commits leave ids 5, 7, 9", async () => {
    const { seg, rows } = await read(table("simple_table"));
    expect(seg.columns).toEqual(["id"]);
    expect(seg.resolved).toBe(`${join(DELTA_FIXTURES, "simple_table")}/ (Delta table version 4: 5 commit(s), 5 data file(s))`);
    expect(sortedNumbers(column(rows, "id"))).toEqual([5, 7, 9]);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
  });

  it("simple_table_with_checkpoint: the checkpoint plus later commits equals a replay of every JSON commit", async () => {
    const { seg, rows } = await read(table("simple_table_with_checkpoint"));
    expect(seg.resolved).toContain("Delta table version 10: checkpoint 10 (classic) + 0 commit(s)");
    const replay = await read(withoutCheckpoints("simple_table_with_checkpoint"));
    expect(replay.seg.resolved).toContain("Delta table version 10: 11 commit(s)");
    expect(sortedNumbers(column(rows, "version"))).toEqual(sortedNumbers(column(replay.rows, "version")));
    expect(rows).toHaveLength(11);
  });

  // These two tables ship without data files (only _delta_log), so the snapshots' file lists are compared.
  it("with_checkpoint_no_last_checkpoint: finds the checkpoint by listing and equals a JSON replay", async () => {
    const storage = tableStorage(table("with_checkpoint_no_last_checkpoint"));
    const snap = await loadSnapshot(storage);
    expect(snap.source).toBe("checkpoint 2 (classic) + 1 commit(s)");
    const replay = await loadSnapshot(tableStorage(withoutCheckpoints("with_checkpoint_no_last_checkpoint")));
    expect(replay.source).toBe("4 commit(s)");
    expect(snap.version).toBe(3);
    expect(snap.files.map((f) => f.path).sort()).toEqual(replay.files.map((f) => f.path).sort());
    expect(snap.files.length).toBeGreaterThan(0);
  });

  it("latest_not_checkpointed: applies the commits after the checkpoint", async () => {
    const snap = await loadSnapshot(tableStorage(table("latest_not_checkpointed")));
    expect(snap.version).toBe(3);
    expect(snap.source).toBe("checkpoint 2 (classic) + 1 commit(s)");
    const replay = await loadSnapshot(tableStorage(withoutCheckpoints("latest_not_checkpointed")));
    expect(snap.files.map((f) => f.path).sort()).toEqual(replay.files.map((f) => f.path).sort());
  });

  it("checkpoint-v2-table: reads the V2 checkpoint with its sidecar, then the later commit, equal to a JSON replay", async () => {
    const { seg, rows } = await read(table("checkpoint-v2-table"));
    expect(seg.resolved).toContain("Delta table version 9: checkpoint 8 (uuid) + 1 commit(s), 8 data file(s)");
    expect(seg.columns).toEqual(["id", "name", "created_at"]);
    expect(sortedNumbers(column(rows, "id"))).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    expect(rows.find((r) => Number(r.values.id) === 44)?.values).toEqual({ id: 44n, name: "Mallory", created_at: new Date("2025-08-09T14:52:14.723Z") });
    const replay = await read(withoutCheckpoints("checkpoint-v2-table"));
    expect(sortedNumbers(column(replay.rows, "id"))).toEqual(sortedNumbers(column(rows, "id")));
  });

  it("table-with-dv-small: the on-disk deletion vector removes rows 0 and 9, leaving values 1 to 8", async () => {
    const { seg, rows } = await read(table("table-with-dv-small"), { batchSize: 3 });
    expect(column(rows, "value")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seg.rowCount).toBe(8);
  });

  it("table-without-dv-small: the same table before the delete has values 0 to 9", async () => {
    const { rows } = await read(table("table-without-dv-small"));
    expect(column(rows, "value")).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
  });

  it("table_with_column_mapping: exposes the logical names (with spaces), reading the physical columns and partition values", async () => {
    const { seg, rows } = await read(table("table_with_column_mapping"));
    expect(seg.columns).toEqual(["Company Very Short", "Super Name"]);
    expect(rows.map((r) => r.values)).toEqual([
      { "Company Very Short": "BMS", "Super Name": "Mr. Daniel Ferguson MD" },
      { "Company Very Short": "BMS", "Super Name": "Stephanie Mcgrath" },
      { "Company Very Short": "BMS", "Super Name": "Anthony Johnson" },
      { "Company Very Short": "BMS", "Super Name": "Nathan Bennett" },
      { "Company Very Short": "BME", "Super Name": "Timothy Lamb" },
    ]);
    const some = await read(table("table_with_column_mapping"), { columns: ["Super Name"] });
    expect(some.rows.map((r) => Object.keys(r.values))).toEqual(Array(5).fill(["Super Name"]));
  });

  it("delta-0.8.0-partitioned: 7 rows, partition values from the log (the files do not hold them)", async () => {
    const { seg, rows } = await read(table("delta-0.8.0-partitioned"));
    expect(seg.columns).toEqual(["value", "year", "month", "day"]);
    expect(rows.map((r) => r.values).sort((a, b) => Number(a.value) - Number(b.value))).toEqual([
      { value: "1", year: "2020", month: "1", day: "1" },
      { value: "2", year: "2020", month: "2", day: "3" },
      { value: "3", year: "2020", month: "2", day: "5" },
      { value: "4", year: "2021", month: "4", day: "5" },
      { value: "5", year: "2021", month: "12", day: "4" },
      { value: "6", year: "2021", month: "12", day: "20" },
      { value: "7", year: "2021", month: "12", day: "20" },
    ]);
  });

  it("delta-0.8-empty: every row deleted, no rows", async () => {
    const { seg, rows } = await read(table("delta-0.8-empty"));
    expect(seg.columns).toEqual(["column"]);
    expect(rows).toEqual([]);
    expect(seg.rowCount).toBe(0);
  });

  it("simple_table_features: refused, naming the reader version and the unknown feature blahabl, before any data file is opened", async () => {
    const message =
      `the Delta table ${join(DELTA_FIXTURES, "simple_table_features")}/ needs reader version 5 and the reader feature "blahabl", ` +
      "which this reader does not support; it reads reader versions 1 to 3 with the features columnMapping, deletionVectors, " +
      "timestampNtz, v2Checkpoint, vacuumProtocolCheck. Nothing was read.";
    const e = await readError(table("simple_table_features"));
    expect(e).toBeInstanceOf(UnsupportedTableError);
    expect(e).toBeInstanceOf(SegmentError);
    expect((e as SegmentError).code).toBe("SEGMENT_UNREADABLE");
    expect(e.message).toBe(message);
    // Without its data files the refusal is the same: it comes from the log alone, before any row is read.
    const logOnly = copyFixture("simple_table_features", tmp.dir + "/log-only");
    for (const f of readdirSync(logOnly)) if (f.endsWith(".parquet")) rmSync(join(logOnly, f));
    const again = await readError({ kind: "file", path: logOnly });
    expect(again.message).toBe(message.replace(`${join(DELTA_FIXTURES, "simple_table_features")}/`, `${logOnly}/`));
  });

  it("table_with_edge_timestamps: INT96 timestamps at year 9999 survive", async () => {
    const { rows } = await read(table("table_with_edge_timestamps"));
    expect(rows.map((r) => r.values)).toEqual([
      { BIG_DATE: new Date("9999-12-31T00:00:00.000Z"), NORMAL_DATE: new Date("2022-01-01T00:00:00.000Z"), SOME_VALUE: 1 },
      { BIG_DATE: new Date("9999-12-30T00:00:00.000Z"), NORMAL_DATE: new Date("2022-02-01T00:00:00.000Z"), SOME_VALUE: 2 },
    ]);
  });

  it("refuses a listing that is behind _last_checkpoint instead of reading an older snapshot", async () => {
    const copy = copyFixture("simple_table_with_checkpoint", tmp.dir + "/stale-listing");
    writeFileSync(join(copy, "_delta_log", "_last_checkpoint"), '{"version":12,"size":13}');
    const e = await readError({ kind: "file", path: copy });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(
      `the Delta log ${copy}/_delta_log/ lists versions up to 10, but its _last_checkpoint names version 12; the listing is incomplete, run again`,
    );
  });

  it("says when a folder is not a Delta table", async () => {
    const e = await readError({ kind: "file", path: tmp.dir + "/nothing" });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`${tmp.dir}/nothing/ is not a Delta table: ${tmp.dir}/nothing/_delta_log/ has no commit (00000000000000000000.json)`);
  });
});
