// `npm run bench -- --only segment-parts`: what reading a segment the way lakes and CDPs write it costs (issue #13),
// as ratios measured in the same run against the same rows in one uncompressed file of the same format:
//   - 8 gzip CSV parts in a folder with _SUCCESS (a Snowflake unload / Spark output) vs one CSV file;
//   - a Delta table whose one data file has a deletion vector (1% of rows deleted) vs that Parquet file read directly.
// Each read goes through openSegment with the engine's mapped columns, in this process; the two sides alternate and
// the fastest of the rounds is kept (the steadier figure on a shared machine). Target: ≤ 1.3× each.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { openSegment, type OpenSegmentOptions } from "../../runner/segment/index.js";
import { add, commit, deletionVectorFile, metaData, protocol } from "../runner/segment/delta-tables.js";
import { portableBitmap } from "./portable-bitmap.js";
import { CSV_HEADER, writeCsv, writeParquet } from "./segments.js";

export const PARTS = 8;
/** Every 100th row deleted by the deletion vector. */
const DELETE_EVERY = 100;

export interface ReadRatio {
  what: string;
  baseline: string;
  /** Fastest wall-clock ms of each side over the rounds. */
  ms: number;
  baselineMs: number;
  rows: number;
  baselineRows: number;
  bytes: number;
  baselineBytes: number;
}

async function readMs(path: string, options: OpenSegmentOptions): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const seg = await openSegment({ kind: "file", path }, options);
  let rows = 0;
  try {
    for await (const batch of seg.batches()) rows += batch.length;
  } finally {
    await seg.close();
  }
  return { ms: performance.now() - t0, rows };
}

/** Alternates the two reads `rounds` times; the fastest of each, with the rows each returned. */
async function compare(rounds: number, a: () => Promise<{ ms: number; rows: number }>, b: () => Promise<{ ms: number; rows: number }>) {
  let best = { a: { ms: Infinity, rows: 0 }, b: { ms: Infinity, rows: 0 } };
  for (let r = 0; r < rounds; r++) {
    const x = await a();
    const y = await b();
    best = { a: x.ms < best.a.ms ? x : best.a, b: y.ms < best.b.ms ? y : best.b };
  }
  return best;
}

/** The same records [0, rows) as PARTS gzip CSV parts, each with the header (as Spark and Snowflake write them). */
function writeGzipParts(folder: string, rows: number): number {
  mkdirSync(folder, { recursive: true });
  const per = Math.ceil(rows / PARTS);
  let bytes = 0;
  for (let p = 0; p < PARTS; p++) {
    const plain = join(folder, `.plain-${p}`);
    writeCsv(plain, { from: p * per, to: Math.min((p + 1) * per, rows) });
    const gz = gzipSync(readFileSync(plain));
    rmSync(plain);
    writeFileSync(join(folder, `data_0_${p}_0.csv.gz`), gz);
    bytes += gz.length;
  }
  // The marker last, after every part, as the writers do.
  const fd = openSync(join(folder, "_SUCCESS"), "w");
  writeSync(fd, "");
  closeSync(fd);
  return bytes;
}

/** A Delta table (reader version 3, deletionVectors) over a hard link of `parquet`, with every 100th row deleted. */
function writeDeltaWithDv(dir: string, parquet: string, rows: number): void {
  const table = join(dir, "delta");
  mkdirSync(table, { recursive: true });
  linkSync(parquet, join(table, "part-0.parquet"));
  const deleted = Array.from({ length: Math.floor(rows / DELETE_EVERY) }, (_, i) => i * DELETE_EVERY);
  const bitmap = portableBitmap(deleted);
  deletionVectorFile(join(dir, "dv.bin"), bitmap);
  const dv = { storageType: "p", pathOrInlineDv: `file://${join(dir, "dv.bin")}`, offset: 1, sizeInBytes: bitmap.length, cardinality: deleted.length };
  const fields = CSV_HEADER.map((name) => ({ name, type: "string" }));
  commit(table, 0, [protocol(3, ["deletionVectors"]), metaData(fields), add("part-0.parquet", { stats: JSON.stringify({ numRecords: rows }), deletionVector: dv })]);
}

/**
 * Both ratios over `rows` records in `dir` (created files stay there for the caller to remove). `csv` is the one
 * uncompressed CSV of records [0, rows), already written by the caller.
 */
export async function measureSegmentSources(dir: string, csv: string, rows: number, rounds: number, columns: string[]): Promise<ReadRatio[]> {
  const folder = join(dir, "parts");
  const gzBytes = writeGzipParts(folder, rows);
  const parquet = join(dir, "one.parquet");
  await writeParquet(parquet, { from: 0, to: rows }, "UNCOMPRESSED");
  writeDeltaWithDv(dir, parquet, rows);

  const parts = await compare(
    rounds,
    () => readMs(csv, { format: "csv", columns }),
    () => readMs(folder, { format: "csv", parts: "all", columns }),
  );
  const delta = await compare(
    rounds,
    () => readMs(parquet, { format: "parquet", columns }),
    () => readMs(join(dir, "delta"), { format: "delta", columns }),
  );
  const expectDv = rows - Math.floor(rows / DELETE_EVERY);
  if (parts.a.rows !== rows || parts.b.rows !== rows) throw new Error(`CSV rows read: ${parts.a.rows} / ${parts.b.rows} parts, expected ${rows}`);
  if (delta.a.rows !== rows || delta.b.rows !== expectDv) throw new Error(`Parquet / Delta rows read: ${delta.a.rows} / ${delta.b.rows}, expected ${rows} / ${expectDv}`);
  return [
    { what: `${PARTS} gzip CSV parts (folder, _SUCCESS)`, baseline: "one uncompressed CSV", ms: parts.b.ms, baselineMs: parts.a.ms, rows: parts.b.rows, baselineRows: rows, bytes: gzBytes, baselineBytes: statSync(csv).size },
    { what: `Delta table, deletion vector (1% deleted)`, baseline: "the uncompressed Parquet file itself", ms: delta.b.ms, baselineMs: delta.a.ms, rows: delta.b.rows, baselineRows: rows, bytes: statSync(parquet).size, baselineBytes: statSync(parquet).size },
  ];
}
