// The human-readable `ac-export plan` output: what a run would do, with samples, before anything is written.
import type { SyncPlan } from "../sync/plan.js";
import type { RunReport } from "../sync/report.js";

const n = (x: number) => x.toLocaleString("en-US");

export function formatPlan(r: RunReport, plan: SyncPlan, configPath?: string): string {
  const eg = (list: string[]) => (list.length ? `   e.g. ${list.slice(0, 3).join(", ")}` : "");
  const leave = { keep: "kept on the list", unsubscribe: "unsubscribed from the list", untag: "untagged" }[r.onLeave];
  const rows: Array<[string, number, string]> = [
    ["add", plan.adds, eg(plan.samples.adds)],
    ["update", plan.updates, eg(plan.samples.updates)],
    ["unchanged", plan.unchanged, ""],
    ["re-subscribe", plan.resubscribe.length, plan.resubscribe.length ? `${eg(plan.samples.resubscribe)} (the sync had unsubscribed them)` : ""],
    [`leave (${r.onLeave})`, plan.leavers.length, plan.leavers.length ? `${eg(plan.samples.leavers)} → ${leave}` : ""],
    ["keep unsubscribed", plan.consentKept.length, plan.consentKept.length ? "   they unsubscribed themselves; never re-subscribed" : ""],
    ["reject", plan.rejected.length, ""],
  ];
  const lines = [
    `Plan for ${r.export} → list ${r.destination.listId}${r.destination.listName ? ` "${r.destination.listName}"` : ""} on ${r.destination.hostname}`,
    `Segment: ${r.segment.source}: ${n(r.segment.rowsRead)} rows, ${n(r.segment.members)} distinct valid members`,
    "",
    ...rows.map(([label, count, note]) => `  ${label.padEnd(20)} ${n(count).padStart(9)}${note}`),
  ];
  for (const g of r.rejectsByReason.slice(0, 10)) {
    const where = g.labels ? g.labels.slice(0, 5).join("; ") : `rows ${g.rows.slice(0, 5).join(", ")}`;
    lines.push(`      ${n(g.count).padStart(7)} ${g.reason} (${where}${g.count > 5 ? ", …" : ""})`);
  }
  for (const f of r.valueProblems.slice(0, 10)) {
    const e = f.examples[0]!;
    lines.push(`  field ${f.field}: ${n(f.count)} value(s) not sent, the contact is sent without them (e.g. ${typeof e.row === "number" ? `row ${e.row}` : e.row}: ${e.reason})`);
  }
  if (plan.leavers.length && r.onLeave !== "keep") {
    const o = r.removalOverride;
    const why = o && plan.configuredRemovalCap !== undefined ? `${o.source} ${o.allowRemovals}; limits.maxRemovalsPerRun gives ${n(plan.configuredRemovalCap)}` : "limits.maxRemovalsPerRun";
    lines.push("", `Removal cap for this run: ${n(plan.removalCap)} (${why}).`);
  }
  if (plan.blocked) lines.push("", `Nothing was written. A run would stop before any write (${plan.blocked.code}):`);
  else lines.push("", `Nothing was written. To apply: ac-export run${configPath ? ` --config ${configPath}` : ""}`);
  return `${lines.join("\n")}\n`;
}
