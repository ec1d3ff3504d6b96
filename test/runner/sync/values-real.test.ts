// Custom-field values as ActiveCampaign stores them (issue #11), against the sandbox under both readings of a value
// that does not fit its field ("coerce": AC turns it into 1899 or hides it; "fail": the whole batch fails) and with
// an account time zone. Each case asserts the value the sandbox STORED. The ValueMapping (field types, options and
// conversions) is built here, as the field preflight would build it, and the plan is taken with it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBaseUrl } from "../../../runner/ac/base-url.js";
import { createAcClient } from "../../../runner/ac/client.js";
import { exitCodeOf } from "../../../runner/commands/sync-exit.js";
import { parseExportConfig, parseLocation, type ExportConfigInput } from "../../../runner/config.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { openSegment } from "../../../runner/segment/index.js";
import { openStateStore } from "../../../runner/state/index.js";
import { applySync } from "../../../runner/sync/apply.js";
import { createEventSink } from "../../../runner/sync/events.js";
import type { SyncOutcome } from "../../../runner/sync/outcome.js";
import { planSync } from "../../../runner/sync/plan.js";
import { prepareSync } from "../../../runner/sync/prepare.js";
import { buildReport, renderMarkdown } from "../../../runner/sync/report.js";
import { segmentOptions } from "../../../runner/sync/segment-options.js";
import type { SyncDeps } from "../../../runner/sync/types.js";
import { plainValueMapping, type MappedField, type ValueMapping } from "../../../runner/sync/value-mapping.js";
import type { ConversionOptions, FieldSpec } from "../../../runner/values/types.js";

const HOST = "contoso.api-us1.com";
const TIERS = [
  { value: "gold", label: "Gold tier" },
  { value: "silver", label: "Silver tier" },
];
const INTERESTS = [
  { value: "Running", label: "Running" },
  { value: "Cycling", label: "Cycling" },
];
const YES = [{ value: "Yes", label: "Yes" }];

/** The account's fields, as the sandbox has them and as the preflight would read them. */
const FIELDS: FieldSpec[] = [
  { tag: "D_TEXT", type: "date" },
  { tag: "D_DATE", type: "date" },
  { tag: "D_ZONED", type: "date" },
  { tag: "D_NAIVE", type: "date" },
  { tag: "SEEN", type: "datetime" },
  { tag: "AT", type: "datetime" },
  { tag: "TIER", type: "dropdown", options: TIERS },
  { tag: "INTERESTS", type: "checkbox", options: INTERESTS },
  { tag: "OPTIN", type: "checkbox", options: YES },
  { tag: "PRICE", type: "text" },
  { tag: "T_INT", type: "text" },
  { tag: "T_BOOL", type: "text" },
  { tag: "T_WHEN", type: "text" },
  { tag: "T_DAY", type: "text" },
];
const spec = (tag: string) => FIELDS.find((f) => f.tag === tag)!;

