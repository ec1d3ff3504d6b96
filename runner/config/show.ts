// How a bad value appears in an error message: strings quoted, invisible characters made visible (`"\uFEFFFirst"`,
// not a "First" that looks right), long values cut to an excerpt with their length, anything that looks like a
// secret not shown at all, undefined as "nothing". Shared by the config schema, the cron parser and the constructs,
// so every message shows values alike.
import { secretKind } from "./secret-like.js";

/** Longest excerpt of a value, in characters (code points) before escaping. */
const EXCERPT = 60;
/** Values up to this long are shown whole. */
const WHOLE = 80;

/**
 * Characters that print as nothing or change how text around them reads: C0/C1 controls, DEL, soft hyphen,
 * zero-width and joiner characters, bidi controls, line/paragraph separators, invisible operators, variation
 * selectors, the BOM, Hangul fillers, interlinear annotations, and the tag characters.
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]|[\ud800-\udfff]/gu;

const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

const escapeChar = (ch: string): string =>
  SHORT_ESCAPES[ch] ??
  [...Array(ch.length).keys()].map((i) => `\\u${ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`).join("");

/** A string in double quotes with quotes, backslashes and every invisible character escaped. */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`).replace(INVISIBLE, escapeChar)}"`;
}

/** A string as a message shows it: quoted and escaped, cut to an excerpt with its length when long. */
function showString(text: string): string {
  const kind = secretKind(text);
  if (kind) return `a value that looks like ${kind} (not shown)`;
  const chars = [...text];
  if (chars.length <= WHOLE) return quote(text);
  return `${quote(`${chars.slice(0, EXCERPT).join("")}…`)} (${chars.length} characters)`;
}

/** A key of the config as a key path shows it: bare when plain, else quoted, escaped and cut like a value. */
export function showKey(key: string): string {
  return /^[A-Za-z0-9_$-]{1,64}$/.test(key) ? key : showString(key);
}

export function show(value: unknown): string {
  if (typeof value === "string") return showString(value);
  if (value === undefined) return "nothing";
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined; // cycles, BigInt, a getter that throws: say what it is instead
  }
  if (json === undefined) return typeof value === "object" && value !== null ? `a ${value.constructor?.name ?? "value"}` : String(value);
  const kind = secretKind(json);
  if (kind) return `a value containing what looks like ${kind} (not shown)`;
  const escaped = json.replace(INVISIBLE, escapeChar);
  return escaped.length > WHOLE ? `${escaped.slice(0, EXCERPT)}… (${json.length} characters as JSON)` : escaped;
}
