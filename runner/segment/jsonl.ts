// A streaming JSON Lines reader over validated UTF-8 bytes (see text.ts).
//
// One JSON object per line (LF or CRLF). Blank lines are skipped. A line that is not valid JSON, is not an object, or
// is longer than 1 MiB becomes a row with `problem` set (the engine rejects it and goes on); the rest of the file is
// read normally. Values keep their JSON type until they are converted for their ActiveCampaign field (issue #11):
// strings, numbers and booleans as they are; arrays as arrays (element by element); objects → their JSON text;
// null → undefined. Row numbers are line numbers (blank lines counted).
//
// Columns: `keys` is the union of the keys of every record read so far, in order of first appearance (complete once
// the last batch is read), so a key that first appears in record 1,001 is a column like any other.
// Records: `values` has no prototype, so a key named like an Object property ("constructor", "toString",
// "__proto__", ...) that a record lacks reads as undefined, never as something inherited. A record naming a key twice
// is a problem row (JSON.parse would silently keep the last), and so is a value nested too deeply to turn into text.
import type { SegmentRow } from "./types.js";
import { SegmentError } from "./types.js";
import type { SourceValue } from "../values/types.js";
import type { StopReason, TextChunk } from "./text.js";
import { quoteValue } from "../output/visible.js";

const LF = 0x0a;
export const MAX_LINE_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export interface JsonlReaderOptions {
  name: string;
  /** Only these keys are kept in `values`; all when absent. */
  columns?: readonly string[];
  maxLineBytes?: number;
}

/**
 * Counts the keys the top-level object in bytes [start, end) (valid JSON, an object, UTF-8) names, duplicates
 * included; `onKey` sees each key's bytes (quotes included) and may stop the scan by returning true. A plain scan
 * over bytes, no regular expressions: it runs once per record. (Every byte of a multi-byte UTF-8 character is
 * >= 0x80, so the ASCII structure is found byte by byte.)
 */
export function scanTopLevelKeys(buf: Uint8Array, start: number, end: number, onKey?: (from: number, to: number) => boolean): number {
  let depth = 0;
  let keys = 0;
  let expectKey = false;
  let keyStart = -1;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (keyStart !== -2 && keyStart !== -1) {
      // Inside a key.
      if (c === 0x5c) i++;
      else if (c === 0x22) {
        if (onKey?.(keyStart, i + 1)) return keys;
        keyStart = -1;
      }
    } else if (keyStart === -2) {
      // Inside another string.
      if (c === 0x5c) i++;
      else if (c === 0x22) keyStart = -1;
    } else if (c === 0x22) {
      if (depth === 1 && expectKey) {
        keys++;
        expectKey = false;
        keyStart = i;
      } else keyStart = -2;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1) expectKey = true;
  }
  return keys;
}

/** The first key the top-level object in bytes [start, end) names twice (call only when there is one). */
function firstDuplicateKey(buf: Buffer, start: number, end: number): string | undefined {
  const seen = new Set<string>();
  let dup: string | undefined;
  scanTopLevelKeys(buf, start, end, (from, to) => {
    const key = JSON.parse(buf.toString("utf8", from, to)) as string; // decodes escapes: "\u0065mail" is "email"
    if (seen.has(key)) dup = key;
    seen.add(key);
    return dup !== undefined;
  });
  return dup;
}

/**
 * The prototype of every row's `values`: an empty object without a prototype, so nothing is inherited. (Objects made
 * with Object.create(null) itself are dictionary-mode in V8, about a third slower to build and read per row.)
 */
const NOTHING_INHERITED = Object.freeze(Object.create(null) as object);

export function jsonValue(v: unknown): SourceValue {
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
      return v;
    case "object":
      if (v === null) return undefined;
      return Array.isArray(v) ? v.map(jsonValue) : JSON.stringify(v);
    default:
      return undefined;
  }
}

