// The field and tag preflight (issue #11): each mapped custom field is read by its personalization tag with its
// type, options and list relations, and checked against what the config declares for it; declared fields that are
// missing, declared options a field lacks (with addOptions) and the export's tags are created once, before any
// contact is written, so concurrent bulk batches never race to create the same tag. `inspect` reads only (plan stops
// there and lists what it would create); `apply` makes the creations (run only). The result feeds the ValueMapping.
import type { AcClient, AcField, AcFieldOption } from "../ac/types.js";
import type { ExportConfig } from "../config.js";
import type { FieldDeclaration } from "../config/field-mapping.js";
import { AC_FIELD_TYPES, type AcFieldType, type FieldSpec } from "../values/types.js";
import { conversionWords } from "./field-words.js";
import { PreflightError } from "./preflight-error.js";
import { buildValueMapping, declarationOf, type ValueMapping } from "./value-mapping.js";

/** One mapped field as the preflight found it. */
export interface CheckedField {
  tag: string;
  declared?: FieldDeclaration;
  /** The field in ActiveCampaign; undefined until a declared field is created. */
  existing?: AcField;
  /** ActiveCampaign's type as it gives it (after creation: the declared one). */
  acType?: string;
  /** What values are converted for: the field's type and its options (those to be added included). */
  spec: FieldSpec;
  /** Set when the field is missing and declared with `create`: made by `apply`. */
  toCreate?: { title: string; type: AcFieldType; options: AcFieldOption[]; lists: number[] };
  /** Declared options the field lacks, added by `apply` (addOptions). */
  optionsToAdd: AcFieldOption[];
}

export interface CheckedTag {
  name: string;
  /** Undefined until a missing tag is created. */
  id?: number;
}

export interface FieldPreflight {
  fields: CheckedField[];
  tags: CheckedTag[];
  /** Warnings for plan and run (a field that does not apply to the list, options missing, an unknown type). */
  warnings: string[];
  /** What `apply` made (run) or would make (plan), in words. */
  creations: string[];
  /** True once `apply` made them. */
  applied: boolean;
}

const OPTION_TYPES: readonly string[] = ["dropdown", "radio", "checkbox", "listbox"];
const q = (s: string) => JSON.stringify(s);
const optionOf = (o: string | { value: string; label?: string }): AcFieldOption =>
  typeof o === "string" ? { value: o, label: o } : { value: o.value, label: o.label ?? o.value };
const isKnownType = (t: string): t is AcFieldType => (AC_FIELD_TYPES as readonly string[]).includes(t);

/** Reads every mapped field and tag and checks them; writes nothing. Throws before any write on a missing or mistyped field. */
export async function inspectFields(client: AcClient, config: ExportConfig): Promise<FieldPreflight> {
  const mapped = Object.entries(config.mappings.fields ?? {});
  const found = mapped.length ? await client.findFields(mapped.map(([tag]) => tag)) : [];
  const byTag = new Map(found.map((f) => [f.perstag.toUpperCase(), f]));
  const result: FieldPreflight = { fields: [], tags: [], warnings: [], creations: [], applied: false };
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [tag, mapping] of mapped) {
    const declared = declarationOf(mapping);
    const existing = byTag.get(tag);
    if (!existing) {
      if (declared?.create && declared.type) result.fields.push(planCreation(config, tag, declared, result));
      else missing.push(tag);
      continue;
    }
    if (declared?.type && isKnownType(existing.type) && existing.type !== declared.type) {
      mismatched.push(`${tag} is "${existing.type}" in ActiveCampaign, the config declares "${declared.type}"`);
    }
    result.fields.push(checkExisting(config, tag, declared, existing, result));
  }
  if (missing.length) {
    const known = (await client.listFields()).map((f) => f.perstag).slice(0, 20).join(", ") || "none";
    throw new PreflightError(
      `mappings.fields: no custom field with personalization tag ${missing.map(q).join(", ")} on ${config.connection.hostname}; existing tags: ${known}` +
        ' (declare it as { "column": …, "type": …, "create": true } to have the export create it)',
      "FIELD_NOT_FOUND",
    );
  }
  if (mismatched.length) {
    throw new PreflightError(
      `mappings.fields: field type mismatch: ${mismatched.join("; ")}. Nothing was written, and the field is not changed: fix the declared type, or the field in ActiveCampaign`,
      "FIELD_TYPE_MISMATCH",
    );
  }
  for (const name of config.mappings.tags ?? []) {
    const tag = await client.findTag(name);
    result.tags.push(tag ? { name, id: tag.id } : { name });
    if (!tag) result.creations.push(`tag ${q(name)}`);
  }
  return result;
}

function planCreation(config: ExportConfig, tag: string, d: FieldDeclaration, r: FieldPreflight): CheckedField {
  const type = d.type!;
  const options = (d.options ?? []).map(optionOf);
  const lists = d.lists ?? [config.listId];
  const title = d.title ?? tag;
  const withOptions = options.length ? ` with options ${options.map((o) => q(o.value)).join(", ")}` : "";
  r.creations.push(`field ${tag} ${q(title)} (${type})${withOptions}, for ${lists.map((l) => (l === 0 ? "every list" : `list ${l}`)).join(", ")}`);
  return { tag, declared: d, acType: type, spec: specOf(tag, type, options), toCreate: { title, type, options, lists }, optionsToAdd: [] };
}

