// A 5-field UTC cron expression in words, for the review summary ("every day at 03:00 UTC"), and its times in a
// reviewer's time zone. (The constructs validate cron at synth with their own parser; the runner never imports them.)

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  offset?: number;
}
const SPECS: FieldSpec[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES, offset: 1 },
  { min: 0, max: 7, names: DAY_NAMES, offset: 0 },
];

export interface ParsedCron {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  daysOfWeek: number[];
  /** Which fields were "*" (or a full range). */
  any: { minute: boolean; hour: boolean; dayOfMonth: boolean; month: boolean; dayOfWeek: boolean };
  /** The step of a "*\/n" minute field, if that is what it was. */
  minuteStep?: number;
}

function num(spec: FieldSpec, text: string): number {
  const i = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return i + spec.offset!;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < spec.min || n > spec.max) throw new Error(`bad value ${JSON.stringify(text)}`);
  return n;
}

function expand(spec: FieldSpec, text: string, dow: boolean): number[] {
  const out = new Set<number>();
  const top = dow ? 6 : spec.max;
  for (const part of text.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step ${JSON.stringify(stepText)}`);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [spec.min, top];
    else if (range.includes("-")) {
      const [a = "", b = ""] = range.split("-");
      [from, to] = [num(spec, a), num(spec, b)];
    } else {
      from = num(spec, range);
      to = stepText === undefined ? from : top;
    }
    if (from > to) throw new Error(`backwards range ${JSON.stringify(range)}`);
    for (let v = from; v <= to; v += step) out.add(dow && v === 7 ? 0 : v);
  }
  return [...out].sort((a, b) => a - b);
}

/** Parses a 5-field cron expression; throws on anything else. */
export function parseCron(expression: string): ParsedCron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields, got ${parts.length}`);
  const [m, h, dom, mon, dow] = parts.map((p, i) => expand(SPECS[i]!, p, i === 4)) as [number[], number[], number[], number[], number[]];
  const step = /^\*\/(\d+)$/.exec(parts[0]!);
  return {
    minutes: m,
    hours: h,
    daysOfMonth: dom,
    months: mon,
    daysOfWeek: dow,
    any: { minute: m.length === 60, hour: h.length === 24, dayOfMonth: dom.length === 31, month: mon.length === 12, dayOfWeek: dow.length === 7 },
    ...(step ? { minuteStep: Number(step[1]) } : {}),
  };
}

const pad = (n: number) => String(n).padStart(2, "0");
const time = (h: number, m: number) => `${pad(h)}:${pad(m)}`;

export function listWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function daysPart(c: ParsedCron): string {
  const parts: string[] = [];
  if (!c.any.dayOfWeek) {
    const d = c.daysOfWeek;
    if (d.join() === "1,2,3,4,5") parts.push("on weekdays (Monday to Friday)");
    else if (d.join() === "0,6") parts.push("on weekends");
    else parts.push(`every ${listWords(d.map((x) => DAYS[x]!))}`);
  }
  if (!c.any.dayOfMonth) {
    const ordinal = (n: number) => `${n}${n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th"}`;
    parts.push(`on the ${listWords(c.daysOfMonth.map(ordinal))} of the month`);
  }
  if (c.any.dayOfWeek && c.any.dayOfMonth) parts.push("every day");
  // Classic cron: when both day fields are restricted, a day matching either one runs.
  let words = parts.join(" or ");
  if (!c.any.month) words += ` in ${listWords(c.months.map((x) => MONTHS[x - 1]!))}`;
  return words;
}

/** "every day at 03:00 UTC", "every Monday at 06:00 UTC", "every hour at minute 15", "every 15 minutes". */
export function describeCron(expression: string): string {
  let c: ParsedCron;
  try {
    c = parseCron(expression);
  } catch (e) {
    return `not a valid cron expression (${(e as Error).message})`;
  }
  const days = daysPart(c);
  const daily = days === "every day";
  const suffix = daily ? "" : ` ${days}`;
  if (c.any.hour) {
    if (c.any.minute) return `every minute${suffix}`;
    if (c.minuteStep && 60 % c.minuteStep === 0) return `every ${c.minuteStep} minutes${suffix}`;
    const mins = c.minutes.length === 1 && c.minutes[0] === 0 ? "on the hour" : `at minute ${listWords(c.minutes.map(String))}`;
    return `every hour ${mins}${suffix} (UTC)`;
  }
  if (c.minutes.length * c.hours.length <= 6) {
    const times = c.hours.flatMap((h) => c.minutes.map((m) => time(h, m)));
    return `${daily ? "every day" : days} at ${listWords(times)} UTC`;
  }
  return `${daily ? "every day" : days} at minute ${listWords(c.minutes.map(String))} of the hours ${listWords(c.hours.map(String))} (UTC)`;
}

/**
 * The UTC run times of a schedule with fixed times, in another IANA time zone, for winter and summer
 * (e.g. "04:00 CET in January, 05:00 CEST in July"). Undefined for schedules without fixed times.
 */
export function localTimes(expression: string, timeZone: string, year = new Date().getUTCFullYear()): string | undefined {
  let c: ParsedCron;
  try {
    c = parseCron(expression);
  } catch {
    return undefined;
  }
  if (c.any.hour || c.minutes.length * c.hours.length > 6) return undefined;
  const format = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  const at = (month: number) =>
    listWords(
      c.hours.flatMap((h) =>
        c.minutes.map((m) => {
          const parts = format.formatToParts(new Date(Date.UTC(year, month, 15, h, m)));
          const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
          return `${get("hour")}:${get("minute")} ${get("timeZoneName")}`;
        }),
      ),
    );
  const winter = at(0);
  const summer = at(6);
  return winter === summer ? `${winter} in ${timeZone}` : `${winter} in January, ${summer} in July (${timeZone})`;
}
