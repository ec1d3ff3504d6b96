// Values as a segment reader hands them over, typed, until they are converted for one ActiveCampaign field
// (issue #11): a date stays a date and a list stays a list, so conversion can format them the way AC stores them.
import { AC_FIELD_TYPES } from "../config/field-mapping.js";

/** A calendar date with no time and no zone (Parquet DATE, or a string that is only a date). */
export interface CalendarDate {
  readonly kind: "date";
  /** YYYY-MM-DD */
  readonly value: string;
}

/** A wall-clock time with no zone (Parquet TIMESTAMP with isAdjustedToUTC = false, Delta TIMESTAMP_NTZ). */
export interface NaiveTimestamp {
  readonly kind: "naive-timestamp";
  /** YYYY-MM-DDTHH:mm:ss(.fff) */
  readonly value: string;
}

/**
 * One source value. `Date` is an instant (a timestamp with a zone). Strings are text as written in the file; a
 * number that must keep its exact digits (a DECIMAL) arrives as a string or bigint.
 */
export type SourceValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | CalendarDate
  | NaiveTimestamp
  | readonly SourceValue[]
  | null
  | undefined;

// ActiveCampaign's field types are part of the config contract (declarations name them): one list, kept there.
export { AC_FIELD_TYPES };
export type AcFieldType = (typeof AC_FIELD_TYPES)[number];

/** One option of a dropdown, radio, checkbox or listbox field: what is stored (value) and what people see (label). */
export interface FieldOption {
  readonly value: string;
  readonly label: string;
}

/** What conversion needs to know of the target field. */
export interface FieldSpec {
  /** The personalization tag, for messages. */
  readonly tag: string;
  readonly type: AcFieldType;
  readonly options?: readonly FieldOption[];
}

/** How source values are read, per mapping (config `mappings.fields.<TAG>` object form). */
export interface ConversionOptions {
  /** IANA zone in which naive timestamps and zone-less datetimes are read. @default "UTC" */
  readonly timeZone?: string;
  /** Extra input formats for dates in text, e.g. "MM/DD/YYYY" or "DD.MM.YYYY" (tokens YYYY, MM, DD, M, D). */
  readonly dateFormats?: readonly string[];
  /** Separator of a multi-value field given as one string. @default "," */
  readonly separator?: string;
  /** The option values booleans map to. @default { true: "Yes", false: "No" } */
  readonly booleans?: { readonly true: string; readonly false: string };
}

export type Converted = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

export const isCalendarDate = (v: unknown): v is CalendarDate => typeof v === "object" && v !== null && (v as CalendarDate).kind === "date";
export const isNaiveTimestamp = (v: unknown): v is NaiveTimestamp =>
  typeof v === "object" && v !== null && (v as NaiveTimestamp).kind === "naive-timestamp";
