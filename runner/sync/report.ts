// The run report: one JSON for machines, one Markdown page for the marketing-ops person, and rejected.csv with
// every row that was not sent and why (changes.csv, who changed, is changes.ts). Built from counts and lists only;
// it never sees the API key.
import { escapeMarkdown } from "../output/markdown.js";
import type { AcClientStats } from "../ac/types.js";
import type { ExportConfig } from "../config.js";
import { CsvText } from "./chunked-text.js";
import { outcomeError, outcomeStatus, problemRowsOf, type OutcomeError, type OutcomeStatus, type ProblemRows, type SyncOutcome } from "./outcome.js";
import type { RejectedRow, SyncPlan } from "./plan.js";
import type { RowLabels } from "./row-labels.js";
import type { FieldsReport } from "./field-preflight.js";
import { fieldsMarkdown } from "./fields-markdown.js";
import type { Applied, FailedRow, SyncMode } from "./types.js";
import type { FieldProblems } from "./value-problems.js";

/** What every run or plan report holds, even one of a command that stopped before its config was known. */
export interface ReportHeader {
  mode: SyncMode;
  /** From the outcome: completed (with or without problem rows), blocked before any write, or failed. */
  status: OutcomeStatus;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** Why the run was blocked or failed: a stable code (runner/errors.ts ERROR_CODES) and the message. */
  error?: OutcomeError;
}

export interface ReportInput {
  mode: SyncMode;
  outcome: SyncOutcome;
  /** The command's exit code for this outcome (the report shows it; it does not derive anything from it). */
  exitCode: number;
  startedAt: number;
}

export function reportHeader(input: ReportInput): ReportHeader {
  const finished = Date.now();
  const error = outcomeError(input.outcome);
  return {
    mode: input.mode,
    status: outcomeStatus(input.outcome, input.mode),
    exitCode: input.exitCode,
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationSeconds: Math.round((finished - input.startedAt) / 100) / 10,
    ...(error ? { error } : {}),
  };
}

export interface RunReport extends ReportHeader {
  export: string;
  destination: { hostname: string; listId: number; listName?: string };
  segment: {
    name?: string;
    source: string;
    rowsRead: number;
    members: number;
    /** Folder and Customer Insights sources: the run folder read, and why that one (complete, newer ones skipped). */
    run?: { folder: string; reason: string; columnsFrom?: string };
  };
  onLeave: ExportConfig["onLeave"];
  counts: {
    added: number;
    updated: number;
    unchanged: number;
    resubscribed: number;
    leavers: number;
    left: number;
    keptUnsubscribed: number;
    /** Members ActiveCampaign refused on an earlier run whose data did not change: not sent again. */
    refusedEarlier: number;
    /** Contacts new to this export that a completed import neither listed as created nor as failed (see bulk-pipeline.ts). */
    notConfirmed: number;
    rejected: number;
    failed: number;
  };
  planned?: {
    adds: number;
    updates: number;
    leavers: number;
    resubscribes: number;
    /**
     * Whether ActiveCampaign's list-subscribe and tag-added automations fire for the contacts sent (REAL-ACCOUNT.md
     * F8): "suppressed" with excludeAutomations (every path goes through bulk import with the flag), else "fire".
     */
    automations: "fire" | "suppressed";
    /** Members left as they are (unsubscribed, unconfirmed, bounced) and refused earlier: what AC keeps or refuses. */
    keptAsTheyAre: number;
    refusedEarlier: number;
  };
  /** Rejected plus refused rows against limits.maxProblemRows (over it, a run exits 3). */
  problemRows: ProblemRows;
  /** An operator's one-run override of the removal cap, when one was given. */
  removalOverride?: RemovalOverride;
  rejectsByReason: RowGroup[];
  /** Mapped custom fields (type, conversion), the export's tags, and what the preflight created or would create. */
  fields?: FieldsReport;
  /**
   * Values not sent because they cannot be converted for their ActiveCampaign field (onInvalid "omit-field"; the
   * contact was sent without them), per field: how many, and the first rows with the value and the reason.
   */
  valueProblems: ValueProblemsReport[];
  /** Members left as they are on the list, by why: kept unsubscribed, unconfirmed (not activated), bounced. */
  keptByReason: RowGroup[];
  failures: Array<{ batchId?: string; reason: string; count: number; emails: string[] }>;
  requests?: AcClientStats & { total: number };
  throughput?: { contactsSent: number; contactsPerMinute: number };
  /** Batches an earlier (killed) run got accepted that this run polled instead of sending again, and what they confirmed. */
  resumed?: { batches: number; contacts: number };
  /** The run's folder under runs/ (its start time, e.g. 2026-12-01T14-00-00Z); a run's artifacts are kept there. */
  runId?: string;
  /** Where this run's artifacts landed (runs/<runId>/…), and their latest copies (fixed names). */
  artifacts?: Record<string, string>;
  latestArtifacts?: Record<string, string>;
}

