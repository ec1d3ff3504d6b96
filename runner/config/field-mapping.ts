// The two forms of a custom-field mapping (issue #11): a column name ("LOYALTY_TIER": "Tier", the type taken from
// ActiveCampaign) or a declaration of the field the export needs ({ column, type, options, create, … }), and the two
// forms of the phone mapping. Part of the config schema (runner/config.ts); same message style: what is allowed,
// and the bad value.
import { z } from "zod";
import { configErrorMap } from "./messages.js";
import { show } from "./show.js";

/** Field types a declaration may name: ActiveCampaign's types but "NULL", how AC shows a field without a type. */
export const DECLARABLE_FIELD_TYPES = ["text", "textarea", "hidden", "date", "datetime", "dropdown", "radio", "checkbox", "listbox"] as const;
/** ActiveCampaign's custom-field types (REAL-ACCOUNT.md F2: there is no number, boolean or currency type). */
export const AC_FIELD_TYPES = [...DECLARABLE_FIELD_TYPES, "NULL"] as const;
/** Types whose values are options (REAL-ACCOUNT.md F2). */
export const OPTION_FIELD_TYPES: readonly string[] = ["dropdown", "radio", "checkbox", "listbox"];
export const INVALID_VALUE_POLICIES = ["omit-field", "reject-row"] as const;
const MAX_OPTIONS = 200;
const MAX_DATE_FORMATS = 10;

export const columnName = z.string().check((ctx) => {
  if (ctx.value.trim().length === 0) {
    ctx.issues.push({ code: "custom", input: ctx.value, message: `must name a source column; got ${show(ctx.value)}` });
  } else if (ctx.value.length > 256) {
    ctx.issues.push({ code: "custom", input: ctx.value, message: "must be at most 256 characters" });
  }
});

const custom = (ctx: { issues: unknown[] }, input: unknown, message: string, path?: PropertyKey[]) =>
  (ctx.issues as Array<Record<string, unknown>>).push({ code: "custom", input, message, ...(path ? { path } : {}) });

const nonBlank = (what: string, max: number) =>
  z.string().check((ctx) => {
    const v = ctx.value;
    if (v.trim() === "" || v !== v.trim() || v.length > max) custom(ctx, v, `must be ${what} of 1-${max} characters without leading or trailing spaces; got ${show(v)}`);
  });

const optionValue = nonBlank("an option value", 255).check((ctx) => {
  // "||" separates the values of a checkbox or listbox field: an option holding it could never be matched.
  if (ctx.value.includes("||")) custom(ctx, ctx.value, `must not contain "||" (ActiveCampaign's separator of multiple values); got ${show(ctx.value)}`);
});

/**
 * A string is checked as `string`, an object as `object`, so each reports its own problem (a zod union would only say
 * "wrong type" for an object with one bad key).
 */
function stringOr<O extends z.ZodType>(string: z.ZodType<string, string>, object: O, what: string) {
  return z.unknown().transform((value, ctx) => {
    if (typeof value !== "string" && (typeof value !== "object" || value === null || Array.isArray(value))) {
      custom(ctx, value, `must be ${what}; got ${show(value)}`);
      return z.NEVER;
    }
    const result = (typeof value === "string" ? string : object).safeParse(value, { error: configErrorMap });
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: (issue as { input?: unknown }).input } as never);
    return z.NEVER;
  }) as unknown as z.ZodType<string | z.output<O>, string | z.input<O>>;
}

/** An option: its value, or { value, label }. */
const fieldOption = stringOr(optionValue, z.strictObject({ value: optionValue, label: nonBlank("an option label", 255).optional() }), 'an option value or an object { "value": …, "label": … }');

/** True for an IANA zone this Node knows ("UTC", "Europe/Amsterdam"…); runner/values reads naive values in it. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** YYYY, MM or M, DD or D once each, between separators (what runner/values/time.ts compileDateFormat reads). */
function isDateFormat(format: string): boolean {
  const tokens = format.match(/YYYY|MM|M|DD|D|[^A-Za-z0-9]|[A-Za-z0-9]/g) ?? [];
  const kinds = tokens.filter((t) => /^[YMD]/.test(t)).map((t) => t[0]);
  return tokens.every((t) => /^(YYYY|MM?|DD?|[^A-Za-z0-9])$/.test(t)) && kinds.length === 3 && new Set(kinds).size === 3;
}

const timeZone = z.string().check((ctx) => {
  if (!isValidTimeZone(ctx.value)) custom(ctx, ctx.value, `must be an IANA time zone such as "UTC", "Europe/Amsterdam" or "America/New_York"; got ${show(ctx.value)}`);
});

const dateFormat = z.string().check((ctx) => {
  if (ctx.value.length > 40 || !isDateFormat(ctx.value)) {
    custom(ctx, ctx.value, `must be a date format made of YYYY, MM (or M), DD (or D) once each and separators, e.g. "MM/DD/YYYY" or "D.M.YYYY"; got ${show(ctx.value)}`);
  }
});

/** A list a field applies to: a list ID, or 0 for every list (ActiveCampaign's fieldRels relid). */
const fieldList = z.number().check((ctx) => {
  if (!Number.isSafeInteger(ctx.value) || ctx.value < 0) custom(ctx, ctx.value, `must be a list ID (a positive whole number) or 0 for every list; got ${show(ctx.value)}`);
});

