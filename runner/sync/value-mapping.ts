// The contract between the field preflight (which learns each mapped field's ActiveCampaign type and options, and
// creates declared fields) and value conversion (which turns a source value into what AC stores), issue #11.
// Preflight builds a ValueMapping once per run; member.ts converts every row with it, and the fingerprint is taken
// over the converted values, so changing a conversion re-sends exactly the rows whose sent value changes.
import type { ExportConfig } from "../config.js";
import { mappingColumn, type FieldDeclaration, type FieldMapping } from "../config/field-mapping.js";
import type { ConversionOptions, FieldSpec } from "../values/types.js";

/** One mapped custom field, resolved against the account. */
export interface MappedField {
  /** Personalization tag, upper case (the key of `mappings.fields`). */
  tag: string;
  /** The source column it is read from. */
  column: string;
  /** ActiveCampaign field id. */
  id: number;
  /** The field's type and options as ActiveCampaign has them (type "text" when unknown). */
  spec: FieldSpec;
  /** How source values are read for this field (config object form; defaults otherwise). */
  conversion: ConversionOptions;
}

/** What happens to a row with a value that cannot be converted for its field. */
export type InvalidValuePolicy = "omit-field" | "reject-row";

export interface ValueMapping {
  fields: MappedField[];
  /** Set when the config asks for phone numbers in E.164 (`mappings.phone` object form). */
  phoneE164?: { defaultCountry?: string };
  /** Default "omit-field": the contact is synced without the field, and the row and field are reported. */
  onInvalid: InvalidValuePolicy;
}

/** Tag → source column of every mapped custom field, whatever form the config uses. The one place that reads it. */
export function mappedFieldColumns(config: ExportConfig): Array<[tag: string, column: string]> {
  return Object.entries(config.mappings.fields ?? {}).map(([tag, mapping]) => [tag, mappingColumn(mapping)]);
}

/** The declaration of a mapped field (object form), or undefined for the simple form (type from ActiveCampaign). */
export const declarationOf = (mapping: FieldMapping | undefined): FieldDeclaration | undefined =>
  mapping === undefined || typeof mapping === "string" ? undefined : mapping;

/** The source column of the phone mapping, whatever form the config uses. The one place that reads it. */
export function phoneColumn(config: ExportConfig): string | undefined {
  return config.mappings.phone === undefined ? undefined : mappingColumn(config.mappings.phone);
}

/** How values of one mapping are read (object form keys; empty for the simple form). */
export function conversionOf(mapping: FieldMapping): ConversionOptions {
  const d = declarationOf(mapping);
  if (!d) return {};
  return {
    ...(d.timeZone !== undefined && { timeZone: d.timeZone }),
    ...(d.dateFormats !== undefined && { dateFormats: d.dateFormats }),
    ...(d.separator !== undefined && { separator: d.separator }),
    ...(d.booleans !== undefined && { booleans: d.booleans }),
  };
}

/** The ValueMapping of a config whose fields are resolved (id and spec per tag, from the field preflight). */
export function buildValueMapping(config: ExportConfig, resolved: ReadonlyMap<string, { id: number; spec: FieldSpec }>): ValueMapping {
  const fields = Object.entries(config.mappings.fields ?? {}).map(([tag, mapping]): MappedField => {
    const r = resolved.get(tag);
    return { tag, column: mappingColumn(mapping), id: r?.id ?? 0, spec: r?.spec ?? { tag, type: "text" }, conversion: conversionOf(mapping) };
  });
  const phone = config.mappings.phone;
  const e164 = phone !== undefined && typeof phone !== "string" ? phone.e164 : undefined;
  return {
    fields,
    ...(e164 ? { phoneE164: { ...(e164.defaultCountry !== undefined && { defaultCountry: e164.defaultCountry }) } } : {}),
    onInvalid: config.mappings.invalidValues ?? "omit-field",
  };
}

/** The mapping used before the preflight knows the fields' types: every field is text, values sent as given. */
export function plainValueMapping(config: ExportConfig, fieldIds: Map<string, number>): ValueMapping {
  return {
    fields: mappedFieldColumns(config).map(([tag, column]) => ({ tag, column, id: fieldIds.get(tag) ?? 0, spec: { tag, type: "text" }, conversion: {} })),
    onInvalid: "omit-field",
  };
}
