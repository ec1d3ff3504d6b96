// Multi-part read cost (issue #13): the same rows as one uncompressed CSV and as 8 gzip CSV parts (a Snowflake-style
// folder), read through openSegment with the 3 mapped columns. Not run by `npm test`:
//   node --regexp-interpret-all --import tsx test/bench/segment-parts.ts [--rows 1000000] [--rounds 3]
// Prints the fastest and the median seconds of each, alternating the two reads, and their ratios (target: parts ≤
// 1.3 × one file). On a shared machine the fastest round is the steadier figure.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { openSegment, type OpenSegmentOptions } from "../../runner/segment/index.js";
import { writeSyntheticCsv } from "../runner/segment/generate.js";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg("rows", 1_000_000);
const ROUNDS = arg("rounds", 5);
const PARTS = 8;
const dir = mkdtempSync(join(tmpdir(), "segment-parts-bench-"));

async function time(path: string, options: OpenSegmentOptions): Promise<{ secs: number; rows: number }> {
  const t0 = performance.now();
  const seg = await openSegment({ kind: "file", path }, { ...options, columns: ["email", "first_name", "tier"] });
  let rows = 0;
  for await (const batch of seg.batches()) rows += batch.length;
  await seg.close();
  return { secs: (performance.now() - t0) / 1000, rows };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const single = join(dir, "one.csv");
  writeSyntheticCsv(single, { rows: ROWS });
  // Split the same records into 8 parts (each with the header, as Spark writes them), gzip each.
  const [header, ...lines] = readFileSync(single, "utf8").split(/\n(?=\d+,)/);
  const folder = join(dir, "parts");
  mkdirSync(folder);
  const per = Math.ceil(lines.length / PARTS);
  let gzBytes = 0;
  for (let p = 0; p < PARTS; p++) {
    const body = lines.slice(p * per, (p + 1) * per).join("\n");
    const gz = gzipSync(`${header}\n${body}${body.endsWith("\n") ? "" : "\n"}`);
    gzBytes += gz.length;
    writeFileSync(join(folder, `data_0_${p}_0.csv.gz`), gz);
  }
  writeFileSync(join(folder, "_SUCCESS"), "");
  const one: number[] = [];
  const parts: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = await time(single, { format: "csv" });
    const b = await time(folder, { format: "csv", parts: "all" });
    if (a.rows !== ROWS || b.rows !== ROWS) throw new Error(`row counts differ: ${a.rows} / ${b.rows} (expected ${ROWS})`);
    one.push(a.secs);
    parts.push(b.secs);
  }
  const size = readFileSync(single).length / 1e6;
  const min = (xs: number[]) => Math.min(...xs);
  console.log(`node ${process.version}, ${ROWS} rows, ${ROUNDS} rounds: fastest / median`);
  console.log(`one CSV, uncompressed (${size.toFixed(0)} MB)   ${min(one).toFixed(2)} s / ${median(one).toFixed(2)} s`);
  console.log(`${PARTS} gzip CSV parts (${(gzBytes / 1e6).toFixed(0)} MB)       ${min(parts).toFixed(2)} s / ${median(parts).toFixed(2)} s`);
  console.log(`ratio                             ${(min(parts) / min(one)).toFixed(2)}× / ${(median(parts) / median(one)).toFixed(2)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
