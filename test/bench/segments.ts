// Deterministic synthetic segments for the benchmarks: the records of test/runner/segment/generate.ts (unicode names,
// quoted fields with commas and newlines, blanks), as CSV or Parquet, plus the "next day" version of a segment with
// 1% changed, 1% new and 1% gone.
import { closeSync, openSync, writeSync } from "node:fs";
import { CSV_HEADER, syntheticRecord } from "../runner/segment/generate.js";

export { CSV_HEADER };

/** Which records a segment holds, and which of them carry a changed value. */
export interface SegmentSpec {
  /** Record indexes [from, to). */
  from: number;
  to: number;
  /** Drop record i (it left the segment). */
  gone?: (i: number) => boolean;
  /** Record i's tier changed. */
  changed?: (i: number) => boolean;
  /** Extra records appended: [extraFrom, extraTo) (new members). */
  extraFrom?: number;
  extraTo?: number;
}

/** Next-day churn of 1% each, on a segment of records [0, n): gone, changed, and n/100 new records after n. */
export function churned(n: number): Required<SegmentSpec> {
  return {
    from: 0,
    to: n,
    gone: (i) => i % 100 === 1,
    changed: (i) => i % 100 === 2,
    extraFrom: n,
    extraTo: n + Math.floor(n / 100),
  };
}

export function record(i: number, changed: boolean): string[] {
  const r = syntheticRecord(i);
  if (changed) r[5] = "platinum";
  return r;
}

function* indexes(spec: SegmentSpec): Generator<number> {
  for (let i = spec.from; i < spec.to; i++) if (!spec.gone?.(i)) yield i;
  for (let i = spec.extraFrom ?? 0; i < (spec.extraTo ?? 0); i++) yield i;
}

/** The emails of a segment (lower-cased, as the runner normalizes them). */
export function* emailsOf(spec: SegmentSpec): Generator<string> {
  for (const i of indexes(spec)) yield syntheticRecord(i)[1]!.toLowerCase();
}

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** Writes the segment as CSV (header + one record per member). Returns the number of records. */
export function writeCsv(path: string, spec: SegmentSpec): number {
  return writeCsvRecords(path, CSV_HEADER, (function* () {
    for (const i of indexes(spec)) yield record(i, spec.changed?.(i) ?? false);
  })());
}

/** Writes a header and records as CSV (fields quoted where needed), in 1 MiB writes. Returns the number of records. */
export function writeCsvRecords(path: string, header: readonly string[], records: Iterable<string[]>): number {
  const fd = openSync(path, "w");
  let n = 0;
  try {
    let buf = `${header.join(",")}\n`;
    for (const r of records) {
      buf += `${r.map(csvField).join(",")}\n`;
      n++;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
  return n;
}

/**
 * Writes the segment as Parquet (all columns strings, row groups of 100,000; hyparquet-writer's default codec unless
 * `codec` says otherwise). Returns the number of records.
 */
export async function writeParquet(path: string, spec: SegmentSpec, codec?: "UNCOMPRESSED"): Promise<number> {
  const { parquetWriteFile } = await import("hyparquet-writer");
  const columns: string[][] = CSV_HEADER.map(() => []);
  for (const i of indexes(spec)) {
    const r = record(i, spec.changed?.(i) ?? false);
    for (let k = 0; k < columns.length; k++) columns[k]!.push(r[k]!);
  }
  parquetWriteFile({
    filename: path,
    columnData: CSV_HEADER.map((name, k) => ({ name, data: columns[k]!, type: "STRING" as const })),
    rowGroupSize: 100_000,
    ...(codec ? { codec } : {}),
  });
  return columns[0]!.length;
}