function valueMapping(columns: Record<string, string>, conversion: Record<string, ConversionOptions> = {}, over: Partial<ValueMapping> = {}): ValueMapping {
  const fields: MappedField[] = Object.entries(columns).map(([tag, column]) => ({ tag, column, id: 0, spec: spec(tag), conversion: conversion[tag] ?? {} }));
  return { fields, phoneE164: { defaultCountry: "US" }, onInvalid: "omit-field", ...over };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function exportFor(sandbox: Sandbox, file: string, columns: Record<string, string>, over: Partial<ExportConfigInput> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ac-export-values-"));
  dirs.push(dir);
  const listId = sandbox.inspect.createList(`values-${dirs.length}`).id;
  const config = parseExportConfig({
    name: "values",
    connection: { name: "sandbox", hostname: HOST },
    listId,
    segment: { source: `file:${file}` },
    mappings: { email: "email", phone: "phone", fields: columns },
    state: "file:state",
    ...over,
  });
  const client = createAcClient({ baseUrl: resolveBaseUrl(HOST, { AC_API_URL: sandbox.url }), apiKey: sandbox.apiKey, hostname: HOST, rateLimit: config.rateLimit, timeScale: 50 });
  const deps: SyncDeps = {
    config,
    client,
    store: openStateStore(parseLocation(config.state, dir), config.name),
    segmentLocation: parseLocation(config.segment.source, dir),
    openSegment,
    events: createEventSink({ write: () => true }, config.name, true),
    timeScale: 50,
  };
  return { dir, deps };
}

/**
 * One run (or plan) as runSync does it, with the ValueMapping given: prepare, then the plan taken with these values
 * (the field preflight's ValueMapping), then apply and snapshot.
 */
async function runWith(deps: SyncDeps, values: ValueMapping, mode: "run" | "plan" = "run"): Promise<SyncOutcome> {
  const lock = mode === "run" ? await deps.store.lock() : undefined;
  try {
    const prepared = await prepareSync(deps);
    const segment = await deps.openSegment(deps.segmentLocation, segmentOptions(deps.config));
    try {
      prepared.plan = await planSync(deps.config, segment, prepared.state, prepared.consent.members, undefined, undefined, undefined, values);
    } finally {
      await segment.close();
    }
    prepared.values = values;
    if (!lock) return { kind: "completed", prepared };
    const applied = await applySync(deps, prepared, lock);
    await deps.store.writeSnapshot(prepared.state.encodeSnapshot());
    return { kind: "completed", prepared, applied };
  } finally {
    await lock?.release();
  }
}

const CSV_COLUMNS = { D_TEXT: "d_text", SEEN: "seen", TIER: "tier", INTERESTS: "interests" };
const CSV_CONVERSION: Record<string, ConversionOptions> = { INTERESTS: { separator: ";" } };
const CSV =
  "email,phone,d_text,seen,tier,interests\n" +
  "ann@example.com,(312) 555-5555,1990-05-17T23:30:00+02:00,2024-11-01T13:05:00-06:00,GOLD TIER,running; cycling\n" +
  "bob@example.com,,1985-01-02,,platinum,Cycling\n";

const PARQUET_COLUMNS = { D_DATE: "d_date", D_ZONED: "d_zoned", D_NAIVE: "d_naive", INTERESTS: "interests", OPTIN: "optin", PRICE: "price" };
const PARQUET_CONVERSION: Record<string, ConversionOptions> = { D_ZONED: { timeZone: "Europe/Amsterdam" }, D_NAIVE: { timeZone: "America/New_York" } };

function writeTypedParquet(path: string): void {
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: "email", data: ["cy@example.com", "di@example.com"] },
      { name: "phone", data: ["+31 20 794 7080", null] },
      { name: "d_date", data: [new Date("1990-05-17T00:00:00Z"), null] },
      // 23:30 UTC is the next day in Amsterdam; a naive 23:30 keeps its own date whatever the zone.
      { name: "d_zoned", data: [new Date("2024-05-01T23:30:00Z"), null] },
      { name: "d_naive", data: [BigInt(Date.UTC(2024, 4, 1, 23, 30)), null] },
      { name: "interests", data: [["running", "Cycling"], []] },
      { name: "optin", data: [true, false] },
      { name: "price", data: [1250n, -5n] },
    ],
    schema: [
      { name: "root", num_children: 8 },
      { name: "email", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "phone", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "d_date", type: "INT32", converted_type: "DATE", repetition_type: "OPTIONAL" },
      { name: "d_zoned", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" } },
      { name: "d_naive", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MILLIS" } },
      { name: "interests", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "optin", type: "BOOLEAN", repetition_type: "REQUIRED" },
      { name: "price", type: "INT32", converted_type: "DECIMAL", precision: 9, scale: 2, repetition_type: "REQUIRED" },
    ],
  });
}

/** Rows 1–3 have a naive time (read in the mapping's zone), rows 4–6 an instant (the zone does not matter). */
function writeTimesParquet(path: string): void {
  const naive = [0, 1, 2].map((i) => BigInt(Date.UTC(2024, 4, 1, 10 + i)));
  const zoned = [0, 1, 2].map((i) => BigInt(Date.UTC(2024, 4, 1, 10 + i)));
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: "email", data: Array.from({ length: 6 }, (_, i) => `t${i + 1}@example.com`) },
      { name: "phone", data: Array(6).fill(null) },
      { name: "local", data: [...naive, null, null, null] },
      { name: "at", data: [null, null, null, ...zoned] },
    ],
    schema: [
      { name: "root", num_children: 4 },
      { name: "email", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "phone", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "local", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MILLIS" } },
      { name: "at", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" } },
    ],
  });
}

