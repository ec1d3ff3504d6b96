// Bad input corpus (test/fixtures/bad/, made by generate.ts there; two big cases generated here). For each file: the
// exit code, the message, and what happened to the list:
//   - a file that is broken as a whole stops the run before any write (exit 2): it runs against an export that was
//     already synced (onLeave "unsubscribe"), and the list must stay exactly as it was, with no write request sent;
//   - rows that are bad one by one are rejected with their row number and reason (exit 3), the good rows synced;
//   - valid but awkward files (BOM + CRLF + quoted newlines, detected ";", UTF-16 with a BOM…) sync exactly (exit 0).
import { copyFileSync, createWriteStream, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportConfigInput } from "../../runner/config.js";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { csvOf, ExportFixture, expectList, readReport, runIn, subscribedAs, type ExpectedMember, type Person } from "./helpers.js";

const BAD = resolve(import.meta.dirname, "../fixtures/bad");

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 5 });
});
afterAll(async () => {
  await sandbox?.close();
});

/** Requests that change something in ActiveCampaign (anything but GET), summed. */
const writes = () => Object.entries(sandbox.inspect.requests().byEndpoint).reduce((s, [ep, n]) => (ep.startsWith("GET ") ? s : s + n), 0);

/** A CSV cell as the reports write it: quoted where needed, and a formula-like cell (= + - @) neutralized (OWASP). */
const csvCell = (v: string | number) => {
  const s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) return `"'${s.replace(/"/g, '""')}"`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
/** The line rejected.csv holds for a row rejected before sending. */
const rejectedLine = (row: number, email: string, reason: string) => [row, email, "rejected", reason, ""].map(csvCell).join(",");

