// Markdown from outside text (list names, column names, values, error excerpts): rendered as the same characters,
// never as a heading, list, link, image, HTML, table break or code. Everything that CommonMark/GFM gives a meaning
// is backslash-escaped (CommonMark allows that for every ASCII punctuation character), line breaks become spaces,
// control and invisible characters are made visible, and link schemes such as `javascript:` are broken up.
import { showInvisible } from "./visible.js";

/** Punctuation with a meaning anywhere in a line (emphasis, code, links, images, HTML, entities, tables, strike). */
const ALWAYS = new Set(["\\", "`", "*", "_", "[", "]", "(", ")", "<", ">", "!", "|", "~", "&", "{", "}", "#"]);
/** Meaningful at the start of a line only (lists, quotes, setext/thematic breaks). */
const AT_START = new Set(["+", "-", "=", ".", ":"]);
/** Link schemes that run code or read files; their colon is escaped so no renderer autolinks them. */
const SCHEMES = ["javascript", "vbscript", "data", "file"];

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";

/** Escape one piece of outside text for a Markdown line, table cell or list item. */
export function escapeMarkdown(text: string): string {
  const oneLine = showInvisible(text.replace(/\r\n|[\r\n\u2028\u2029]/g, " "));
  let digits = 0;
  while (isDigit(oneLine[digits])) digits++;
  let out = "";
  for (let i = 0; i < oneLine.length; i++) {
    const ch = oneLine[i]!;
    const escape =
      ALWAYS.has(ch) ||
      (i === 0 && AT_START.has(ch)) ||
      (ch === "." && i === digits && digits > 0) || // "1." starts an ordered list
      (ch === ":" && SCHEMES.some((s) => out.slice(-s.length).toLowerCase() === s));
    out += escape ? `\\${ch}` : ch;
  }
  return out;
}

/** Outside text as inline code, whatever backticks it contains. */
export function markdownCode(text: string): string {
  const oneLine = showInvisible(text.replace(/\r\n|[\r\n\u2028\u2029]/g, " "));
  let longest = 0;
  for (let run = 0, i = 0; i <= oneLine.length; i++) {
    if (oneLine[i] === "`") run++;
    else {
      longest = Math.max(longest, run);
      run = 0;
    }
  }
  const fence = "`".repeat(longest + 1);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") || oneLine.startsWith(" ") ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}
