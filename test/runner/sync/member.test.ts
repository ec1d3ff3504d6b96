// member.ts: rows to members through the run's ValueMapping. Plain text fields read as before values were typed
// (same text, same fingerprint, so an existing state re-sends nobody); typed fields are converted, and the
// fingerprint is taken over the converted values.
import { describe, expect, it } from "vitest";
import { parseExportConfig } from "../../../runner/config.js";
import type { SegmentRow } from "../../../runner/segment/types.js";
import { Fingerprint } from "../../../runner/sync/fingerprint.js";
import { APOSTROPHE_REASON } from "../../../runner/sync/email.js";
import { emailHash, fingerprintRow, RowReader, toMember } from "../../../runner/sync/member.js";
import { plainValueMapping, type ValueMapping } from "../../../runner/sync/value-mapping.js";
import type { ConversionOptions, FieldSpec, SourceValue } from "../../../runner/values/types.js";

const config = parseExportConfig({
  name: "t",
  connection: { name: "c", hostname: "contoso.api-us1.com" },
  listId: 12,
  segment: { source: "file:x.parquet" },
  mappings: { email: "email", firstName: "first", phone: "phone", fields: { TIER: "tier", SEEN: "seen" }, tags: ["vip"] },
});
const row = (values: Record<string, SourceValue>, rowNumber = 2): SegmentRow => ({ rowNumber, values });
const plain = plainValueMapping(config, new Map());
const typed = (seen: ConversionOptions = {}, over: Partial<ValueMapping> = {}): ValueMapping => {
  const spec = (tag: string, type: FieldSpec["type"], options?: FieldSpec["options"]): FieldSpec => ({ tag, type, ...(options ? { options } : {}) });
  return {
    fields: [
      { tag: "TIER", column: "tier", id: 1, spec: spec("TIER", "dropdown", [{ value: "gold", label: "Gold tier" }]), conversion: {} },
      { tag: "SEEN", column: "seen", id: 2, spec: spec("SEEN", "datetime"), conversion: seen },
    ],
    onInvalid: "omit-field",
    ...over,
  };
};
const member = (r: SegmentRow, values: ValueMapping) => {
  const m = toMember(r, config, values);
  if (!m.ok) throw new Error(m.reason);
  return m.member;
};

describe("plain text fields", () => {
  it("keep the fingerprint of before values were typed: an existing state re-sends nobody", () => {
    const before = new Fingerprint().add("Ann").add("").add("555-0100").add("TIER").add("Gold").add("SEEN").add("").add("#12\u0000t:vip").value();
    const r = fingerprintRow(row({ email: "Ann@X.io", first: " Ann ", phone: "555-0100", tier: "Gold " }), config, plain);
    expect(r).toEqual({ ok: true, email: "ann@x.io", fingerprint: before });
  });

  it("send typed values as the readers wrote them as text before (integers, booleans, dates, instants)", () => {
    const m = member(row({ email: "a@x.io", first: 41, tier: true, seen: new Date("2024-05-01T12:34:56.789Z") }), plain);
    expect(m).toMatchObject({ firstName: "41", fields: { TIER: "true", SEEN: "2024-05-01T12:34:56.789Z" } });
    expect(member(row({ email: "a@x.io", tier: 9007199254740993n, seen: { kind: "date", value: "1990-05-17" } }), plain).fields).toEqual({
      TIER: "9007199254740993",
      SEEN: "1990-05-17",
    });
  });

  it("an email stored as a number is read as its digits (and rejected as an email)", () => {
    expect(fingerprintRow(row({ email: 12345n }), config, plain)).toEqual({ ok: false, email: "12345", reason: expect.stringMatching(/@/) });
  });
});

