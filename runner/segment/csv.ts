// A streaming RFC 4180 CSV parser over validated UTF-8 bytes (see text.ts), written for speed and clear errors.
//
// Dialect: a header row names the columns, or the names are given (a headerless file: from the config or a CDM
// model.json), in which case a first line that repeats them can be recognized as a header ("detect") or is known to
// be one ("skip"). Fields are separated by any single ASCII character (forced), or by "," ";" tab or "|" detected
// from the first line: the candidate that occurs most often outside quotes (ties in that order; with known names,
// the one that splits the line into that many fields). Records end with CRLF, LF or a lone CR; a field may be quoted
// with '"', and then holds delimiters and line breaks freely; a quote inside it is doubled ("", RFC 4180) or, in
// "backslash" mode, escaped as \" (with \\ for a backslash), as Azure Data Factory and Spark write it.
// Lenient where it is safe: a quote inside an unquoted field is kept literally, text after a closing quote is
// appended, blank lines are skipped, the final line break is optional, a short row (written before a column was
// added) is padded with missing values. Messages name rows and fields by position, never by their content.
//
// Row numbers are spreadsheet rows: the header (if any) is row 1 and every record (blank lines included) adds one,
// however many lines its quoted fields span, so a number matches what a spreadsheet shows for that record.
//
// Memory: the parser holds at most one chunk (~256 KiB to 1 MiB) plus the record in progress. A field over 1 MiB
// or a record over 8 MiB is an error, so a runaway quote cannot make it buffer a whole file.
import type { CsvEscape, SegmentRow } from "./types.js";
import { SegmentError } from "./types.js";
import type { StopReason, TextChunk } from "./text.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

export const CSV_DELIMITERS = [",", ";", "\t", "|"] as const;
export const MAX_FIELD_BYTES = 1024 * 1024;
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

export interface CsvReaderOptions {
  /** Names the input in messages (a path or URL). */
  name: string;
  /** Forced delimiter (one ASCII character); detected from the first line otherwise. */
  delimiter?: string;
  /** Only these columns are decoded (others stay out of `values`); all when absent. */
  columns?: readonly string[];
  /**
   * Where the column names come from: "file" (the first line; the default), or `names` with "none" (no header line),
   * "detect" (the first line is a header only when it repeats the names) or "skip" (the first line is a header).
   */
  headerMode?: HeaderMode;
  names?: readonly string[];
  escape?: CsvEscape;
  /** False: '"' is an ordinary character (CDM QuoteStyle.None). */
  quoted?: boolean;
  maxFieldBytes?: number;
  maxRecordBytes?: number;
}

export type HeaderMode = "file" | "none" | "detect" | "skip";

/** How a source's CSV parts are written (from the config, or a CDM model.json). */
export interface CsvDialect {
  headerMode: HeaderMode;
  names?: readonly string[];
  delimiter?: string;
  escape: CsvEscape;
  quoted: boolean;
}

const EMPTY = Buffer.alloc(0);

/** Why `delimiter` cannot be a CSV delimiter, or undefined when it can. */
export function delimiterProblem(delimiter: string, escape: CsvEscape = "double"): string | undefined {
  const code = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || code >= 0x80) return "must be one ASCII character";
  if (code === QUOTE || code === LF || code === CR) return "cannot be a quote or a line break";
  if (code === BACKSLASH && escape === "backslash") return 'cannot be a backslash when escape is "backslash"';
  return undefined;
}

/** Buffer#utf8Slice: what buffer.toString("utf8", start, end) calls after its argument checks (measurably faster). */
type Utf8Slicer = Buffer & { utf8Slice(start: number, end: number): string };

const showDelimiter = (d: string): string => (d === "\t" ? "tab" : `"${d}"`);
const mib = (bytes: number): string => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);

export class CsvReader {
  /** Column names, from the header row or the given names. */
  header: string[] = [];
  /** True when the first line was a header (read from the file, or recognized and skipped). */
  hadHeader = false;
  /** The delimiter in use. */
  delimiter = ",";

  private buf: Buffer = EMPTY;
  private pos = 0;
  private eof = false;
  private stop: StopReason | undefined;
  /** Spreadsheet row number of the next record to parse (the header is row 1). */
  private row = 1;
  private delim = 0x2c;
  private ncols = 0;
  private wanted: Uint8Array | null = null;
  private readonly quote: number;
  private readonly backslash: boolean;
  /** Offset of the last record parseNext() parsed (to put a first line back that was not a header). */
  private lastStart = 0;
  private build: ((fields: Array<string | undefined>) => Record<string, string | undefined>) | undefined;
  private readonly fields: Array<string | undefined> = [];
  private fieldCount = 0;
  private readonly maxField: number;
  private readonly maxRecord: number;
  private readonly it: AsyncIterator<TextChunk>;

