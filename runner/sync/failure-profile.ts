// What the contacts of failed imports have in common. ActiveCampaign ends a bad import `failed` without a reason
// (REAL-ACCOUNT.md F7), so when imports keep failing the circuit breaker names the traits every failed import shares
// and completed ones lack: a field's value shape ("99/99/9999"), characters outside the BMP (emoji), non-ASCII text,
// over-long values. Values themselves never appear (they are customers' data), only their shape.
import type { BulkContact } from "../ac/types.js";

/** At most this many contacts of each kind are kept as evidence. */
const SAMPLE_CONTACTS = 2_000;
const MAX_SHAPE = 24;

/** "31/12/2024" → "99/99/9999", "Mary Ann" → "a a": digits kept one by one (formats), letter runs collapsed. */
export function shapeOf(value: string): string {
  const s = value.replace(/\p{L}+/gu, "a").replace(/\p{N}/gu, "9");
  return s.length > MAX_SHAPE ? `${s.slice(0, MAX_SHAPE)}…` : s;
}

function traitsOfValue(name: string, value: string, out: Set<string>): void {
  if (/[\u{10000}-\u{10FFFF}]/u.test(value)) out.add(`${name} has an emoji or another character outside the Basic Multilingual Plane`);
  else if (/[^\x20-\x7e]/.test(value)) out.add(`${name} has non-ASCII characters`);
  if (value.length > 255) out.add(`${name} is longer than 255 characters`);
  out.add(`${name} values shaped like "${shapeOf(value)}"`);
}

/** A contact's traits, named with `fieldName` for custom fields (the personalization tag). */
export function traitsOf(c: BulkContact, fieldName: (id: number) => string): Set<string> {
  const out = new Set<string>();
  traitsOfValue("email", c.email, out);
  out.delete(`email values shaped like "${shapeOf(c.email)}"`); // every address has its own shape: not a pattern
  for (const [name, v] of [["first_name", c.first_name], ["last_name", c.last_name], ["phone", c.phone]] as const) if (v) traitsOfValue(name, v, out);
  for (const f of c.fields ?? []) traitsOfValue(`field ${fieldName(f.id)}`, f.value, out);
  if (c.unsubscribe?.length) out.add("unsubscribes from the list");
  return out;
}

/** Rank: character classes first, then shapes with digits or punctuation (formats), then plain shapes. */
function weight(trait: string): number {
  const shape = /shaped like "(.*)"$/.exec(trait)?.[1];
  if (shape === undefined) return 0;
  return /[^a ]/.test(shape) ? 1 : 2;
}

export class FailureProfile {
  private readonly failedImports: Array<Set<string>> = [];
  private readonly failedContacts = new Map<string, number>();
  private failedSeen = 0;
  private readonly okContacts = new Map<string, number>();
  private okSeen = 0;

  constructor(private readonly fieldName: (id: number) => string) {}

  addFailed(contacts: BulkContact[]): void {
    const union = new Set<string>();
    for (const c of contacts) {
      const traits = traitsOf(c, this.fieldName);
      for (const t of traits) union.add(t);
      if (this.failedSeen++ < SAMPLE_CONTACTS) for (const t of traits) this.failedContacts.set(t, (this.failedContacts.get(t) ?? 0) + 1);
    }
    this.failedImports.push(union);
  }

  addCompleted(contacts: BulkContact[]): void {
    for (const c of contacts) {
      if (this.okSeen >= SAMPLE_CONTACTS) return;
      this.okSeen++;
      for (const t of traitsOf(c, this.fieldName)) this.okContacts.set(t, (this.okContacts.get(t) ?? 0) + 1);
    }
  }

  /** Up to `max` traits every failed import has, rarest among completed contacts first; [] when none stands out. */
  shared(max = 3): string[] {
    const [first, ...rest] = this.failedImports;
    if (!first) return [];
    const common = [...first].filter((t) => rest.every((s) => s.has(t)));
    const sampled = Math.min(this.failedSeen, SAMPLE_CONTACTS);
    const okShare = (t: string) => (this.okSeen ? (this.okContacts.get(t) ?? 0) / Math.min(this.okSeen, SAMPLE_CONTACTS) : 0);
    const failShare = (t: string) => (this.failedContacts.get(t) ?? 0) / sampled;
    return common
      .filter((t) => okShare(t) < 0.5)
      .sort((a, b) => okShare(a) - okShare(b) || failShare(b) - failShare(a) || weight(a) - weight(b))
      .slice(0, max)
      .map((t) => `${t} (${Math.round(failShare(t) * 100)}% of the failed contacts${this.okSeen ? `, ${Math.round(okShare(t) * 100)}% of the completed ones` : ""})`);
  }
}