describe("typed fields", () => {
  it("send the converted value, and rows whose values convert the same have the same fingerprint", () => {
    const a = toMember(row({ email: "a@x.io", tier: "GOLD TIER", seen: "2024-05-01T12:00:00+02:00" }), config, typed());
    const b = toMember(row({ email: "a@x.io", tier: "gold", seen: new Date("2024-05-01T10:00:00Z") }), config, typed());
    expect(a).toMatchObject({ ok: true, member: { fields: { TIER: "gold", SEEN: "2024-05-01T10:00:00+00:00" } } });
    expect(a.ok && b.ok && a.member.fingerprint === b.member.fingerprint).toBe(true);
  });

  it("a changed time zone changes the fingerprint of naive values only", () => {
    const naive = row({ email: "a@x.io", seen: { kind: "naive-timestamp", value: "2024-05-01T10:00:00" } });
    const instant = row({ email: "a@x.io", seen: new Date("2024-05-01T10:00:00Z") });
    const fp = (r: SegmentRow, tz: string) => {
      const f = fingerprintRow(r, config, typed({ timeZone: tz }));
      return f.ok ? f.fingerprint : f.reason;
    };
    expect(fp(naive, "UTC")).not.toBe(fp(naive, "Europe/Amsterdam"));
    expect(fp(instant, "UTC")).toBe(fp(instant, "Europe/Amsterdam"));
  });

  it("a value that cannot be converted is left out and reported (omit-field), or rejects the row (reject-row)", () => {
    const r = row({ email: "a@x.io", tier: "platinum", seen: "2024-05-01T10:00:00Z" });
    const omitted = fingerprintRow(r, config, typed());
    const blank = fingerprintRow(row({ email: "a@x.io", seen: "2024-05-01T10:00:00Z" }), config, typed());
    expect(omitted).toEqual({
      ok: true,
      email: "a@x.io",
      fingerprint: blank.ok ? blank.fingerprint : 0,
      problems: [{ field: "TIER", value: '"platinum"', reason: '"platinum" matches no option of TIER (options: "gold")' }],
    });
    expect(member(r, typed()).fields).toEqual({ SEEN: "2024-05-01T10:00:00+00:00" });
    expect(toMember(r, config, typed({}, { onInvalid: "reject-row" }))).toEqual({
      ok: false,
      email: "a@x.io",
      reason: 'field TIER: "platinum" matches no option of TIER (options: "gold")',
    });
  });

  it("phones go out in E.164 when asked; a number that cannot be read is reported, never sent garbled", () => {
    const e164 = typed({}, { phoneE164: { defaultCountry: "US" } });
    expect(member(row({ email: "a@x.io", phone: "(312) 555-5555" }), e164).phone).toBe("+13125555555");
    const bad = row({ email: "a@x.io", phone: "call me" });
    expect(member(bad, e164).phone).toBeUndefined();
    expect(fingerprintRow(bad, config, e164)).toMatchObject({
      problems: [{ field: "phone", value: '"call me"', reason: '"call me" is not a valid phone number (default country US)' }],
    });
    expect(fingerprintRow(row({ email: "a@x.io", phone: "312 555 5555" }), config, typed({}, { phoneE164: {} }))).toMatchObject({
      problems: [{ field: "phone", reason: '"312 555 5555" is not a valid phone number (no default country, so it needs its +country code)' }],
    });
    expect(member(bad, plain).phone).toBe("call me");
  });
});

describe("the per-row reader (RowReader) keeps every output of before it was made allocation-free", () => {
  // Figures computed with the code before RowReader (commit a2814b8): a change here would re-send every member of
  // every existing state, or change which rows are rejected and why.
  const pinned = parseExportConfig({
    name: "t",
    connection: { name: "c", hostname: "contoso.api-us1.com" },
    listId: 12,
    segment: { source: "file:x.parquet" },
    mappings: { email: "email", firstName: "first", lastName: "last", phone: "phone", fields: { TIER: "tier" }, tags: ["vip", "Spring"] },
  });
  const values = plainValueMapping(pinned, new Map());
  const cases: Array<[Record<string, SourceValue>, ReturnType<typeof fingerprintRow>]> = [
    [{ email: "Ann.Lee@Example.COM", first: " Ann ", last: "Lee", phone: "+49 151 10000000", tier: "gold" }, { ok: true, email: "ann.lee@example.com", fingerprint: 127296790520110 }],
    [{ email: "bob@x.io", first: "Bob", tier: "" }, { ok: true, email: "bob@x.io", fingerprint: 28268931621297 }],
    [{ email: "  chloé@x.io" }, { ok: false, email: "  chloé@x.io", reason: "email contains non-ASCII characters (internationalized addresses are not accepted)" }],
    [{ email: "zoe.o'neil@x.io" }, { ok: false, email: "zoe.o'neil@x.io", reason: APOSTROPHE_REASON }],
  ];

  it("gives the same email, fingerprint and reason as before, row after row (its state never leaks into the next row)", () => {
    const reader = new RowReader(pinned, values);
    for (const [v, expected] of [...cases, ...cases]) {
      expect(fingerprintRow(row(v), pinned, values)).toEqual(expected);
      const ok = reader.read(row(v));
      expect(ok).toBe(expected.ok);
      if (expected.ok) expect([reader.email, reader.fingerprint, reader.problems]).toEqual([expected.email, expected.fingerprint, undefined]);
      else expect([reader.email, reader.reason]).toEqual([expected.email, expected.reason]);
    }
  });

  it("reports a reader's problem row and the values left out, and forgets them on the next row", () => {
    const reader = new RowReader(config, typed());
    expect(reader.read({ rowNumber: 3, values: { email: "a@x.io" }, problem: "row has 9 fields" })).toBe(false);
    expect([reader.email, reader.reason]).toEqual([undefined, "row has 9 fields"]);
    expect(reader.read(row({ email: "a@x.io", tier: "platinum" }))).toBe(true);
    expect(reader.problems).toEqual([{ field: "TIER", value: '"platinum"', reason: expect.stringContaining("platinum") }]);
    expect(reader.read(row({ email: "a@x.io", tier: "gold" }))).toBe(true);
    expect(reader.problems).toBeUndefined();
  });

  it("hashes the normalized email as before (pass 2 compares it with the plan's)", () => {
    expect(emailHash("ann.lee@example.com")).toBe(94353708509616);
  });
});