/** An operator's one-run removal-cap override (README "Allow one run past the removal cap"). */
export interface RemovalOverride {
  allowRemovals: number;
  /** Where it came from: the --allow-removals flag or the AC_EXPORT_ALLOW_REMOVALS variable. */
  source: "--allow-removals" | "AC_EXPORT_ALLOW_REMOVALS";
  /** The Container Apps job execution that was given it (Azure's activity log names who started it). */
  execution?: string;
  /** limits.maxRemovalsPerRun as a count for this run, and whether the leavers needed the override. */
  configuredCap?: number;
  leavers?: number;
  used?: boolean;
}

/** One field's values that were not sent; the examples name rows as the rejected rows do. */
export interface ValueProblemsReport extends Omit<FieldProblems, "examples"> {
  examples: Array<{ row: number | string; value: string; reason: string }>;
}

/** Rows sharing a reason: their row numbers (the unique keys) and, in a multi-part segment, how people name them. */
export interface RowGroup {
  reason: string;
  count: number;
  rows: number[];
  /** Multi-part segments only: "part 2, row 17" for each of `rows`. */
  labels?: string[];
}

/**
 * Reasons that name another row ("duplicate of row 45", "duplicate of part 1, row 1,204") group together under
 * "duplicate of an earlier row".
 */
const reasonKey = (reason: string) => reason.replace(/\bof (?:part \d+, )?row [\d,]*\d/g, "of an earlier row");

export function groupRejects(rows: RejectedRow[], sampleRows = 20, rowLabels?: RowLabels): RowGroup[] {
  const groups = new Map<string, { count: number; rows: number[]; labels?: string[] }>();
  const multiPart = rowLabels?.multiPart === true;
  for (const r of rows) {
    const key = reasonKey(r.reason);
    const g = groups.get(key) ?? { count: 0, rows: [], ...(multiPart ? { labels: [] } : {}) };
    g.count++;
    if (g.rows.length < sampleRows && r.row !== undefined) {
      g.rows.push(r.row);
      g.labels?.push(String(rowLabels!.label(r.row)));
    }
    groups.set(key, g);
  }
  return [...groups].map(([reason, g]) => ({ reason, ...g })).sort((a, b) => b.count - a.count);
}

export function groupFailures(rows: FailedRow[]): RunReport["failures"] {
  const groups = new Map<string, { batchId?: string; reason: string; count: number; emails: string[] }>();
  for (const f of rows) {
    const key = `${f.batchId ?? ""}\u0000${f.reason}`;
    const g = groups.get(key) ?? { ...(f.batchId ? { batchId: f.batchId } : {}), reason: f.reason, count: 0, emails: [] };
    g.count++;
    if (g.emails.length < 20) g.emails.push(f.email);
    groups.set(key, g);
  }
  return [...groups.values()];
}

