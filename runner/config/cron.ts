// The one cron parser: 5-field UTC expressions, what a Container Apps job's schedule trigger takes. The constructs
// validate with it at synth (Schedule.cron) and the review describes with it; each problem names the field.
import { show } from "./show.js";

export const CRON_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
export const CRON_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

export const CRON_HELP = 'use 5 fields "minute hour day-of-month month day-of-week" in UTC, e.g. "0 3 * * *" for 03:00 UTC every day';

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
  { name: "month", min: 1, max: 12, names: CRON_MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in most cron implementations.
  { name: "day-of-week", min: 0, max: 7, names: CRON_DAYS, namesFrom: 0 },
];

export interface ParsedCron {
  /** The normalized expression (single spaces). */
  expression: string;
  /** The values each field matches, sorted; day-of-week 7 counts as 0 (Sunday). */
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  daysOfWeek: number[];
  /** Which fields match every value ("*" or a full range). */
  any: { minute: boolean; hour: boolean; dayOfMonth: boolean; month: boolean; dayOfWeek: boolean };
  /** The step of a "*\/n" minute field, if that is what it was. */
  minuteStep?: number;
}

/** A field's problem; caught by parseCron and turned into its message. */
class FieldProblem {
  constructor(readonly message: string) {}
}

function value(field: Field, text: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.namesFrom!;
  if (!/^\d+$/.test(text)) {
    throw new FieldProblem(`the ${field.name} field has ${show(text)}, which is not a number${field.names ? ` or a name (${field.names.join(", ")})` : ""}`);
  }
  const n = Number(text);
  if (n < field.min || n > field.max) throw new FieldProblem(`the ${field.name} field has ${n}, outside ${field.min}-${field.max}`);
  return n;
}

function range(field: Field, text: string, stepped: boolean): [number, number] {
  // "*" and open steps ("5/10") end on Saturday for day-of-week: 7 would repeat Sunday.
  const top = field.name === "day-of-week" ? 6 : field.max;
  if (text === "*") return [field.min, top];
  if (!text.includes("-")) {
    const from = value(field, text);
    return [from, stepped ? top : from];
  }
  const [a = "", b = "", ...rest] = text.split("-");
  if (rest.length) throw new FieldProblem(`the ${field.name} field has ${show(text)}, which is not a range`);
  const [from, to] = [value(field, a), value(field, b)];
  if (from > to) throw new FieldProblem(`the ${field.name} field has the range ${show(text)}, which runs backwards`);
  return [from, to];
}

/** The values a field matches, sorted. Throws FieldProblem naming the field. */
function expand(field: Field, text: string): number[] {
  if (text === "") throw new FieldProblem(`the ${field.name} field is empty`);
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^([^/]+)(?:\/(.+))?$/.exec(part);
    if (!m) throw new FieldProblem(`the ${field.name} field has ${show(part)}, which is not a value, range or step`);
    const [, rangeText, stepText] = m;
    if (stepText !== undefined && (!/^\d+$/.test(stepText) || Number(stepText) < 1)) {
      throw new FieldProblem(`the ${field.name} field has step ${show(stepText)}; a step is a whole number of at least 1`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, to] = range(field, rangeText!, stepText !== undefined);
    for (let v = from; v <= to; v += step) out.add(field.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * A parsed expression, or a problem sentence that quotes the expression, names the field and says what to write
 * (`detail`: the field's problem alone).
 */
export function parseCron(expression: string): { ok: true; cron: ParsedCron } | { ok: false; problem: string; detail?: string } {
  if (typeof expression !== "string") return { ok: false, problem: `must be a string; got ${show(expression)}` };
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return { ok: false, problem: `${show(expression)} has ${parts.length} field${parts.length === 1 ? "" : "s"}; ${CRON_HELP}` };
  }
  let fields: number[][];
  try {
    fields = parts.map((p, i) => expand(FIELDS[i]!, p));
  } catch (e) {
    if (!(e instanceof FieldProblem)) throw e;
    return { ok: false, detail: e.message, problem: `${show(expression)} is not a valid cron expression: ${e.message}; ${CRON_HELP}` };
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = fields as [number[], number[], number[], number[], number[]];
  const step = /^\*\/(\d+)$/.exec(parts[0]!);
  return {
    ok: true,
    cron: {
      expression: parts.join(" "),
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      any: {
        minute: minutes.length === 60,
        hour: hours.length === 24,
        dayOfMonth: daysOfMonth.length === 31,
        month: months.length === 12,
        dayOfWeek: daysOfWeek.length === 7,
      },
      ...(step ? { minuteStep: Number(step[1]) } : {}),
    },
  };
}