// ------------------------------------------------------------------------------------------------------------------
describe("files broken as a whole: exit 2 before any write, the synced list unchanged", () => {
  let f: ExportFixture;
  let expected: Map<string, ExpectedMember>;
  beforeAll(async () => {
    f = new ExportFixture(sandbox, { onLeave: "unsubscribe" });
    const established: Person[] = f.people(3, 0, "gold");
    f.writeSegment(csvOf(established));
    const first = await runIn(f, "run");
    expect(first.code, first.stderr).toBe(0);
    expected = new Map(established.map((p) => [p.email, subscribedAs(p)]));
    expectList(sandbox, f.listId, expected, "after the first sync");
  });
  afterAll(() => f?.cleanup());

  const cases: Array<{ file: string; message: string | RegExp; segment?: Partial<ExportConfigInput["segment"]> }> = [
    { file: "truncated-in-quotes.csv", message: "row 5: field 2 opens a quote that is never closed before the end of the file" },
    // Cut mid-row: the last record is short and has no line break. Syncing it would send "Fi" as a first name, and a
    // cut file has lost the rows after it (leavers, for onLeave "unsubscribe"): the whole file must be refused.
    { file: "truncated-mid-row.csv", message: /row 5\b.*\b(truncated|incomplete|cut off)\b/i },
    { file: "unbalanced-quotes.csv", message: "row 4: field 2 opens a quote that is never closed before the end of the file" },
    { file: "wrong-delimiter.csv", segment: { delimiter: "," }, message: 'has no column "Email", "First", "Last", "Tier" (mapped in mappings); its columns: Email;First;Last;Tier' },
    { file: "missing-header.csv", message: 'has no column "Email", "First", "Last", "Tier" (mapped in mappings); its columns: ok0@bad.example.com, Ok0, Row, gold' },
    { file: "missing-email-column.csv", message: 'has no column "Email" (mapped in mappings); its columns: First, Last, Tier' },
    { file: "email-column-renamed.csv", message: 'has no column "Email" (mapped in mappings); its columns: E-mail, First, Last, Tier' },
    { file: "html-error-page.csv", message: 'has no column "Email", "First", "Last", "Tier" (mapped in mappings); its columns: <!DOCTYPE html>' },
    { file: "duplicate-header.csv", message: 'the header names column "Email" twice (columns 1 and 3); column names must be unique' },
    { file: "binary-garbage.csv", message: /binary-garbage\.csv(:| ).*(not valid UTF-8|binary|NUL byte)/ },
    { file: "gzipped.csv", message: "gzipped.csv is gzip-compressed; decompress it first" },
    { file: "zip-as-csv.csv", message: 'zip-as-csv.csv is a ZIP archive (an Excel .xlsx workbook?), not text; save it as "CSV UTF-8" instead' },
    { file: "empty.csv", message: "empty.csv: the file is empty: expected a header row naming the columns" },
    { file: "bom-only.csv", message: "bom-only.csv: the file is empty: expected a header row naming the columns" },
    { file: "blank-lines-only.csv", message: "blank-lines-only.csv: row 1 is empty: the first row must be the header naming the columns" },
    { file: "latin1.csv", message: 'latin1.csv: row 2 is not valid UTF-8 (a Latin-1 or Windows-1252 export?); re-export the file as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")' },
    { file: "utf16le-no-bom.csv", message: "utf16le-no-bom.csv: row 1 contains a NUL byte: this looks like a binary file or UTF-16 text without a byte-order mark" },
    { file: "nul-in-field.csv", message: "nul-in-field.csv: row 2 contains a NUL byte" },
    { file: "not-parquet.parquet", message: "not-parquet.parquet: not a readable Parquet file" },
    { file: "truncated.parquet", message: "truncated.parquet: not a readable Parquet file" },
    { file: "empty.parquet", message: "empty.parquet: the file is empty, not a Parquet file" },
    { file: "missing-email-column.parquet", message: 'has no column "Email", "First", "Last" (mapped in mappings); its columns: Mail, Tier' },
    // The segment came out empty: onLeave "unsubscribe" must trip the removal cap, not empty the list.
    { file: "header-only.csv", message: '3 members left the segment and onLeave is "unsubscribe", more than limits.maxRemovalsPerRun allows' },
    { file: "empty.jsonl", message: '3 members left the segment and onLeave is "unsubscribe", more than limits.maxRemovalsPerRun allows' },
  ];

  for (const c of cases) {
    it(c.file, async () => {
      copyFileSync(join(BAD, c.file), join(f.dir, c.file));
      f.writeConfig({ segment: { source: `file:${c.file}`, ...c.segment } });
      const before = writes();
      const r = await runIn(f, "run");
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("ac-export run: ");
      if (typeof c.message === "string") expect(r.stderr).toContain(c.message);
      else expect(r.stderr).toMatch(c.message);
      expect(writes() - before, "write requests sent").toBe(0);
      expectList(sandbox, f.listId, expected, `the list after ${c.file}`);
    });
  }

  it("a 10 MB single field (generated)", async () => {
    const name = "huge-field.csv";
    const out = createWriteStream(join(f.dir, name));
    out.write("Email,First,Last,Tier\nhuge@bad.example.com,Huge,Field,");
    const chunk = "x".repeat(1 << 20);
    for (let i = 0; i < 10; i++) out.write(chunk);
    await new Promise<void>((res) => out.end("\n", () => res()));
    f.writeConfig({ segment: { source: `file:${name}` } });
    const before = writes();
    const r = await runIn(f, "run");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/huge-field\.csv: row 2(: field 4)? is longer than \d+ MiB/);
    expect(writes() - before).toBe(0);
    expectList(sandbox, f.listId, expected, "the list after a 10 MB field");
  });

  it(
    "1,000,001 valid rows (generated) exceed limits.maxProfiles",
    async () => {
      const name = "over-limit.csv";
      const out = createWriteStream(join(f.dir, name));
      out.write("Email,First,Last,Tier\n");
      for (let i = 0; i < 1_000_001; i += 10_000) {
        let s = "";
        for (let k = i; k < Math.min(i + 10_000, 1_000_001); k++) s += `m${k}@limit.example.com,M,${k},gold\n`;
        if (!out.write(s)) await new Promise<void>((res) => out.once("drain", () => res()));
      }
      await new Promise<void>((res) => out.end(() => res()));
      f.writeConfig({ segment: { source: `file:${name}` }, onLeave: "keep" });
      const before = writes();
      const r = await runIn(f, "run", [], { timeoutMs: 120_000 });
      f.writeConfig({ onLeave: "unsubscribe" });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("the segment has 1000001 valid profiles, more than limits.maxProfiles (1000000); nothing was sent");
      expect(writes() - before).toBe(0);
      expectList(sandbox, f.listId, expected, "the list after 1,000,001 rows");
    },
    120_000,
  );
});