  constructor(
    chunks: AsyncIterable<TextChunk>,
    private readonly options: CsvReaderOptions,
  ) {
    this.it = chunks[Symbol.asyncIterator]();
    this.maxField = options.maxFieldBytes ?? MAX_FIELD_BYTES;
    this.maxRecord = options.maxRecordBytes ?? MAX_RECORD_BYTES;
    this.quote = options.quoted === false ? -1 : QUOTE;
    this.backslash = options.escape === "backslash";
    if ((options.headerMode ?? "file") !== "file" && !options.names?.length) {
      throw new Error(`${options.name}: a CSV without a header row needs the column names`);
    }
  }

  private fail(message: string, row = this.row): never {
    throw new SegmentError(`${this.options.name}: ${message}`, row);
  }

  private stopError(): never {
    if (this.stop === "nul") {
      this.fail(
        `row ${this.row} contains a NUL byte: this looks like a binary file or UTF-16 text without a byte-order mark, not CSV; save it as "CSV UTF-8"`,
      );
    }
    this.fail(
      `row ${this.row} is not valid UTF-8 (a Latin-1 or Windows-1252 export?); re-export the file as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")`,
    );
  }

  /** Append the next chunk to the unparsed rest; false when there is no more input. */
  private async more(): Promise<boolean> {
    if (this.eof) return false;
    const r = await this.it.next();
    if (r.done) {
      this.eof = true;
      return false;
    }
    const { bytes, stop } = r.value;
    const rest = this.pos < this.buf.length ? this.buf.subarray(this.pos) : undefined;
    this.buf = rest ? Buffer.concat([rest, bytes]) : bytes;
    this.pos = 0;
    if (stop) {
      this.stop = stop;
      this.eof = true;
    }
    return true;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }

  /** Read and check the header row (or take the given names); detects the delimiter unless forced. */
  async readHeader(): Promise<string[]> {
    const mode = this.options.headerMode ?? "file";
    const names = this.options.names;
    while (this.buf.length === 0 && !this.eof) await this.more();
    if (this.buf.length === 0) {
      if (this.stop) this.stopError();
      if (mode === "file") this.fail("the file is empty: expected a header row naming the columns (e.g. email,first_name,last_name)");
      return this.useHeader([...names!]); // an empty part of a headerless segment: no rows
    }
    await this.chooseDelimiter(mode === "file" ? undefined : names!.length);
    if (mode === "file") return this.readFileHeader();
    if (mode === "none") return this.useHeader([...names!]);
    const end = await this.parseNext();
    if (end === null) return this.useHeader([...names!]);
    const first = this.fields.slice(0, this.fieldCount);
    // A header written before columns were added names a prefix of them (CDM appends new columns at the end).
    const repeats =
      first.length <= names!.length && first.every((f, i) => (f ?? "").trim().toLowerCase() === names![i]!.trim().toLowerCase());
    if (mode === "skip" || repeats) {
      this.row++;
      this.hadHeader = true;
    } else this.pos = this.lastStart; // a record, not a header: read it again as row 1
    return this.useHeader([...names!]);
  }

  private async chooseDelimiter(fieldCount: number | undefined): Promise<void> {
    let delimiter = this.options.delimiter;
    if (delimiter === undefined) {
      let counts = detectDelimiterCounts(this.buf, false, this.quote);
      while (counts === null && !this.eof) {
        if (this.buf.length > this.maxRecord) this.fail(`row 1 is longer than ${mib(this.maxRecord)}`);
        await this.more();
        counts = detectDelimiterCounts(this.buf, false, this.quote);
      }
      counts ??= detectDelimiterCounts(this.buf, true, this.quote)!;
      let best = 0;
      for (let k = 1; k < counts.length; k++) if (counts[k]! > counts[best]!) best = k;
      // With known names, the candidate that yields exactly that many fields wins (when only one does).
      const fits = fieldCount === undefined ? [] : counts.flatMap((c, k) => (c === fieldCount - 1 ? [k] : []));
      if (fits.length === 1) best = fits[0]!;
      delimiter = CSV_DELIMITERS[best]!;
    } else {
      const problem = delimiterProblem(delimiter, this.options.escape);
      if (problem) throw new SegmentError(`${this.options.name}: unsupported CSV delimiter ${JSON.stringify(delimiter)}: it ${problem}`);
    }
    this.delimiter = delimiter;
    this.delim = delimiter.charCodeAt(0);
  }

