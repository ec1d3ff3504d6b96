// The object form of mappings.fields and mappings.phone (issue #11): accepted as written, and each bad declaration
// refused with its key path, the bad value and what is allowed.
import { describe, expect, it } from "vitest";
import { parseExportConfig, safeParseExportConfig } from "../../runner/config.js";
import { DECLARABLE_FIELD_TYPES } from "../../runner/config/field-mapping.js";
import { compileDateFormat } from "../../runner/values/time.js";
import { AC_FIELD_TYPES } from "../../runner/values/types.js";
import { buildValueMapping, mappedFieldColumns, phoneColumn } from "../../runner/sync/value-mapping.js";
import { withValue } from "./fixtures.js";

const problems = (config: unknown) => {
  const r = safeParseExportConfig(config);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};
const withField = (declaration: unknown) => withValue("mappings.fields", { LOYALTY_TIER: "Tier", BIRTHDAY: declaration });

describe("mappings.fields object form", () => {
  it("accepts a full declaration next to the simple form, unchanged", () => {
    const decl = {
      column: "Tier2",
      title: "Membership tier",
      type: "dropdown",
      options: ["Gold", { value: "SLV", label: "Silver" }],
      lists: [12],
      create: true,
      addOptions: true,
      booleans: { true: "Gold", false: "Silver" },
    };
    const config = parseExportConfig(withField(decl));
    expect(config.mappings.fields).toEqual({ LOYALTY_TIER: "Tier", BIRTHDAY: decl });
    expect(mappedFieldColumns(config)).toEqual([["LOYALTY_TIER", "Tier"], ["BIRTHDAY", "Tier2"]]);
  });

  it("reads date conversions and the phone object form into the ValueMapping", () => {
    const config = parseExportConfig({
      ...withField({ column: "Born", type: "date", timeZone: "Europe/Amsterdam", dateFormats: ["MM/DD/YYYY"] }),
      mappings: {
        email: "PrimaryEmail",
        phone: { column: "Mobile", e164: { defaultCountry: "NL" } },
        fields: { BIRTHDAY: { column: "Born", type: "date", timeZone: "Europe/Amsterdam", dateFormats: ["MM/DD/YYYY"] } },
        invalidValues: "reject-row",
      },
    });
    expect(phoneColumn(config)).toBe("Mobile");
    const spec = { tag: "BIRTHDAY", type: "date" as const };
    expect(buildValueMapping(config, new Map([["BIRTHDAY", { id: 7, spec }]]))).toEqual({
      fields: [{ tag: "BIRTHDAY", column: "Born", id: 7, spec, conversion: { timeZone: "Europe/Amsterdam", dateFormats: ["MM/DD/YYYY"] } }],
      phoneE164: { defaultCountry: "NL" },
      onInvalid: "reject-row",
    });
    expect(buildValueMapping(parseExportConfig(withValue("mappings.phone", "Phone")), new Map()).onInvalid).toBe("omit-field");
  });

  it.each([
    [{ column: "Born", type: "number" }, 'mappings.fields.BIRTHDAY.type: must be one of "text", "textarea", "hidden", "date", "datetime", "dropdown", "radio", "checkbox", "listbox"; got "number"'],
    [{ column: "Born", timeZone: "Mars/Olympus" }, 'mappings.fields.BIRTHDAY.timeZone: must be an IANA time zone such as "UTC", "Europe/Amsterdam" or "America/New_York"; got "Mars/Olympus"'],
    [{ column: "Born", dateFormats: ["MM/DD/YY"] }, 'mappings.fields.BIRTHDAY.dateFormats.0: must be a date format made of YYYY, MM (or M), DD (or D) once each and separators, e.g. "MM/DD/YYYY" or "D.M.YYYY"; got "MM/DD/YY"'],
    [{ column: "Born", create: true }, 'mappings.fields.BIRTHDAY.create: needs "type" as well: the type of the field to create (one of text, textarea, hidden, date, datetime, dropdown, radio, checkbox, listbox)'],
    [{ column: "Born", type: "date", options: ["a"] }, 'mappings.fields.BIRTHDAY.options: a "date" field has no options; options apply to dropdown, radio, checkbox, listbox fields'],
    [{ column: "Born", type: "checkbox", options: ["a||b"] }, 'mappings.fields.BIRTHDAY.options.0: must not contain "||" (ActiveCampaign\'s separator of multiple values); got "a||b"'],
    [{ column: "Born", type: "radio", options: ["Yes", "yes"] }, 'mappings.fields.BIRTHDAY.options.1: repeats option "yes" (option values are compared ignoring case)'],
    [{ column: "Born", type: "radio", options: ["Y", "N"], booleans: { true: "Y", false: "No" } }, 'mappings.fields.BIRTHDAY.booleans.false: must be one of the field\'s options ("Y", "N"); got "No"'],
    [{ column: "Born", lists: [7] }, "mappings.fields.BIRTHDAY.lists: must include the export's listId 12 (or 0 for every list): ActiveCampaign ignores a field's values on lists it does not apply to; got [7]"],
    [{ column: "Born", addOptions: true }, 'mappings.fields.BIRTHDAY.addOptions: needs "options": the options to add when the field lacks them'],
    [{ colum: "Born" }, "mappings.fields.BIRTHDAY.column: is required (expected string)"],
    [5, 'mappings.fields.BIRTHDAY: must be a source column name or an object { "column": …, "type": …, "options": …, "create": … }; got 5'],
  ])("refuses %j", (decl, message) => {
    expect(problems(withField(decl))).toContain(message);
  });

  it("names the keys a declaration allows for an unknown one", () => {
    expect(problems(withField({ column: "Born", tpye: "date" }))).toEqual([
      'mappings.fields.BIRTHDAY.tpye: unknown key (did you mean "type"?); allowed keys here: column, title, type, options, lists, create, addOptions, timeZone, dateFormats, separator, booleans',
    ]);
  });

  it("checks object-form columns for reuse like simple ones", () => {
    expect(problems(withField({ column: "Tier" }))).toEqual([
      'mappings.fields.BIRTHDAY: column "Tier" already feeds mappings.fields.LOYALTY_TIER; each source column may feed one target only',
    ]);
  });
});

