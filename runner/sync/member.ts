// Turns one segment row into the member a sync sends (or the reason it cannot), per the export's mappings and the
// run's ValueMapping: each custom field's value converted for its ActiveCampaign type (runner/values), the phone
// to E.164 when asked. The fingerprint is taken over the converted values, so changing a conversion re-sends exactly
// the rows whose sent value changes.
import type { ExportConfig } from "../config.js";
import type { SegmentRow } from "../segment/types.js";
import { createConverter, type FieldConverter } from "../values/convert.js";
import { toE164 } from "../values/phone.js";
import { showValue, textOf, toText } from "../values/text.js";
import type { Converted, SourceValue } from "../values/types.js";
import { normalizeEmail, validEmail } from "./email.js";
import { Fingerprint } from "./fingerprint.js";
import { phoneColumn } from "./value-mapping.js";
import type { ValueProblem } from "./value-problems.js";
import type { ValueMapping } from "./value-mapping.js";

export interface Member {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** Personalization tag → value as ActiveCampaign stores it, only non-empty values (blanks never overwrite good data). */
  fields: Record<string, string>;
  /** What a sync sends for this member, hashed; see fingerprint.ts. */
  fingerprint: number;
}

export type MemberResult = { ok: true; member: Member } | { ok: false; email?: string; reason: string };
export type FingerprintResult =
  | { ok: true; email: string; fingerprint: number; /** Values left out (onInvalid "omit-field"); absent when none. */ problems?: ValueProblem[] }
  | { ok: false; email?: string; reason: string };

/** Text, textarea and hidden fields (and unknown types) take the value's text: no converter, the fast path. */
const TEXT_TYPES = new Set(["text", "textarea", "hidden", "NULL"]);

interface FieldSlot {
  tag: string;
  column: string;
  /** Undefined for text fields. */
  convert?: FieldConverter;
}

interface Compiled {
  config: ExportConfig;
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** Set (possibly to "") when phones are sent in E.164; "" means no default country. */
  phoneCountry?: string;
  fields: FieldSlot[];
  rejectRow: boolean;
  /** Tags and the list are part of what is sent: changing them in the config re-sends every member once. */
  suffix: string;
}

// Compiled once per run (converters built once: options indexed, date formats compiled), looked up per row.
const compiled = new WeakMap<ValueMapping, Compiled>();
function compile(config: ExportConfig, values: ValueMapping): Compiled {
  let m = compiled.get(values);
  if (m?.config === config) return m;
  const c = config.mappings;
  m = {
    config,
    email: c.email,
    ...(c.firstName ? { firstName: c.firstName } : {}),
    ...(c.lastName ? { lastName: c.lastName } : {}),
    ...(c.phone ? { phone: phoneColumn(config)! } : {}),
    ...(values.phoneE164 ? { phoneCountry: values.phoneE164.defaultCountry ?? "" } : {}),
    fields: values.fields.map((f) => ({
      tag: f.tag,
      column: f.column,
      ...(TEXT_TYPES.has(f.spec.type) ? {} : { convert: createConverter(f.spec, f.conversion) }),
    })),
    rejectRow: values.onInvalid === "reject-row",
    suffix: [`#${config.listId}`, ...(c.tags ?? []).map((t) => `t:${t.toLowerCase()}`)].join("\u0000"),
  };
  compiled.set(values, m);
  return m;
}

/** The text of a name column: trimmed, undefined when blank. */
const name = (v: SourceValue): string | undefined => {
  const t = textOf(v)?.trim();
  return t ? t : undefined;
};

/** A plain value's text: strings trimmed in place (the hot path allocates nothing more), typed values via toText. */
function plain(v: SourceValue): Converted | string | undefined {
  if (typeof v === "string") {
    const t = v.trim();
    return t ? t : undefined;
  }
  return toText(v);
}

/** One value as sent: a string, undefined (nothing to send), or a problem. */
function valueOf(slot: FieldSlot, v: SourceValue): Converted | string | undefined {
  return slot.convert ? (v === undefined ? undefined : slot.convert(v)) : plain(v);
}

/** The phone as sent; a problem when E.164 is asked for and the number cannot be read. */
function phoneOf(m: Compiled, v: SourceValue): Converted | string | undefined {
  const t = name(v);
  if (t === undefined || m.phoneCountry === undefined) return t;
  return toE164(t, m.phoneCountry || undefined);
}

/** The values left out of the row being converted: set only when there are some (the hot path allocates nothing). */
let pending: ValueProblem[] | undefined;

/** The text to send from a conversion, or undefined (nothing to send, or a problem, noted in `pending`). */
function take(field: string, raw: SourceValue, c: Converted | string | undefined): string | undefined {
  if (c === undefined || typeof c === "string") return c;
  if (c.ok) return c.value || undefined;
  (pending ??= []).push({ field, value: showValue(raw), reason: c.reason });
  return undefined;
}

/** Receives each value sent: a custom field's tag (null for the phone) and the value. */
type Sink = (tag: string | null, value: string) => void;

/**
 * Converts the row's phone and custom fields, adding each sent value to the fingerprint (a value left out counts as
 * blank) and handing it to `sink`. Returns the values left out, or the reason the row is rejected (reject-row).
 */