export function buildReport(input: ReportInput & { config: ExportConfig; stats?: AcClientStats; override?: RemovalOverride }): RunReport {
  const { config, outcome } = input;
  const prepared = outcome.prepared;
  const plan = prepared?.plan;
  const applied = outcome.kind === "blocked" ? undefined : outcome.applied;
  const { error, ...header } = reportHeader(input);
  const { durationSeconds } = header;
  const rejected = plan?.rejected ?? [];
  const failed = applied?.failed ?? [];
  const kept = [...(plan?.consentKept ?? []), ...(applied?.consentKept ?? [])];
  const total = input.stats ? Object.values(input.stats.requestsByEndpoint).reduce((a, b) => a + b, 0) : 0;
  return {
    export: config.name,
    ...header,
    destination: { hostname: config.connection.hostname, listId: config.listId, ...(prepared?.listName ? { listName: prepared.listName } : {}) },
    segment: {
      ...(config.segment.name ? { name: config.segment.name } : {}),
      source: prepared?.segmentResolved ?? config.segment.source,
      rowsRead: plan?.rowsRead ?? 0,
      members: plan?.members ?? 0,
      ...(prepared?.segmentRun ? { run: prepared.segmentRun } : {}),
    },
    onLeave: config.onLeave,
    counts: {
      added: applied?.added ?? 0,
      updated: applied?.updated ?? 0,
      unchanged: plan?.unchanged ?? 0,
      resubscribed: applied?.resubscribed ?? 0,
      leavers: plan?.leavers.length ?? 0,
      left: applied?.left ?? 0,
      keptUnsubscribed: kept.length,
      refusedEarlier: plan?.refusedEarlier.length ?? 0,
      notConfirmed: applied?.notConfirmed ?? 0,
      rejected: rejected.length,
      failed: failed.length,
    },
    ...(plan
      ? {
          planned: {
            adds: plan.adds,
            updates: plan.updates,
            leavers: plan.leavers.length,
            resubscribes: plan.resubscribe.length,
            automations: config.excludeAutomations ? ("suppressed" as const) : ("fire" as const),
            keptAsTheyAre: plan.consentKept.length,
            refusedEarlier: plan.refusedEarlier.length,
          },
        }
      : {}),
    problemRows: problemRowsOf(outcome, config),
    ...(input.override ? { removalOverride: overrideOf(input.override, plan, config.onLeave) } : {}),
    ...(prepared?.fields ? { fields: prepared.fields } : {}),
    rejectsByReason: groupRejects(rejected, undefined, plan?.rowLabels),
    valueProblems: (plan?.valueProblems.list() ?? []).map((f) => ({ ...f, examples: f.examples.map((e) => ({ ...e, row: plan!.rowLabels.label(e.row) })) })),
    keptByReason: groupRejects(kept, undefined, plan?.rowLabels),
    failures: groupFailures(failed),
    ...(input.stats ? { requests: { ...input.stats, total } } : {}),
    ...(applied
      ? {
          throughput: {
            contactsSent: applied.contactsSent,
            contactsPerMinute: durationSeconds > 0 ? Math.round((applied.contactsSent / durationSeconds) * 60) : 0,
          },
          ...(applied.resumedBatches ? { resumed: { batches: applied.resumedBatches, contacts: applied.resumedContacts ?? 0 } } : {}),
        }
      : {}),
    ...(error ? { error } : {}),
  };
}

const n = (x: number) => x.toLocaleString("en-US");
/** Text from outside (list names, sources, reasons, messages): shown as written, never as Markdown or HTML. */
const md = (text: string) => escapeMarkdown(text);