describe("mappings.phone object form and mappings.invalidValues", () => {
  it.each([
    [{ column: "Phone", e164: { defaultCountry: "XX" } }, 'mappings.phone.e164.defaultCountry: must be an ISO 3166-1 alpha-2 country code in capitals, e.g. "US", "NL" or "GB"; got "XX"'],
    [{ column: "Phone", e164: { country: "US" } }, 'mappings.phone.e164.country: unknown key; allowed keys here: defaultCountry'],
    [{ column: "PrimaryEmail" }, 'mappings.phone: column "PrimaryEmail" already feeds mappings.email; each source column may feed one target only'],
  ])("refuses %j", (phone, message) => {
    expect(problems(withValue("mappings.phone", phone))).toContain(message);
  });

  it("refuses an unknown policy", () => {
    expect(problems(withValue("mappings.invalidValues", "drop"))).toEqual(['mappings.invalidValues: must be one of "omit-field", "reject-row"; got "drop"']);
  });
});

describe("the contract's copies of the runner's value rules", () => {
  it("declarable types are ActiveCampaign's types but NULL", () => {
    expect([...DECLARABLE_FIELD_TYPES, "NULL"].sort()).toEqual([...AC_FIELD_TYPES].sort());
  });

  it.each(["MM/DD/YYYY", "D.M.YYYY", "YYYY-MM-DD", "DD MM YYYY", "MM/DD/YY", "YYYY-MM", "MM/DD/YYYY/DD", "YYYYMMDD", "Q/MM/YYYY", "MM-DD-YYYYT"])(
    "accepts date format %s exactly when the converter can read it",
    (format) => {
      const accepted = safeParseExportConfig(withField({ column: "Born", dateFormats: [format] })).ok;
      expect(accepted).toBe(compileDateFormat(format) !== undefined);
    },
  );
});
