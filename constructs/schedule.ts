// When an export runs: a 5-field cron expression in UTC, which is what a Container Apps job's schedule trigger takes.
import { CRON_DAYS, parseCron, type ParsedCron } from "../runner/config/cron.js";
import { secretProblem } from "./prop-guards.js";
import { InvalidPropsError, isToken, show } from "./util.js";

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
    if (isToken(expression)) {
      throw InvalidPropsError.factory("Schedule.cron", "expression", "must be a literal cron expression known at synth time; got a Terraform token");
    }
    const secret = secretProblem("expression", expression);
    if (secret) throw InvalidPropsError.factory("Schedule.cron", secret.prop, secret.message);
    const parsed = parseCron(expression);
    if (!parsed.ok) throw InvalidPropsError.factory("Schedule.cron", "expression", parsed.problem);
    return new Schedule(parsed.cron);
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
    const index = CRON_DAYS.indexOf(String(day).toUpperCase());
    if (index < 0) throw InvalidPropsError.factory("Schedule.weekly", "day", `must be one of ${CRON_DAYS.map((d) => `"${d}"`).join(", ")}; got ${show(day)}`);
    checkNumber("Schedule.weekly", "hour", hour, 0, 23);
    checkNumber("Schedule.weekly", "minute", minute, 0, 59);
    return Schedule.cron(`${minute} ${hour} * * ${index}`);
  }

  /** The normalized cron expression (single spaces), as the job's schedule trigger gets it. */
  readonly expression: string;

  private constructor(private readonly cron: ParsedCron) {
    this.expression = cron.expression;
  }

  /**
   * The shortest gap between two runs, in minutes, over a sample of 4 weeks (an estimate for day-of-month rules).
   * ExportChecks compares it with the job's replica timeout: overlapping runs would wait on the export's lock.
   */
  minIntervalMinutes(): number {
    return this.gapsMinutes().reduce((a, b) => Math.min(a, b), Infinity);
  }

  /** The longest gap between two runs, in minutes (same sample): how long "no run yet" is normal. */
  maxIntervalMinutes(): number {
    return this.gapsMinutes().reduce((a, b) => Math.max(a, b), 0);
  }

  private gapsMinutes(): number[] {
    const { minutes, hours, any } = this.cron;
    const [doms, months, dows] = [new Set(this.cron.daysOfMonth), new Set(this.cron.months), new Set(this.cron.daysOfWeek)];
    const [anyDom, anyDow] = [any.dayOfMonth, any.dayOfWeek];
    let previous: number | undefined;
    const gaps: number[] = [];
    // 2023-01-01 was a Sunday; 28 days from there.
    for (let day = 0; day < 28 * 3; day++) {
      const date = new Date(Date.UTC(2023, 0, 1 + day));
      const domOk = doms.has(date.getUTCDate());
      const dowOk = dows.has(date.getUTCDay());
      // Classic cron: when both day fields are restricted, either may match.
      const dayOk = anyDom || anyDow ? domOk && dowOk : domOk || dowOk;
      if (!dayOk || !months.has(date.getUTCMonth() + 1)) continue;
      for (const h of hours) {
        for (const m of minutes) {
          const t = day * 1440 + h * 60 + m;
          if (previous !== undefined) gaps.push(t - previous);
          previous = t;
        }
      }
    }
    return gaps.length ? gaps : [Infinity];
  }
}

function checkNumber(factory: string, prop: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw InvalidPropsError.factory(factory, prop, `must be a whole number from ${min} to ${max} (UTC); got ${show(v)}`);
  }
}
