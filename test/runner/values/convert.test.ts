import { describe, expect, it } from "vitest";
import { createConverter } from "../../../runner/values/convert.js";
import { formatDecimal, formatNumber, fromFloat32 } from "../../../runner/values/number.js";
import { isPhoneCountry, toE164 } from "../../../runner/values/phone.js";
import { compileDateFormat, isIsoDate, isValidTimeZone, parseIsoDateTime } from "../../../runner/values/time.js";
import type { AcFieldType, ConversionOptions, FieldOption, SourceValue } from "../../../runner/values/types.js";

const TIERS: FieldOption[] = [
  { value: "gold", label: "Gold tier" },
  { value: "silver", label: "Silver tier" },
  { value: "NSW", label: "New South Wales" },
];
const INTERESTS: FieldOption[] = [
  { value: "Running", label: "Running" },
  { value: "Cycling", label: "Cycling" },
  { value: "Yes", label: "Yes" },
];

function convert(type: AcFieldType, value: SourceValue, options: ConversionOptions = {}, fieldOptions?: FieldOption[]) {
  return createConverter({ tag: "F", type, ...(fieldOptions ? { options: fieldOptions } : {}) }, options)(value);
}
const date = (value: string) => ({ kind: "date", value }) as const;
const naive = (value: string) => ({ kind: "naive-timestamp", value }) as const;

describe("date fields: YYYY-MM-DD", () => {
  it.each<[string, SourceValue, ConversionOptions, string]>([
    ["an ISO date string", "2024-05-01", {}, "2024-05-01"],
    ["a Parquet DATE", date("2024-05-01"), {}, "2024-05-01"],
    ["a zoned timestamp at 23:30 UTC, read in UTC", new Date("2024-05-01T23:30:00Z"), {}, "2024-05-01"],
    ["the same instant in Europe/Amsterdam (next day there)", new Date("2024-05-01T23:30:00Z"), { timeZone: "Europe/Amsterdam" }, "2024-05-02"],
    ["a naive timestamp keeps its date", naive("2024-05-01T23:30:00"), { timeZone: "America/New_York" }, "2024-05-01"],
    ["text with an offset keeps the date it shows", "2024-05-01T00:00:00+02:00", {}, "2024-05-01"],
    ["a configured US format", "05/01/2024", { dateFormats: ["MM/DD/YYYY"] }, "2024-05-01"],
    ["a configured European format, single digits", "1.5.2024", { dateFormats: ["D.M.YYYY"] }, "2024-05-01"],
  ])("%s", (_what, value, options, expected) => {
    expect(convert("date", value, options)).toEqual({ ok: true, value: expected });
  });

  it.each<[SourceValue, ConversionOptions, string]>([
    ["05/01/2024", {}, '"05/01/2024" is not a date (expected YYYY-MM-DD; name other formats in dateFormats)'],
    ["2024-02-30", {}, '"2024-02-30" is not a date (expected YYYY-MM-DD; name other formats in dateFormats)'],
    ["13/01/2024", { dateFormats: ["MM/DD/YYYY"] }, '"13/01/2024" is not a date (expected YYYY-MM-DD or a configured dateFormats entry)'],
    [42, {}, '"42" is not a date'],
  ])("refuses %j", (value, options, reason) => {
    expect(convert("date", value, options)).toEqual({ ok: false, reason });
  });
});