export function renderMarkdown(r: RunReport): string {
  const lines = [
    `# ${r.mode === "plan" ? "Plan" : "Run report"}: ${md(r.export)}`,
    "",
    `**${r.status}** (exit code ${r.exitCode}) · ${r.startedAt} · ${r.durationSeconds} s`,
    "",
    `- Destination: list ${r.destination.listId}${r.destination.listName ? ` "${md(r.destination.listName)}"` : ""} on ${md(r.destination.hostname)}`,
    `- Segment: ${r.segment.name ? `${md(r.segment.name)} · ` : ""}${md(r.segment.source)} · ${n(r.segment.rowsRead)} rows, ${n(r.segment.members)} distinct valid members`,
    ...(r.segment.run ? [`- Run read: ${md(r.segment.run.folder)}: ${md(r.segment.run.reason)}`] : []),
    `- Members who leave the segment: ${r.onLeave}`,
  ];
  if (r.error) lines.push("", `> **Error (${r.error.code}):** ${md(r.error.message)}`);
  lines.push("", "| outcome | contacts |", "|---|---:|");
  const c = r.counts;
  const p = r.planned;
  if (r.mode === "plan" && p) {
    lines.push(`| would add | ${n(p.adds)} |`, `| would update | ${n(p.updates)} |`, `| unchanged | ${n(c.unchanged)} |`);
    lines.push(`| would re-subscribe (the sync had unsubscribed them) | ${n(p.resubscribes)} |`);
    lines.push(`| left the segment (${r.onLeave}) | ${n(p.leavers)} |`);
    lines.push("", `ActiveCampaign automations for the contacts sent: ${p.automations === "fire" ? "**will fire** (excludeAutomations is false)" : "suppressed (excludeAutomations)"}.`, "", "| outcome | contacts |", "|---|---:|");
  } else {
    lines.push(`| added | ${n(c.added)} |`, `| updated | ${n(c.updated)} |`, `| unchanged (not sent) | ${n(c.unchanged)} |`);
    lines.push(`| re-subscribed (the sync had unsubscribed them) | ${n(c.resubscribed)} |`);
    lines.push(`| left the segment (${r.onLeave}) | ${n(c.leavers)}${r.onLeave !== "keep" ? ` (${n(c.left)} done)` : ""} |`);
  }
  lines.push(`| kept as they are: unsubscribed, unconfirmed or bounced | ${n(c.keptUnsubscribed)} |`);
  for (const g of r.keptByReason) lines.push(`| — ${g.reason} | ${n(g.count)} |`);
  if (c.refusedEarlier) lines.push(`| refused by ActiveCampaign earlier, data unchanged (not sent) | ${n(c.refusedEarlier)} |`);
  if (c.notConfirmed) lines.push(`| sent, but not confirmed by ActiveCampaign (possibly skipped) | ${n(c.notConfirmed)} |`);
  lines.push(`| rejected (not sent) | ${n(c.rejected)} |`, `| failed at ActiveCampaign | ${n(c.failed)} |`);
  const pr = r.problemRows;
  if (pr.count) {
    lines.push("", `Problem rows (rejected + refused): ${n(pr.count)} of ${n(pr.rowsRead)} rows read; limits.maxProblemRows ${pr.limit} allows ${n(pr.allowed)}${pr.overLimit ? ", so the run exits 3" : ""}.`);
  }
  const o = r.removalOverride;
  if (o) {
    lines.push("", `**Removal cap override:** ${o.source} ${o.allowRemovals}${o.execution ? ` (job execution ${o.execution})` : ""}; ${o.used ? `used: ${n(o.leavers ?? 0)} leavers, over the configured cap of ${n(o.configuredCap ?? 0)}` : "not needed by this run"}.`);
  }
  lines.push(...fieldsMarkdown(r.fields));
  if (r.mode === "run") lines.push("", "Every contact added, updated, re-subscribed, unsubscribed, untagged, kept unsubscribed or refused is listed in `changes.csv` with the reason.");
  if (r.rejectsByReason.length) {
    lines.push("", "## Rejected rows", "", "| reason | rows | first rows |", "|---|---:|---|");
    for (const g of r.rejectsByReason) lines.push(`| ${md(g.reason)} | ${n(g.count)} | ${g.labels ? g.labels.join("; ") : g.rows.join(", ")}${g.count > g.rows.length ? (g.labels ? "; …" : ", …") : ""} |`);
    lines.push("", "Every rejected row is listed in `rejected.csv` with its row number and reason.");
  }
  if (r.valueProblems.length) {
    lines.push("", "## Values not sent", "", "These contacts were sent without the field: the value cannot be stored as the field's type.", "");
    lines.push("| field | rows | examples (row: value — reason) |", "|---|---:|---|");
    for (const f of r.valueProblems) {
      const shown = f.examples.slice(0, 3).map((e) => `${typeof e.row === "number" ? `row ${e.row}` : e.row}: ${e.value} — ${e.reason}`);
      lines.push(`| ${md(f.field)} | ${n(f.count)} | ${md(shown.join("; "))}${f.count > shown.length ? "; …" : ""} |`);
    }
  }
  if (r.failures.length) {
    lines.push("", "## Failed at ActiveCampaign", "", "| batch | reason | contacts | examples |", "|---|---|---:|---|");
    for (const f of r.failures) lines.push(`| ${md(f.batchId ?? "-")} | ${md(f.reason)} | ${n(f.count)} | ${f.emails.slice(0, 3).map(md).join(", ")} |`);
  }
  if (r.requests) {
    lines.push("", "## Requests", "", `${n(r.requests.total)} requests; waited ${Math.round(r.requests.throttledMs / 1000)} s on rate limits.`, "");
    lines.push("| endpoint | requests |", "|---|---:|");
    for (const [ep, count] of Object.entries(r.requests.requestsByEndpoint).sort((a, b) => b[1] - a[1])) lines.push(`| ${ep} | ${n(count)} |`);
    const retries = Object.entries(r.requests.retriesByReason);
    if (retries.length) lines.push("", `Retries: ${retries.map(([k, v]) => `${k} × ${v}`).join(", ")}.`);
    const rate = r.requests.rate;
    if (rate?.slowDowns) {
      lines.push("", `Slowed down ${rate.slowDowns} × on rate signals from ActiveCampaign (a 503 without Retry-After or a 403 storm near this run's rate), to ${rate.lowestRequestsPerSecond} requests/s at the lowest.`);
    }
  }
  if (r.throughput && r.mode === "run") {
    lines.push("", `Throughput: ${n(r.throughput.contactsSent)} contacts confirmed, ${n(r.throughput.contactsPerMinute)} per minute.`);
  }
  if (r.resumed) {
    lines.push("", `Resumed ${n(r.resumed.batches)} bulk imports an earlier run had sent: polled from the journal, not sent again (${n(r.resumed.contacts)} contacts confirmed).`);
  }
  return `${lines.join("\n")}\n`;
}

