// The bare parser, for the pipeline-cost ratio: open a segment exactly as the engine does (openSegment, same
// options: the format and the mapped columns) and iterate every batch, nothing else. Bundled by the bench with the
// runner's esbuild settings so both sides run the same compiled reader.
// Usage: node bare-parse.mjs <file> <csv|jsonl|parquet> [column,column,...]
import "../../runner/v8-regexp-workaround.js";
import { openSegment } from "../../runner/segment/index.js";
import type { SegmentFormat } from "../../runner/config.js";

const [path, format, columns] = process.argv.slice(2);
const t0 = performance.now();
const segment = await openSegment({ kind: "file", path: path! }, { format: format as SegmentFormat, ...(columns ? { columns: columns.split(",") } : {}) });
let rows = 0;
for await (const batch of segment.batches()) rows += batch.length;
await segment.close();
process.stdout.write(`${JSON.stringify({ rows, parseMs: performance.now() - t0 })}\n`);