  private async readFileHeader(): Promise<string[]> {
    const first = this.buf[0];
    if (first === LF || first === CR) {
      this.fail("row 1 is empty: the first row must be the header naming the columns (e.g. email,first_name,last_name)", 1);
    }
    const end = await this.parseNext();
    if (end === null) this.fail("the file is empty: expected a header row naming the columns");
    const header = this.fields.slice(0, this.fieldCount).map((f) => f ?? "");
    this.row++;
    this.hadHeader = true;
    const seen = new Map<string, number>();
    header.forEach((name, i) => {
      if (name.trim().length === 0) {
        this.fail(
          `header column ${i + 1} has no name (row 1: ${JSON.stringify(truncate(header.join(this.delimiter)))}); every column needs a unique name`,
          1,
        );
      }
      const before = seen.get(name);
      if (before !== undefined) {
        this.fail(`the header names column ${JSON.stringify(name)} twice (columns ${before + 1} and ${i + 1}); column names must be unique`, 1);
      }
      seen.set(name, i);
    });
    return this.useHeader(header);
  }

  private useHeader(header: string[]): string[] {
    this.header = header;
    this.ncols = header.length;
    if (this.options.columns) {
      const want = new Set(this.options.columns);
      this.wanted = Uint8Array.from(header, (h) => (want.has(h) ? 1 : 0));
    } else {
      this.wanted = new Uint8Array(header.length).fill(1);
    }
    this.build = rowBuilder(header, this.wanted);
    return header;
  }

  /**
   * Parse the next record into this.fields / this.fieldCount, reading more input as needed. Returns false at the end
   * of the input. Does not advance this.row.
   */
  private async parseNext(): Promise<boolean | null> {
    for (;;) {
      if (this.pos >= this.buf.length) {
        if (this.eof) {
          if (this.stop) this.stopError();
          return null;
        }
        await this.more();
        continue;
      }
      const end = this.parseRecord(this.pos, this.eof && !this.stop);
      if (end >= 0) {
        this.lastStart = this.pos;
        this.pos = end;
        return true;
      }
      if (this.eof) this.stopError(); // incomplete only when the input stopped at a bad byte
      if (this.buf.length - this.pos > this.maxRecord) this.fail(`row ${this.row} is longer than ${mib(this.maxRecord)}`);
      await this.more();
    }
  }

  /** The next batch of up to `size` rows, or null at the end. */
  async nextBatch(size: number): Promise<SegmentRow[] | null> {
    const rows: SegmentRow[] = [];
    const ncols = this.ncols;
    const fields = this.fields;
    while (rows.length < size) {
      // Fast path: a complete record in the buffer; the slow path (parseNext) reads more input.
      let ok: boolean | null;
      if (this.pos < this.buf.length) {
        const end = this.parseRecord(this.pos, this.eof && !this.stop);
        if (end >= 0) {
          this.pos = end;
          ok = true;
        } else ok = await this.parseNext();
      } else ok = await this.parseNext();
      if (ok === null) break;
      const rowNumber = this.row++;
      const count = this.fieldCount;
      if (count === 1 && this.blank) continue;
      if (count < ncols && this.eof && this.pos >= this.buf.length && this.buf.length > 0) {
        // A short last record with no line break after it: the file was cut off (an interrupted export or upload).
        const last = this.buf[this.buf.length - 1];
        if (last !== LF && last !== CR) {
          this.fail(`row ${rowNumber}: the file ends in the middle of this row (${count} of ${ncols} fields and no final line break); it looks truncated: export the segment again`);
        }
      }
      for (let c = count; c < ncols; c++) fields[c] = undefined;
      const values = this.build!(fields);
      let problem: string | undefined;
      if (count > ncols) {
        // Trailing empty fields (a trailing delimiter) are harmless; anything else means a misaligned row.
        let extra = 0;
        for (let c = ncols; c < count; c++) if (fields[c] !== "") extra++;
        if (extra > 0) {
          problem = `row has ${count} fields but the ${this.hadHeader || !this.options.names ? "header has" : "segment has"} ${ncols} columns (a value containing an unquoted ${showDelimiter(this.delimiter)}?)`;
        }
      }
      rows.push(problem ? { rowNumber, values, problem } : { rowNumber, values });
    }
    return rows.length > 0 ? rows : null;
  }

  /** True when the last parsed record was a blank line. */
  private blank = false;

