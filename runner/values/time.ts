// Dates and times for ActiveCampaign: date fields take YYYY-MM-DD, datetime fields ISO 8601 with an offset and no
// milliseconds (REAL-ACCOUNT.md F2). Zone offsets come from Intl, cached per zone and hour: conversion runs per row.

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

// The config checks zones with the same predicate (runner/config/field-mapping.ts).
export { isValidTimeZone } from "../config/field-mapping.js";

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's offset from UTC at that instant, in minutes (east positive). Zones change offsets on whole hours. */
export function zoneOffsetMinutes(instantMs: number, tz: string): number {
  if (tz === "UTC") return 0;
  let byHour = offsetCache.get(tz);
  if (!byHour) offsetCache.set(tz, (byHour = new Map()));
  const hour = Math.floor(instantMs / HOUR_MS);
  const cached = byHour.get(hour);
  if (cached !== undefined) return cached;
  const at = hour * HOUR_MS;
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(at))) if (part.type !== "literal") p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  const offset = Math.round((wall - at) / 60_000);
  if (byHour.size > 200_000) byHour.clear();
  byHour.set(hour, offset);
  return offset;
}

/** The instant of a wall-clock time in a zone (for a time skipped by a DST change, the offset before it). */
export function wallClockToInstant(wallMs: number, tz: string): number {
  const first = zoneOffsetMinutes(wallMs, tz);
  const guess = wallMs - first * 60_000;
  const second = zoneOffsetMinutes(guess, tz);
  return second === first ? guess : wallMs - second * 60_000;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number) => (n < 1000 ? String(n).padStart(4, "0") : String(n));

/** YYYY-MM-DD of a UTC-based millisecond count. */
export function isoDate(ms: number): string {
  const d = new Date(ms);
  return `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** YYYY-MM-DDTHH:mm:ss±HH:MM: the instant as the wall clock of a zone whose offset is `offsetMin`. */
export function isoDateTimeWithOffset(instantMs: number, offsetMin: number): string {
  const wall = new Date(Math.floor(instantMs / 1000) * 1000 + offsetMin * 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  return (
    `${pad4(wall.getUTCFullYear())}-${pad2(wall.getUTCMonth() + 1)}-${pad2(wall.getUTCDate())}` +
    `T${pad2(wall.getUTCHours())}:${pad2(wall.getUTCMinutes())}:${pad2(wall.getUTCSeconds())}` +
    `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
  );
}

/** The calendar date of an instant in a zone. */
export function dateInZone(instantMs: number, tz: string): string {
  return isoDate(instantMs + zoneOffsetMinutes(instantMs, tz) * 60_000);
}

/** Parsed text: a wall-clock time (ms as if UTC) and, when the text had one, its offset in minutes. */
export interface ParsedDateTime {
  wallMs: number;
  /** Minutes east of UTC; undefined for a naive time. */
  offsetMin?: number;
  /** True when the text had only a date. */
  dateOnly: boolean;
}

function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar day (no 2024-02-30) of a year from 100 on, as UTC ms; NaN otherwise. Arithmetic only: it runs per row. */
export function calendarMs(y: number, m: number, d: number): number {
  if (y < 100 || m < 1 || m > 12 || d < 1) return NaN;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > MONTH_DAYS[m - 1]! + (leap ? 1 : 0)) return NaN;
  return Date.UTC(y, m - 1, d);
}

/** True for text that is exactly a real YYYY-MM-DD date: what a date field stores, sent as it is. */
export function isIsoDate(s: string): boolean {
  return s.length === 10 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && !Number.isNaN(calendarMs(digitsAt(s, 0, 4), digitsAt(s, 5, 2), digitsAt(s, 8, 2)));
}

/**
 * ISO 8601 text: YYYY-MM-DD, optionally followed by T or a space, HH:mm[:ss[.fff…]], and Z or ±HH[:]MM. Scanned by
 * character code (no regexp: it runs per row).
 */
