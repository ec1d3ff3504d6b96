// The custom fields block of report.md (issue #11): each mapped field's type and conversion, what the preflight
// created (run) or would create (plan), and its warnings.
import { escapeMarkdown } from "../output/markdown.js";
import type { FieldsReport } from "./field-preflight.js";

export function fieldsMarkdown(f: FieldsReport | undefined): string[] {
  if (!f || !f.fields.length && !f.creations.items.length && !f.warnings.length) return [];
  const md = escapeMarkdown;
  const lines = ["", "## Custom fields", ""];
  if (f.fields.length) {
    lines.push("| field | source column | type | values sent as |", "|---|---|---|---|");
    for (const x of f.fields) lines.push(`| ${md(x.tag)} | ${md(x.column)} | ${x.type} | ${md(x.conversion)} |`);
  }
  if (f.creations.items.length) {
    lines.push("", f.creations.status === "created" ? "Created in ActiveCampaign before any contact was sent:" : "A run would create in ActiveCampaign:", "");
    for (const item of f.creations.items) lines.push(`- ${md(item)}`);
  }
  for (const w of f.warnings) lines.push("", `> **Warning:** ${md(w)}`);
  return lines;
}