describe("datetime fields: ISO 8601 with an offset, no milliseconds", () => {
  it.each<[string, SourceValue, ConversionOptions, string]>([
    ["a zoned timestamp is sent in UTC", new Date("2024-05-01T10:00:00.123Z"), {}, "2024-05-01T10:00:00+00:00"],
    ["a zoned timestamp ignores timeZone", new Date("2024-05-01T10:00:00Z"), { timeZone: "Asia/Tokyo" }, "2024-05-01T10:00:00+00:00"],
    ["a naive timestamp is read in UTC by default", naive("2024-05-01T10:00:00"), {}, "2024-05-01T10:00:00+00:00"],
    ["a naive timestamp in summer Amsterdam", naive("2024-07-01T10:00:00.5"), { timeZone: "Europe/Amsterdam" }, "2024-07-01T10:00:00+02:00"],
    ["a naive timestamp in winter Amsterdam", naive("2024-01-15T10:00:00"), { timeZone: "Europe/Amsterdam" }, "2024-01-15T10:00:00+01:00"],
    ["text with an offset", "2024-11-01T13:05:00-06:00", {}, "2024-11-01T19:05:00+00:00"],
    ["naive text in New York", "2024-11-01 13:05", { timeZone: "America/New_York" }, "2024-11-01T13:05:00-04:00"],
    ["a date alone is midnight in the zone", "2024-03-10", { timeZone: "America/New_York" }, "2024-03-10T00:00:00-05:00"],
    ["a wall time skipped by DST keeps the offset before the change", "2024-03-31T02:30:00", { timeZone: "Europe/Amsterdam" }, "2024-03-31T03:30:00+02:00"],
  ])("%s", (_what, value, options, expected) => {
    expect(convert("datetime", value, options)).toEqual({ ok: true, value: expected });
  });

  it("refuses text that is not a date-time", () => {
    expect(convert("datetime", "tomorrow")).toEqual({ ok: false, reason: '"tomorrow" is not a date-time (expected ISO 8601, e.g. 2024-05-01T10:00:00+02:00)' });
  });
});

describe("dropdown and radio: the option's value", () => {
  it.each<[SourceValue, string]>([
    ["gold", "gold"],
    ["GOLD", "gold"],
    ["  silver tier ", "silver"],
    ["new south wales", "NSW"],
  ])("%j → %j", (value, expected) => {
    expect(convert("dropdown", value, {}, TIERS)).toEqual({ ok: true, value: expected });
    expect(convert("radio", value, {}, TIERS)).toEqual({ ok: true, value: expected });
  });

  it("a value matching no option is refused with the options", () => {
    expect(convert("dropdown", "platinum", {}, TIERS)).toEqual({ ok: false, reason: '"platinum" matches no option of F (options: "gold", "silver", "NSW")' });
  });

  it("a boolean maps to the configured option values", () => {
    const yesNo = [{ value: "Y", label: "Yes" }, { value: "N", label: "No" }];
    expect(convert("dropdown", true, {}, yesNo)).toEqual({ ok: true, value: "Y" });
    expect(convert("radio", false, { booleans: { true: "Y", false: "N" } }, yesNo)).toEqual({ ok: true, value: "N" });
  });
});

describe("checkbox and listbox: ||a||b||", () => {
  it.each<[string, SourceValue, ConversionOptions, string]>([
    ["a Parquet list", ["running", "Cycling"], {}, "||Running||Cycling||"],
    ["a delimited string", "Running, cycling", {}, "||Running||Cycling||"],
    ["a custom separator", "Running;Cycling", { separator: ";" }, "||Running||Cycling||"],
    ["one value", "running", {}, "||Running||"],
    ["duplicates once", ["Running", "running"], {}, "||Running||"],
    ["an empty list clears", [], {}, ""],
    ["true checks the true option", true, {}, "||Yes||"],
    ["false checks nothing", false, {}, ""],
  ])("%s", (_what, value, options, expected) => {
    expect(convert("checkbox", value, options, INTERESTS)).toEqual({ ok: true, value: expected });
    expect(convert("listbox", value, options, INTERESTS)).toEqual({ ok: true, value: expected });
  });

  it("every element must match an option", () => {
    expect(convert("checkbox", ["Running", "Chess"], {}, INTERESTS)).toEqual({
      ok: false,
      reason: '"Chess" matches no option of F (options: "Running", "Cycling", "Yes")',
    });
  });
});

