// Deterministic synthetic segments for the segment-reader tests and the bench (test/bench/segment-read.ts).
import { closeSync, openSync, writeSync } from "node:fs";

export const CSV_HEADER = ["id", "email", "first_name", "last_name", "phone", "tier", "city", "note"];

const FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "François", "Günther", "Hana", "Ivan", "José", "Kai", "Łukasz"];
const LAST = ["Smith", "O'Neil", "Müller", "García", "Nguyen", "Kowalski", "Dubois", "Rossi", "Tanaka", "Ødegaard"];
const TIERS = ["gold", "silver", "bronze", ""];
const CITIES = ["Berlin", "Zürich", "São Paulo", "New York, NY", "Kraków", "Lyon"];
const FIRST_ASCII = FIRST.map((f) => f.toLowerCase().normalize("NFD").replace(/[^a-z]/g, ""));

function csvField(v: string, d: string): string {
  return v.includes(d) || v.includes('"') || v.includes("\n") || v.includes("\r") ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Record i of the synthetic segment (0-based), as column values. */
export function syntheticRecord(i: number): string[] {
  const first = FIRST[i % FIRST.length]!;
  const ascii = FIRST_ASCII[i % FIRST.length]!;
  const last = LAST[(i * 7) % LAST.length]!;
  const note = i % 50 === 0 ? `said "hi",\nthen left` : i % 3 === 0 ? "" : `customer since ${2000 + (i % 24)}`;
  return [
    String(i + 1),
    `${ascii}.${i}@example${i % 10}.com`,
    first,
    last,
    `+49 151 ${String(10_000_000 + ((i * 7919) % 89_999_999))}`,
    TIERS[i % TIERS.length]!,
    CITIES[i % CITIES.length]!,
    note,
  ];
}

/** Write a CSV of synthetic records up to `bytes` (or `rows` records). Returns the number of records. */
export function writeSyntheticCsv(path: string, opts: { bytes?: number; rows?: number; delimiter?: string; eol?: string }): number {
  const d = opts.delimiter ?? ",";
  const eol = opts.eol ?? "\n";
  const fd = openSync(path, "w");
  let written = 0;
  let i = 0;
  try {
    let chunk = CSV_HEADER.join(d) + eol;
    const limitBytes = opts.bytes ?? Infinity;
    const limitRows = opts.rows ?? Infinity;
    // Whole 64 KiB-ish pieces, so the file ends on a record and stays within `bytes`.
    while (i < limitRows) {
      const line = syntheticRecord(i).map((v) => csvField(v, d)).join(d) + eol;
      if (written + (chunk.length + line.length) * 1.1 > limitBytes && written + Buffer.byteLength(chunk + line) > limitBytes) break;
      chunk += line;
      i++;
      if (chunk.length > 1 << 16) {
        written += writeSync(fd, chunk);
        chunk = "";
      }
    }
    if (chunk) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return i;
}
