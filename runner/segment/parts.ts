// What the files of a folder of parts are: data parts (CSV, JSON Lines or Parquet, optionally gzip), completion
// markers, or metadata to ignore. Names are "/"-separated and relative to the folder.
import { FORMAT_EXTENSIONS, type FileFormat } from "./source.js";

export interface PartKind {
  format: FileFormat;
  gzip: boolean;
}

const baseName = (name: string): string => name.slice(name.lastIndexOf("/") + 1);
export const dirName = (name: string): string => name.slice(0, name.lastIndexOf("/") + 1);

/**
 * Files that are never data: hidden files and folders ("."), Hadoop/Spark/Databricks markers and work folders
 * ("_SUCCESS", "_committed_*", "_started_*", "_temporary/", "_delta_log/"), and checksums (".crc").
 */
export function isIgnored(name: string): boolean {
  if (name.toLowerCase().endsWith(".crc")) return true;
  return name.split("/").some((segment) => segment.startsWith(".") || segment.startsWith("_"));
}

/** A completion marker in the file's own folder. */
export function markerKind(name: string): "success" | "committed" | "started" | undefined {
  const base = baseName(name);
  if (base === "_SUCCESS") return "success";
  if (base.startsWith("_committed_")) return "committed";
  if (base.startsWith("_started_")) return "started";
  return undefined;
}

/** The data format a part's name says (".csv.gz" is gzip CSV), or undefined for other files. */
export function partKind(name: string): PartKind | undefined {
  let lower = baseName(name).toLowerCase();
  const gzip = lower.endsWith(".gz");
  if (gzip) lower = lower.slice(0, -3);
  for (const [format, endings] of Object.entries(FORMAT_EXTENSIONS) as Array<[FileFormat, string[]]>) {
    if (endings.some((e) => lower.endsWith(e))) return { format, gzip };
  }
  // Spark writes JSON Lines parts as part-*.json; other .json files (model.json, manifests) are metadata.
  if (lower.startsWith("part-") && lower.endsWith(".json")) return { format: "jsonl", gzip };
  return undefined;
}

/** Compares names with their digit runs as numbers: "T_2.csv" < "T_10.csv", "2024/5/1" < "2024/12/1". */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (i % 2 === 1) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Dates (2026-12-01, 20261201, 2026_12_01T0900…) and long numbers (Unix times) in names: they tell runs apart. */
const RUN_STAMP = /(?:19|20)\d{2}([-_.]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?:[T_ -]?\d{2}(?:[:.-]?\d{2}){0,2})?|\d{8,}/g;

/**
 * A file's name with its counters replaced by "#": the parts of one run share it ("part-#-<uuid>-c#.csv",
 * "data_#_#_#.csv.gz", "Table_#.csv"). Dates and long numbers stay, so daily drops ("vip-2026-11-22.csv",
 * "vip-2026-11-23.csv") do not look like parts of one run.
 */
export function namePattern(name: string): string {
  // Spark part names carry a per-job UUID; drop it so the parts of one job compare equal.
  const base = baseName(name)
    .toLowerCase()
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>");
  let out = "";
  let last = 0;
  for (const m of base.matchAll(RUN_STAMP)) {
    out += base.slice(last, m.index).replace(/\d+/g, "#") + m[0];
    last = m.index + m[0].length;
  }
  return out + base.slice(last).replace(/\d+/g, "#");
}