describe("text fields and numbers", () => {
  it.each<[SourceValue, string]>([
    ["  Gold ", "Gold"],
    [0.1, "0.1"],
    [fromFloat32(Math.fround(0.1)), "0.1"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [-0, "0"],
    [12345678901234567890n, "12345678901234567890"],
    [true, "true"],
    [new Date("2024-05-01T10:00:00.000Z"), "2024-05-01T10:00:00.000Z"],
    [date("2024-05-01"), "2024-05-01"],
    [["a", "b"], "a, b"],
  ])("%s → %s", (value, expected) => {
    expect(convert("text", value)).toEqual({ ok: true, value: expected });
  });

  it("sends nothing for empty values", () => {
    for (const v of [null, undefined, "", "   "]) expect(convert("text", v)).toBeUndefined();
  });

  it("refuses non-finite numbers", () => {
    expect(convert("text", Number.NaN)).toEqual({ ok: false, reason: '"NaN" is not a finite number' });
  });

  it("writes a DECIMAL's exact digits, without trailing fractional zeros", () => {
    expect([formatDecimal(1234n, 2), formatDecimal(1250n, 2), formatDecimal(1000n, 2), formatDecimal(-5n, 3), formatDecimal(0n, 2), formatDecimal(12n, -2)]).toEqual(["12.34", "12.5", "10", "-0.005", "0", "1200"]);
    expect(formatDecimal(123456789012345678901234567890n, 10)).toBe("12345678901234567890.123456789");
  });

  it("formats without exponents or float noise", () => {
    expect(formatNumber(2.5e25)).toBe("25000000000000000000000000");
    expect(formatNumber(-1.25e-10)).toBe("-0.000000000125");
    expect(fromFloat32(Math.fround(19.99))).toBe(19.99);
  });
});

describe("parsing helpers", () => {
  it("parses ISO text strictly", () => {
    expect(parseIsoDateTime("2024-05-01T10:00:00Z")).toEqual({ wallMs: Date.UTC(2024, 4, 1, 10), offsetMin: 0, dateOnly: false });
    expect(parseIsoDateTime("2024-05-01T10:00+0530")?.offsetMin).toBe(330);
    for (const bad of ["2024-5-1", "2024-05-01T25:00", "2024-05-01T10:00:00+2", "2024-05-01X"]) expect(parseIsoDateTime(bad)).toBeUndefined();
  });

  it("knows the calendar: leap days, month lengths, no two-digit years", () => {
    expect(["2024-02-29", "2000-02-29", "2023-12-31", "0100-01-01"].map(isIsoDate)).toEqual([true, true, true, true]);
    expect(["2023-02-29", "1900-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "0099-01-01", "2024-1-01", " 2024-01-01"].map(isIsoDate)).toEqual(Array(8).fill(false));
  });

  it("converts repeated text once per distinct value, and the same way every time", () => {
    const tier = createConverter({ tag: "T", type: "dropdown", options: TIERS });
    expect([tier("GOLD"), tier("GOLD"), tier(""), tier(""), tier("nope"), tier("nope")]).toEqual([
      { ok: true, value: "gold" },
      { ok: true, value: "gold" },
      undefined,
      undefined,
      { ok: false, reason: '"nope" matches no option of T (options: "gold", "silver", "NSW")' },
      { ok: false, reason: '"nope" matches no option of T (options: "gold", "silver", "NSW")' },
    ]);
  });

  it("compiles only formats made of YYYY, M(M), D(D) once each", () => {
    expect(compileDateFormat("YYYY/MM/DD")!("2024/05/01")).toBe(Date.UTC(2024, 4, 1));
    expect(compileDateFormat("MM/DD")).toBeUndefined();
    expect(compileDateFormat("MM/DD/YY")).toBeUndefined();
  });

  it("knows IANA zones", () => {
    expect(isValidTimeZone("Europe/Amsterdam")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("phone numbers to E.164", () => {
  it.each<[string, string, string]>([
    ["(312) 555-5555", "US", "+13125555555"],
    ["+31 20 794 7080", "US", "+31207947080"],
    ["020 794 7080", "NL", "+31207947080"],
  ])("%s with default country %s → %s", (text, country, expected) => {
    expect(toE164(text, country)).toEqual({ ok: true, value: expected });
  });

  it("reports a number it cannot parse, never sends it garbled", () => {
    expect(toE164("call me maybe", "US")).toEqual({ ok: false, reason: '"call me maybe" is not a valid phone number (default country US)' });
    expect(toE164("555-01", "US")).toEqual({ ok: false, reason: '"555-01" is not a valid phone number (default country US)' });
  });

  it("knows country codes", () => {
    expect(isPhoneCountry("NL")).toBe(true);
    expect(isPhoneCountry("ZZ")).toBe(false);
  });
});
