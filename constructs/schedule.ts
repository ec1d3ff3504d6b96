// When an export runs: a 5-field cron expression in UTC, which is what a Container Apps job's schedule trigger takes.
import { isToken, show } from "./util.js";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in most cron implementations.
  { name: "day-of-week", min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

const HELP = 'use 5 fields "minute hour day-of-month month day-of-week" in UTC, e.g. "0 3 * * *" for 03:00 UTC every day';

class CronError extends Error {}

function value(field: Field, text: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + field.namesFrom!;
  if (!/^\d+$/.test(text)) {
    throw new CronError(`the ${field.name} field has ${show(text)}, which is not a number${field.names ? ` or a name (${field.names.join(", ")})` : ""}`);
  }
  const n = Number(text);
  if (n < field.min || n > field.max) throw new CronError(`the ${field.name} field has ${n}, outside ${field.min}-${field.max}`);
  return n;
}

/** The values a field matches. Throws CronError naming the field. */
function expand(field: Field, text: string): Set<number> {
  const out = new Set<number>();
  if (text === "") throw new CronError(`the ${field.name} field is empty`);
  for (const part of text.split(",")) {
    const m = /^([^/]+)(?:\/(.+))?$/.exec(part);
    if (!m) throw new CronError(`the ${field.name} field has ${show(part)}, which is not a value, range or step`);
    const [, range, stepText] = m;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`the ${field.name} field has step ${show(stepText)}; a step is a whole number of at least 1`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === "*") {
      from = field.min;
      to = field.name === "day-of-week" ? 6 : field.max;
    } else if (range!.includes("-")) {
      const [a = "", b = "", ...rest] = range!.split("-");
      if (rest.length) throw new CronError(`the ${field.name} field has ${show(range)}, which is not a range`);
      from = value(field, a);
      to = value(field, b);
      if (from > to) throw new CronError(`the ${field.name} field has the range ${show(range)}, which runs backwards`);
    } else {
      from = value(field, range!);
      to = stepText === undefined ? from : field.name === "day-of-week" ? 6 : field.max;
    }
    for (let v = from; v <= to; v += step) out.add(field.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return out;
}

/** The expanded fields of a valid expression, or a message saying what is wrong. */
export function parseCron(expression: string): { fields: Set<number>[] } | { problem: string } {
  if (typeof expression !== "string") return { problem: `must be a string; got ${show(expression)}` };
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return { problem: `${show(expression)} has ${parts.length} field${parts.length === 1 ? "" : "s"}; ${HELP}` };
  }
  try {
    return { fields: parts.map((p, i) => expand(FIELDS[i]!, p)) };
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    return { problem: `${show(expression)} is not a valid cron expression: ${e.message}; ${HELP}` };
  }
}

/**
 * When an export's job runs. Container Apps evaluates schedules in UTC, always: write times in UTC.
 *
 * ```ts
 * Schedule.cron("0 3 * * *")              // 03:00 UTC every day
 * Schedule.daily({ hour: 3, minute: 30 }) // "30 3 * * *"
 * Schedule.hourly({ minute: 15 })         // "15 * * * *"
 * Schedule.weekly({ day: "MON", hour: 6 }) // "0 6 * * 1"
 * ```
 */
export class Schedule {
  /** A 5-field UTC cron expression ("minute hour day-of-month month day-of-week"), checked now. */
  static cron(expression: string): Schedule {
    if (isToken(expression)) throw new Error("Schedule.cron: expression must be a literal cron expression known at synth time; got a Terraform token");
    const parsed = parseCron(expression);
    if ("problem" in parsed) throw new Error(`Schedule.cron: ${parsed.problem}`);
    return new Schedule(expression.trim().split(/\s+/).join(" "), parsed.fields);
  }

  /** Every day at `hour`:`minute` UTC. */
  static daily(options: { hour: number; minute?: number }): Schedule {
    const { hour, minute = 0 } = options;
    checkNumber("Schedule.daily", "hour", hour, 0, 23);
    checkNumber("Schedule.daily", "minute", minute, 0, 59);
    return Schedule.cron(`${minute} ${hour} * * *`);
  }

  /** Every hour at `minute` past the hour. */
  static hourly(options: { minute?: number } = {}): Schedule {
    const { minute = 0 } = options;
    checkNumber("Schedule.hourly", "minute", minute, 0, 59);
    return Schedule.cron(`${minute} * * * *`);
  }

  /** Once a week on `day` ("MON"…"SUN") at `hour`:`minute` UTC. */
  static weekly(options: { day: "MON" | "TUE" | "WED" | "THU" | "FRI" | "SAT" | "SUN"; hour: number; minute?: number }): Schedule {
    const { day, hour, minute = 0 } = options;
    const index = DAYS.indexOf(String(day).toUpperCase());
    if (index < 0) throw new Error(`Schedule.weekly: day must be one of ${DAYS.map((d) => `"${d}"`).join(", ")}; got ${show(day)}`);
    checkNumber("Schedule.weekly", "hour", hour, 0, 23);
    checkNumber("Schedule.weekly", "minute", minute, 0, 59);
    return Schedule.cron(`${minute} ${hour} * * ${index}`);
  }

  private constructor(
    /** The normalized cron expression (single spaces), as the job's schedule trigger gets it. */
    readonly expression: string,
    private readonly fields: Set<number>[],
  ) {}

  /**
   * The shortest gap between two runs, in minutes, over a sample of 4 weeks (an estimate for day-of-month rules).
   * ExportChecks compares it with the job's replica timeout: overlapping runs would wait on the export's lock.
   */
  minIntervalMinutes(): number {
    const [minutes, hours, doms, months, dows] = this.fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
    const anyDom = doms.size === 31;
    const anyDow = dows.size === 7;
    let previous: number | undefined;
    let best = Infinity;
    // 2023-01-01 was a Sunday; 28 days from there.
    for (let day = 0; day < 28 * 3; day++) {
      const date = new Date(Date.UTC(2023, 0, 1 + day));
      const domOk = doms.has(date.getUTCDate());
      const dowOk = dows.has(date.getUTCDay());
      // Classic cron: when both day fields are restricted, either may match.
      const dayOk = anyDom || anyDow ? domOk && dowOk : domOk || dowOk;
      if (!dayOk || !months.has(date.getUTCMonth() + 1)) continue;
      for (const h of [...hours].sort((a, b) => a - b)) {
        for (const m of [...minutes].sort((a, b) => a - b)) {
          const t = day * 1440 + h * 60 + m;
          if (previous !== undefined) best = Math.min(best, t - previous);
          previous = t;
        }
      }
    }
    return best;
  }
}

function checkNumber(factory: string, prop: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${factory}: ${prop} must be a whole number from ${min} to ${max} (UTC); got ${show(v)}`);
}
