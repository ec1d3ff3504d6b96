// Real-world segment layouts (SOURCES.md), run the same way against files on disk (parts-disk.test.ts) and blobs in
// Azurite (parts-blob.test.ts): a Customer Insights export with two runs and a run still being written, a gzip
// Snowflake unload, a Spark folder with _SUCCESS, an ADF-escaped CSV.
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import type { Location } from "../../../runner/config.js";
import type { AcExportError } from "../../../runner/errors.js";
import { openSegment, rowLabel, SegmentError, SegmentNotReadyError, type OpenedSegment, type OpenSegmentOptions, type SegmentRow } from "../../../runner/segment/index.js";

export interface Target {
  /** A folder (ending in "/") or a file, relative to the test's root. */
  location(path: string): Location;
  /** The path or URL the reader reports for `path`. */
  shown(path: string): string;
  put(name: string, data: string | Buffer): Promise<void>;
}

export interface Read {
  segment: OpenedSegment;
  rows: SegmentRow[];
}

export async function read(location: Location, options: OpenSegmentOptions): Promise<Read> {
  const segment = await openSegment(location, options);
  const rows: SegmentRow[] = [];
  try {
    for await (const batch of segment.batches()) rows.push(...batch);
  } finally {
    await segment.close();
  }
  return { segment, rows };
}

