import { afterAll, describe, expect, it } from "vitest";
import { CsvReader } from "../../../runner/segment/csv.js";
import { openSegment, SegmentError, type SegmentRow } from "../../../runner/segment/index.js";
import { openText, type TextChunk } from "../../../runner/segment/text.js";
import { fixture, FIXTURES, plain, readAll, readError, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const csv = (data: string | Buffer) => tmp.file(`t${n++}.csv`, data);

describe("CSV dialect", () => {
  it("reads a header, quoted fields with delimiters, doubled quotes and line breaks, a BOM and CRLF", async () => {
    const r = await readAll(
      csv('\uFEFFemail,first_name,note\r\nann@example.com,"Smith, Ann","said ""hi""\r\nthen left"\r\nbob@example.com,Bob,\r\n'),
      { format: "csv" },
    );
    expect(r.columns).toEqual(["email", "first_name", "note"]);
    expect(plain(r.rows)).toEqual([
      { rowNumber: 2, values: { email: "ann@example.com", first_name: "Smith, Ann", note: 'said "hi"\r\nthen left' } },
      { rowNumber: 3, values: { email: "bob@example.com", first_name: "Bob", note: "" } },
    ]);
  });

  it("numbers rows as a spreadsheet does: header 1, a multi-line record is one row, blank lines count but are skipped", async () => {
    const r = await readAll(csv('email,note\na@x.io,"line 1\nline 2\nline 3"\n\nb@x.io,x\n\n\nc@x.io,y'), { format: "csv" });
    expect(r.rows.map((row) => [row.rowNumber, row.values.email])).toEqual([
      [2, "a@x.io"],
      [4, "b@x.io"],
      [7, "c@x.io"],
    ]);
  });

  it.each([
    ["comma", "email,name,tier\na@x.io,Ann,gold\n", ","],
    ["semicolon", "email;name;tier\na@x.io;Ann;gold\n", ";"],
    ["tab", "email\tname\ttier\na@x.io\tAnn\tgold\n", "\t"],
    ["pipe", "email|name|tier\na@x.io|Ann|gold\n", "|"],
  ])("detects the %s delimiter from the header line", async (_name, text, _d) => {
    const r = await readAll(csv(text), { format: "csv" });
    expect(r.columns).toEqual(["email", "name", "tier"]);
    expect(plain(r.rows)).toEqual([{ rowNumber: 2, values: { email: "a@x.io", name: "Ann", tier: "gold" } }]);
  });

  it("detects by count outside quotes, ties go to , then ; then tab then |", async () => {
    // Two ";" outside quotes beat the "," inside the quoted header name.
    const r1 = await readAll(csv('"name, full";email;tier\nAnn;a@x.io;gold\n'), { format: "csv" });
    expect(r1.columns).toEqual(["name, full", "email", "tier"]);
    const r2 = await readAll(csv("a,b;c\n1,2;3\n"), { format: "csv" });
    expect(r2.columns).toEqual(["a", "b;c"]);
    // A single column: no delimiter at all.
    const r3 = await readAll(csv("email\na@x.io\n"), { format: "csv" });
    expect(plain(r3.rows)).toEqual([{ rowNumber: 2, values: { email: "a@x.io" } }]);
  });

  it("uses a forced delimiter instead of detecting (any ASCII character), and refuses an unsupported one", async () => {
    const r = await readAll(csv("email;name,x\na@x.io;Ann,1\n"), { format: "csv", delimiter: "," });
    expect(r.columns).toEqual(["email;name", "x"]);
    const colon = await readAll(csv("a:b\n1:2\n"), { format: "csv", delimiter: ":" });
    expect(plain(colon.rows)).toEqual([{ rowNumber: 2, values: { a: "1", b: "2" } }]);
    const e = await readError(csv('a"b\n'), { format: "csv", delimiter: '"' });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toMatch(/: unsupported CSV delimiter "\\"": it cannot be a quote or a line break$/);
    const multi = await readError(csv("a::b\n"), { format: "csv", delimiter: "::" });
    expect(multi.message).toMatch(/: unsupported CSV delimiter "::": it must be one ASCII character$/);
  });

  it("accepts LF, CRLF and lone CR line ends, with or without a final line break", async () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      for (const last of ["", eol, eol + eol]) {
        const r = await readAll(csv(["email,name", "a@x.io,Ann", "b@x.io,Bob"].join(eol) + last), { format: "csv" });
        expect(plain(r.rows), JSON.stringify({ eol, last })).toEqual([
          { rowNumber: 2, values: { email: "a@x.io", name: "Ann" } },
          { rowNumber: 3, values: { email: "b@x.io", name: "Bob" } },
        ]);
      }
    }
  });

  it("leaves missing cells undefined, ignores trailing empty fields, and flags rows with extra values", async () => {
    const r = await readAll(fixture("more-fields.csv"), { format: "csv" });
    expect(plain(r.rows)).toEqual([
      { rowNumber: 2, values: { email: "a@example.com", first_name: "Ann" } },
      {
        rowNumber: 3,
        values: { email: "b@example.com", first_name: "Smith" },
        problem: 'row has 3 fields but the header has 2 columns (a value containing an unquoted ","?)',
      },
      { rowNumber: 4, values: { email: "c@example.com", first_name: "Cy" } },
    ]);
    const short = await readAll(csv("email,first,last\na@x.io\nb@x.io,Bo\n"), { format: "csv" });
    expect(short.rows.map((row) => row.values)).toEqual([
      { email: "a@x.io", first: undefined, last: undefined },
      { email: "b@x.io", first: "Bo", last: undefined },
    ]);
    expect(short.rows[0]!.problem).toBeUndefined();
  });

  it("keeps empty cells as empty strings, and a quoted empty field too", async () => {
    const r = await readAll(csv('email,name,tier\na@x.io,,""\n'), { format: "csv" });
    expect(r.rows[0]!.values).toEqual({ email: "a@x.io", name: "", tier: "" });
  });

  it("is lenient where it is safe: a quote inside an unquoted value, text after a closing quote", async () => {
    const r = await readAll(csv('email,name\na@x.io,O"Neil\nb@x.io,"Bo"b\n'), { format: "csv" });
    expect(r.rows.map((row) => row.values.name)).toEqual(['O"Neil', "Bob"]);
  });

  it("decodes only the columns asked for", async () => {
    const r = await readAll(csv("id,email,name,tier\n1,a@x.io,Ann,gold\n2,b@x.io,Bob,\n"), { format: "csv", columns: ["email", "tier", "nope"] });
    expect(r.columns).toEqual(["id", "email", "name", "tier"]);
    expect(r.rows.map((row) => row.values)).toEqual([
      { email: "a@x.io", tier: "gold" },
      { email: "b@x.io", tier: "" },
    ]);
  });

  it("yields batches of batchSize rows", async () => {
    const body = Array.from({ length: 7 }, (_, i) => `u${i}@x.io`).join("\n");
    const r = await readAll(csv(`email\n${body}\n`), { format: "csv", batchSize: 3 });
    expect(r.batchSizes).toEqual([3, 3, 1]);
    expect(r.rows.map((row) => row.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it("keeps a column named __proto__ as an ordinary value (no prototype pollution)", async () => {
    const r = await readAll(csv('email,__proto__,constructor\na@x.io,{"polluted":1},x\n'), { format: "csv" });
    const values = r.rows[0]!.values;
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.keys(values)).toEqual(["email", "__proto__", "constructor"]);
    expect(values["__proto__"]).toBe('{"polluted":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("decodes UTF-16 (little and big endian) with a byte-order mark", async () => {
    const le = await readAll(fixture("utf16le-bom.csv"), { format: "csv" });
    expect(plain(le.rows)).toEqual([
      { rowNumber: 2, values: { email: "chloe@example.com", first_name: "Chloé" } },
      { rowNumber: 3, values: { email: "łukasz@example.com", first_name: "Łukasz 😀" } },
    ]);
    const be = await readAll(fixture("utf16be-bom.csv"), { format: "csv" });
    expect(plain(be.rows)).toEqual([{ rowNumber: 2, values: { email: "chloe@example.com", first_name: "Chloé" } }]);
  });

  it("stops with the signal's reason when aborted between batches", async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `u${i}@x.io`).join("\n");
    const controller = new AbortController();
    const seg = await openSegment(csv(`email\n${body}\n`), { format: "csv", batchSize: 100, signal: controller.signal });
    let seen = 0;
    const e = await (async () => {
      try {
        for await (const batch of seg.batches()) {
          seen += batch.length;
          if (seen >= 300) controller.abort(new Error("stop now"));
        }
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    await seg.close();
    expect(e?.message).toBe("stop now");
    expect(seen).toBe(300);
    expect(() => seg.batches()).toThrow(/can be read once; open the segment again to re-read it$/);
  });

  it("reads a header-only file as no rows", async () => {
    const r = await readAll(fixture("header-only.csv"), { format: "csv" });
    expect(r.columns).toEqual(["email", "first_name", "last_name"]);
    expect(r.rows).toEqual([]);
  });
});

describe("CSV chunk boundaries", () => {
  // A seeded generator of awkward records, serialized, then parsed from chunks cut at every kind of place.
  function rng(seed: number) {
    return () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
  }
  const pieces = ["a", "bc", ",", '"', "\n", "\r\n", "é", "😀", " ", "x@y.io", '""', ";"];

  it("parses the same rows whatever the chunk sizes", async () => {
    const rand = rng(42);
    const cols = ["c1", "c2", "c3"];
    const expected: SegmentRow[] = [];
    let text = cols.join(",") + "\n";
    for (let i = 0; i < 400; i++) {
      const values: Record<string, string> = {};
      const cells = cols.map((c, k) => {
        let v = k === 0 ? `r${i}` : "";
        const len = Math.floor(rand() * 6);
        for (let j = 0; j < len; j++) v += pieces[Math.floor(rand() * pieces.length)];
        values[c] = v;
        return /[",\r\n]/.test(v) || (k === 0 && v === "") ? `"${v.replaceAll('"', '""')}"` : v;
      });
      expected.push({ rowNumber: i + 2, values });
      text += cells.join(",") + (rand() < 0.5 ? "\n" : "\r\n");
    }
    const bytes = Buffer.from(text, "utf8");
    for (const mode of ["1", "2", "7", "random"]) {
      const chunks: TextChunk[] = [];
      for (let pos = 0; pos < bytes.length; ) {
        const size = mode === "random" ? 1 + Math.floor(rand() * 300) : Number(mode);
        chunks.push({ bytes: bytes.subarray(pos, pos + size) });
        pos += size;
      }
      const reader = new CsvReader(
        (async function* () {
          yield* chunks;
        })(),
        { name: "mem.csv", delimiter: "," },
      );
      await reader.readHeader();
      const rows: SegmentRow[] = [];
      for (let b = await reader.nextBatch(50); b; b = await reader.nextBatch(50)) rows.push(...b);
      expect(plain(rows), `chunks of ${mode}`).toEqual(expected);
    }
  });

  it("reassembles UTF-8 characters split between source chunks", async () => {
    // Source chunks above the coalescing size, cut inside 2-, 3- and 4-byte characters.
    const line = "é€😀";
    const text = `name\n${line.repeat(120_000)}\n`;
    const bytes = Buffer.from(text);
    const cuts = [300_001, 600_002, 900_003, bytes.length];
    const decoded = await openText(
      (async function* () {
        let from = 0;
        for (const cut of cuts) {
          yield bytes.subarray(from, cut);
          from = cut;
        }
      })(),
    );
    const out: Buffer[] = [];
    for await (const c of decoded.chunks) {
      expect(c.stop).toBeUndefined();
      out.push(c.bytes);
    }
    expect(Buffer.concat(out).toString("utf8")).toBe(text);
  });
});

describe("CSV errors name the file and the row", () => {
  const path = (name: string) => `${FIXTURES}/${name}`;

  it.each([
    ["empty.csv", 1, "the file is empty: expected a header row naming the columns (e.g. email,first_name,last_name)"],
    ["bom-only.csv", 1, "the file is empty: expected a header row naming the columns (e.g. email,first_name,last_name)"],
    ["blank-first-line.csv", 1, "row 1 is empty: the first row must be the header naming the columns (e.g. email,first_name,last_name)"],
    ["duplicate-header.csv", 1, 'the header names column "first_name" twice (columns 2 and 4); column names must be unique'],
    ["empty-header-column.csv", 1, 'header column 2 has no name (row 1: "email,,last_name"); every column needs a unique name'],
    [
      "truncated.csv",
      3,
      'row 3: field 3 opens a quote that is never closed before the end of the file; is the file truncated, or is a quote inside a value not doubled ("")?',
    ],
    [
      "latin1.csv",
      4,
      'row 4 is not valid UTF-8 (a Latin-1 or Windows-1252 export?); re-export the file as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")',
    ],
    [
      "binary.csv",
      2,
      'row 2 contains a NUL byte: this looks like a binary file or UTF-16 text without a byte-order mark, not CSV; save it as "CSV UTF-8"',
    ],
    [
      "utf16le-no-bom.csv",
      1,
      'row 1 contains a NUL byte: this looks like a binary file or UTF-16 text without a byte-order mark, not CSV; save it as "CSV UTF-8"',
    ],
  ])("%s", async (name, row, message) => {
    const e = await readError(fixture(name), { format: "csv" });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`${path(name)}: ${message}`);
    expect(e.rowNumber).toBe(row);
  });

  it("names a binary format picked by mistake", async () => {
    const e = await readError(fixture("xlsx-renamed.csv"), { format: "csv" });
    expect(e.message).toBe(`${path("xlsx-renamed.csv")} is a ZIP archive (an Excel .xlsx workbook?), not text; save it as "CSV UTF-8" instead`);
    const gz = await readError(csv(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])), { format: "csv" });
    expect(gz.message).toMatch(/ is gzip-compressed; decompress it first$/);
    const pq = await readError(csv(Buffer.from("PAR1\x15\x04\x15\x00")), { format: "csv" });
    expect(pq.message).toMatch(/ is a Parquet file; set segment.format to "parquet"$/);
  });

  it("finds the exact row of a bad byte deep in a large file", async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `user${i}@example.com,"Name ${i}"`).join("\n");
    const file = csv(Buffer.concat([Buffer.from(`email,name\n${rows}\n`), Buffer.from("bad@example.com,Jos\xe9\n", "latin1")]));
    const e = await readError(file, { format: "csv" });
    expect(e.rowNumber).toBe(60_002);
    expect(e.message).toContain(": row 60002 is not valid UTF-8");
  });

  it("fails a 10 MB single field quickly and clearly, without buffering it", async () => {
    const big = "x".repeat(10 * 1024 * 1024);
    const t0 = performance.now();
    const e = await readError(csv(`email,note\na@x.io,ok\nb@x.io,${big}\n`), { format: "csv" });
    expect(e.message).toMatch(/: row 3: field 2 is longer than 1 MiB$/);
    expect(e.rowNumber).toBe(3);
    const q = await readError(csv(`email,note\na@x.io,"${big}"\n`), { format: "csv" });
    expect(q.message).toMatch(/: row 2: field 2 is longer than 1 MiB \(a quoted field whose closing quote is missing\?\)$/);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("a stray quote in a large file fails at the 1 MiB field limit, not at the end of the file", async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => `user${i}@example.com,Name ${i}`);
    rows[10] = 'user10@example.com,"Name 10';
    const e = await readError(csv(`email,name\n${rows.join("\n")}\n`), { format: "csv" });
    expect(e.message).toMatch(/: row 12: field 2 is longer than 1 MiB \(a quoted field whose closing quote is missing\?\)$/);
  });

  it("limits a record to 8 MiB", async () => {
    const cell = "y".repeat(900 * 1024);
    const header = Array.from({ length: 12 }, (_, i) => `c${i}`).join(",");
    const e = await readError(csv(`${header}\n${Array(12).fill(cell).join(",")}\n`), { format: "csv" });
    expect(e.message).toMatch(/: row 2 is longer than 8 MiB$/);
  });

  it("reports a missing file and a folder", async () => {
    const e = await readError({ kind: "file", path: `${tmp.dir}/nope.csv` }, { format: "csv" });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`segment file not found: ${tmp.dir}/nope.csv`);
    // A folder is read as a folder of files: here many same-pattern files written together, i.e. parts of one run.
    const d = await readError({ kind: "file", path: tmp.dir }, { format: "csv" });
    expect(d.message).toMatch(new RegExp(`^${tmp.dir}/ holds \\d+ \\.csv files that look like parts of one run \\(`));
    expect(d.message).toMatch(/Set "parts": "all" in segment to read every part of the newest complete run, or point segment.source at one file$/);
  });
});
