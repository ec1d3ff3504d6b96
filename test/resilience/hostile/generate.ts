// Writes the hostile-input cases that cannot be typed into a text file: binary or very large inputs.
//   node --import tsx test/resilience/hostile/generate.ts
// Its output is committed in cases/; run it again only to change those cases.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";

const CASES = join(import.meta.dirname, "cases");

// Two columns named "Email": the reader used to take the first silently.
parquetWriteFile({
  filename: join(CASES, "parquet-duplicate-columns.parquet"),
  columnData: [
    { name: "Email", data: ["mallory@pq-dup.hostile.example"], type: "STRING" },
    { name: "First", data: ["Mallory"], type: "STRING" },
    { name: "Last", data: ["Dup"], type: "STRING" },
    { name: "Tier", data: ["gold"], type: "STRING" },
    { name: "Email", data: ["victim@pq-dup.hostile.example"], type: "STRING" },
  ],
});

// A mapped value nested 100,000 deep: JSON.parse reads it, JSON.stringify overflowed the stack and crashed the run.
const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
writeFileSync(
  join(CASES, "jsonl-deep-nesting.jsonl"),
  `{"email":"deep@jsonl-deep.hostile.example","first":${deep}}\n{"email":"ok@jsonl-deep.hostile.example","first":"Ok"}\n`,
);
