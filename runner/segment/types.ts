// The segment-reader contract: the sync engine reads every format and location through this.
import { AcExportError } from "../errors.js";
import type { Location, SegmentFormat } from "../config.js";

/** One input record. Values are strings (Parquet numbers/dates are stringified); a missing or null cell is undefined. */
export interface SegmentRow {
  /**
   * Where a person finds the row: CSV, the spreadsheet row (header = 1, first record = 2); JSON Lines, the line
   * number; Parquet, the 1-based record index.
   */
  rowNumber: number;
  values: Record<string, string | undefined>;
  /**
   * Set when the reader could not parse this one record but the rest of the file is sound (e.g. a broken JSON Lines
   * line): the engine reports the row as rejected with this reason. Whole-file problems throw SegmentError instead.
   */
  problem?: string;
}

export interface OpenSegmentOptions {
  format: SegmentFormat;
  /** CSV only: forced delimiter; detected from the header line otherwise. */
  delimiter?: string;
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
  /** Size of the opened file or blob in bytes (for progress). */
  size?: number;
  /** Number of records, when the format says it up front (Parquet). */
  rowCount?: number;
  /** Streams the rows in order, in batches (never empty). Memory stays flat whatever the file size. Iterate it once. */
  batches(): AsyncIterable<SegmentRow[]>;
  close(): Promise<void>;
}

/** Bad input found while opening or reading the segment: exit code 2, nothing written. */
export class SegmentError extends AcExportError {
  constructor(message: string, readonly rowNumber?: number) {
    super("SEGMENT_UNREADABLE", message);
  }
}

export type OpenSegment = (location: Location, options: OpenSegmentOptions) => Promise<OpenedSegment>;
