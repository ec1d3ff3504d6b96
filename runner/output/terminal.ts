// Text for a terminal: no escape sequence and no control character from outside reaches it, so a list name or a
// segment value cannot clear the screen, move the cursor, set the window title or hide text (ANSI/VT sequences).
import { isInvisible } from "./visible.js";

const ESC = 0x1b;
const BEL = 0x07;

/** Where the escape sequence starting at `i` (ESC or a C1 introducer) ends (exclusive). */
function sequenceEnd(text: string, i: number): number {
  let c = text.charCodeAt(i);
  let j = i + 1;
  let kind: "csi" | "string" | "single";
  if (c === ESC) {
    if (j >= text.length) return j;
    const next = text.charCodeAt(j);
    if (next === 0x5b) kind = "csi"; // ESC [
    else if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) kind = "string"; // OSC DCS SOS PM APC
    else {
      // ESC, intermediate bytes (0x20-0x2f), one final byte (0x30-0x7e), e.g. ESC c (reset) or ESC ( 0.
      while (j < text.length && (c = text.charCodeAt(j)) >= 0x20 && c <= 0x2f) j++;
      return j < text.length && (c = text.charCodeAt(j)) >= 0x30 && c <= 0x7e ? j + 1 : j;
    }
    j++;
  } else if (c === 0x9b) kind = "csi";
  else if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) kind = "string";
  else kind = "single";
  if (kind === "single") return j;
  if (kind === "csi") {
    // Parameter and intermediate bytes (0x20-0x3f), then one final byte (0x40-0x7e).
    while (j < text.length && (c = text.charCodeAt(j)) >= 0x20 && c <= 0x3f) j++;
    return j < text.length && text.charCodeAt(j) >= 0x40 && text.charCodeAt(j) <= 0x7e ? j + 1 : j;
  }
  // A control string runs to BEL, ST (ESC \) or the C1 ST (0x9c).
  for (; j < text.length; j++) {
    c = text.charCodeAt(j);
    if (c === BEL || c === 0x9c) return j + 1;
    if (c === ESC && text.charCodeAt(j + 1) === 0x5c) return j + 2;
  }
  return j;
}

/**
 * `text` without terminal escape sequences (CSI, OSC, DCS, ... in their 7-bit and 8-bit forms) and without C0/C1
 * control characters or DEL. Line breaks and tabs are kept when `keepLines` (for multi-line output), else removed.
 * Other invisible characters (zero-width, bidi overrides) are written as `\uXXXX`.
 */
export function forTerminal(text: string, options: { keepLines?: boolean } = {}): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    const surrogate = c >= 0xd800 && c <= 0xdfff; // pairs are ordinary characters (emoji, ...)
    if (!control && (surrogate || !(c >= 0x200b && isInvisible(c)))) {
      i++;
      continue;
    }
    if (options.keepLines && (c === 0x0a || c === 0x09)) {
      i++;
      continue;
    }
    out += text.slice(from, i);
    if (c === ESC || (c >= 0x80 && c <= 0x9f)) i = sequenceEnd(text, i);
    else if (!control) {
      out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
      i++;
    } else i++;
    from = i;
  }
  return from === 0 ? text : out + text.slice(from);
}
