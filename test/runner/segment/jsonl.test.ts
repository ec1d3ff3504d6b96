import { afterAll, describe, expect, it } from "vitest";
import { SegmentError } from "../../../runner/segment/index.js";
import { fixture, FIXTURES, plain, readAll, readError, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const jsonl = (data: string | Buffer) => tmp.file(`t${n++}.jsonl`, data);

describe("JSON Lines", () => {
  it("reads objects, keeps each value's JSON type (objects as JSON text), and turns bad lines into problem rows numbered by line", async () => {
    const r = await readAll(fixture("broken.jsonl"), { format: "jsonl" });
    expect(r.columns).toEqual(["email", "first_name", "age", "vip", "tags", "address", "phone"]);
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "ann@example.com", first_name: "Ann" } },
      { rowNumber: 2, values: {}, problem: "line is not valid JSON (Expected ',' or '}' after property value in JSON at position 45)" },
      { rowNumber: 4, values: {}, problem: "line is an array, not a JSON object" },
      { rowNumber: 5, values: {}, problem: "line is a number, not a JSON object" },
      {
        rowNumber: 6,
        values: { email: "cy@example.com", age: 41, vip: true, tags: ["a", "b"], address: '{"city":"Lyon"}', phone: undefined },
      },
    ]);
  });

  it("takes columns from every record read, in order of first appearance", async () => {
    const r = await readAll(jsonl('{"email":"a@x.io"}\n{"email":"b@x.io","first_name":"Bo"}\n{"tier":"gold","email":"c@x.io"}\n'), {
      format: "jsonl",
      batchSize: 2,
    });
    // The third record is in the second batch: its key is a column once it was read (the union, issue #15).
    expect(r.columns).toEqual(["email", "first_name", "tier"]);
    expect(r.rows.map((row) => row.values)).toEqual([{ email: "a@x.io" }, { email: "b@x.io", first_name: "Bo" }, { tier: "gold", email: "c@x.io" }]);
    expect(r.batchSizes).toEqual([2, 1]);
  });

  it("accepts CRLF, a UTF-8 BOM, blank lines and a last line without a line break", async () => {
    const r = await readAll(jsonl('\uFEFF{"email":"a@x.io","n":1.5}\r\n  \r\n\r\n{"email":"b@x.io","n":-2,"ok":false}'), { format: "jsonl" });
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "a@x.io", n: 1.5 } },
      { rowNumber: 4, values: { email: "b@x.io", n: -2, ok: false } },
    ]);
  });

  it("keeps only the keys asked for", async () => {
    const r = await readAll(jsonl('{"id":1,"email":"a@x.io","name":"A"}\n'), { format: "jsonl", columns: ["email", "name"] });
    expect(r.columns).toEqual(["email", "name"]);
    expect(r.rows[0]!.values).toEqual({ email: "a@x.io", name: "A" });
  });

  it("keeps a __proto__ key as an ordinary value, polluting nothing", async () => {
    const r = await readAll(jsonl('{"email":"a@x.io","__proto__":{"polluted":1}}\n'), { format: "jsonl" });
    const values = r.rows[0]!.values;
    expect("toString" in values || "constructor" in values || (values as object) instanceof Object).toBe(false); // nothing inherited
    expect(r.rows[0]!.values["__proto__"]).toBe('{"polluted":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects a line over 1 MiB as a problem row without buffering it, and goes on", async () => {
    const big = `{"email":"a@x.io","note":"${"x".repeat(3 * 1024 * 1024)}"}`;
    const r = await readAll(jsonl(`{"email":"first@x.io"}\n${big}\n{"email":"last@x.io"}\n`), { format: "jsonl" });
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "first@x.io" } },
      { rowNumber: 2, values: {}, problem: "line is longer than 1 MiB" },
      { rowNumber: 3, values: { email: "last@x.io" } },
    ]);
  });

  it("an empty file has no rows and no columns", async () => {
    const r = await readAll(jsonl(""), { format: "jsonl" });
    expect(r).toMatchObject({ columns: [], rows: [] });
  });

  it("fails a file that is not UTF-8 or is binary, naming the line", async () => {
    const e = await readError(jsonl(Buffer.concat([Buffer.from('{"email":"a@x.io"}\n{"name":"Jos'), Buffer.from([0xe9]), Buffer.from('"}\n')])), {
      format: "jsonl",
    });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toMatch(/\.jsonl: line 2 is not valid UTF-8 \(a Latin-1 or Windows-1252 export\?\); re-export the file as UTF-8$/);
    expect(e.rowNumber).toBe(2);
    const b = await readError(fixture("binary.csv"), { format: "jsonl" });
    expect(b.message).toBe(
      `${FIXTURES}/binary.csv: line 2 contains a NUL byte: this looks like a binary file or UTF-16 text without a byte-order mark, not JSON Lines`,
    );
  });

  describe("hostile keys and values", () => {
    const objectProps = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__"];

    it("a key named like an Object property that a record lacks reads as undefined, not as something inherited", async () => {
      const lines = ['{"email":"a@x.io"}', `{"email":"b@x.io",${objectProps.map((k) => `"${k}":"${k}-value"`).join(",")}}`];
      for (const columns of [undefined, ["email", ...objectProps]]) {
        const r = await readAll(jsonl(`${lines.join("\n")}\n`), { format: "jsonl", ...(columns ? { columns } : {}) });
        for (const key of objectProps) {
          expect(r.rows[0]!.values[key], `${key} missing`).toBeUndefined();
          expect(r.rows[1]!.values[key], `${key} present`).toBe(`${key}-value`);
        }
      }
    });

    it("a mapped column named like an Object property, missing from a row, gives a blank value instead of a crash", async () => {
      const { parseExportConfig } = await import("../../../runner/config.js");
      const { toMember } = await import("../../../runner/sync/member.js");
      const { plainValueMapping } = await import("../../../runner/sync/value-mapping.js");
      const config = parseExportConfig({
        name: "t",
        connection: { name: "c", hostname: "contoso.api-us1.com" },
        listId: 12,
        segment: { source: "file:x.jsonl", format: "jsonl" },
        mappings: { email: "email", firstName: "constructor", lastName: "toString", fields: { TIER: "hasOwnProperty" } },
      });
      const r = await readAll(jsonl('{"email":"a@x.io"}\n{"email":"b@x.io","constructor":"Bea"}\n'), { format: "jsonl" });
      const members = r.rows.map((row) => toMember(row, config, plainValueMapping(config, new Map())));
      expect(members.map((m) => m.ok && [m.member.email, m.member.firstName, m.member.lastName])).toEqual([
        ["a@x.io", undefined, undefined],
        ["b@x.io", "Bea", undefined],
      ]);
    });

    it("refuses a record that names a key twice (JSON.parse would keep the last), naming the key", async () => {
      const r = await readAll(
        jsonl('{"email":"a@x.io","email":"b@x.io"}\n{"email":"c@x.io","x":{"email":1,"email":2}}\n{"\\u0065mail":"d@x.io","email":"e@x.io"}\n{"a\\"b":1,"a\\"b":2}\n'),
        { format: "jsonl" },
      );
      expect(plain(r.rows)).toEqual([
        { rowNumber: 1, values: {}, problem: 'line names the key "email" twice; keys must be unique in a record' },
        { rowNumber: 2, values: { email: "c@x.io", x: '{"email":2}' } }, // nested objects are values, passed on as JSON text
        { rowNumber: 3, values: {}, problem: 'line names the key "email" twice; keys must be unique in a record' },
        { rowNumber: 4, values: {}, problem: 'line names the key "a\\"b" twice; keys must be unique in a record' },
      ]);
    });

    it("names an invisible or very long duplicate key visibly and briefly", async () => {
      const long = "k".repeat(100_000);
      const r = await readAll(jsonl(`{"\uFEFFemail":1,"\uFEFFemail":2}\n{"${long}":1,"${long}":2}\n`), { format: "jsonl" });
      expect(r.rows.map((row) => row.problem)).toEqual([
        'line names the key "\\uFEFFemail" twice; keys must be unique in a record',
        `line names the key "${"k".repeat(80)}"… (100000 characters) twice; keys must be unique in a record`,
      ]);
    });

    it("turns a value nested too deeply to stringify into a problem row instead of a crash", async () => {
      const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
      const r = await readAll(jsonl(`{"email":"a@x.io","x":${deep}}\n{"email":"b@x.io"}\n`), { format: "jsonl" });
      expect(plain(r.rows)).toEqual([
        { rowNumber: 1, values: {}, problem: 'line\'s value for the key "x" is nested too deeply' },
        { rowNumber: 2, values: { email: "b@x.io" } },
      ]);
    });

    it("never shows the text of a broken line (the customer's data), so no control character reaches a terminal", async () => {
      const r = await readAll(jsonl('{"email":"a@x.io"}\n\u001b[2J\u001b]0;owned\u0007\n'), { format: "jsonl" });
      expect(r.rows[1]!.problem).toMatch(/^line is not valid JSON \(Unexpected token/);
      expect(r.rows[1]!.problem).not.toMatch(/[\u0000-\u001f]|owned|2J/);
    });

    it("knows every key of every record read: the union, in order of first appearance, past the first batch", async () => {
      const { JsonlReader } = await import("../../../runner/segment/jsonl.js");
      const lines = Array.from({ length: 2500 }, (_, i) => (i === 1999 ? `{"email":"u${i}@x.io","tier":"gold"}` : `{"email":"u${i}@x.io"}`));
      const bytes = Buffer.from(`${lines.join("\n")}\n`);
      async function* chunks() {
        for (let at = 0; at < bytes.length; at += 4096) yield { bytes: bytes.subarray(at, at + 4096) };
      }
      const reader = new JsonlReader(chunks(), { name: "t", columns: ["email"] });
      let rows = 0;
      for (let batch; (batch = await reader.nextBatch(1000)); ) {
        rows += batch.length;
        if (rows === 1000) expect(reader.keys).toEqual(["email"]);
      }
      expect(rows).toBe(2500);
      expect(reader.keys).toEqual(["email", "tier"]);
    });
  });
});

describe("JSON Lines columns", () => {
  it("are the union of every record's keys: a key that first appears after record 1,000 is a column", async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify(i < 1200 ? { email: `u${i}@x.io` } : { email: `u${i}@x.io`, tier: "gold" }));
    const { openSegment } = await import("../../../runner/segment/index.js");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "acx-jsonl-keys-"));
    writeFileSync(join(dir, "s.jsonl"), `${lines.join("\n")}\n`);
    const opened = await openSegment({ kind: "file", path: join(dir, "s.jsonl") }, { format: "jsonl", columns: ["email", "tier"] });
    expect(opened.columnsGrow).toBe(true);
    expect(opened.columns).toEqual(["email"]);
    let tiers = 0;
    for await (const batch of opened.batches()) for (const r of batch) if (r.values.tier === "gold") tiers++;
    await opened.close();
    expect(opened.columns).toEqual(["email", "tier"]);
    expect(tiers).toBe(300);
  });
});