export function parseIsoDateTime(text: string): ParsedDateTime | undefined {
  const s = text.trim();
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y = digitsAt(s, 0, 4), mo = digitsAt(s, 5, 2), d = digitsAt(s, 8, 2);
  const day = calendarMs(y, mo, d);
  if (Number.isNaN(day)) return undefined;
  if (s.length === 10) return { wallMs: day, dateOnly: true };
  const sep = s[10];
  if ((sep !== "T" && sep !== " ") || s.length < 16 || s.charCodeAt(13) !== 58) return undefined;
  const h = digitsAt(s, 11, 2), mi = digitsAt(s, 14, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
  let i = 16, sec = 0, ms = 0;
  if (s.charCodeAt(i) === 58) {
    sec = digitsAt(s, i + 1, 2);
    if (sec < 0 || sec > 59) return undefined;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      let j = i + 1, frac = "";
      while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) frac += s[j++];
      if (!frac) return undefined;
      ms = Math.floor(Number(`0.${frac}`) * 1000);
      i = j;
    }
  }
  const wallMs = day + ((h * 60 + mi) * 60 + sec) * 1000 + ms;
  if (i === s.length) return { wallMs, dateOnly: false };
  const offsetMin = parseOffset(s.slice(i));
  return offsetMin === undefined ? undefined : { wallMs, offsetMin, dateOnly: false };
}

function parseOffset(s: string): number | undefined {
  if (s === "Z" || s === "z") return 0;
  const sign = s[0] === "+" ? 1 : s[0] === "-" ? -1 : 0;
  if (!sign) return undefined;
  const body = s.length === 6 && s[3] === ":" ? s.slice(1, 3) + s.slice(4) : s.slice(1);
  if (body.length !== 4 && body.length !== 2) return undefined;
  const hh = digitsAt(body, 0, 2), mm = body.length === 4 ? digitsAt(body, 2, 2) : 0;
  if (hh < 0 || hh > 18 || mm < 0 || mm > 59) return undefined;
  return sign * (hh * 60 + mm);
}

/** A parser for a date format a config names ("MM/DD/YYYY", "D.M.YYYY"…): tokens YYYY, MM, M, DD, D. */
export type DateFormatParser = (text: string) => number | undefined;

export const DATE_FORMAT_TOKENS = ["YYYY", "MM", "M", "DD", "D"] as const;

/** Compiles a date format; undefined when it is not made of YYYY, M(M), D(D) and separators, each once. */
export function compileDateFormat(format: string): DateFormatParser | undefined {
  const parts: Array<{ token: "Y" | "M" | "D"; min: number; max: number } | { literal: string }> = [];
  let i = 0;
  while (i < format.length) {
    const rest = format.slice(i);
    const token = DATE_FORMAT_TOKENS.find((t) => rest.startsWith(t));
    if (token) {
      const kind = token[0] as "Y" | "M" | "D";
      parts.push({ token: kind, min: token.length === 4 ? 4 : token.length === 2 ? 2 : 1, max: token.length === 4 ? 4 : 2 });
      i += token.length;
    } else if (/[A-Za-z0-9]/.test(format[i]!)) return undefined;
    else parts.push({ literal: format[i++]! });
  }
  const kinds = parts.flatMap((p) => ("token" in p ? [p.token] : []));
  if (kinds.length !== 3 || new Set(kinds).size !== 3) return undefined;
  return (text: string) => {
    const s = text.trim();
    const got: Record<string, number> = {};
    let at = 0;
    for (const p of parts) {
      if ("literal" in p) {
        if (s[at] !== p.literal) return undefined;
        at++;
        continue;
      }
      let n = 0, len = 0;
      while (len < p.max && at < s.length && s.charCodeAt(at) >= 48 && s.charCodeAt(at) <= 57) n = n * 10 + (s.charCodeAt(at++) - 48), len++;
      if (len < p.min) return undefined;
      got[p.token] = n;
    }
    if (at !== s.length) return undefined;
    const ms = calendarMs(got.Y!, got.M!, got.D!);
    return Number.isNaN(ms) ? undefined : ms;
  };
}

export { DAY_MS };
