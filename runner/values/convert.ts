// Source value → the text ActiveCampaign stores for one custom field, by the field's type (issue #11,
// REAL-ACCOUNT.md F2). A value that cannot be converted is never sent in a form AC would mangle: the caller gets
// a reason, syncs the contact without that field and reports the row.
import { formatNumber } from "./number.js";
import { showValue, toText } from "./text.js";
import { multiValue, OptionIndex } from "./options.js";
import {
  compileDateFormat,
  dateInZone,
  isoDate,
  isoDateTimeWithOffset,
  isIsoDate,
  parseIsoDateTime,
  wallClockToInstant,
  zoneOffsetMinutes,
  type DateFormatParser,
} from "./time.js";
import { isCalendarDate, isNaiveTimestamp, type ConversionOptions, type Converted, type FieldSpec, type SourceValue } from "./types.js";

export { showValue };

const DEFAULT_BOOLEANS = { true: "Yes", false: "No" } as const;

/** A converter for one field, built once: options indexed, date formats compiled. `undefined` means "send nothing". */
export type FieldConverter = (value: SourceValue) => Converted | undefined;

const fail = (reason: string): Converted => ({ ok: false, reason });
const ok = (value: string): Converted => ({ ok: true, value });

export function createConverter(field: FieldSpec, options: ConversionOptions = {}): FieldConverter {
  const tz = options.timeZone ?? "UTC";
  const formats = (options.dateFormats ?? []).map((f) => compileDateFormat(f)).filter((p): p is DateFormatParser => p !== undefined);
  const ctx: Ctx = { field, tz, formats, separator: options.separator ?? ",", booleans: options.booleans ?? DEFAULT_BOOLEANS };
  const index = field.options ? new OptionIndex(field.options) : undefined;
  const convert = (value: SourceValue): Converted | undefined => {
    if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) return undefined;
    switch (field.type) {
      case "date":
        return toDate(value, ctx);
      case "datetime":
        return toDateTime(value, ctx);
      case "dropdown":
      case "radio":
        return toOption(value, ctx, index);
      case "checkbox":
      case "listbox":
        return toMulti(value, ctx, index);
      default:
        return toText(value);
    }
  };
  // Text converts the same every time: the first MEMO_SIZE distinct strings are remembered, so a column of few
  // distinct values (tiers, interests, dates of one season) costs one lookup per row. Results are never mutated.
  const memo = new Map<string, Converted | typeof NOTHING>();
  return (value) => {
    if (typeof value !== "string") return convert(value);
    const hit = memo.get(value);
    if (hit !== undefined) return hit === NOTHING ? undefined : hit;
    const result = convert(value);
    if (memo.size < MEMO_SIZE) memo.set(value, result ?? NOTHING);
    return result;
  };
}

const MEMO_SIZE = 4096;
const NOTHING = Symbol("nothing to send");

interface Ctx {
  field: FieldSpec;
  tz: string;
  formats: DateFormatParser[];
  separator: string;
  booleans: { true: string; false: string };
}

function toDate(value: SourceValue, ctx: Ctx): Converted {
  if (isCalendarDate(value)) return ok(value.value);
  if (isNaiveTimestamp(value)) return ok(value.value.slice(0, 10));
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? fail("the timestamp is invalid") : ok(dateInZone(value.getTime(), ctx.tz));
  }
  if (typeof value === "string") {
    if (isIsoDate(value)) return ok(value);
    const parsed = parseIsoDateTime(value);
    // Text keeps the date it shows, with or without a time or an offset: "2024-05-01T00:00:00+02:00" is 1 May where
    // it was written, though it is 30 April in UTC.
    if (parsed) return ok(parsed.dateOnly ? value.trim() : isoDate(parsed.wallMs));
    for (const f of ctx.formats) {
      const ms = f(value);
      if (ms !== undefined) return ok(isoDate(ms));
    }
    return fail(`${showValue(value)} is not a date (expected YYYY-MM-DD${ctx.formats.length ? " or a configured dateFormats entry" : "; name other formats in dateFormats"})`);
  }
  return fail(`${showValue(value)} is not a date`);
}

function toDateTime(value: SourceValue, ctx: Ctx): Converted {
  // An instant is sent in UTC; a naive time is read in the export's zone. So changing timeZone changes (and
  // re-sends) exactly the naive values.
  const naive = (wallMs: number) => {
    const instant = wallClockToInstant(wallMs, ctx.tz);
    return ok(isoDateTimeWithOffset(instant, zoneOffsetMinutes(instant, ctx.tz)));
  };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail("the timestamp is invalid") : ok(isoDateTimeWithOffset(value.getTime(), 0));
  if (isNaiveTimestamp(value) || isCalendarDate(value)) {
    const parsed = parseIsoDateTime(value.value);
    return parsed ? naive(parsed.wallMs) : fail(`${showValue(value)} is not a timestamp`);
  }
  if (typeof value === "string") {
    const parsed = parseIsoDateTime(value);
    if (parsed) return parsed.offsetMin === undefined ? naive(parsed.wallMs) : ok(isoDateTimeWithOffset(parsed.wallMs - parsed.offsetMin * 60_000, 0));
    for (const f of ctx.formats) {
      const ms = f(value);
      if (ms !== undefined) return naive(ms);
    }
    return fail(`${showValue(value)} is not a date-time (expected ISO 8601, e.g. 2024-05-01T10:00:00+02:00)`);
  }
  return fail(`${showValue(value)} is not a date-time`);
}

function optionText(value: SourceValue, ctx: Ctx): string | undefined {
  if (typeof value === "boolean") return value ? ctx.booleans.true : ctx.booleans.false;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return formatNumber(value);
  return undefined;
}

function toOption(value: SourceValue, ctx: Ctx, index: OptionIndex | undefined): Converted {
  const text = optionText(value, ctx);
  if (text === undefined) return fail(`${showValue(value)} cannot name an option of ${ctx.field.type} field ${ctx.field.tag}`);
  const matched = index?.match(text);
  if (matched === undefined) return fail(`${showValue(text)} matches no option of ${ctx.field.tag} (options: ${index?.describe() ?? "none"})`);
  return ok(matched);
}

function toMulti(value: SourceValue, ctx: Ctx, index: OptionIndex | undefined): Converted {
  let items: SourceValue[];
  if (Array.isArray(value)) items = value as SourceValue[];
  else if (typeof value === "string") items = value.split(ctx.separator);
  else if (typeof value === "boolean") {
    // A boolean on a checkbox: checked is the "true" option, unchecked is no option at all.
    if (!value) return ok("");
    items = [ctx.booleans.true];
  } else items = [value];
  const out: string[] = [];
  for (const item of items) {
    if (item === null || item === undefined || (typeof item === "string" && item.trim() === "")) continue;
    const c = toOption(item, ctx, index);
    if (!c.ok) return c;
    if (!out.includes(c.value)) out.push(c.value);
  }
  return ok(multiValue(out));
}