export class JsonlReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private eof = false;
  private stop: StopReason | undefined;
  private line = 0;
  /** Skipping the rest of an over-long line. */
  private skipping = false;
  private readonly maxLine: number;
  private readonly want: Set<string> | null;
  private readonly it: AsyncIterator<TextChunk>;
  private readonly keySet = new Set<string>();
  /** Every key of every record read so far, in order of first appearance (wanted or not). */
  readonly keys: string[] = [];

  constructor(
    chunks: AsyncIterable<TextChunk>,
    private readonly options: JsonlReaderOptions,
  ) {
    this.it = chunks[Symbol.asyncIterator]();
    this.maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.want = options.columns ? new Set(options.columns) : null;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }

  private stopError(): never {
    const row = this.line + 1;
    const what =
      this.stop === "nul"
        ? `line ${row} contains a NUL byte: this looks like a binary file or UTF-16 text without a byte-order mark, not JSON Lines`
        : `line ${row} is not valid UTF-8 (a Latin-1 or Windows-1252 export?); re-export the file as UTF-8`;
    throw new SegmentError(`${this.options.name}: ${what}`, row);
  }

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

  /** The next batch of up to `size` rows, or null at the end. */
  async nextBatch(size: number): Promise<SegmentRow[] | null> {
    const rows: SegmentRow[] = [];
    while (rows.length < size) {
      const nl = this.buf.indexOf(LF, this.pos);
      if (nl < 0) {
        const pending = this.buf.length - this.pos;
        if (this.skipping || pending > this.maxLine) {
          // An over-long line: drop what we have and keep dropping up to its end, without buffering it.
          if (!this.skipping) {
            this.skipping = true;
            rows.push({ rowNumber: this.line + 1, values: {}, problem: `line is longer than ${this.maxLine / (1024 * 1024)} MiB` });
          }
          this.pos = this.buf.length;
        }
        if (this.eof) {
          if (this.stop) this.stopError();
          if (this.skipping || pending === 0) {
            this.pos = this.buf.length;
            break;
          }
          // The last line has no line break.
          this.parseLine(this.pos, this.buf.length, rows);
          this.pos = this.buf.length;
          break;
        }
        await this.more();
        continue;
      }
      if (this.skipping) {
        this.skipping = false;
        this.line++;
        this.pos = nl + 1;
        continue;
      }
      if (nl - this.pos > this.maxLine) {
        rows.push({ rowNumber: this.line + 1, values: {}, problem: `line is longer than ${this.maxLine / (1024 * 1024)} MiB` });
        this.line++;
        this.pos = nl + 1;
        continue;
      }
      this.parseLine(this.pos, nl, rows);
      this.pos = nl + 1;
    }
    return rows.length > 0 ? rows : null;
  }

  private parseLine(start: number, end: number, rows: SegmentRow[]): void {
    const rowNumber = ++this.line;
    if (end > start && this.buf[end - 1] === 0x0d) end--;
    const text = this.buf.toString("utf8", start, end);
    if (text.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      // V8 quotes the text around the error ("…" is not valid JSON): that is the customer's data, so it is cut out.
      const reason = (e instanceof Error ? e.message : String(e)).replace(/, ".*" is not valid JSON$/s, "").replace(/^(Unexpected token) '[^']{1,2}'/, "$1");
      rows.push({ rowNumber, values: {}, problem: `line is not valid JSON (${reason.slice(0, 200)})` });
      return;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      const kind = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`;
      rows.push({ rowNumber, values: {}, problem: `line is ${kind}, not a JSON object` });
      return;
    }
    const keys = Object.keys(parsed);
    if (scanTopLevelKeys(this.buf, start, end) !== keys.length) {
      const dup = firstDuplicateKey(this.buf, start, end);
      rows.push({ rowNumber, values: {}, problem: `line names the key ${quoteValue(dup ?? "?")} twice; keys must be unique in a record` });
      return;
    }
    const values = Object.create(NOTHING_INHERITED) as Record<string, SourceValue>;
    const want = this.want;
    for (const key of keys) {
      if (!this.keySet.has(key)) {
        this.keySet.add(key);
        this.keys.push(key);
      }
      if (want !== null && !want.has(key)) continue;
      let value: SourceValue;
      try {
        value = jsonValue((parsed as Record<string, unknown>)[key]);
      } catch {
        // JSON.stringify recurses: a value nested thousands deep overflows the stack.
        rows.push({ rowNumber, values: {}, problem: `line's value for the key ${quoteValue(key)} is nested too deeply` });
        return;
      }
      values[key] = value;
    }
    rows.push({ rowNumber, values });
  }
}
