// Text from outside (a column name, a value, a list name) shown in a message: invisible characters made visible and
// long values cut, so `First` and `\uFEFFFirst` look different and a 1 MB column name is not echoed whole.

/** Characters that show nothing (or move text around) on screen: controls, format characters, odd spaces. */
export function isInvisible(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0xa0) || // DEL, C1 controls, NO-BREAK SPACE
    cp === 0xad || // SOFT HYPHEN
    cp === 0x34f || // COMBINING GRAPHEME JOINER
    cp === 0x61c || // ARABIC LETTER MARK
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x1680 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    (cp >= 0x2000 && cp <= 0x200f) || // odd spaces, zero-width characters, LRM/RLM
    (cp >= 0x2028 && cp <= 0x202f) || // line/paragraph separators, bidi embeddings and overrides
    (cp >= 0x205f && cp <= 0x206f) || // word joiner, invisible operators, bidi isolates
    cp === 0x3000 ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    cp === 0xfeff || // BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE
    cp === 0xffa0 ||
    (cp >= 0xfff0 && cp <= 0xfffb) ||
    (cp >= 0xd800 && cp <= 0xdfff) || // a lone surrogate
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0000 && cp <= 0xe0fff) // tags, variation selectors supplement
  );
}

const escapeCp = (cp: number): string =>
  cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;

/** `text` with every invisible character written as `\uXXXX` (a tab as `\u0009`). Backslashes are left as they are. */
export function showInvisible(text: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    if (isInvisible(cp)) {
      out += text.slice(from, i) + escapeCp(cp);
      from = i + width;
    }
    i += width - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** The first `max` UTF-16 units of `text`, never splitting a surrogate pair. */
function cut(text: string, max: number): string {
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}

/** `text` cut to `max` characters with an ellipsis and the original length: `abc… (1048576 characters)`. */
export function excerpt(text: string, max = 80): string {
  if (text.length <= max) return text;
  return `${cut(text, max)}… (${text.length} characters)`;
}

/**
 * A value from outside, for a message: quoted (so spaces at its ends show), invisible characters escaped (so a
 * backslash is doubled and `\uFEFF` in the output always means U+FEFF), and cut to `max` characters.
 */
export function quoteValue(text: string, max = 80): string {
  const short = text.length > max ? cut(text, max) : text;
  const quoted = `"${showInvisible(short.replace(/\\/g, "\\\\").replace(/"/g, '\\"'))}"`;
  return text.length > max ? `${quoted}… (${text.length} characters)` : quoted;
}
