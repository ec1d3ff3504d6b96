import { describe, expect, it } from "vitest";
import { InvalidPropsError, Schedule } from "../../constructs/index.js";
import { describeCron, localTimes } from "../../runner/review/cron.js";

describe("Schedule (UTC cron, validated at synth)", () => {
  it("normalizes valid expressions", () => {
    expect(Schedule.cron("  0  3 * *   * ").expression).toBe("0 3 * * *");
    expect(Schedule.cron("*/15 8-18 * * MON-FRI").expression).toBe("*/15 8-18 * * MON-FRI");
    expect(Schedule.cron("30 2 1,15 JAN,JUL 0").expression).toBe("30 2 1,15 JAN,JUL 0");
    expect(Schedule.daily({ hour: 3 }).expression).toBe("0 3 * * *");
    expect(Schedule.daily({ hour: 23, minute: 45 }).expression).toBe("45 23 * * *");
    expect(Schedule.hourly().expression).toBe("0 * * * *");
    expect(Schedule.hourly({ minute: 15 }).expression).toBe("15 * * * *");
    expect(Schedule.weekly({ day: "MON", hour: 6 }).expression).toBe("0 6 * * 1");
  });

  it("explains what is wrong with an invalid expression", () => {
    expect(() => Schedule.cron("0 3 * *")).toThrow(
      'Schedule.cron has invalid props:\n  expression: "0 3 * *" has 4 fields; use 5 fields "minute hour day-of-month month day-of-week" in UTC, e.g. "0 3 * * *" for 03:00 UTC every day',
    );
    expect(() => Schedule.cron("0 25 * * *")).toThrow(
      'Schedule.cron has invalid props:\n  expression: "0 25 * * *" is not a valid cron expression: the hour field has 25, outside 0-23; use 5 fields "minute hour day-of-month month day-of-week" in UTC, e.g. "0 3 * * *" for 03:00 UTC every day',
    );
    expect(() => Schedule.cron("0 3 * * FUN")).toThrow(/the day-of-week field has "FUN", which is not a number or a name \(SUN, MON, TUE, WED, THU, FRI, SAT\)/);
    expect(() => Schedule.cron("*/0 * * * *")).toThrow(/the minute field has step "0"; a step is a whole number of at least 1/);
    expect(() => Schedule.cron("0 18-8 * * *")).toThrow(/the hour field has the range "18-8", which runs backwards/);
    expect(() => Schedule.cron("@daily")).toThrow(/"@daily" has 1 field;/);
    // Factories throw the constructors' error, naming the prop.
    const error = (() => {
      try {
        Schedule.hourly({ minute: 60 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidPropsError);
    expect(error).toMatchObject({ constructKind: "Schedule.hourly", problems: [{ prop: "minute", message: "must be a whole number from 0 to 59 (UTC); got 60" }] });
    expect(() => Schedule.daily({ hour: 24 })).toThrow("Schedule.daily has invalid props:\n  hour: must be a whole number from 0 to 23 (UTC); got 24");
    expect(() => Schedule.weekly({ day: "Monday" as never, hour: 6 })).toThrow('Schedule.weekly has invalid props:\n  day: must be one of "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"; got "Monday"');
  });

  it("knows the shortest gap between runs (for ExportChecks ACX-JOB2)", () => {
    expect(Schedule.cron("0 3 * * *").minIntervalMinutes()).toBe(1440);
    expect(Schedule.hourly().minIntervalMinutes()).toBe(60);
    expect(Schedule.cron("*/15 * * * *").minIntervalMinutes()).toBe(15);
    expect(Schedule.cron("0 6 * * 1").minIntervalMinutes()).toBe(7 * 1440);
    expect(Schedule.cron("0 2,4 * * *").minIntervalMinutes()).toBe(120);
  });
});

describe("cron in words (ac-export review)", () => {
  it("describes common schedules", () => {
    expect(describeCron("0 3 * * *")).toBe("every day at 03:00 UTC");
    expect(describeCron("30 2,14 * * *")).toBe("every day at 02:30 and 14:30 UTC");
    expect(describeCron("0 6 * * 1")).toBe("every Monday at 06:00 UTC");
    expect(describeCron("0 6 * * MON-FRI")).toBe("on weekdays (Monday to Friday) at 06:00 UTC");
    expect(describeCron("0 * * * *")).toBe("every hour on the hour (UTC)");
    expect(describeCron("15 * * * *")).toBe("every hour at minute 15 (UTC)");
    expect(describeCron("*/15 * * * *")).toBe("every 15 minutes");
    expect(describeCron("0 4 1 * *")).toBe("on the 1st of the month at 04:00 UTC");
    expect(describeCron("0 4 1,15 JAN *")).toBe("on the 1st and 15th of the month in January at 04:00 UTC");
    expect(describeCron("0 25 * * *")).toBe("not a valid cron expression (the hour field has 25, outside 0-23)");
  });

  it("shows fixed times in a reviewer's time zone, winter and summer", () => {
    expect(localTimes("0 3 * * *", "Europe/Amsterdam", 2026)).toBe("04:00 CET in January, 05:00 CEST in July (Europe/Amsterdam)");
    expect(localTimes("30 12 * * *", "Asia/Tokyo", 2026)).toBe("21:30 GMT+9 in Asia/Tokyo");
    expect(localTimes("*/15 * * * *", "Europe/Amsterdam", 2026)).toBeUndefined();
  });
});
