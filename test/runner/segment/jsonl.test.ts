import { afterAll, describe, expect, it } from "vitest";
import { SegmentError } from "../../../runner/segment/index.js";
import { fixture, FIXTURES, plain, readAll, readError, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const jsonl = (data: string | Buffer) => tmp.file(`t${n++}.jsonl`, data);

describe("JSON Lines", () => {
  it("reads objects, stringifies values, and turns bad lines into problem rows numbered by line", async () => {
    const r = await readAll(fixture("broken.jsonl"), { format: "jsonl" });
    expect(r.columns).toEqual(["email", "first_name", "age", "vip", "tags", "address", "phone"]);
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "ann@example.com", first_name: "Ann" } },
      { rowNumber: 2, values: {}, problem: "line is not valid JSON (Expected ',' or '}' after property value in JSON at position 45)" },
      { rowNumber: 4, values: {}, problem: "line is an array, not a JSON object" },
      { rowNumber: 5, values: {}, problem: "line is a number, not a JSON object" },
      {
        rowNumber: 6,
        values: { email: "cy@example.com", age: "41", vip: "true", tags: '["a","b"]', address: '{"city":"Lyon"}', phone: undefined },
      },
    ]);
  });

  it("takes columns from the first batch of records, in order of first appearance", async () => {
    const r = await readAll(jsonl('{"email":"a@x.io"}\n{"email":"b@x.io","first_name":"Bo"}\n{"tier":"gold","email":"c@x.io"}\n'), {
      format: "jsonl",
      batchSize: 2,
    });
    // The third record is in the second batch: its key is passed on but not listed.
    expect(r.columns).toEqual(["email", "first_name"]);
    expect(r.rows.map((row) => row.values)).toEqual([{ email: "a@x.io" }, { email: "b@x.io", first_name: "Bo" }, { tier: "gold", email: "c@x.io" }]);
    expect(r.batchSizes).toEqual([2, 1]);
  });

  it("accepts CRLF, a UTF-8 BOM, blank lines and a last line without a line break", async () => {
    const r = await readAll(jsonl('\uFEFF{"email":"a@x.io","n":1.5}\r\n  \r\n\r\n{"email":"b@x.io","n":-2,"ok":false}'), { format: "jsonl" });
    expect(plain(r.rows)).toEqual([
      { rowNumber: 1, values: { email: "a@x.io", n: "1.5" } },
      { rowNumber: 4, values: { email: "b@x.io", n: "-2", ok: "false" } },
    ]);
  });

  it("keeps only the keys asked for", async () => {
    const r = await readAll(jsonl('{"id":1,"email":"a@x.io","name":"A"}\n'), { format: "jsonl", columns: ["email", "name"] });
    expect(r.columns).toEqual(["email", "name"]);
    expect(r.rows[0]!.values).toEqual({ email: "a@x.io", name: "A" });
  });

  it("keeps a __proto__ key as an ordinary value", async () => {
    const r = await readAll(jsonl('{"email":"a@x.io","__proto__":{"polluted":1}}\n'), { format: "jsonl" });
    expect(Object.getPrototypeOf(r.rows[0]!.values)).toBe(Object.prototype);
    expect(r.rows[0]!.values["__proto__"]).toBe('{"polluted":1}');
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
});