function overrideOf(o: RemovalOverride, plan: SyncPlan | undefined, onLeave: ExportConfig["onLeave"]): RemovalOverride {
  if (!plan) return o;
  const configuredCap = plan.configuredRemovalCap ?? plan.removalCap;
  const leavers = plan.leavers.length;
  return { ...o, configuredCap, leavers, used: onLeave !== "keep" && leavers > configuredCap && leavers <= plan.removalCap };
}

/** Every row not sent: rejected before sending, kept unsubscribed, or failed at ActiveCampaign. */
export function renderRejectedCsv(plan: SyncPlan | undefined, applied: Applied | undefined): Buffer {
  const csv = new CsvText(["row", "email", "outcome", "reason", "batch"]);
  // A multi-part segment's rows are named by part ("part 2, row 17"); a single file's keep their plain number.
  const row = (n: number | undefined) => (n === undefined || !plan ? n : plan.rowLabels.label(n));
  for (const r of plan?.rejected ?? []) csv.row([row(r.row), r.email, "rejected", r.reason, ""]);
  for (const r of [...(plan?.consentKept ?? []), ...(applied?.consentKept ?? [])]) csv.row([row(r.row), r.email, "kept-unsubscribed", r.reason, ""]);
  for (const r of plan?.refusedEarlier ?? []) csv.row([row(r.row), r.email, "refused-earlier", r.reason, ""]);
  for (const f of applied?.failed ?? []) csv.row([row(f.row), f.email, "failed", f.reason, f.batchId]);
  return csv.toBuffer();
}
