// How config problems read: a zod error map (passed per parse, so no global zod setting changes) that phrases zod's
// own issues from their structured fields, and the "unknown key" message with a did-you-mean from a keys table.
// Messages follow one pattern: "<what is allowed>; got <the value>" (values shown by show(), never a secret: the
// schema refuses credential-like keys before parsing).
import type { z } from "zod";
import { show } from "./show.js";

const article = (word: string) => (/^[aeio]/.test(word) ? "an" : "a");

const plural = (n: number | bigint, one: string, many = `${one}s`) => `${n} ${Number(n) === 1 ? one : many}`;

/** "at least 1 character", "more than 0", "at most 20 items": the bound of a too_small/too_big issue in words. */
function bound(origin: string, limit: number | bigint, inclusive: boolean | undefined, small: boolean): string {
  const relation = small ? (inclusive === false ? "more than" : "at least") : inclusive === false ? "less than" : "at most";
  if (origin === "string") return `${relation} ${plural(limit, "character")}`;
  if (origin === "array" || origin === "set") return `${relation} ${plural(limit, "item")}`;
  return `${relation} ${limit}`;
}

/** The error map for ExportConfig parses: undefined leaves an issue's message as its schema wrote it. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = `; got ${show(issue.input)}`;
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? `is required (expected ${issue.expected})` : `must be ${article(issue.expected)} ${issue.expected}${got}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${got}`;
    case "too_small":
      return `must ${issue.origin === "array" || issue.origin === "set" ? "have" : "be"} ${bound(issue.origin, issue.minimum, issue.inclusive, true)}${got}`;
    case "too_big":
      return `must ${issue.origin === "array" || issue.origin === "set" ? "have" : "be"} ${bound(issue.origin, issue.maximum, issue.inclusive, false)}${got}`;
    case "invalid_union":
      return issue.input === undefined ? "is required" : `has the wrong type${got}`;
    default:
      return undefined;
  }
};

/** Levenshtein distance, for the did-you-mean of unknown keys. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The allowed key closest to a misspelt one, when it is close enough to be a typo. */
export function closestKey(word: string, options: readonly string[]): string | undefined {
  const best = options.map((o) => ({ o, d: distance(word.toLowerCase(), o.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.o : undefined;
}

/** The message for one unknown key, given the keys allowed where it is. */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const hint = closestKey(key, allowed);
  return `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}; allowed keys here: ${allowed.join(", ")}`;
}
