// BENCHMARKS.md's Summary: issue #12's acceptance figures first, one row (or more) each in the issue's order, with a
// "not measured" row for any the run did not produce, so a missing figure is visible; then the other figures.
import type { SummaryRow } from "./section.js";

/** Issue #12's acceptance figures: the key a section's row carries, what it is, the issue's target, the section. */
export const ACCEPTANCE = [
  { key: "slow-importer", figure: "first sync through a slow importer ÷ the importer's throughput, 0 duplicates", target: "≥ 0.95", section: "slow-queue" },
  { key: "fast-first-sync", figure: "first sync against the fast sandbox ÷ the bulk floor", target: "≥ 0.97", section: "sync" },
  { key: "tenant-1M", figure: "background tenant's success rate during a 1,000,000-member sync", target: "≥ 99%", section: "shared-account (--rows 1000000)" },
  { key: "crash-resume", figure: "crash resume: contacts re-sent per kill over 20 kills", target: "≤ 2 batches", section: "crash-resume" },
  { key: "plan-bare-1M", figure: "plan ÷ bare parse at 1,000,000 rows (CSV, Parquet)", target: "≤ 1.5×", section: "pipeline (--rows 1000000)" },
  { key: "plan-bare-3M", figure: "plan ÷ bare parse at 3,000,000 rows (CSV, Parquet)", target: "≤ 1.5×", section: "pipeline at 3,000,000" },
  { key: "rss-1M", figure: "peak RSS of plan and sync at 1,000,000 profiles", target: "≤ 1 GiB", section: "scale, sync, sync-scale" },
  { key: "rss-3M", figure: "peak RSS of plan and sync at 3,000,000 profiles", target: "≤ 1 GiB", section: "scale, sync-scale (--scale-profiles)" },
  { key: "rss-10M", figure: "peak RSS of plan and sync at 10,000,000 profiles, bytes per member", target: "≤ 1 GiB", section: "scale, sync-scale (--scale-profiles)" },
  { key: "consent-rerun", figure: "unsubscribed-set preflight on a re-run (300,000 unsubscribed), requests", target: "≤ 20", section: "consent" },
  { key: "leavers", figure: "requests per leaver for each leave policy", target: "report (untag was 3.05)", section: "leavers" },
] as const;

export type AcceptanceKey = (typeof ACCEPTANCE)[number]["key"];

/** The acceptance key of a figure measured at n profiles/rows ("rss" at 3,000,000 → "rss-3M"), if the issue names it. */
export function atScale(prefix: "plan-bare" | "rss" | "tenant", n: number): AcceptanceKey | undefined {
  const key = `${prefix}-${n % 1_000_000 === 0 ? n / 1_000_000 : "?"}M`;
  return ACCEPTANCE.find((a) => a.key === key)?.key;
}

const verdictCell = (r: SummaryRow) => (r.verdict === "info" ? "" : r.verdict === "met" ? "met" : "**missed**");

/** The Summary's tables (markdown). `full`: every section ran, so a figure not measured is missed. */
export function summaryTables(rows: SummaryRow[], full: boolean): string {
  const acceptance: string[] = [];
  for (const a of ACCEPTANCE) {
    const mine = rows.filter((r) => r.acceptance === a.key);
    if (!mine.length) acceptance.push(`| ${a.figure} | not measured in this run (section \`${a.section}\`) | ${a.target} | ${full ? "**missed**" : ""} |`);
    for (const r of mine) acceptance.push(`| ${r.figure} | ${r.measured} | ${r.target} | ${verdictCell(r)} |`);
  }
  const others = rows.filter((r) => !r.acceptance).map((r) => `| ${r.figure} | ${r.measured} | ${r.target} | ${verdictCell(r)} |`);
  const head = ["| figure | measured | target | |", "|---|---|---|---|"];
  return ["**Issue #12's acceptance figures**", "", ...head, ...acceptance, ...(others.length ? ["", "**Other figures**", "", ...head, ...others] : [])].join("\n");
}