const declarationShape = {
  /** The source column. */
  column: columnName,
  /** The field's title in ActiveCampaign, used when the field is created. @default the personalization tag */
  title: nonBlank("a field title", 255).optional(),
  /** The ActiveCampaign type the export expects; a field of another type stops the run before any write. */
  type: z.enum(DECLARABLE_FIELD_TYPES).optional(),
  /** Options of a dropdown, radio, checkbox or listbox field: a value, or { value, label }. */
  options: z.array(fieldOption).max(MAX_OPTIONS).optional(),
  /** The lists the field applies to when created (0: every list). @default [the export's listId] */
  lists: z.array(fieldList).min(1).max(50).optional(),
  /** Create the field at preflight when the account does not have it. */
  create: z.boolean().optional(),
  /** Add declared options the field lacks in ActiveCampaign. */
  addOptions: z.boolean().optional(),
  /** IANA zone of naive timestamps and zone-less datetimes. @default "UTC" */
  timeZone: timeZone.optional(),
  /** Input formats of dates given as text, beyond ISO 8601. */
  dateFormats: z.array(dateFormat).min(1).max(MAX_DATE_FORMATS).optional(),
  /** Separator of a multi-value field given as one string. @default "," */
  separator: z.string().min(1).max(10).optional(),
  /** The option values booleans map to. @default { true: "Yes", false: "No" } */
  booleans: z.strictObject({ true: optionValue, false: optionValue }).optional(),
};

const declarationSchema = z.strictObject(declarationShape).check((ctx) => {
  const d = ctx.value;
  if (d.create && !d.type) custom(ctx, d.create, `needs "type" as well: the type of the field to create (one of ${DECLARABLE_FIELD_TYPES.join(", ")})`, ["create"]);
  if (d.addOptions && !d.options) custom(ctx, d.addOptions, 'needs "options": the options to add when the field lacks them', ["addOptions"]);
  if (d.options && d.type && !OPTION_FIELD_TYPES.includes(d.type)) {
    custom(ctx, d.type, `a "${d.type}" field has no options; options apply to ${OPTION_FIELD_TYPES.join(", ")} fields`, ["options"]);
  }
  const seen = new Map<string, number>();
  (d.options ?? []).forEach((o, i) => {
    const value = typeof o === "string" ? o : o.value;
    const key = value.toLowerCase();
    if (seen.has(key)) custom(ctx, value, `repeats option ${show(value)} (option values are compared ignoring case)`, ["options", i]);
    else seen.set(key, i);
  });
  if (d.booleans && d.options) {
    const known = new Set((d.options ?? []).flatMap((o) => (typeof o === "string" ? [o] : [o.value, o.label ?? o.value])).map((v) => v.toLowerCase()));
    for (const side of ["true", "false"] as const) {
      const v = d.booleans[side];
      if (!known.has(v.toLowerCase())) custom(ctx, v, `must be one of the field's options (${(d.options ?? []).map((o) => show(typeof o === "string" ? o : o.value)).join(", ")}); got ${show(v)}`, ["booleans", side]);
    }
  }
});

export type FieldDeclaration = z.output<typeof declarationSchema>;
export type FieldDeclarationInput = z.input<typeof declarationSchema>;

/** `mappings.fields.<TAG>`: a source column, or a declaration of the field. */
export const fieldMappingSchema = stringOr(columnName, declarationSchema, 'a source column name or an object { "column": …, "type": …, "options": …, "create": … }');
export type FieldMapping = string | FieldDeclaration;
export type FieldMappingInput = string | FieldDeclarationInput;

const countryCode = z.string().check((ctx) => {
  const code = ctx.value;
  // ISO 3166-1 alpha-2, checked against the region names this Node knows (unknown codes come back unchanged).
  const known = /^[A-Z]{2}$/.test(code) && code !== "ZZ" && new Intl.DisplayNames(["en"], { type: "region" }).of(code) !== code;
  if (!known) custom(ctx, code, `must be an ISO 3166-1 alpha-2 country code in capitals, e.g. "US", "NL" or "GB"; got ${show(code)}`);
});

const phoneShape = {
  column: columnName,
  /** Send numbers in E.164 (+13125555555), reading those without a country prefix in `defaultCountry`. */
  e164: z.strictObject({ defaultCountry: countryCode.optional() }).optional(),
};
/** `mappings.phone`: a source column, or { column, e164: { defaultCountry } }. */
export const phoneMappingSchema = stringOr(columnName, z.strictObject(phoneShape), 'a source column name or an object { "column": …, "e164": { "defaultCountry": "US" } }');
export type PhoneMapping = z.output<typeof phoneMappingSchema>;
export type PhoneMappingInput = z.input<typeof phoneMappingSchema>;

/** The source column of a field or phone mapping, whichever form it has. */
export const mappingColumn = (m: string | { column: string }): string => (typeof m === "string" ? m : m.column);

/** The keys an object of the mapping forms allows, by its path under mappings (for "unknown key" messages). */
export function mappingKeysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  const p = path.map(String);
  if (p[0] !== "mappings") return undefined;
  if (p[1] === "phone") return p.length === 2 ? Object.keys(phoneShape) : p.length === 3 && p[2] === "e164" ? ["defaultCountry"] : undefined;
  if (p[1] !== "fields" || p.length < 3) return undefined;
  if (p.length === 3) return Object.keys(declarationShape);
  if (p.length === 4 && p[3] === "booleans") return ["true", "false"];
  if (p.length === 5 && p[3] === "options") return ["value", "label"];
  return undefined;
}
