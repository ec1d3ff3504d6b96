// The human-readable `ac-export plan` output: what a run would do, with samples, before anything is written. It
// also says what ActiveCampaign will keep as it is or refuse (REAL-ACCOUNT.md F3, F12: unsubscribed, unconfirmed and
// bounced members, contacts it refused before) and whether its automations fire for the contacts added (F8).
import { LIST_STATUS } from "../config/list-status.js";
import { keptReason } from "../sync/consent.js";
import type { SyncPlan } from "../sync/plan.js";
import { groupRejects, type RowGroup, type RunReport } from "../sync/report.js";
import { formatPlanFields } from "./plan-fields-text.js";

const n = (x: number) => x.toLocaleString("en-US");
/** Rows shown per group of rejected, kept or refused members. */
const ROWS_SHOWN = 5;

/** The members AC keeps as they are, by list status, in the order shown; their reasons come from consent.ts. */
const KEPT: Array<[label: string, reason: string, note: string]> = [
  ["keep unsubscribed", keptReason(LIST_STATUS.UNSUBSCRIBED), "they unsubscribed themselves; never re-subscribed"],
  ["keep unconfirmed", keptReason(LIST_STATUS.UNCONFIRMED), "double opt-in pending; never activated"],
  ["keep bounced", keptReason(LIST_STATUS.BOUNCED), "their address bounced; never activated"],
];

export function formatPlan(r: RunReport, plan: SyncPlan, configPath?: string): string {
  const eg = (list: string[]) => (list.length ? `   e.g. ${list.slice(0, 3).join(", ")}` : "");
  const leave = { keep: "kept on the list", unsubscribe: "unsubscribed from the list", untag: "untagged" }[r.onLeave];
  const line = (label: string, count: number, note = "") => `  ${label.padEnd(20)} ${n(count).padStart(9)}${note}`;
  const lines = [
    `Plan for ${r.export} → list ${r.destination.listId}${r.destination.listName ? ` "${r.destination.listName}"` : ""} on ${r.destination.hostname}`,
    `Segment: ${r.segment.source}: ${n(r.segment.rowsRead)} rows, ${n(r.segment.members)} distinct valid members`,
    "",
    line("add", plan.adds, eg(plan.samples.adds)),
    line("update", plan.updates, eg(plan.samples.updates)),
    line("unchanged", plan.unchanged),
    line("re-subscribe", plan.resubscribe.length, plan.resubscribe.length ? `${eg(plan.samples.resubscribe)} (the sync had unsubscribed them)` : ""),
    line(`leave (${r.onLeave})`, plan.leavers.length, plan.leavers.length ? `${eg(plan.samples.leavers)} → ${leave}` : ""),
  ];
  // What ActiveCampaign keeps as it is: nothing is sent for these members (report.ts keptByReason).
  for (const [label, reason, note] of KEPT) {
    const group = r.keptByReason.find((g) => g.reason === reason);
    lines.push(line(label, group?.count ?? 0, group ? `   ${note}` : ""));
    if (group) lines.push(`${" ".repeat(6)}${rowsOf(group)}`);
  }
  const refused = groupRejects(plan.refusedEarlier, ROWS_SHOWN, plan.rowLabels);
  lines.push(line("refused earlier", plan.refusedEarlier.length, refused.length ? "   ActiveCampaign refused them; data unchanged, not sent" : ""));
  for (const g of refused) lines.push(groupLine(g));
  lines.push(line("reject", plan.rejected.length));
  for (const g of r.rejectsByReason.slice(0, 10)) lines.push(groupLine(g));
  lines.push("", automations(r, plan));
  lines.push(...formatPlanFields(r.fields));
  if (plan.leavers.length && r.onLeave !== "keep") {
    const o = r.removalOverride;
    const why = o && plan.configuredRemovalCap !== undefined ? `${o.source} ${o.allowRemovals}; limits.maxRemovalsPerRun gives ${n(plan.configuredRemovalCap)}` : "limits.maxRemovalsPerRun";
    lines.push("", `Removal cap for this run: ${n(plan.removalCap)} (${why}).`);
  }
  if (plan.blocked) lines.push("", `Nothing was written. A run would stop before any write (${plan.blocked.code}):`);
  else lines.push("", `Nothing was written. To apply: ac-export run${configPath ? ` --config ${configPath}` : ""}`);
  return `${lines.join("\n")}\n`;
}

/** "rows 4, 9, 12, …" (or "part 2, row 17; …" in a multi-part segment): the first rows of a group. */
function rowsOf(g: RowGroup): string {
  const more = g.count > ROWS_SHOWN ? (g.labels ? "; …" : ", …") : "";
  return g.labels ? `${g.labels.slice(0, ROWS_SHOWN).join("; ")}${more}` : `rows ${g.rows.slice(0, ROWS_SHOWN).join(", ")}${more}`;
}

function groupLine(g: RowGroup): string {
  return `      ${n(g.count).padStart(7)} ${g.reason} (${rowsOf(g)})`;
}

/** Whether AC's list and tag automations fire for the contacts the run would add (REAL-ACCOUNT.md F8). */
function automations(r: RunReport, plan: SyncPlan): string {
  if (r.planned?.automations === "suppressed") return `Automations: suppressed for the ${n(plan.adds)} contacts it would add (excludeAutomations is true).`;
  return `Automations: ActiveCampaign's list and tag automations will fire for the ${n(plan.adds)} contacts it would add (excludeAutomations is false; set it to true to suppress them).`;
}
