// The custom fields and tags block of the `ac-export plan` text (issue #11): each mapped field with the type its
// values are converted for and how, the preflight's warnings, and every field, option and tag a run would create.
import type { FieldsReport } from "../sync/field-preflight.js";

export function formatPlanFields(f: FieldsReport | undefined): string[] {
  if (!f || (!f.fields.length && !f.creations.items.length && !f.warnings.length)) return [];
  const lines = [""];
  if (f.fields.length) {
    lines.push("Custom fields:");
    for (const field of f.fields) {
      const declared = field.declaredType && field.declaredType !== field.type ? ` (declared ${field.declaredType})` : "";
      lines.push(`  ${field.tag.padEnd(20)} ← ${JSON.stringify(field.column)}: ${field.type}${declared}; ${field.conversion}`);
    }
  }
  if (f.creations.items.length) {
    lines.push(f.creations.status === "created" ? "Created in ActiveCampaign:" : "A run would create in ActiveCampaign (before any contact is written):");
    for (const item of f.creations.items) lines.push(`  + ${item}`);
  }
  for (const w of f.warnings) lines.push(`Warning: ${w}`);
  return lines;
}
