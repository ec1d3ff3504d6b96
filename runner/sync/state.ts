// The sync state of one export: per normalized email, the fingerprint of what ActiveCampaign confirmed and whether
// the sync itself unsubscribed the member (the only members it may re-subscribe: consent, DESIGN.md decision 4).
// Stored as a gzipped snapshot plus an idempotent journal of confirmed batches (see runner/state/types.ts).
import { gunzipSync, gzipSync } from "node:zlib";
import { REFUSAL_DAY_PREFIX, RefusalDays } from "./refusal-days.js";

/** The sync unsubscribed this member from the list because they left the segment. */
export const UNSUBSCRIBED_BY_SYNC = 1;
/**
 * ActiveCampaign refused this member (exclusion list, bounce, refused address) for the data with this fingerprint:
 * not sent again until the data changes (REAL-ACCOUNT.md F3).
 */
export const REFUSED_BY_AC = 2;

export interface StateScope {
  hostname: string;
  listId: number;
}

const scopeLine = (s: StateScope) => `@ac-export-state v1 host=${s.hostname} list=${s.listId}`;

export class SyncState {
  /** email → fingerprint * 4 + flags (one number per member keeps 1M members in a few tens of MB). */
  private readonly members = new Map<string, number>();
  /** When each refused member was refused (refusal-days.ts): separate from the members' own encoding. */
  private readonly refusals = new RefusalDays();
  constructor(readonly scope: StateScope) {}

  get size(): number {
    return this.members.size;
  }
  get(email: string): { fingerprint: number; flags: number } | undefined {
    const v = this.members.get(email);
    return v === undefined ? undefined : { fingerprint: Math.floor(v / 4), flags: v % 4 };
  }
  set(email: string, fingerprint: number, flags = 0): void {
    this.members.set(email, fingerprint * 4 + flags);
    if ((flags & REFUSED_BY_AC) === 0) this.refusals.delete(email);
  }
  delete(email: string): void {
    this.members.delete(email);
    this.refusals.delete(email);
  }
  /** The UTC day number on which ActiveCampaign last refused this member; undefined if unknown or not refused. */
  refusedOn(email: string): number | undefined {
    return this.refusals.get(email);
  }
  /** Records the day of a refusal (the member must be set with REFUSED_BY_AC first: set() without it clears this). */
  setRefusedOn(email: string, day: number): void {
    this.refusals.set(email, day);
  }
  *entries(): IterableIterator<[string, { fingerprint: number; flags: number }]> {
    for (const [email, v] of this.members) yield [email, { fingerprint: Math.floor(v / 4), flags: v % 4 }];
  }
  /** Members the sync keeps subscribed (the base of a percentage removal cap). */
  activeCount(): number {
    let n = 0;
    for (const v of this.members.values()) if (v % 4 === 0) n++;
    return n;
  }

  /** Gzip members of ~50,000 lines each (one gzip file of several members), so 1M members never sit in one string. */
  encodeSnapshot(): Buffer {
    const parts: Buffer[] = [];
    let chunk = `${scopeLine(this.scope)}\n`;
    let lines = 0;
    for (const [email, v] of this.members) {
      chunk += `${email}\t${v}\n`;
      if (++lines % 50_000 === 0) {
        parts.push(gzipSync(chunk, { level: 6 }));
        chunk = "";
      }
    }
    for (const line of this.refusals.lines()) chunk += `${line}\n`;
    if (chunk) parts.push(gzipSync(chunk, { level: 6 }));
    return Buffer.concat(parts);
  }

  /** A journal entry recording confirmed upserts and removals; replaying it twice changes nothing. */
  static journalEntry(scope: StateScope, upserts: Array<[string, number, number]>, removals: string[] = [], refusedOn: Array<[string, number]> = []): Buffer {
    const lines = [scopeLine(scope)];
    for (const [email, fp, flags] of upserts) lines.push(`+${email}\t${fp * 4 + flags}`);
    for (const email of removals) lines.push(`-${email}`);
    for (const [email, day] of refusedOn) lines.push(RefusalDays.line(email, day));
    return Buffer.from(lines.join("\n") + "\n");
  }

  /**
   * Rebuild the state for `scope`. A snapshot or journal entry of another hostname or list does not apply (the
   * export was pointed elsewhere): it is ignored and reported in `ignored`.
   */
  static load(scope: StateScope, snapshot: Buffer | null, journal: Buffer[]): { state: SyncState; ignored: string[] } {
    const state = new SyncState(scope);
    const ignored: string[] = [];
    const expect = scopeLine(scope);
    if (snapshot) {
      const text = gunzipSync(snapshot).toString("utf8");
      const firstNl = text.indexOf("\n");
      const head = text.slice(0, firstNl);
      if (head !== expect) ignored.push(`snapshot for ${head.replace("@ac-export-state v1 ", "")}`);
      else {
        let pos = firstNl + 1;
        while (pos < text.length) {
          const nl = text.indexOf("\n", pos);
          const end = nl < 0 ? text.length : nl;
          const tab = text.indexOf("\t", pos);
          if (text.startsWith(REFUSAL_DAY_PREFIX, pos)) state.refusals.readLine(text.slice(pos, end));
          else if (tab > pos && tab < end) state.members.set(text.slice(pos, tab), Number(text.slice(tab + 1, end)));
          pos = end + 1;
        }
      }
    }
    for (const entry of journal) {
      const lines = entry.toString("utf8").split("\n");
      if (lines[0] !== expect) {
        ignored.push(`journal entry for ${lines[0]?.replace("@ac-export-state v1 ", "")}`);
        continue;
      }
      for (const line of lines.slice(1)) {
        if (line.startsWith("+")) {
          const tab = line.indexOf("\t");
          const email = line.slice(1, tab);
          const v = Number(line.slice(tab + 1));
          state.members.set(email, v);
          if ((v % 4 & REFUSED_BY_AC) === 0) state.refusals.delete(email);
        } else if (line.startsWith("-")) state.delete(line.slice(1));
        else state.refusals.readLine(line);
      }
    }
    return { state, ignored };
  }
}
