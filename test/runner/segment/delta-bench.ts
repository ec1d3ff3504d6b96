// Delta reader cost vs the plain Parquet reader (issue #13; not run by `npm test`):
//   node --regexp-interpret-all --import tsx test/runner/segment/delta-bench.ts [--rows 1000000] [--rounds 3]
// Writes one uncompressed Parquet file (3 string columns) to a temp folder, reads it with the Parquet reader, then as
// a Delta table without and with a deletion vector (every 100th row deleted), interleaved; prints wall and CPU time.
import { linkSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { openDeltaSegment } from "../../../runner/segment/delta/index.js";
import { openSegment, type OpenedSegment } from "../../../runner/segment/index.js";
import { portableBitmap } from "../../bench/portable-bitmap.js";
import { add, commit, deletionVectorFile, metaData, protocol } from "./delta-tables.js";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg("rows", 1_000_000);
const ROUNDS = arg("rounds", 3);
const COLUMNS = ["email", "first_name", "tier"];

async function measure(label: string, open: () => Promise<OpenedSegment>): Promise<number> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const seg = await open();
  let rows = 0;
  for await (const batch of seg.batches()) rows += batch.length;
  await seg.close();
  const cpu = process.cpuUsage(cpu0);
  const secs = (cpu.user + cpu.system) / 1e6;
  console.log(`${label.padEnd(26)} ${String(rows).padStart(9)} rows ${((performance.now() - t0) / 1000).toFixed(2).padStart(6)} s wall ${secs.toFixed(2)} s CPU`);
  return secs;
}

const dir = mkdtempSync(join(tmpdir(), "delta-bench-"));
try {
  const file = join(dir, "segment.parquet");
  parquetWriteFile({
    filename: file,
    codec: "UNCOMPRESSED",
    columnData: [
      { name: "email", data: Array.from({ length: ROWS }, (_, i) => `user${i}@example.com`), type: "STRING" },
      { name: "first_name", data: Array.from({ length: ROWS }, (_, i) => `Name${i % 5000}`), type: "STRING" },
      { name: "tier", data: Array.from({ length: ROWS }, (_, i) => ["gold", "silver", "bronze"][i % 3]!), type: "STRING" },
    ],
  });
  const fields = COLUMNS.map((name) => ({ name, type: "string" }));
  const stats = JSON.stringify({ numRecords: ROWS });
  const table = (name: string, deletionVector?: object): string => {
    const t = join(dir, name);
    mkdirSync(t);
    linkSync(file, join(t, "part-0.parquet"));
    commit(t, 0, [protocol(3, ["deletionVectors"]), metaData(fields), add("part-0.parquet", { stats, deletionVector })]);
    return t;
  };
  const plainTable = table("delta");
  const deleted = Array.from({ length: Math.floor(ROWS / 100) }, (_, i) => i * 100);
  const bitmap = portableBitmap(deleted);
  const dvTable = table("delta-dv", { storageType: "p", pathOrInlineDv: `file://${join(dir, "dv.bin")}`, offset: 1, sizeInBytes: bitmap.length, cardinality: deleted.length });
  deletionVectorFile(join(dir, "dv.bin"), bitmap);
  console.log(`node ${process.version}, ${ROWS} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB uncompressed Parquet, columns ${COLUMNS.join(", ")}`);
  for (let round = 1; round <= ROUNDS; round++) {
    const p = await measure("Parquet reader, one file", () => openSegment({ kind: "file", path: file }, { format: "parquet", columns: COLUMNS }));
    const d = await measure("Delta, no deletion vector", () => openDeltaSegment({ kind: "file", path: plainTable }, { columns: COLUMNS }));
    const v = await measure("Delta, 1% deleted by a DV", () => openDeltaSegment({ kind: "file", path: dvTable }, { columns: COLUMNS }));
    console.log(`round ${round}: CPU ratio ${(d / p).toFixed(2)} (no DV), ${(v / p).toFixed(2)} (DV)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
