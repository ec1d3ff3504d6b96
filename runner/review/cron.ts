// A 5-field UTC cron expression in words, for the review summary ("every day at 03:00 UTC"), and its times in a
// reviewer's time zone. Parsed by the one cron parser (runner/config/cron.ts) that the constructs validate with.
import { parseCron, type ParsedCron } from "../config/cron.js";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

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
  const parsed = parseCron(expression);
  if (!parsed.ok) return `not a valid cron expression (${parsed.detail ?? parsed.problem})`;
  const c = parsed.cron;
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
  const parsed = parseCron(expression);
  if (!parsed.ok) return undefined;
  const c = parsed.cron;
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
