// Segment reader throughput and memory (not run by `npm test`):
//   node --regexp-interpret-all --expose-gc --import tsx test/bench/segment-read.ts [--mb 200] [--rows 1000000]
// Prints CSV MB/s (all columns, and only 3 mapped columns), JSON Lines MB/s, Parquet rows/s, and the retained heap.
import { mkdtempSync, rmSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSegment } from "../../runner/segment/index.js";
import { CSV_HEADER, syntheticRecord, writeSyntheticCsv } from "../runner/segment/generate.js";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MB = arg("mb", 200);
const PARQUET_ROWS = arg("rows", 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
const dir = mkdtempSync(join(tmpdir(), "segment-bench-"));

async function measure(label: string, path: string, format: "csv" | "jsonl" | "parquet", columns?: string[]) {
  gc?.();
  const base = process.memoryUsage();
  let peakRetained = 0;
  let rows = 0;
  let batches = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const seg = await openSegment({ kind: "file", path }, { format, columns });
  for await (const batch of seg.batches()) {
    rows += batch.length;
    if (++batches % 200 === 0 && gc) {
      gc();
      const m = process.memoryUsage();
      peakRetained = Math.max(peakRetained, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    }
  }
  await seg.close();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const size = statSync(path).size / 1e6;
  console.log(
    `${label.padEnd(34)} ${size.toFixed(0).padStart(5)} MB ${rows.toString().padStart(9)} rows ${secs.toFixed(2).padStart(6)} s ` +
      `${(size / secs).toFixed(0).padStart(5)} MB/s ${(rows / secs / 1000).toFixed(0).padStart(6)}k rows/s ` +
      `cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s retained heap ${gc ? `${(peakRetained / 1e6).toFixed(1)} MB` : "(run with --expose-gc)"}`,
  );
}

try {
  const csv = join(dir, "big.csv");
  const n = writeSyntheticCsv(csv, { bytes: MB * 1e6 });
  console.log(`node ${process.version}, ${n} CSV records`);
  await measure("CSV, all 8 columns", csv, "csv");
  await measure("CSV, 3 mapped columns", csv, "csv", ["email", "first_name", "tier"]);

  const jsonl = join(dir, "big.jsonl");
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(jsonl);
    out.on("error", reject);
    let i = 0;
    const write = () => {
      let ok = true;
      while (i < n && ok) {
        const rec = syntheticRecord(i++);
        ok = out.write(JSON.stringify(Object.fromEntries(CSV_HEADER.map((h, k) => [h, rec[k]]))) + "\n");
      }
      if (i < n) out.once("drain", write);
      else out.end(resolve);
    };
    write();
  });
  await measure("JSON Lines, all keys", jsonl, "jsonl");

  const { parquetWriteFile } = await import("hyparquet-writer");
  const parquet = join(dir, "big.parquet");
  const recs = Array.from({ length: PARQUET_ROWS }, (_, i) => syntheticRecord(i));
  parquetWriteFile({
    filename: parquet,
    columnData: CSV_HEADER.map((name, k) => ({ name, data: recs.map((r) => r[k]!), type: "STRING" as const })),
    rowGroupSize: 100_000,
  });
  recs.length = 0;
  await measure("Parquet, all 8 columns", parquet, "parquet");
  await measure("Parquet, 3 mapped columns", parquet, "parquet", ["email", "first_name", "tier"]);
  writeFileSync(join(dir, "done"), "");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