function convertRow(row: SegmentRow, m: Compiled, f: Fingerprint, sink?: Sink): ValueProblem[] | string | undefined {
  pending = undefined;
  if (m.phone) {
    const raw = row.values[m.phone];
    const phone = take("phone", raw, phoneOf(m, raw));
    f.add(phone ?? "");
    if (phone !== undefined) sink?.(null, phone);
  } else f.add("");
  for (const slot of m.fields) {
    const raw = row.values[slot.column];
    const value = take(slot.tag, raw, valueOf(slot, raw));
    f.add(slot.tag).add(value ?? "");
    if (value !== undefined) sink?.(slot.tag, value);
  }
  const problems = pending as ValueProblem[] | undefined;
  pending = undefined;
  if (problems && m.rejectRow) return problems.map((p) => `${p.field === "phone" ? "phone" : `field ${p.field}`}: ${p.reason}`).join("; ");
  return problems;
}

/** A 48-bit hash of a normalized email: what the plan keeps per planned row to check pass 2 reads the same address. */
export const emailHash = (email: string): number => emailPrint.reset().add("email").add(email).value();
const emailPrint = new Fingerprint();

/** What reading one row gives (RowReader holds one for every row, so the plan makes no object a row). */
interface RowRead {
  /** Read: the normalized email. Rejected: the email to report with it (the raw text when it is no address), if any. */
  email: string | undefined;
  fingerprint: number;
  /** Values left out (onInvalid "omit-field"); undefined when none. */
  problems: ValueProblem[] | undefined;
  /** Why the row is rejected ("" when read). */
  reason: string;
}

/** Reads one row into `out`; false when the row is rejected (out.reason says why). */
function readRow(row: SegmentRow, m: Compiled, f: Fingerprint, out: RowRead, sink?: Sink): boolean {
  out.problems = undefined;
  if (row.problem) return reject(out, undefined, row.problem);
  const rawEmail = textOf(row.values[m.email]);
  const email = validEmail(rawEmail);
  if (email === undefined) return reject(out, rawEmail, (normalizeEmail(rawEmail) as { reason: string }).reason);
  f.reset();
  f.add(m.firstName ? (name(row.values[m.firstName]) ?? "") : "");
  f.add(m.lastName ? (name(row.values[m.lastName]) ?? "") : "");
  const problems = convertRow(row, m, f, sink);
  if (typeof problems === "string") return reject(out, email, problems);
  f.add(m.suffix);
  out.email = email;
  out.fingerprint = f.value();
  out.problems = problems;
  out.reason = "";
  return true;
}

function reject(out: RowRead, email: string | undefined, reason: string): false {
  out.email = email;
  out.reason = reason;
  return false;
}

/**
 * Email, fingerprint and the values left out of each row: what planning needs, without building the member. One
 * reader per pass; after read(), its fields describe that row until the next read().
 */
export class RowReader implements RowRead {
  email: string | undefined = undefined;
  fingerprint = 0;
  problems: ValueProblem[] | undefined = undefined;
  reason = "";
  private readonly m: Compiled;
  private readonly f = new Fingerprint();

  constructor(config: ExportConfig, values: ValueMapping) {
    this.m = compile(config, values);
  }

  /** True when the row can be sent (email, fingerprint, problems set); false when rejected (reason, email if any). */
  read(row: SegmentRow): boolean {
    return readRow(row, this.m, this.f, this);
  }
}

/** One row's email, fingerprint and values left out, as an object (for callers outside the per-row hot path). */
export function fingerprintRow(row: SegmentRow, config: ExportConfig, values: ValueMapping): FingerprintResult {
  return resultOf(readRow(row, compile(config, values), scratchPrint, scratch), scratch);
}
const scratchPrint = new Fingerprint();
const scratch: RowRead = { email: undefined, fingerprint: 0, problems: undefined, reason: "" };

function resultOf(ok: boolean, r: RowRead): FingerprintResult {
  if (!ok) return { ok: false, ...(r.email !== undefined ? { email: r.email } : {}), reason: r.reason };
  return { ok: true, email: r.email!, fingerprint: r.fingerprint, ...(r.problems ? { problems: r.problems } : {}) };
}

/** The member a row sends: its values converted as the fingerprint saw them (values that cannot be sent left out). */
export function toMember(row: SegmentRow, config: ExportConfig, values: ValueMapping): MemberResult {
  const m = compile(config, values);
  const fields: Record<string, string> = {};
  let phone: string | undefined;
  const fp = resultOf(
    readRow(row, m, scratchPrint, scratch, (tag, value) => {
      if (tag === null) phone = value;
      else fields[tag] = value;
    }),
    scratch,
  );
  if (!fp.ok) return fp;
  const member: Member = { email: fp.email, fields, fingerprint: fp.fingerprint };
  const firstName = m.firstName ? name(row.values[m.firstName]) : undefined;
  const lastName = m.lastName ? name(row.values[m.lastName]) : undefined;
  if (firstName) member.firstName = firstName;
  if (lastName) member.lastName = lastName;
  if (phone) member.phone = phone;
  return { ok: true, member };
}
