// How ActiveCampaign stores a custom-field value by the field's type (REAL-ACCOUNT.md F2; FACTS.md §6):
// - text, textarea, hidden (and NULL): the string as sent;
// - date: `YYYY-MM-DD`; anything else becomes 1899-12-31 (reading "coerce", AC's CSV importer) or fails (reading "fail");
// - datetime: ISO 8601; stored converted to the account's time zone (documented callout); a value without an offset
//   is read in the account's time zone; anything else as for dates;
// - dropdown, radio: one option *value*; checkbox, listbox: `||a||b||` of option values. A value that matches no
//   option is stored raw but shown empty in the UI (reading "coerce") or fails (reading "fail").
import type { FieldRow } from "./store.js";

export type FieldValueReading = "coerce" | "fail";

export type Stored = { ok: true; value: string } | { ok: false; reason: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
export const DATE_1899 = "1899-12-31";

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset of `tz` at the instant `ms`, in minutes east of UTC. */
function offsetMinutes(ms: number, tz: string): number {
  let f = zoneFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    zoneFormats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    offsetMinutes(0, tz);
    return true;
  } catch {
    return false;
  }
}

/** The instant `ms` written in `tz`: 2024-11-01T14:05:00-05:00. */
export function inZone(ms: number, tz: string): string {
  const off = offsetMinutes(ms, tz);
  const d = new Date(ms + off * 60_000);
  const sign = off < 0 ? "-" : "+";
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** A wall-clock time in `tz` → epoch ms (two passes settle the offset around DST changes). */
function fromZone(wallUtcMs: number, tz: string): number {
  let ms = wallUtcMs - offsetMinutes(wallUtcMs, tz) * 60_000;
  ms = wallUtcMs - offsetMinutes(ms, tz) * 60_000;
  return ms;
}

/** Parses an ISO datetime (offset optional: then read in `tz`) to epoch ms, or undefined. */
export function parseDatetime(value: string, tz: string): number | undefined {
  const m = DATETIME.exec(value) ?? (DATE.test(value) ? [value, ...value.split("-"), "00", "00", "00", undefined] : null);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (!realDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const zone = m[7];
  if (zone === undefined) return fromZone(wall, tz);
  if (zone === "Z") return wall;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const off = (Number(z[2]) * 60 + Number(z[3])) * (z[1] === "-" ? -1 : 1);
  return wall - off * 60_000;
}

/** The elements of a multi-value (`||a||b||`; a bare value is one element). */
export function multiValues(value: string): string[] {
  if (value.startsWith("||") && value.endsWith("||") && value.length >= 4) return value.slice(2, -2).split("||").filter((v) => v !== "");
  return value === "" ? [] : [value];
}

const MULTI = new Set(["checkbox", "listbox"]);
const SINGLE = new Set(["dropdown", "radio"]);

/** What AC stores for `value` sent to `field` (or why the import / request fails, in reading "fail"). */
export function storeValue(field: FieldRow, value: string, reading: FieldValueReading, timeZone: string): Stored {
  if (value === "") return { ok: true, value };
  const bad = (reason: string, coerced: string): Stored => (reading === "fail" ? { ok: false, reason } : { ok: true, value: coerced });
  const name = `field ${field.perstag} (${field.type})`;
  switch (field.type) {
    case "date": {
      const m = DATE.exec(value);
      if (m && realDate(Number(m[1]), Number(m[2]), Number(m[3]))) return { ok: true, value };
      return bad(`${name}: ${JSON.stringify(value)} is not a date in YYYY-MM-DD`, DATE_1899);
    }
    case "datetime": {
      const ms = parseDatetime(value, timeZone);
      if (ms === undefined) return bad(`${name}: ${JSON.stringify(value)} is not an ISO 8601 datetime`, `${DATE_1899}T00:00:00`);
      return { ok: true, value: inZone(ms, timeZone) };
    }
    default: {
      if (!SINGLE.has(field.type) && !MULTI.has(field.type)) return { ok: true, value };
      const known = new Set(field.options.map((o) => o.value));
      const parts = MULTI.has(field.type) ? multiValues(value) : [value];
      const unknown = parts.filter((p) => !known.has(p));
      if (unknown.length === 0 && parts.length > 0) return { ok: true, value };
      return bad(`${name}: ${unknown.map((u) => JSON.stringify(u)).join(", ")} matches no option`, value);
    }
  }
}

/** What the UI shows for a stored value: option fields hide values that match no option. */
export function shownValue(field: FieldRow, stored: string): string {
  if (!SINGLE.has(field.type) && !MULTI.has(field.type)) return stored;
  const known = new Set(field.options.map((o) => o.value));
  if (SINGLE.has(field.type)) return known.has(stored) ? stored : "";
  const kept = multiValues(stored).filter((p) => known.has(p));
  return kept.length ? `||${kept.join("||")}||` : "";
}
