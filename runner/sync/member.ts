// Turns one segment row into the member a sync sends (or the reason it cannot), per the export's mappings.
import type { ExportConfig } from "../config.js";
import type { SegmentRow } from "../segment/types.js";
import { normalizeEmail } from "./email.js";
import { fingerprint } from "./fingerprint.js";

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

const clean = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return t ? t : undefined;
};

export function toMember(row: SegmentRow, config: ExportConfig): MemberResult {
  const m = config.mappings;
  if (row.problem) return { ok: false, reason: row.problem };
  const check = normalizeEmail(row.values[m.email]);
  if (!check.ok) return { ok: false, email: row.values[m.email], reason: check.reason };
  const member: Member = { email: check.email, fields: {}, fingerprint: 0 };
  const firstName = m.firstName ? clean(row.values[m.firstName]) : undefined;
  const lastName = m.lastName ? clean(row.values[m.lastName]) : undefined;
  const phone = m.phone ? clean(row.values[m.phone]) : undefined;
  if (firstName) member.firstName = firstName;
  if (lastName) member.lastName = lastName;
  if (phone) member.phone = phone;
  const parts = [firstName ?? "", lastName ?? "", phone ?? ""];
  for (const [tag, column] of Object.entries(m.fields ?? {})) {
    const value = clean(row.values[column]);
    if (value !== undefined) member.fields[tag] = value;
    parts.push(`${tag}=${value ?? ""}`);
  }
  // Tags and the list are part of what is sent: changing them in the config re-sends every member once.
  parts.push(`#${config.listId}`, ...(m.tags ?? []).map((t) => `t:${t.toLowerCase()}`));
  member.fingerprint = fingerprint(parts.join("\u0000"));
  return { ok: true, member };
}