describe.each(["coerce", "fail"] as const)("custom-field values under reading %s", (reading) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 50, seed: 1, fieldValueReading: reading, accountTimeZone: "America/Chicago" });
    sandbox.inspect.seed({ fields: FIELDS.map((f) => ({ title: f.tag, perstag: f.tag, type: f.type, ...(f.options ? { options: [...f.options] } : {}) })) });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  const stored = (email: string) => {
    const c = sandbox.inspect.contact(email);
    return { phone: c?.phone, fields: { ...c?.fields, ...c?.storedFields } };
  };

  it("CSV text: an ISO date-time to a date, a datetime with offset, a dropdown by label in another case, a delimited checkbox, an E.164 phone; a value matching no option is reported, not sent", async () => {
    const { dir, deps } = exportFor(sandbox, "segment.csv", CSV_COLUMNS);
    writeFileSync(join(dir, "segment.csv"), CSV);
    // Two contacts: the small-delta path (contact/sync) stores them.
    const outcome = await runWith(deps, valueMapping(CSV_COLUMNS, CSV_CONVERSION));
    expect(outcome).toMatchObject({ kind: "completed", applied: { added: 2, failed: [] } });
    expect(stored("ann@example.com")).toEqual({
      phone: "+13125555555",
      fields: {
        D_TEXT: "1990-05-17",
        // Sent as 2024-11-01T19:05:00+00:00; the account (America/Chicago) stores it in its own zone.
        SEEN: "2024-11-01T14:05:00-05:00",
        TIER: "gold",
        INTERESTS: "||Running||Cycling||",
      },
    });
    expect(stored("bob@example.com")).toEqual({ phone: undefined, fields: { D_TEXT: "1985-01-02", INTERESTS: "||Cycling||" } });
    const problems = outcome.prepared!.plan.valueProblems.list();
    expect(problems).toEqual([
      { field: "TIER", count: 1, examples: [{ row: 3, value: '"platinum"', reason: '"platinum" matches no option of TIER (options: "gold", "silver")' }] },
    ]);
    const report = buildReport({ mode: "run", outcome, exitCode: 0, startedAt: Date.now(), config: deps.config });
    expect(report.valueProblems).toEqual([{ field: "TIER", count: 1, examples: [{ row: 3, value: '"platinum"', reason: '"platinum" matches no option of TIER (options: "gold", "silver")' }] }]);
    expect(renderMarkdown(report)).toContain('| TIER | 1 | row 3: "platinum" — "platinum" matches no option of TIER \\(options: "gold", "silver"\\) |');
    expect(exitCodeOf(outcome, "run", deps.config)).toBe(0);
  });

  it("Parquet types through bulk import: DATE, a zoned TIMESTAMP read in a zone, a naive timestamp, a list and a boolean to checkboxes, a DECIMAL (exact digits)", async () => {
    const { dir, deps } = exportFor(sandbox, "segment.parquet", PARQUET_COLUMNS, {});
    writeTypedParquet(join(dir, "segment.parquet"));
    deps.smallDeltaMax = 0;
    const outcome = await runWith(deps, valueMapping(PARQUET_COLUMNS, PARQUET_CONVERSION));
    expect(outcome).toMatchObject({ kind: "completed", applied: { added: 2, failed: [] } });
    expect(stored("cy@example.com").phone).toBe("+31207947080");
    expect(stored("cy@example.com").fields).toEqual({
      D_DATE: "1990-05-17",
      D_ZONED: "2024-05-02",
      D_NAIVE: "2024-05-01",
      INTERESTS: "||Running||Cycling||",
      OPTIN: "||Yes||",
      PRICE: "12.5",
    });
    // An empty list and false check nothing: nothing is sent, so nothing is stored.
    expect(stored("di@example.com").fields).toEqual({ PRICE: "-0.05" });
    expect(outcome.prepared!.plan.valueProblems.list()).toEqual([]);
  });

  it("onInvalid reject-row: the row is rejected with the reason and a run past maxProblemRows exits 3", async () => {
    const { dir, deps } = exportFor(sandbox, "segment.csv", CSV_COLUMNS, { limits: { maxProblemRows: 0 } });
    writeFileSync(join(dir, "segment.csv"), CSV.replace("ann@", "eve@").replace("bob@", "fay@"));
    const outcome = await runWith(deps, valueMapping(CSV_COLUMNS, CSV_CONVERSION, { onInvalid: "reject-row" }));
    expect(outcome.prepared!.plan.rejected).toEqual([
      { row: 3, email: "fay@example.com", reason: 'field TIER: "platinum" matches no option of TIER (options: "gold", "silver")' },
    ]);
    expect(sandbox.inspect.contact("fay@example.com")).toBeUndefined();
    expect(stored("eve@example.com").fields.TIER).toBe("gold");
    expect(exitCodeOf(outcome, "run", deps.config)).toBe(3);
  });

  it("changing a conversion (the time zone) re-sends exactly the rows whose sent value changes", async () => {
    const columns = { SEEN: "local", AT: "at" };
    const { dir, deps } = exportFor(sandbox, "times.parquet", columns);
    writeTimesParquet(join(dir, "times.parquet"));
    deps.smallDeltaMax = 0;
    const received = () => sandbox.inspect.requests().bulkContactsReceived;
    const zone = (timeZone: string) => valueMapping(columns, { SEEN: { timeZone }, AT: { timeZone } });

    const first = await runWith(deps, zone("UTC"));
    expect(first).toMatchObject({ kind: "completed", applied: { added: 6, failed: [] } });
    // The account (America/Chicago, UTC-5 in May) stores datetimes in its own zone.
    expect(stored("t1@example.com").fields).toEqual({ SEEN: "2024-05-01T05:00:00-05:00" });
    expect(stored("t4@example.com").fields).toEqual({ AT: "2024-05-01T05:00:00-05:00" });

    const before = received();
    const same = await runWith(deps, zone("UTC"));
    expect(same.prepared!.plan).toMatchObject({ adds: 0, updates: 0, unchanged: 6 });
    expect(received() - before).toBe(0);

    const moved = await runWith(deps, zone("America/New_York"));
    expect(moved.prepared!.plan).toMatchObject({ adds: 0, updates: 3, unchanged: 3 });
    expect(moved).toMatchObject({ kind: "completed", applied: { updated: 3, failed: [] } });
    expect(received() - before).toBe(3);
    // 10:00 in New York (UTC-4) is 09:00 in Chicago; the instants did not move.
    expect(["t1", "t2", "t3", "t4", "t5", "t6"].map((t) => stored(`${t}@example.com`).fields)).toEqual([
      { SEEN: "2024-05-01T09:00:00-05:00" },
      { SEEN: "2024-05-01T10:00:00-05:00" },
      { SEEN: "2024-05-01T11:00:00-05:00" },
      { AT: "2024-05-01T05:00:00-05:00" },
      { AT: "2024-05-01T06:00:00-05:00" },
      { AT: "2024-05-01T07:00:00-05:00" },
    ]);
  });

  it("plain text fields: the text sent for ordinary typed values is what it was before values were typed", async () => {
    const columns = { T_INT: "n", T_BOOL: "vip", T_WHEN: "when", T_DAY: "day" };
    const { dir, deps } = exportFor(sandbox, "plain.parquet", columns);
    parquetWriteFile({
      filename: join(dir, "plain.parquet"),
      columnData: [
        { name: "email", data: ["p1@example.com"] },
        { name: "phone", data: ["555-0100"] },
        { name: "n", data: [9007199254740993n] },
        { name: "vip", data: [true] },
        { name: "when", data: [new Date("2024-05-01T12:34:56.789Z")] },
        { name: "day", data: [new Date("1990-05-17T00:00:00Z")] },
      ],
      schema: [
        { name: "root", num_children: 6 },
        { name: "email", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        { name: "phone", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        { name: "n", type: "INT64", repetition_type: "REQUIRED" },
        { name: "vip", type: "BOOLEAN", repetition_type: "REQUIRED" },
        { name: "when", type: "INT64", converted_type: "TIMESTAMP_MILLIS", repetition_type: "REQUIRED" },
        { name: "day", type: "INT32", converted_type: "DATE", repetition_type: "REQUIRED" },
      ],
    });
    const outcome = await runWith(deps, plainValueMapping(deps.config, new Map()));
    expect(outcome).toMatchObject({ kind: "completed", applied: { added: 1, failed: [] } });
    expect(stored("p1@example.com")).toEqual({
      phone: "555-0100",
      fields: { T_INT: "9007199254740993", T_BOOL: "true", T_WHEN: "2024-05-01T12:34:56.789Z", T_DAY: "1990-05-17" },
    });
  });
});