// ------------------------------------------------------------------------------------------------------------------
describe("rows bad one by one: rejected with row number and reason (exit 3), the good rows synced", () => {
  const spaces = "email contains spaces";
  const nonAscii = "email contains non-ASCII characters (internationalized addresses are not accepted)";
  const badLocal = "email's local part (before @) has invalid characters or dots";
  const fields = (n: number) => `row has ${n} fields but the header has 4 columns (a value containing an unquoted ","?)`;
  const cases: Array<{ file: string; synced: string[]; rejected: Array<[number, string, string]> }> = [
    {
      file: "emails-with-spaces.csv",
      synced: ["good1@rows.example.com", "padded@rows.example.com"],
      rejected: [[2, "ann smith@rows.example.com", spaces], [4, "bob@rows .example.com", spaces]],
    },
    {
      file: "unicode-domains.csv",
      synced: ["carol@xn--exmple-cua.com"],
      rejected: [[2, "ann@exämple.com", nonAscii], [3, "bob@例え.jp", nonAscii], [5, "ünïcode@rows.example.com", nonAscii]],
    },
    {
      file: "trailing-dots.csv",
      synced: ["good2@rows.example.com"],
      rejected: [[2, "ann@rows.example.com.", "email's domain ends with a dot"], [3, "bob.@rows.example.com", badLocal], [4, "c..d@rows.example.com", badLocal], [5, ".lead@rows.example.com", badLocal]],
    },
    {
      file: "quoted-local-parts.csv",
      synced: ["good3@rows.example.com"],
      rejected: [[2, '"john doe"@rows.example.com', spaces], [3, '"j@ne"@rows.example.com', "email has a quoted local part (not accepted)"]],
    },
    {
      file: "duplicate-emails-case.csv",
      synced: ["dup@rows.example.com", "good4@rows.example.com"],
      rejected: [[3, "dup@rows.example.com", "duplicate of row 2 (same email, ignoring case)"], [4, "dup@rows.example.com", "duplicate of row 2 (same email, ignoring case)"]],
    },
    {
      // A short row is read with its missing trailing values blank (blanks are never sent); a long one is misaligned.
      file: "ragged-rows.csv",
      synced: ["good5@rows.example.com", "good6@rows.example.com", "short@rows.example.com"],
      rejected: [[4, "", fields(6)]],
    },
    {
      file: "long-emails.csv",
      synced: ["good7@rows.example.com", `x@${"d".repeat(60)}.${"e".repeat(60)}.${"f".repeat(60)}.${"g".repeat(60)}.com`],
      rejected: [[2, `${"a".repeat(65)}@rows.example.com`, "email's local part (before @) must be 1-64 characters"]],
    },
    {
      file: "no-at-sign.csv",
      synced: ["good8@rows.example.com"],
      rejected: [
        [2, "rows.example.com", "email has no @"],
        [3, "@rows.example.com", "email's local part (before @) must be 1-64 characters"],
        [4, "x@y@rows.example.com", "email has more than one @"],
        [5, "x@localhost", "email's domain is not a valid domain name"],
      ],
    },
    {
      file: "only-invalid-emails.csv",
      synced: [],
      rejected: [[2, "not-an-email", "email has no @"], [3, "also not", spaces], [4, "", "email is empty"]],
    },
    {
      file: "broken-line.jsonl",
      synced: ["j1@rows.example.com", "j3@rows.example.com"],
      rejected: [[2, "", "line is not valid JSON (Expected double-quoted property name in JSON at position 56)"]],
    },
    {
      file: "not-objects.jsonl",
      synced: ["j4@rows.example.com"],
      rejected: [[2, "", "line is an array, not a JSON object"], [3, "", "line is a number, not a JSON object"], [4, "", "line is a string, not a JSON object"], [5, "", "line is null, not a JSON object"]],
    },
    {
      file: "null-and-missing-email.jsonl",
      synced: ["j7@rows.example.com"],
      rejected: [[2, "", "email is empty"], [3, "", "email is empty"], [4, "12345", "email has no @"]],
    },
    {
      // An INT32 email column: every row rejected (nothing is sent), each with its row number.
      file: "wrong-column-type.parquet",
      synced: [],
      rejected: [[1, "101", "email has no @"], [2, "102", "email has no @"], [3, "103", "email has no @"]],
    },
  ];

  for (const c of cases) {
    it(c.file, async () => {
      const f = new ExportFixture(sandbox, {}, c.file);
      try {
        copyFileSync(join(BAD, c.file), join(f.dir, c.file));
        const before = sandbox.inspect.requests().bulkContactsReceived;
        const r = await runIn(f, "run");
        expect(r.code, r.stderr).toBe(3);
        expect(f.subscribed()).toEqual([...c.synced].sort());
        for (const m of sandbox.inspect.members(f.listId)) expect(m.tags, m.email).toEqual(["vip"]);
        const csv = readFileSync(join(f.dir, "state/test-export/rejected.csv"), "utf8");
        expect(csv.startsWith("\uFEFF"), "UTF-8 with a BOM, for Excel").toBe(true);
        const lines = csv.trim().split("\n"); // trim() also drops the BOM
        expect(lines[0]).toBe("row,email,outcome,reason,batch");
        expect(lines.slice(1).sort()).toEqual(c.rejected.map(([row, email, reason]) => rejectedLine(row, email, reason)).sort());
        expect(readReport(f).counts).toMatchObject({ added: c.synced.length, rejected: c.rejected.length, failed: 0 });
        expect(r.stdout).toContain(`rejected ${c.rejected.length}`);
        // Nothing invalid was ever sent: the sandbox saw only the good rows (bulk) or none at all.
        expect(sandbox.inspect.requests().bulkContactsReceived - before).toBeLessThanOrEqual(c.synced.length);
      } finally {
        f.cleanup();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------------------------------
describe("valid but awkward files sync exactly (exit 0)", () => {
  const cases: Array<{ file: string; members: Array<Person & { tier: string }> }> = [
    {
      file: "bom-crlf-quoted-newlines.csv",
      members: [
        { email: "q1@odd.example.com", first: 'Ann "The Ace"', last: "Smith, Jr.", tier: "gold" },
        { email: "q2@odd.example.com", first: "Multi\r\nLine", last: "Name", tier: "silver" },
      ],
    },
    {
      file: "semicolon-detected.csv",
      members: [
        { email: "semi1@odd.example.com", first: "Ann", last: "Müller", tier: "gold" },
        { email: "semi2@odd.example.com", first: "Bob", last: "Smith; Jr.", tier: "silver" },
      ],
    },
    {
      file: "no-trailing-newline.csv",
      members: [
        { email: "nt1@odd.example.com", first: "Ann", last: "Last", tier: "gold" },
        { email: "nt2@odd.example.com", first: "Bob", last: "Last", tier: "gold" },
      ],
    },
    ...(["utf16le-bom.csv", "utf16be-bom.csv"] as const).map((file) => ({
      file,
      members: [
        { email: "zoe@enc.example.com", first: "Zoë", last: "Ødegaard", tier: "gold" },
        { email: "jose@enc.example.com", first: "José", last: "García", tier: "silver" },
      ],
    })),
  ];
  for (const c of cases) {
    it(c.file, async () => {
      const f = new ExportFixture(sandbox, {}, c.file);
      try {
        copyFileSync(join(BAD, c.file), join(f.dir, c.file));
        const r = await runIn(f, "run");
        expect(r.code, r.stderr).toBe(0);
        expectList(sandbox, f.listId, new Map(c.members.map((p) => [p.email, subscribedAs(p)])), c.file);
      } finally {
        f.cleanup();
      }
    });
  }
});