export async function readFails(location: Location, options: OpenSegmentOptions): Promise<Error> {
  try {
    await read(location, options);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the read to fail");
}

/** A clock two hours ahead: every file is then older than the default 15-minute settle time. */
export const later = () => new Date(Date.now() + 2 * 60 * 60_000);

const CI_COLUMNS = ["CustomerId", "EmailAddress", "FirstName"];
const ciRow = (run: string, i: number) => `${run}-${i},${run}-${i}@example.com,Name ${i}`;

function modelJson(partitions: string[]): string {
  return JSON.stringify({
    name: "BlobExport",
    version: "1.0",
    modifiedTime: "2026-12-01T09:05:00Z",
    entities: [
      { $type: "LocalEntity", name: "OtherTable", attributes: [{ name: "x", dataType: "string" }] },
      {
        $type: "LocalEntity",
        name: "HighValueSegment",
        attributes: CI_COLUMNS.map((name) => ({ name, dataType: "string" })),
        partitions: partitions.map((p, i) => ({
          name: `HighValueSegment_${i + 1}`,
          refreshTime: "2026-12-01T09:05:00Z",
          // As in Microsoft's example: absolute URLs, one with a blob snapshot query.
          location: `https://contosocdp.blob.core.windows.net/ci-exports/CustomerInsights_abcd/BlobExport/${p}${i === 0 ? "?snapshot=2026-12-01T09:05:00.0000000Z" : ""}`,
          fileFormatSettings: { $type: "CsvFormatSettings", columnHeaders: false, delimiter: ",", quoteStyle: "QuoteStyle.Csv", csvStyle: "CsvStyle.QuoteAlways" },
        })),
      },
    ],
  });
}

export function layoutSuite(name: string, target: () => Target): void {
  describe(`${name}: a Customer Insights export`, () => {
    const root = "ci/CustomerInsights_abcd/BlobExport/";
    const newest = "HighValueSegment/2026/12/01/0900/";
    const options: OpenSegmentOptions = { format: "customer-insights", table: "HighValueSegment" };

    it("reads every part of the newest run, with the columns of its model.json entity", async () => {
      const t = target();
      await t.put(`${root}HighValueSegment/2026/11/30/0900/HighValueSegment_1.csv`, `${ciRow("old", 1)}\n${ciRow("old", 2)}\n`);
      await t.put(`${root}HighValueSegment/2026/11/30/0900/HighValueSegment_2.csv`, `${ciRow("old", 3)}\n`);
      await t.put(`${root}${newest}HighValueSegment_1.csv`, `${ciRow("new", 1)}\n${ciRow("new", 2)}\n${ciRow("new", 3)}\n`);
      // A value with the delimiter, quoted; a short row (written before FirstName was added) is padded.
      await t.put(`${root}${newest}HighValueSegment_2.csv`, `new-4,new-4@example.com,"Smith, Ann"\r\nnew-5,new-5@example.com\r\n`);
      await t.put(`${root}${newest}HighValueSegment_3.csv`, `${ciRow("new", 6)}\n`);
      await t.put(`${root}model.json`, modelJson([1, 2, 3].map((n) => `${newest}HighValueSegment_${n}.csv`)));

      const { segment, rows } = await read(t.location(root), options);
      expect(segment.columns).toEqual(CI_COLUMNS);
      expect(rows.map((r) => r.values)).toEqual([
        { CustomerId: "new-1", EmailAddress: "new-1@example.com", FirstName: "Name 1" },
        { CustomerId: "new-2", EmailAddress: "new-2@example.com", FirstName: "Name 2" },
        { CustomerId: "new-3", EmailAddress: "new-3@example.com", FirstName: "Name 3" },
        { CustomerId: "new-4", EmailAddress: "new-4@example.com", FirstName: "Smith, Ann" },
        { CustomerId: "new-5", EmailAddress: "new-5@example.com", FirstName: undefined },
        { CustomerId: "new-6", EmailAddress: "new-6@example.com", FirstName: "Name 6" },
      ]);
      // Headerless: the first line is row 1 of its part; rowNumber stays unique across parts.
      expect(rows.map((r) => [r.rowNumber, rowLabel(r)])).toEqual([
        [1, "part 1, row 1"],
        [2, "part 1, row 2"],
        [3, "part 1, row 3"],
        [4, "part 2, row 1"],
        [5, "part 2, row 2"],
        [6, "part 3, row 1"],
      ]);
      expect(segment.run?.folder).toBe(t.shown(`${root}${newest}`));
      expect(segment.run?.reason).toBe("the newest run (3 parts), complete: model.json lists its 3 partition(s)");
      expect(segment.run?.columnsFrom).toBe("model.json entity HighValueSegment (3 attributes); no header row (a first line repeating the names is skipped)");
      expect(segment.parts?.map((p) => p.resolved)).toEqual([1, 2, 3].map((n) => t.shown(`${root}${newest}HighValueSegment_${n}.csv`)));
    });

    it("does not use a newer run that is still being written, and says so; uses it once it has settled", async () => {
      const t = target();
      const writing = "HighValueSegment/2026/12/01/1000/";
      await t.put(`${root}${writing}HighValueSegment_1.csv`, `${ciRow("partial", 1)}\n`);
      const { segment, rows } = await read(t.location(root), options);
      expect(rows.map((r) => r.values.CustomerId)).toEqual(["new-1", "new-2", "new-3", "new-4", "new-5", "new-6"]);
      expect(segment.run?.folder).toBe(t.shown(`${root}${newest}`));
      expect(segment.run?.reason).toMatch(
        new RegExp(
          `^the newest complete run \\(3 parts\\), complete: model\\.json lists its 3 partition\\(s\\); not used: ${escape(t.shown(`${root}${writing}`))} \\(a file of it changed \\d+ s ago; without a _SUCCESS marker or a manifest it counts as complete after 15 min without changes \\(segment\\.settleMinutes\\)\\)$`,
        ),
      );
      // Two hours later nothing changed: the run counts as complete (settle rule) and is read.
      const settled = await read(t.location(root), { ...options, now: later });
      expect(settled.rows.map((r) => r.values.CustomerId)).toEqual(["partial-1"]);
      expect(settled.segment.run?.reason).toMatch(/^the newest run \(1 part\), complete: no file of it changed for 2\.0 h \(settle time 15 min\)$/);
      // A second read pinned to the first one's parts reads the same run, even though a newer one now counts.
      const again = await read(t.location(root), { ...options, now: later, pin: segment.pin! });
      expect(again.rows.map((r) => r.values.CustomerId)).toEqual(["new-1", "new-2", "new-3", "new-4", "new-5", "new-6"]);
      expect(again.segment.run).toEqual(segment.run);
    });

    it("fails a pinned read when a pinned part changed since", async () => {
      const t = target();
      const dir = "pinned/";
      await t.put(`${dir}part-0.csv`, "email\na@x.io\n");
      await t.put(`${dir}_SUCCESS`, "");
      const first = await read(t.location(dir), { format: "csv", parts: "all" });
      await new Promise((r) => setTimeout(r, 20));
      await t.put(`${dir}part-0.csv`, "email\nb@x.io\nc@x.io\n");
      const e = await readFails(t.location(dir), { format: "csv", parts: "all", pin: first.segment.pin! });
      // The pin is what the plan read: a changed part is SEGMENT_CHANGED (exit 1), checked before any row is read.
      expect(e.message).toMatch(/part-0\.csv (changed after the plan read it \(size or modification time differs\)|was replaced after the plan read it \(ETag .+\)); nothing unplanned was sent; run again$/);
      expect((e as AcExportError).code).toBe("SEGMENT_CHANGED");
    });

    it("exits 2 with a message when no run is complete", async () => {
      const t = target();
      const only = "ci2/CustomerInsights_abcd/Export2/";
      await t.put(`${only}model.json`, modelJson([]));
      await t.put(`${only}HighValueSegment/2026/12/01/1100/HighValueSegment_1.csv`, `${ciRow("x", 1)}\n`);
      const e = await readFails(t.location(only), options);
      expect(e).toBeInstanceOf(SegmentNotReadyError);
      expect((e as SegmentError).exitCode).toBe(2);
      expect(e.message).toMatch(/^no complete run to read yet, nothing was synced: .*HighValueSegment\/2026\/12\/01\/1100\/ \(a file of it changed \d+ s ago;.*\)\. Run again when the export has finished$/);
    });

    it("names what is wrong: no model.json, no such entity", async () => {
      const t = target();
      await t.put("ci3/Export3/HighValueSegment/2026/12/01/1100/HighValueSegment_1.csv", `${ciRow("x", 1)}\n`);
      const none = await readFails(t.location("ci3/Export3/"), options);
      expect(none.message).toBe(
        `no model.json at ${t.shown("ci3/Export3/model.json")}: Customer Insights writes it next to the table folders, so segment.source must be the …/CustomerInsights_<instanceId>/<ExportName>/ folder (or give segment.columns)`,
      );
      const missing = await readFails(t.location(root), { ...options, table: "Churners" });
      expect(missing.message).toBe(`${t.shown(`${root}model.json`)} has no entity "Churners" (segment.table); it has "OtherTable", "HighValueSegment"`);
    });
  });

  describe(`${name}: warehouse unloads`, () => {
    const records = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `user${from + k}@example.com,Name ${from + k},gold`);

    it("reads a gzip multi-part Snowflake unload, headerless with columns from the config", async () => {
      const t = target();
      const dir = "unload/vip/";
      await t.put(`${dir}data_0_0_0.csv.gz`, gzipSync(`${records(0, 1000).join("\n")}\n`));
      await t.put(`${dir}data_0_1_0.csv.gz`, gzipSync(`${records(1000, 1500).join("\n")}\n`));
      await t.put(`${dir}data_0_2_0.csv.gz`, gzipSync(`${records(1500, 1501).join("\n")}\n`));
      const options: OpenSegmentOptions = { format: "csv", header: false, columnNames: ["email", "name", "tier"], parts: "all", batchSize: 400 };
      const { segment, rows } = await read(t.location(dir), { ...options, now: later });
      expect(segment.columns).toEqual(["email", "name", "tier"]);
      expect(rows.length).toBe(1501);
      expect(rows.map((r) => r.values.email)).toEqual(Array.from({ length: 1501 }, (_, i) => `user${i}@example.com`));
      expect(new Set(rows.map((r) => r.rowNumber)).size).toBe(1501);
      expect(rowLabel(rows[1200]!)).toBe("part 2, row 201");
      expect(segment.run?.reason).toMatch(/^the newest run \(3 parts\), complete: no file of it changed for 2\.0 h \(settle time 15 min\)$/);

      // Just written, with no marker: not complete yet.
      const fresh = await readFails(t.location(dir), options);
      expect(fresh).toBeInstanceOf(SegmentNotReadyError);
      // Without "parts": "all", the old newest-file reading refuses instead of reading one part.
      const one = await readFails(t.location(dir), { format: "csv", header: false, columnNames: ["email", "name", "tier"] });
      expect(one.message).toMatch(
        /holds 3 \.csv files that look like parts of one run \("data_0_\d_0\.csv\.gz", "data_0_\d_0\.csv\.gz", "data_0_\d_0\.csv\.gz"\); reading only the newest would miss members\. Set "parts": "all" in segment to read every part of the newest complete run, or point segment\.source at one file$/,
      );
    });

    it("reads Parquet parts and gzip JSON Lines parts, numbering rows per part", async () => {
      const t = target();
      const parquet = (from: number, count: number) =>
        Buffer.from(
          parquetWriteBuffer({
            columnData: [
              { name: "email", data: Array.from({ length: count }, (_, i) => `p${from + i}@x.io`), type: "STRING" },
              { name: "n", data: Array.from({ length: count }, (_, i) => from + i), type: "INT32" },
            ],
          }),
        );
      await t.put("pq/vip/data_0_0_0.snappy.parquet", parquet(0, 3));
      await t.put("pq/vip/data_0_1_0.snappy.parquet", parquet(3, 2));
      await t.put("pq/vip/_SUCCESS", "");
      const pq = await read(t.location("pq/vip/"), { format: "parquet", parts: "all", columns: ["email"] });
      expect(pq.segment.columns).toEqual(["email", "n"]);
      expect(pq.rows.map((r) => [rowLabel(r), r.values.email])).toEqual([
        ["part 1, row 1", "p0@x.io"],
        ["part 1, row 2", "p1@x.io"],
        ["part 1, row 3", "p2@x.io"],
        ["part 2, row 1", "p3@x.io"],
        ["part 2, row 2", "p4@x.io"],
      ]);
      await t.put("js/vip/part-00000-a.json.gz", gzipSync('{"email":"j0@x.io"}\n{"email":"j1@x.io"}\n'));
      await t.put("js/vip/part-00001-a.json.gz", gzipSync('{"email":"j2@x.io","tier":"gold"}\n'));
      await t.put("js/vip/_SUCCESS", "");
      const js = await read(t.location("js/vip/"), { format: "jsonl", parts: "all" });
      expect(js.rows.map((r) => [r.rowNumber, rowLabel(r), { ...r.values }])).toEqual([
        [1, "part 1, row 1", { email: "j0@x.io" }],
        [2, "part 1, row 2", { email: "j1@x.io" }],
        [3, "part 2, row 1", { email: "j2@x.io", tier: "gold" }],
      ]);
    });

    it("reads a Spark folder with _SUCCESS, ignoring markers, checksums and hidden files", async () => {
      const t = target();
      const dir = "spark/vip/";
      const uuid = "5b1e9f4a-3c2d-4e8f-9a7b-1c2d3e4f5a6b";
      await t.put(`${dir}part-00000-${uuid}-c000.csv`, `email,name,tier\n${records(0, 3).join("\n")}\n`);
      await t.put(`${dir}part-00001-${uuid}-c000.csv`, "email,name,tier\n"); // an empty partition: header only
      await t.put(`${dir}part-00002-${uuid}-c000.csv`, `email,name,tier\n${records(3, 5).join("\n")}\n`);
      await t.put(`${dir}.part-00000-${uuid}-c000.csv.crc`, "crc");
      await t.put(`${dir}_started_42`, "");
      await t.put(`${dir}_committed_42`, "{}");
      await t.put(`${dir}_SUCCESS`, "");
      const { segment, rows } = await read(t.location(dir), { format: "csv", parts: "all" });
      expect(rows.map((r) => [rowLabel(r), r.values.email])).toEqual([
        ["part 1, row 2", "user0@example.com"],
        ["part 1, row 3", "user1@example.com"],
        ["part 1, row 4", "user2@example.com"],
        ["part 3, row 2", "user3@example.com"],
        ["part 3, row 3", "user4@example.com"],
      ]);
      expect(segment.run?.reason).toBe("the newest run (3 parts), complete: it has a _SUCCESS marker");
    });

    it("does not read a Spark folder whose job has not finished (no _SUCCESS, an open _started_)", async () => {
      const t = target();
      const dir = "spark/running/";
      await t.put(`${dir}part-00000-x-c000.csv`, `email\n${records(0, 2).join("\n")}\n`);
      await t.put(`${dir}_started_7`, "");
      const e = await readFails(t.location(dir), { format: "csv", parts: "all", now: later });
      expect(e).toBeInstanceOf(SegmentNotReadyError);
      expect(e.message).toBe(`no complete run to read yet, nothing was synced: ${t.shown(dir)} (_started_7 has no _committed_7 yet). Run again when the export has finished`);
    });
  });

  describe(`${name}: CSV dialects`, () => {
    it("parses an ADF-escaped CSV (backslash escapes) exactly", async () => {
      const t = target();
      const text =
        'email,note,path\r\n' +
        'ann@example.com,"she said \\"hi\\", then left","C:\\\\data\\\\"\r\n' +
        'bob@example.com,"two\r\nlines",plain\\path\r\n' +
        'cy@example.com,"",\r\n';
      await t.put("adf/vip.csv", text);
      const { rows } = await read(t.location("adf/vip.csv"), { format: "csv", escape: "backslash" });
      expect(rows.map((r) => ({ ...r.values }))).toEqual([
        { email: "ann@example.com", note: 'she said "hi", then left', path: "C:\\data\\" },
        { email: "bob@example.com", note: "two\r\nlines", path: "plain\\path" },
        { email: "cy@example.com", note: "", path: "" },
      ]);
      expect(rows.map((r) => r.rowNumber)).toEqual([2, 3, 4]);
    });
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
