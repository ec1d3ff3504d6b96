// Turns one segment row into the member a sync sends (or the reason it cannot), per the export's mappings.
import type { ExportConfig } from "../config.js";
import type { SegmentRow } from "../segment/types.js";
import { normalizeEmail } from "./email.js";
import { Fingerprint, fingerprint } from "./fingerprint.js";
import { mappedFieldColumns, phoneColumn } from "./value-mapping.js";

export interface Member {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** Personalization tag → value, only non-empty values (blanks never overwrite good data). */
  fields: Record<string, string>;
  /** What a sync sends for this member, hashed; see fingerprint.ts. */
  fingerprint: number;
}

export type MemberResult = { ok: true; member: Member } | { ok: false; email?: string; reason: string };
export type FingerprintResult = { ok: true; email: string; fingerprint: number } | { ok: false; email?: string; reason: string };

interface Mapping {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  fields: Array<[tag: string, column: string]>;
  /** Tags and the list are part of what is sent: changing them in the config re-sends every member once. */
  suffix: string;
}

const compiled = new WeakMap<ExportConfig, Mapping>();
function mappingOf(config: ExportConfig): Mapping {
  let m = compiled.get(config);
  if (!m) {
    const c = config.mappings;
    m = {
      email: c.email,
      ...(c.firstName ? { firstName: c.firstName } : {}),
      ...(c.lastName ? { lastName: c.lastName } : {}),
      ...(c.phone ? { phone: phoneColumn(config)! } : {}),
      fields: mappedFieldColumns(config),
      suffix: [`#${config.listId}`, ...(c.tags ?? []).map((t) => `t:${t.toLowerCase()}`)].join("\u0000"),
    };
    compiled.set(config, m);
  }
  return m;
}

const clean = (v: string | undefined): string | undefined => {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t ? t : undefined;
};

/** A 48-bit hash of a normalized email: what the plan keeps per planned row to check pass 2 reads the same address. */
export const emailHash = (email: string): number => fingerprint("email", email);

/** Email and fingerprint only: what planning needs for every row, without building the member. */
export function fingerprintRow(row: SegmentRow, config: ExportConfig): FingerprintResult {
  if (row.problem) return { ok: false, reason: row.problem };
  const m = mappingOf(config);
  const check = normalizeEmail(row.values[m.email]);
  if (!check.ok) return { ok: false, email: row.values[m.email], reason: check.reason };
  const f = new Fingerprint();
  f.add(m.firstName ? (clean(row.values[m.firstName]) ?? "") : "");
  f.add(m.lastName ? (clean(row.values[m.lastName]) ?? "") : "");
  f.add(m.phone ? (clean(row.values[m.phone]) ?? "") : "");
  for (const [tag, column] of m.fields) f.add(tag).add(clean(row.values[column]) ?? "");
  f.add(m.suffix);
  return { ok: true, email: check.email, fingerprint: f.value() };
}

export function toMember(row: SegmentRow, config: ExportConfig): MemberResult {
  const fp = fingerprintRow(row, config);
  if (!fp.ok) return fp;
  const m = mappingOf(config);
  const member: Member = { email: fp.email, fields: {}, fingerprint: fp.fingerprint };
  const firstName = m.firstName ? clean(row.values[m.firstName]) : undefined;
  const lastName = m.lastName ? clean(row.values[m.lastName]) : undefined;
  const phone = m.phone ? clean(row.values[m.phone]) : undefined;
  if (firstName) member.firstName = firstName;
  if (lastName) member.lastName = lastName;
  if (phone) member.phone = phone;
  for (const [tag, column] of m.fields) {
    const value = clean(row.values[column]);
    if (value !== undefined) member.fields[tag] = value;
  }
  return { ok: true, member };
}
