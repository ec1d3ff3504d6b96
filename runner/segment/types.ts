// The segment-reader contract: the sync engine reads every format and location through this.
import { AcExportError } from "../errors.js";
import type { Location, SegmentFormat } from "../config.js";
import type { SourceValue } from "../values/types.js";

/**
 * One input record. Values keep their source type until they are converted for their ActiveCampaign field
 * (runner/values): CSV cells are strings; Parquet, JSON Lines and Delta values are typed (a DATE a CalendarDate, a
 * zoned timestamp a Date, a list an array…; see SourceValue). A missing or null cell is undefined.
 */
export interface SegmentRow {
  /**
   * Where a person finds the row: CSV, the spreadsheet row (header = 1, first record = 2); JSON Lines, the line
   * number; Parquet, the 1-based record index.
   */
  rowNumber: number;
  values: Record<string, SourceValue>;
  /**
   * Multi-part segments only: the 1-based part the row is in and its row number within that part (numbered as for a
   * single file). `rowNumber` then stays unique across the segment (each part's numbers are offset past the previous
   * part's), so the engine can key rows by it; reports show `rowLabel(row)`: "part 3, row 1,204".
   */
  part?: number;
  partRow?: number;
  /**
   * Set when the reader could not parse this one record but the rest of the file is sound (e.g. a broken JSON Lines
   * line): the engine reports the row as rejected with this reason. Whole-file problems throw SegmentError instead.
   */
  problem?: string;
}

export interface OpenSegmentOptions {
  format: SegmentFormat;
  /** CSV only: forced delimiter (any single character); detected from the first line otherwise. */
  delimiter?: string;
  /** CSV only: whether the first line is a header (default true). False needs `columnNames` (or a model.json). */
  header?: boolean;
  /** CSV only: column names of a headerless file, in order. */
  columnNames?: readonly string[];
  /** CSV only: how a quote inside a quoted field is escaped: doubled ("", RFC 4180, default) or backslash (\", ADF/Spark). */
  escape?: CsvEscape;
  /** Customer Insights only: the exported table (entity) to read. */
  table?: string;
  /**
   * Folder sources: read every part of the newest complete run ("all"); by default a prefix yields its newest file,
   * and refuses when that file is one part of a multi-part run.
   */
  parts?: "all";
  /** A run without a marker or manifest counts as complete once no file of it changed for this long (default 15). */
  settleMinutes?: number;
  /** The clock for the settle rule (tests move it forward instead of waiting). */
  now?: () => Date;
  /**
   * Read exactly these parts again (`OpenedSegment.pin` of an earlier open), instead of choosing the file or run anew.
   * The engine reads a segment twice (plan, then apply); pinning keeps a file or run that lands in between from being
   * picked by the second read. A pinned file or part that changed since (ETag; size or modification time) or is gone
   * fails with SegmentChangedError. Delta tables are not pinned here (they read a table version).
   */
  pin?: SegmentPin;
  /** Rows per yielded batch (default 1000): batches keep per-row async overhead off the hot path. */
  batchSize?: number;
  /**
   * The columns the caller needs (e.g. the mapped ones). When given, `values` holds only these (CSV skips decoding
   * the others, Parquet does not read them); `OpenedSegment.columns` still lists every column of the source. A listed
   * column the source lacks is not an error here: compare with `columns` to report it.
   */
  columns?: readonly string[];
  signal?: AbortSignal;
}

export interface OpenedSegment {
  /** What was actually opened, for reports: a file path, or the blob URL (the newest blob when the source is a prefix). */
  resolved: string;
  /**
   * Column names in source order (CSV header; JSONL keys of the first batch of records, in order of first appearance;
   * Parquet schema).
   */
  columns: string[];
  /** True when `columns` can still grow as rows are read (JSON Lines: the union of every record's keys). */
  columnsGrow?: boolean;
  /** Size of the opened file or blob in bytes (for progress). */
  size?: number;
  /** Number of records, when the format says it up front (Parquet). */
  rowCount?: number;
  /**
   * Folder and Customer Insights sources: which run (folder of parts) was read, and why that one. Reports show
   * `run.reason`, e.g. "newest complete run: it has _SUCCESS" or "the newest run … is still being written; used …".
   */
  run?: SegmentRun;
  /** The parts read, in order (one entry for a single file). */
  parts?: SegmentPart[];
  /** File, blob, folder and Customer Insights sources: pass as `OpenSegmentOptions.pin` to read the same bytes again. */
  pin?: SegmentPin;
  /** Streams the rows in order, in batches (never empty). Memory stays flat whatever the file size. Iterate it once. */
  batches(): AsyncIterable<SegmentRow[]>;
  close(): Promise<void>;
}

export type CsvEscape = "double" | "backslash";

export interface SegmentPart {
  /** File path or blob URL. */
  resolved: string;
  size: number;
}

/** The exact parts an open read (opaque to callers). */
export interface SegmentPin {
  /** "file": one file or blob (`source` is its path or URL, its one part is named ""); otherwise a folder's parts. */
  readonly kind?: "file";
  readonly source: string;
  readonly parts: ReadonlyArray<{ name: string; size: number; lastModified: string; etag?: string }>;
  readonly run?: SegmentRun;
  readonly csv: unknown;
}

export interface SegmentRun {
  /** The run folder (path or URL). */
  folder: string;
  /** Why this run: how it was recognized as complete, and which newer runs were passed over and why. */
  reason: string;
  /** How the column names were found, e.g. "from model.json entity HighValueSegment (no header row)". */
  columnsFrom?: string;
}

/** Where a row is, for people: "row 12", or "part 3, row 1,204" in a multi-part segment. */
export function rowLabel(row: Pick<SegmentRow, "rowNumber" | "part" | "partRow">): string {
  return row.part === undefined ? `row ${row.rowNumber.toLocaleString("en-US")}` : `part ${row.part}, row ${(row.partRow ?? row.rowNumber).toLocaleString("en-US")}`;
}

/** Bad input found while opening or reading the segment: exit code 2, nothing written. */
export class SegmentError extends AcExportError {
  constructor(message: string, readonly rowNumber?: number) {
    super("SEGMENT_UNREADABLE", message);
  }
}

/**
 * The segment is not the one an earlier read pinned (replaced, rewritten or gone between the plan and the send pass):
 * exit code 1; the run stops so nothing unplanned is sent.
 */
export class SegmentChangedError extends AcExportError {
  constructor(message: string) {
    super("SEGMENT_CHANGED", message);
  }
}

/** No complete run to read yet (every run is still being written): exit code 2, nothing written. */
export class SegmentNotReadyError extends SegmentError {}

export type OpenSegment = (location: Location, options: OpenSegmentOptions) => Promise<OpenedSegment>;
