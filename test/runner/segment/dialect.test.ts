// CSV dialects of exported segments: headerless (names given; a first line repeating them is a header), a header
// known to be there, no quoting (CDM QuoteStyle.None), backslash escapes, short rows padded, and messages that name
// rows and fields by position, never by a customer's values.
import { afterAll, describe, expect, it } from "vitest";
import { openSegment, rowLabel, SegmentError, type OpenSegmentOptions } from "../../../runner/segment/index.js";
import { plain, readAll, readError, tempDir } from "./helpers.js";

const tmp = tempDir("segment-dialect-");
afterAll(() => tmp.cleanup());
let n = 0;
const csv = (data: string | Buffer, ext = "csv") => tmp.file(`d${n++}.${ext}`, data);
const headerless = (names: string[], extra: Partial<OpenSegmentOptions> = {}): OpenSegmentOptions => ({ format: "csv", header: false, columnNames: names, ...extra });

describe("headerless CSV", () => {
  it("names the columns from the config; the first line is row 1", async () => {
    const r = await readAll(csv("ann@x.io,Ann\nbob@x.io,Bob\n"), headerless(["email", "name"]));
    expect(r.columns).toEqual(["email", "name"]);
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "ann@x.io", name: "Ann" } },
      { rowNumber: 2, values: { email: "bob@x.io", name: "Bob" } },
    ]);
  });

  it("takes a first line that repeats the names (any case, spaces) as a header", async () => {
    const r = await readAll(csv("Email , NAME\nann@x.io,Ann\n"), headerless(["email", "name"]));
    expect(plain(r.rows)).toEqual([{ rowNumber: 2, values: { email: "ann@x.io", name: "Ann" } }]);
    // Written before "tier" was added: the header names a prefix of the columns.
    const older = await readAll(csv("email,name\nbob@x.io,Bob\n"), headerless(["email", "name", "tier"]));
    expect(plain(older.rows)).toEqual([{ rowNumber: 2, values: { email: "bob@x.io", name: "Bob", tier: undefined } }]);
  });

  it("detects the delimiter that splits the first line into as many fields as there are names", async () => {
    // Both ";" and "," occur; only ";" gives 3 fields.
    const r = await readAll(csv("ann@x.io;Smith, Ann;gold\n"), headerless(["email", "name", "tier"]));
    expect(plain(r.rows)).toEqual([{ rowNumber: 1, values: { email: "ann@x.io", name: "Smith, Ann", tier: "gold" } }]);
  });

  it("pads a short row (written before a column was added) and reads an empty file as no rows", async () => {
    const r = await readAll(csv("a@x.io\nb@x.io,Bob,gold\n"), headerless(["email", "name", "tier"]));
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "a@x.io", name: undefined, tier: undefined } },
      { rowNumber: 2, values: { email: "b@x.io", name: "Bob", tier: "gold" } },
    ]);
    const empty = await readAll(csv(""), headerless(["email"]));
    expect(empty.rows).toEqual([]);
    expect(empty.columns).toEqual(["email"]);
  });

  it("reads a single gzip file by its .gz name", async () => {
    const { gzipSync } = await import("node:zlib");
    const r = await readAll(csv(gzipSync("email\nann@x.io\n"), "csv.gz"), { format: "csv" });
    expect(plain(r.rows)).toEqual([{ rowNumber: 2, values: { email: "ann@x.io" } }]);
    const broken = await readError(csv(Buffer.from("not gzip at all"), "csv.gz"), { format: "csv" });
    expect(broken).toBeInstanceOf(SegmentError);
    expect(broken.message).toMatch(/d\d+\.csv\.gz is not valid gzip \(corrupt data\); its name ends in \.gz$/);
  });
});

describe("quotes and escapes", () => {
  it("backslash mode: \\\" is a quote, \\\\ a backslash, other backslashes stay; a quote never closes early", async () => {
    const r = await readAll(csv('a,b\n"x\\"y","\\\\"\n"1\\\\\\"2",c\\d\n'), { format: "csv", escape: "backslash" });
    expect(r.rows.map((row) => ({ ...row.values }))).toEqual([
      { a: 'x"y', b: "\\" },
      { a: '1\\"2', b: "c\\d" },
    ]);
  });

  it("doubled mode (default) keeps backslashes literally", async () => {
    const r = await readAll(csv('a\n"C:\\dir\\"\n'), { format: "csv" });
    expect(r.rows.map((row) => row.values.a)).toEqual(["C:\\dir\\"]);
  });

  it("never prints a customer's values in a row problem or a parse error", async () => {
    const r = await readAll(csv("email,name\nsecret@x.io,Very Secret,extra,more\n"), { format: "csv" });
    expect(r.rows[0]!.problem).toBe('row has 4 fields but the header has 2 columns (a value containing an unquoted ","?)');
    const e = await readError(csv('email,name\nsecret@x.io,"Very Secret\n'), { format: "csv" });
    expect(e.message).not.toMatch(/secret/i);
    expect(e.message).toMatch(/row 2: field 2 opens a quote that is never closed/);
    const h = await readAll(csv("secret@x.io,Very Secret,extra\n"), headerless(["email", "name"]));
    expect(h.rows[0]!.problem).toBe('row has 3 fields but the segment has 2 columns (a value containing an unquoted ","?)');
  });

  it("JSON Lines parse errors do not quote the line", async () => {
    const r = await readAll(csv("secret@x.io\n", "jsonl"), { format: "jsonl" });
    expect(r.rows[0]!.problem).toBe("line is not valid JSON (Unexpected token)");
  });
});

describe("row labels", () => {
  it("say the part only in multi-part segments", () => {
    expect(rowLabel({ rowNumber: 1204 })).toBe("row 1,204");
    expect(rowLabel({ rowNumber: 9999, part: 3, partRow: 1204 })).toBe("part 3, row 1,204");
  });
});

describe("headerless needs names", () => {
  it("fails clearly without them", async () => {
    await expect(openSegment(csv("a@x.io\n"), { format: "csv", header: false })).rejects.toThrow(/a CSV without a header row needs the column names/);
  });
});