function checkExisting(config: ExportConfig, tag: string, d: FieldDeclaration | undefined, f: AcField, r: FieldPreflight): CheckedField {
  const lists = f.lists ?? [];
  if (lists.length && !lists.includes(0) && !lists.includes(config.listId)) {
    r.warnings.push(
      `custom field ${tag} (${q(f.title)}) does not apply to list ${config.listId} (it applies to list ${lists.join(", ")}): ActiveCampaign may ignore its values for this list's contacts; add the list to the field in ActiveCampaign`,
    );
  }
  let type: AcFieldType;
  if (isKnownType(f.type)) type = f.type;
  else {
    type = d?.type ?? "text";
    r.warnings.push(`custom field ${tag} has type ${q(f.type)} in ActiveCampaign, which the runner does not know; its values are sent as ${type === "text" ? "text" : `a "${type}" field's (the declared type)`}`);
  }
  const options = f.options ?? [];
  const has = new Set(options.map((o) => o.value.toLowerCase()));
  const lacking = OPTION_TYPES.includes(type) ? (d?.options ?? []).map(optionOf).filter((o) => !has.has(o.value.toLowerCase())) : [];
  const optionsToAdd = d?.addOptions ? lacking : [];
  if (optionsToAdd.length) r.creations.push(`options ${optionsToAdd.map((o) => q(o.value)).join(", ")} of field ${tag}`);
  else if (lacking.length) {
    r.warnings.push(
      `custom field ${tag} lacks the declared options ${lacking.map((o) => q(o.value)).join(", ")} in ActiveCampaign: values matching them are reported, not sent (set addOptions: true to add them)`,
    );
  }
  return { tag, ...(d ? { declared: d } : {}), existing: f, acType: f.type, spec: specOf(tag, type, [...options, ...optionsToAdd]), optionsToAdd };
}

const specOf = (tag: string, type: AcFieldType, options: AcFieldOption[]): FieldSpec =>
  OPTION_TYPES.includes(type) ? { tag, type, options: options.map((o) => ({ value: o.value, label: o.label })) } : { tag, type };

/** Makes the creations `inspect` planned: missing declared fields (with options and list relations), options, tags. */
export async function applyFieldPreflight(client: AcClient, pre: FieldPreflight): Promise<void> {
  for (const field of pre.fields) {
    if (field.toCreate) {
      const { title, type, options, lists } = field.toCreate;
      const created = await client.createField({ title, type, perstag: field.tag });
      // A field read back after a lost answer may have been made by an earlier try: add only what it lacks.
      const have = new Set((created.options ?? []).map((o) => o.value.toLowerCase()));
      await client.addFieldOptions(created.id, options.filter((o) => !have.has(o.value.toLowerCase())));
      for (const list of lists) if (!(created.lists ?? []).includes(list)) await client.relateField(created.id, list);
      field.existing = { ...created, type, options, lists };
    } else if (field.optionsToAdd.length && field.existing) {
      await client.addFieldOptions(field.existing.id, field.optionsToAdd);
    }
  }
  for (const tag of pre.tags) if (tag.id === undefined) tag.id = (await client.createTag(tag.name)).id;
  pre.applied = true;
}

/** Personalization tag → field id (0 for a field still to be created: plan only). */
export const fieldIdsOf = (pre: FieldPreflight): Map<string, number> => new Map(pre.fields.map((f) => [f.tag, f.existing?.id ?? 0]));

/** Tag name (lower case) → tag id, for the tags that exist. */
export const tagIdsOf = (pre: FieldPreflight): Map<string, number> =>
  new Map(pre.tags.flatMap((t) => (t.id === undefined ? [] : [[t.name.toLowerCase(), t.id] as [string, number]])));

export const valueMappingOf = (config: ExportConfig, pre: FieldPreflight): ValueMapping =>
  buildValueMapping(config, new Map(pre.fields.map((f) => [f.tag, { id: f.existing?.id ?? 0, spec: f.spec }])));

/** The fields and tags of a plan or run, for report.json and the plan text. */
export interface FieldsReport {
  fields: Array<{
    tag: string;
    column: string;
    /** ActiveCampaign field id (absent for a field a plan would create). */
    id?: number;
    /** The type values are converted for. */
    type: string;
    /** The type the config declares, when it declares one. */
    declaredType?: string;
    /** How values are sent, in words. */
    conversion: string;
  }>;
  tags: Array<{ name: string; id?: number }>;
  /** Fields, options and tags created by this run ("created") or that a run would create ("would-create"). */
  creations: { status: "created" | "would-create"; items: string[] };
  warnings: string[];
}

export function fieldsReportOf(config: ExportConfig, pre: FieldPreflight): FieldsReport {
  const values = valueMappingOf(config, pre);
  return {
    fields: values.fields.map((f) => {
      const checked = pre.fields.find((c) => c.tag === f.tag);
      return {
        tag: f.tag,
        column: f.column,
        ...(f.id ? { id: f.id } : {}),
        type: f.spec.type,
        ...(checked?.declared?.type ? { declaredType: checked.declared.type } : {}),
        conversion: conversionWords(f.spec.type, f.conversion),
      };
    }),
    tags: pre.tags.map((t) => ({ name: t.name, ...(t.id !== undefined ? { id: t.id } : {}) })),
    creations: { status: pre.applied ? "created" : "would-create", items: [...pre.creations] },
    warnings: [...pre.warnings],
  };
}