  /**
   * Parse one record starting at `start` into this.fields. Returns the offset after its line break, or -1 when the
   * record is not complete in the buffer (and more input may follow).
   */
  private parseRecord(start: number, final: boolean): number {
    const buf = this.buf;
    const n = buf.length;
    const d = this.delim;
    const maxField = this.maxField;
    const wanted = this.wanted;
    const ncols = this.ncols;
    const fields = this.fields;
    const quote = this.quote;
    let count = 0;
    let i = start;
    this.blank = i < n && (buf[i] === LF || buf[i] === CR);
    for (;;) {
      const want = wanted === null || count >= ncols || wanted[count] === 1;
      let value: string | undefined;
      if (i < n && buf[i] === quote) {
        let j = i + 1;
        let doubled = false;
        let close: number;
        for (;;) {
          const q = buf.indexOf(QUOTE, j);
          if (q < 0) {
            if (n - i > maxField) {
              this.fail(`row ${this.row}: field ${count + 1} is longer than ${mib(maxField)} (a quoted field whose closing quote is missing?)`);
            }
            if (final) {
              this.fail(
                `row ${this.row}: field ${count + 1} opens a quote that is never closed before the end of the file; is the file truncated, or is a quote inside a value not doubled ("")?`,
              );
            }
            return -1;
          }
          if (this.backslash) {
            // \" is a quote inside the value unless the backslash is itself escaped (an even run of backslashes).
            let b = q - 1;
            while (b > i && buf[b] === BACKSLASH) b--;
            if (((q - 1 - b) & 1) === 1) {
              doubled = true;
              j = q + 1;
              continue;
            }
          } else if (q + 1 < n) {
            if (buf[q + 1] === QUOTE) {
              doubled = true;
              j = q + 2;
              continue;
            }
          } else if (!final) return -1; // cannot tell a closing quote from a doubled one yet
          close = q;
          break;
        }
        if (close - i - 1 > maxField) this.fail(`row ${this.row}: field ${count + 1} is longer than ${mib(maxField)}`);
        // Lenient: text between the closing quote and the next delimiter is kept.
        let k = close + 1;
        while (k < n) {
          const c = buf[k];
          if (c === d || c === LF || c === CR) break;
          k++;
        }
        if (k === n && !final) return -1;
        if (want) {
          value = close === i + 1 ? "" : (buf as Utf8Slicer).utf8Slice(i + 1, close);
          if (this.backslash) {
            const bs = doubled ? i : buf.indexOf(BACKSLASH, i + 1);
            if (bs >= 0 && bs < close) value = value.replace(/\\([\\"])/g, "$1");
          } else if (doubled) value = value.replaceAll('""', '"');
          if (k > close + 1) value += (buf as Utf8Slicer).utf8Slice(close + 1, k);
        }
        i = k;
      } else {
        let j = i;
        while (j < n) {
          const c = buf[j];
          if (c === d || c === LF || c === CR) break;
          j++;
        }
        if (j - i > maxField) this.fail(`row ${this.row}: field ${count + 1} is longer than ${mib(maxField)}`);
        if (j === n && !final) return -1;
        if (want) value = j === i ? "" : (buf as Utf8Slicer).utf8Slice(i, j);
        i = j;
      }
      fields[count++] = value;
      if (i >= n) {
        this.fieldCount = count;
        return n;
      }
      const c = buf[i];
      if (c === d) {
        i++;
        continue;
      }
      this.fieldCount = count;
      if (c === CR) {
        if (i + 1 < n) return buf[i + 1] === LF ? i + 2 : i + 1;
        return final ? i + 1 : -1;
      }
      return i + 1; // LF
    }
  }
}

/**
 * Count the candidate delimiters outside quotes on the first line of `buf`. Null when the first line does not end
 * within `buf` (unless `atEnd`).
 */
export function detectDelimiterCounts(buf: Buffer, atEnd = false, quote = QUOTE): number[] | null {
  const codes = CSV_DELIMITERS.map((d) => d.charCodeAt(0));
  const counts = codes.map(() => 0);
  let inQuotes = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === quote) inQuotes = !inQuotes;
    else if (!inQuotes) {
      if (c === LF || c === CR) return counts;
      const k = codes.indexOf(c);
      if (k >= 0) counts[k]!++;
    }
  }
  return atEnd ? counts : null;
}

/**
 * A function that makes a row's `values` object from the parsed fields, as one object literal with the wanted column
 * names as keys: every row then shares one object shape, several times faster than assigning keys in a loop.
 * Names are embedded with JSON.stringify, which yields a safe string literal for any text; "__proto__" is written
 * as a computed key so it stays an ordinary own property.
 */
function rowBuilder(header: string[], wanted: Uint8Array): (fields: Array<string | undefined>) => Record<string, string | undefined> {
  const props: string[] = [];
  header.forEach((name, c) => {
    if (wanted[c] !== 1) return;
    const key = JSON.stringify(name);
    props.push(name === "__proto__" ? `[${key}]: f[${c}]` : `${key}: f[${c}]`);
  });
  try {
    return new Function("f", `"use strict"; return { ${props.join(", ")} };`) as (fields: Array<string | undefined>) => Record<string, string | undefined>;
  } catch {
    // Code generation disabled (--disallow-code-generation-from-strings): the same result, assigned key by key.
    const picked = header.flatMap((name, c) => (wanted[c] === 1 ? [[name, c] as const] : []));
    return (fields) => {
      const values: Record<string, string | undefined> = {};
      for (const [name, c] of picked) Object.defineProperty(values, name, { value: fields[c], enumerable: true, writable: true, configurable: true });
      return values;
    };
  }
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
