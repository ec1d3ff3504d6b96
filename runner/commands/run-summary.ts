// The few lines `ac-export run` prints when it ends: the counts, the request total and where the report is.
import type { RunReport } from "../sync/report.js";

const n = (x: number) => x.toLocaleString("en-US");

export function formatRunSummary(r: RunReport): string {
  const c = r.counts;
  const lines = [
    `${r.export}: ${r.status} in ${r.durationSeconds} s → list ${r.destination.listId} on ${r.destination.hostname}`,
    `  added ${n(c.added)} · updated ${n(c.updated)} · unchanged ${n(c.unchanged)} · re-subscribed ${n(c.resubscribed)} · left (${r.onLeave}) ${n(c.leavers)} · kept unsubscribed ${n(c.keptUnsubscribed)} · rejected ${n(c.rejected)} · failed ${n(c.failed)}`,
  ];
  if (r.requests) lines.push(`  ${n(r.requests.total)} requests${r.throughput?.contactsSent ? ` · ${n(r.throughput.contactsPerMinute)} contacts/min` : ""}`);
  if (r.problemRows.count) {
    const p = r.problemRows;
    lines.push(`  problem rows ${n(p.count)} of ${n(p.rowsRead)} (limits.maxProblemRows ${p.limit} allows ${n(p.allowed)})`);
  }
  if (r.removalOverride) lines.push(`  removal cap override: ${r.removalOverride.source} ${r.removalOverride.allowRemovals}${r.removalOverride.used ? " (used)" : " (not needed)"}`);
  if (r.artifacts) {
    lines.push(`Report: ${r.artifacts["report.md"]}`);
    lines.push(`        ${r.artifacts["report.json"]}`);
    lines.push(`Changes: ${r.artifacts["changes.csv"]}`);
    lines.push(`Rejected rows: ${r.artifacts["rejected.csv"]}`);
  }
  if (r.latestArtifacts) lines.push(`Latest copies: ${r.latestArtifacts["report.md"]} (and report.json, changes.csv, rejected.csv beside it)`);
  return `${lines.join("\n")}\n`;
}
