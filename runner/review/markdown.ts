// The review summary as Markdown for a pull request: what each export sends where, when, and who may run it.
import { describeLocation, parseLocation } from "../config.js";
import { JOB_ENV, ROLES, type SuppressionMarker } from "../config/contract.js";
// The one description of how the runner reads a source (pure text; the readers themselves are not pulled in).
import { describeSegmentReading } from "../segment/describe.js";
import { conversionWords } from "../sync/field-words.js";
import { conversionOf, declarationOf, mappedFieldColumns, phoneColumn } from "../sync/value-mapping.js";
import { describeCron, listWords, localTimes } from "./cron.js";
import type { ReviewExport, ReviewPrincipal, ReviewStack } from "./model.js";
import type { ReviewStateful } from "./stateful.js";

export interface MarkdownOptions {
  /** The folder that was read, for the header. */
  source: string;
  /** IANA time zone to show scheduled times in, besides UTC (e.g. "Europe/Amsterdam"). */
  timeZone?: string;
}

/** Backticks for code spans; the content must not break the span or a table. */
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
/** Plain text in Markdown: escapes what would format or break a table. */
const text = (s: string) => s.replace(/([\\`*_[\]<>|])/g, "\\$1");

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  return `${Math.round(seconds / 60)} min`;
}

function who(p: ReviewPrincipal): string {
  return text(p.who);
}

/** The runner's state stores keep an export's files, run reports included, in `<state>/<export name>/`. */
function reportsOf(c: { state: string; name: string }): string {
  return `${c.state.replace(/\/?$/, "/")}${c.name}/`;
}

function readers(e: ReviewExport): string {
  if (e.reportReaders.length === 0) return "";
  const ids = (list: ReviewPrincipal[]) => list.map((p) => p.principalId).sort().join();
  if (ids(e.reportReaders) === ids(e.operators)) return "; the same principals may read them";
  return `; readable by ${listWords(e.reportReaders.map(who))}`;
}

function segmentWords(e: ReviewExport): string {
  const seg = e.config!.segment;
  let where = seg.source;
  let what = "";
  try {
    const loc = parseLocation(seg.source);
    where = describeLocation(loc);
    // Only a single-file source reads "the newest blob"; a folder of parts, a CI export or a Delta table read a run or a table.
    const singleFile = seg.parts !== "all" && seg.format !== "customer-insights" && seg.format !== "delta";
    if (loc.kind === "azure-blob" && singleFile) what = loc.path === "" ? ", the newest blob in the container" : loc.path.endsWith("/") ? ", the newest blob under the prefix" : "";
  } catch {
    // shown as written
  }
  const name = seg.name ? `**${text(seg.name)}** ` : "";
  return `${name}(${code(where)}, ${FORMAT_NAMES[seg.format] ?? seg.format.toUpperCase()}${what})`;
}

const FORMAT_NAMES: Partial<Record<string, string>> = { jsonl: "JSON Lines", "customer-insights": "Customer Insights export", delta: "Delta Lake" };

/** How the runner reads the source, in words: which table or folder, how a complete run is recognized, column names. */
function readingWords(e: ReviewExport): string {
  const words = describeSegmentReading(e.config!.segment);
  return text(words.charAt(0).toUpperCase() + words.slice(1));
}

function mappingRows(e: ReviewExport): string[] {
  const c = e.config!;
  const m = c.mappings;
  const rows: Array<[string, string]> = [["email", m.email]];
  if (m.firstName) rows.push(["first name", m.firstName]);
  if (m.lastName) rows.push(["last name", m.lastName]);
  const phone = phoneColumn(c);
  if (phone) rows.push(["phone", phone]);
  for (const [tag, column] of mappedFieldColumns(c)) rows.push([`custom field ${code(tag)}`, column]);
  const lines = ["| ActiveCampaign | source column |", "|---|---|", ...rows.map(([target, column]) => `| ${target} | ${code(column)} |`)];
  const e164 = typeof m.phone === "object" ? m.phone.e164 : undefined;
  if (e164) lines.push("", `Phone numbers are sent in E.164 (${e164.defaultCountry ? `numbers without a country prefix read as ${code(e164.defaultCountry)}` : "only numbers with a + country prefix"}); a number that does not parse is reported, not sent.`);
  return [...lines, ...customFieldRows(c)];
}

/** Each custom field's declared type (or "from ActiveCampaign") and how its values are converted. */
function customFieldRows(c: NonNullable<ReviewExport["config"]>): string[] {
  const fields = Object.entries(c.mappings.fields ?? {});
  if (!fields.length) return [];
  const rows = fields.map(([tag, mapping]) => {
    const d = declarationOf(mapping);
    const type = d?.type ? code(d.type) : "from ActiveCampaign";
    const create = d?.create ? `created if missing${d.options?.length ? ` with ${d.options.length} options` : ""}` : d?.addOptions ? "missing options added" : "must exist";
    return `| ${code(tag)} | ${type} | ${create} | ${text(conversionWords(d?.type, conversionOf(mapping)))} |`;
  });
  const invalid = c.mappings.invalidValues === "reject-row" ? "rejects the row" : "is left out of the contact (the row is still synced) and reported";
  return ["", "| custom field | type | in ActiveCampaign | values sent as |", "|---|---|---|---|", ...rows, "", `A value that cannot be converted for its field ${invalid}.`];
}

function leaveWords(e: ReviewExport): string {
  const c = e.config!;
  const cap = typeof c.limits.maxRemovalsPerRun === "number" ? `${c.limits.maxRemovalsPerRun} contacts` : `${c.limits.maxRemovalsPerRun} of the synced members`;
  switch (c.onLeave) {
    case "keep":
      return "`keep`: they stay on the list (nothing is removed)";
    case "unsubscribe":
      return `\`unsubscribe\`: they are unsubscribed from list ${c.listId}, at most ${cap} per run (more stops the run before any write)`;
    case "untag":
      return `\`untag\`: the tags ${listWords((c.mappings.tags ?? []).map(code))} are removed from them, at most ${cap} per run (more stops the run before any write)`;
  }
}

function scheduleWords(e: ReviewExport, timeZone: string | undefined): string {
  if (!e.cron) return "none (manual trigger)";
  const local = timeZone ? localTimes(e.cron, timeZone) : undefined;
  return `${code(e.cron)} (UTC): ${describeCron(e.cron)}${local ? `; that is ${local}` : ""}`;
}

function exportSection(e: ReviewExport, options: MarkdownOptions): string[] {
  const lines = [`## ${text(e.name)}`, ""];
  if (!e.config) {
    lines.push(
      `**The export config of job ${code(e.jobName)} is invalid**; the runner would refuse it:`,
      "",
      ...(e.configProblems ?? []).map((p) => `- ${code(p.path)}: ${text(p.message)}`),
      "",
    );
    return lines;
  }
  const c = e.config;
  const connection = `${text(e.connection.displayName)} (connection ${code(e.connection.name)})`;
  lines.push(
    `Sends the members of ${segmentWords(e)} to list **${c.listId}** of the ActiveCampaign account ${code(c.connection.hostname)}, ${connection}.`,
    "",
    `- **What is read:** ${readingWords(e)}`,
    `- **Enabled:** ${e.enabled ? "yes, runs on its schedule" : "**no**: deployed with a manual trigger, so it never runs on a schedule; it runs only when an operator starts it"}`,
    `- **Schedule:** ${
      e.enabled ? scheduleWords(e, options.timeZone) : `none while disabled${e.intendedCron ? ` (when enabled: ${code(e.intendedCron)}, ${describeCron(e.intendedCron)})` : ""}`
    }`,
    `- **Members who leave the segment:** ${leaveWords(e)}`,
    `- **Tags on every synced member:** ${(c.mappings.tags ?? []).length ? listWords((c.mappings.tags ?? []).map(code)) : "none"}`,
    `- **Limits:** up to ${c.limits.maxProfiles.toLocaleString("en-US")} profiles per run; ${c.rateLimit.requestsPerSecond} requests/s and ${c.rateLimit.bulkRequestsPerMinute} bulk imports/min${
      e.timeoutSeconds ? `; a run may take up to ${duration(e.timeoutSeconds)}` : ""
    }${e.retryLimit !== undefined ? ` (${e.retryLimit} ${e.retryLimit === 1 ? "retry" : "retries"})` : ""}${c.excludeAutomations ? "; ActiveCampaign automations do not fire for imported contacts" : ""}`,
    `- **Data privacy:** ${
      e.connection.dataPrivacyAccepted === true
        ? "accepted in code for this connection (`acceptDataPrivacy: true`)"
        : e.connection.dataPrivacyAccepted === false
          ? "**not accepted** (`acceptDataPrivacy` is not true)"
          : "unknown (no acceptance recorded on the job)"
    }`,
    "",
    "Mappings:",
    "",
    ...mappingRows(e),
    "",
    `**Who may run it on demand** (${ROLES.jobsOperator} on job ${code(e.jobName)}):`,
    "",
    ...(e.operators.length ? e.operators.map((p) => `- ${who(p)}`) : ["- nobody besides the subscription's owners"]),
    "",
    `Run it now: ${code(e.runCommand)}`,
    "",
    `**Reports land in** ${code(reportsOf(c))} (report.md, report.json, rejected.csv), next to the export's state${readers(e)}.`,
    "",
    `**The job's own identity may** (and nothing else): ${e.identityRoles.length ? listWords(e.identityRoles.map((r) => `${r.role} on ${text(r.scope)}`)) : "nothing (no role assignments found)"}.`,
    "",
    `**API key:** ${text(e.apiKey.secret)}, ${e.apiKey.how}; the job reads it through a Key Vault reference as ${code(JOB_ENV.apiKey)}.`,
    "",
    `**Runner:** ${text(e.runner)}.`,
    "",
    ...alertLines(e),
  );
  return lines;
}

function alertLines(e: ReviewExport): string[] {
  if (e.alerts.length === 0) return ["**Alerts:** none: a failed or stalled run goes unnoticed.", ""];
  return [
    "**Alerts** (Azure Monitor, over the platform's Log Analytics workspace):",
    "",
    ...e.alerts.map((a) => `- ${code(a.name)}: ${text(a.what)}; notifies ${a.notifies.length ? listWords(a.notifies.map((n) => text(n))) : "**nobody** (no action group)"}`),
    "",
  ];
}

/** Every storage account, Key Vault and container by name: a renamed one is replaced, with its state or keys. */
function statefulSection(stateful: ReviewStateful[]): string[] {
  if (stateful.length === 0) return [];
  const guard = (s: ReviewStateful) =>
    s.preventDestroy === undefined ? "with its account" : s.preventDestroy ? "prevent_destroy" : `**may be destroyed**${s.allowDestroyReason ? `: ${text(s.allowDestroyReason)}` : ""}`;
  return [
    "## Stateful resources",
    "",
    "Renaming one replaces it: its state, reports or keys are lost. Check that these names did not change.",
    "",
    "| kind | name | construct | protected |",
    "|---|---|---|---|",
    ...stateful.map((s) => `| ${s.kind} | ${code(s.account ? `${s.account}/${s.name}` : s.name)} | ${code(s.path)} | ${guard(s)} |`),
    "",
  ];
}

/** Every ExportChecks suppression with its reason: a reviewer agrees to each one, so none may hide. */
function suppressionSection(suppressions: SuppressionMarker[]): string[] {
  if (suppressions.length === 0) return [];
  const silenced = (s: SuppressionMarker) =>
    s.findings.length ? s.findings.map((f) => `${code(f.path)}: ${text(f.message)}`).join("<br>") : "nothing in this stack (yet)";
  return [
    "## Suppressed checks",
    "",
    `${suppressions.length} ExportChecks suppression${suppressions.length === 1 ? "" : "s"} in code; each lets findings of its check through on the construct and everything under it:`,
    "",
    "| check | suppressed on | reason | findings it let through |",
    "|---|---|---|---|",
    ...suppressions.map((s) => `| ${code(s.rule)}${s.summary ? ` (${text(s.summary)})` : ""} | ${code(s.path)} | ${text(s.reason)} | ${silenced(s)} |`),
    "",
  ];
}

export function renderMarkdown(stacks: ReviewStack[], options: MarkdownOptions): string {
  const exports = stacks.flatMap((s) => s.exports);
  const scheduled = exports.filter((e) => e.enabled).length;
  const connections = new Set(exports.map((e) => `${e.stack}/${e.connection.name}`)).size;
  const lines = [
    "# ActiveCampaign exports: review summary",
    "",
    `From ${code(options.source)}: ${stacks.length} stack${stacks.length === 1 ? "" : "s"}, ${exports.length} export${exports.length === 1 ? "" : "s"} (${scheduled} scheduled, ${exports.length - scheduled} disabled), ${connections} connection${connections === 1 ? "" : "s"}. Schedules are in UTC.`,
    "",
  ];
  if (exports.length === 0) {
    lines.push(`No exports found (no Container Apps job with an ${code(JOB_ENV.config)}).`, "");
    return lines.join("\n");
  }
  lines.push(
    "| export | connection | ActiveCampaign account | list | schedule (UTC) | enabled | who may run it |",
    "|---|---|---|---|---|---|---|",
    ...exports.map((e) =>
      [
        "",
        text(e.name),
        code(e.connection.name),
        e.config ? code(e.config.connection.hostname) : "invalid config",
        e.config ? String(e.config.listId) : "",
        e.enabled && e.cron ? `${code(e.cron)} ${describeCron(e.cron)}` : "manual only",
        e.enabled ? "yes" : "**no**",
        e.operators.length ? e.operators.map((p) => text(p.name)).join(", ") : "nobody",
        "",
      ].join(" | ").trim(),
    ),
    "",
  );
  for (const stack of stacks) {
    if (stacks.length > 1) lines.push(`# Stack ${text(stack.name)}`, "");
    lines.push(...statefulSection(stack.stateful));
    lines.push(...suppressionSection(stack.suppressions));
    for (const e of stack.exports) lines.push(...exportSection(e, options));
  }
  return lines.join("\n");
}
