// CSV that a spreadsheet opens as data, never as formulas (OWASP "CSV Injection"): a cell starting with = + - @, a
// tab or a carriage return is prefixed with a single quote, and every such cell is quoted. A value from a customer's
// segment (a name, an email, a rejected row) then cannot run `=HYPERLINK(...)` or `=cmd|...` in Excel.

/** First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP's list). */
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"]);

/** Whether a spreadsheet might run this cell as a formula. */
export function isFormulaLike(value: string): boolean {
  return value.length > 0 && FORMULA_START.has(value[0]!);
}

/** One CSV cell: neutralized when formula-like, quoted (RFC 4180) when it must be or was neutralized. */
export function csvCell(value: string | number | undefined | null, delimiter = ","): string {
  if (value === undefined || value === null) return "";
  let text = String(value);
  let quote = false;
  if (isFormulaLike(text)) {
    text = `'${text}`;
    quote = true;
  }
  if (!quote) {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '"' || c === "\n" || c === "\r" || c === delimiter) {
        quote = true;
        break;
      }
    }
  }
  return quote ? `"${text.split('"').join('""')}"` : text;
}

/** One CSV record (no line break): the cells, each through csvCell. */
export function csvRow(values: ReadonlyArray<string | number | undefined | null>, delimiter = ","): string {
  return values.map((v) => csvCell(v, delimiter)).join(delimiter);
}
