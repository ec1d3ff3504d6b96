// The text form of a typed source value: what a text, textarea or hidden field stores, and how the email, name and
// phone columns are read. One definition, so a value reads the same wherever it is used as text.
import { formatNumber } from "./number.js";
import { isCalendarDate, isNaiveTimestamp, type Converted, type SourceValue } from "./types.js";

/** What a value looks like in a reason: short, quoted, never a whole row. */
export function showValue(value: SourceValue): string {
  let s: string;
  if (value instanceof Date) s = Number.isNaN(value.getTime()) ? "an invalid date" : value.toISOString();
  else if (isCalendarDate(value) || isNaiveTimestamp(value)) s = value.value;
  else if (Array.isArray(value)) s = `[${value.map((v) => showValue(v as SourceValue)).join(", ")}]`;
  else s = String(value);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}…` : s);
}

/**
 * A value as text, trimmed; `undefined` for no value (null, undefined, blank). Strings as written; numbers in plain
 * digits; booleans "true"/"false"; an instant as ISO 8601 in UTC with milliseconds (as the readers wrote timestamps
 * before values were typed, so a text field's value and fingerprint stay the same); a date or naive time as written;
 * a list as its elements joined by ", ".
 */
export function toText(value: SourceValue): Converted | undefined {
  if (typeof value === "string") {
    const t = value.trim();
    return t ? { ok: true, value: t } : undefined;
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number" || typeof value === "bigint") {
    const s = formatNumber(value);
    return s === undefined ? { ok: false, reason: `${showValue(value)} is not a finite number` } : { ok: true, value: s };
  }
  if (typeof value === "boolean") return { ok: true, value: value ? "true" : "false" };
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? { ok: false, reason: "the timestamp is invalid" } : { ok: true, value: value.toISOString() };
  }
  if (isCalendarDate(value) || isNaiveTimestamp(value)) return { ok: true, value: value.value };
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const v of value) {
      const c = toText(v as SourceValue);
      if (c && !c.ok) return c;
      if (c) parts.push(c.value);
    }
    return parts.length ? { ok: true, value: parts.join(", ") } : undefined;
  }
  return { ok: false, reason: `${showValue(value)} has no text form` };
}

/** A value as text for the email and name columns: the text, or undefined (no value, or no text form). */
export function textOf(value: SourceValue): string | undefined {
  if (typeof value === "string" || value === undefined) return value;
  const c = toText(value);
  return c?.ok ? c.value : undefined;
}
