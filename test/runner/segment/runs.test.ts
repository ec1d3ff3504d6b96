// Which run of a folder is complete (runs.ts), and the CDM settings of Customer Insights exports (cdm.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isIgnored, namePattern, naturalCompare, partKind } from "../../../runner/segment/parts.js";
import { groupRuns, judge, runDirOf, type Run, type RunRules } from "../../../runner/segment/runs.js";
import type { StoreEntry } from "../../../runner/segment/store.js";
import { later, read } from "./layouts.js";
import { tempDir } from "./helpers.js";

const T0 = new Date("2026-12-01T09:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const entry = (name: string, minutes = 0, size = 10): StoreEntry => ({ name, size, lastModified: at(minutes) });
const rules = (over: Partial<RunRules> = {}): RunRules => ({ settleMinutes: 15, now: at(60), markersInUse: false, ...over });
const runOf = (entries: StoreEntry[]): Run => groupRuns(entries, (e) => !isIgnored(e.name) && partKind(e.name) !== undefined)[0]!;

describe("run completion", () => {
  it("_SUCCESS completes a run, unless a part changed after it", () => {
    expect(judge(runOf([entry("r/part-0.csv", 0), entry("r/_SUCCESS", 1)]), rules({ now: at(2) }))).toEqual({ complete: true, how: "it has a _SUCCESS marker" });
    expect(judge(runOf([entry("r/part-0.csv", 5), entry("r/_SUCCESS", 1)]), rules())).toEqual({
      complete: false,
      how: "a part changed after its _SUCCESS marker (part-0.csv)",
    });
  });

  it("Synapse Link: the folder named in Changelog/changelog.info, or with an empty model.json, is being written", () => {
    const run = runOf([entry("2026-12-01T09.00.00Z/T/T_1.csv"), entry("2026-12-01T09.00.00Z/T/model.json", 0, 10)]);
    expect(judge(run, rules({ inProgress: "2026-12-01T09.00.00Z" })).complete).toBe(false);
    expect(judge(run, rules({ inProgress: "2026-12-01T10.00.00Z", now: at(1) }))).toEqual({
      complete: true,
      how: "Synapse Link's Changelog/changelog.info names another folder (2026-12-01T10.00.00Z)",
    });
    const emptyModel = runOf([entry("f/T_1.csv"), entry("f/model.json", 0, 0)]);
    expect(judge(emptyModel, rules()).how).toBe("its model.json is still empty (written last, when the folder is complete)");
  });

  it("when other runs carry _SUCCESS, or Spark wrote the parts, a run without _SUCCESS is not complete however old", () => {
    expect(judge(runOf([entry("r/part-0.csv", 0)]), rules({ markersInUse: true, now: at(10_000) })).complete).toBe(false);
    expect(judge(runOf([entry("r/part-00000-abc-c000.csv", 0)]), rules({ now: at(10_000) }))).toEqual({
      complete: false,
      how: "its parts are Spark's (part-NNNNN-…), and Spark writes _SUCCESS when the job has succeeded; it has none yet",
    });
  });

  it("the settle rule: complete once no file changed for settleMinutes", () => {
    const run = runOf([entry("r/data_0_0_0.csv.gz", 0), entry("r/data_0_1_0.csv.gz", 10)]);
    expect(judge(run, rules({ now: at(24) })).complete).toBe(false);
    expect(judge(run, rules({ now: at(25) }))).toEqual({ complete: true, how: "no file of it changed for 15 min (settle time 15 min)" });
    expect(judge(run, rules({ now: at(10), settleMinutes: 0 })).complete).toBe(true);
  });

  it("groups Hive partition folders into one run and orders runs by their names' numbers", () => {
    expect(runDirOf("out/country=DE/part-0.parquet")).toBe("out/");
    const runs = groupRuns([entry("r/2026/12/1/a.csv"), entry("r/2026/9/30/a.csv"), entry("r/2026/12/10/a.csv")], () => true);
    expect(runs.map((r) => r.dir)).toEqual(["r/2026/9/30/", "r/2026/12/1/", "r/2026/12/10/"]);
    expect(["T_10.csv", "T_2.csv", "T_1.csv"].sort(naturalCompare)).toEqual(["T_1.csv", "T_2.csv", "T_10.csv"]);
  });

  it("tells parts of one run (counters) from daily drops (dates, Unix times) by name", () => {
    expect(namePattern("part-00003-5b1e9f4a-3c2d-4e8f-9a7b-1c2d3e4f5a6b-c000.csv")).toBe("part-#-<uuid>-c#.csv");
    expect(namePattern("data_0_7_0.csv.gz")).toBe("data_#_#_#.csv.gz");
    expect(namePattern("HighValueSegment_12.csv")).toBe("highvaluesegment_#.csv");
    expect(namePattern("vip-2026-11-22.csv")).not.toBe(namePattern("vip-2026-11-23.csv"));
    expect(namePattern("2024_01_01_1704067200_0.csv")).toBe(namePattern("2024_01_01_1704067200_1.csv"));
    expect(namePattern("export_20261122.csv")).not.toBe(namePattern("export_20261123.csv"));
  });

  it("knows markers, hidden files and part formats", () => {
    for (const n of ["_SUCCESS", "r/_committed_1", "r/.part-0.csv.crc", "r/part-0.csv.crc", ".hidden/x.csv", "_delta_log/0.json"]) expect(isIgnored(n)).toBe(true);
    expect(partKind("data_0_0_0.snappy.parquet")).toEqual({ format: "parquet", gzip: false });
    expect(partKind("part-0000-x.json.gz")).toEqual({ format: "jsonl", gzip: true });
    expect(partKind("model.json")).toBeUndefined();
  });
});

describe("Customer Insights CDM settings", () => {
  const tmp = tempDir("segment-cdm-");
  afterAll(() => tmp.cleanup());
  const put = (name: string, data: string) => {
    mkdirSync(dirname(join(tmp.dir, name)), { recursive: true });
    writeFileSync(join(tmp.dir, name), data);
  };
  const model = (settings: Record<string, unknown>, partitions: string[]) =>
    JSON.stringify({
      name: "E",
      version: "1.0",
      entities: [
        {
          $type: "LocalEntity",
          name: "Seg",
          attributes: [{ name: "Email" }, { name: "Name" }],
          partitions: partitions.map((p) => ({ name: p, location: `https://a.blob.core.windows.net/c/E/${p}`, fileFormatSettings: { $type: "CsvFormatSettings", ...settings } })),
        },
      ],
    });

  it("obeys columnHeaders: true, a delimiter and QuoteStyle.None from model.json", async () => {
    put("e1/Seg/2026/12/01/0900/Seg_1.csv", 'Email|Name\nann@x.io|"Ann"\n');
    put("e1/model.json", model({ columnHeaders: true, delimiter: "|", quoteStyle: "QuoteStyle.None" }, ["Seg/2026/12/01/0900/Seg_1.csv"]));
    const { segment, rows } = await read({ kind: "file", path: join(tmp.dir, "e1/") }, { format: "customer-insights", table: "seg" });
    expect(rows.map((r) => [r.rowNumber, { ...r.values }])).toEqual([[2, { Email: "ann@x.io", Name: '"Ann"' }]]);
    expect(segment.run?.columnsFrom).toBe("model.json entity Seg (2 attributes); the header row of each part is skipped (columnHeaders: true)");
  });

  it("reads the pre-2020 layout <Table>/<Table>_<n>.csv, and refuses a run whose listed partitions are not all there", async () => {
    put("e2/Seg/Seg_1.csv", "a@x.io,A\n");
    put("e2/Seg/Seg_2.csv", "b@x.io,B\n");
    put("e2/model.json", model({}, ["Seg/Seg_1.csv", "Seg/Seg_2.csv", "Seg/Seg_3.csv"]));
    const e = await read({ kind: "file", path: join(tmp.dir, "e2/") }, { format: "customer-insights", table: "Seg", now: later }).catch((x: Error) => x);
    expect((e as Error).message).toBe(
      `no complete run to read yet, nothing was synced: ${tmp.dir}/e2/Seg/ (model.json lists 3 partition(s) in it, but 2 part(s) are there). Run again when the export has finished`,
    );
    put("e2/model.json", model({}, ["Seg/Seg_1.csv", "Seg/Seg_2.csv"]));
    const ok = await read({ kind: "file", path: join(tmp.dir, "e2/") }, { format: "customer-insights", table: "Seg" });
    expect(ok.rows.map((r) => r.values.Email)).toEqual(["a@x.io", "b@x.io"]);
  });
});
