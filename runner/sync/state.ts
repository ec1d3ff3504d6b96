// The sync state of one export: per normalized email, the fingerprint of what ActiveCampaign confirmed and whether
// the sync itself unsubscribed the member (the only members it may re-subscribe: consent, DESIGN.md decision 4).
// Stored as a gzipped snapshot (state-snapshot.ts) plus an idempotent journal of confirmed batches (see
// runner/state/types.ts). Held compactly for 10,000,000 members (issue #12 "Scale"): emails in an arena with a hash
// table of ids (email-table.ts), fingerprints and flags in typed arrays by id; about 50 bytes a member.
import { EmailTable, type EmailKey, type EmailTableOptions } from "./email-table.js";
import { checkUint48, PagedArray, PagedUint48 } from "./paged-array.js";
import { isSnapshotV2, readSnapshotV1, readSnapshotV2, scopeLine, SnapshotWriter } from "./state-snapshot.js";
import { RefusalDays } from "./refusal-days.js";
import type { ChunkStream } from "../state/types.js";

/** The sync unsubscribed this member from the list because they left the segment. */
export const UNSUBSCRIBED_BY_SYNC = 1;
/**
 * ActiveCampaign refused this member (exclusion list, bounce, refused address) for the data with this fingerprint:
 * not sent again until the data changes (REAL-ACCOUNT.md F3).
 */
export const REFUSED_BY_AC = 2;
/** Snapshot v2 only: a record holding a refusal day (email, day in the fingerprint's place), not a member. */
const REFUSAL_DAY_RECORD = 0x80;

export interface StateScope {
  hostname: string;
  listId: number;
}

/** How the state's email table is built (tests force collisions, growth and arena rewrites). */
export type SyncStateOptions = EmailTableOptions;

export class SyncState {
  private readonly table: EmailTable;
  private readonly fingerprints = new PagedUint48();
  private readonly flagBytes = new PagedArray(Uint8Array);
  private readonly key: EmailKey;
  /** When each refused member was refused (refusal-days.ts): a small map beside the members' own encoding. */
  private readonly refusals = new RefusalDays();

  constructor(
    readonly scope: StateScope,
    options: SyncStateOptions = {},
  ) {
    this.table = new EmailTable(options);
    this.key = this.table.newKey();
  }

  get size(): number {
    return this.table.size;
  }
  get(email: string): { fingerprint: number; flags: number } | undefined {
    const id = this.table.find(this.key.load(email));
    return id < 0 ? undefined : { fingerprint: this.fingerprints.get(id), flags: this.flagBytes.get(id) };
  }
  set(email: string, fingerprint: number, flags = 0): void {
    this.setKey(this.key.load(email), fingerprint, flags);
    if ((flags & REFUSED_BY_AC) === 0 && this.refusals.size > 0) this.refusals.delete(email);
  }
  delete(email: string): void {
    this.table.remove(this.key.load(email));
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
    for (let id = 0; id < this.table.idLimit; id++) {
      if (this.table.isLive(id)) yield [this.table.email(id), { fingerprint: this.fingerprints.get(id), flags: this.flagBytes.get(id) }];
    }
  }
  /** Members the sync keeps subscribed (the base of a percentage removal cap). */
  activeCount(): number {
    let n = 0;
    for (let id = 0; id < this.table.idLimit; id++) if (this.table.isLive(id) && this.flagBytes.get(id) === 0) n++;
    return n;
  }

  // Id-based access for the plan, which looks up every segment row: one encoding and hash per row, no objects.
  /** A reusable lookup key with this state's hash. */
  newKey(): EmailKey {
    return this.table.newKey();
  }
  /** The member's id (stable until it is deleted), or -1. */
  idOf(key: EmailKey): number {
    return this.table.find(key);
  }
  /** Every member's id is below this. */
  get idLimit(): number {
    return this.table.idLimit;
  }
  isMember(id: number): boolean {
    return this.table.isLive(id);
  }
  fingerprintOf(id: number): number {
    return this.fingerprints.get(id);
  }
  flagsOf(id: number): number {
    return this.flagBytes.get(id);
  }
  emailOf(id: number): string {
    return this.table.email(id);
  }
  /** Bytes held in typed arrays (the benchmarks' bytes-per-member figure). */
  get bytes(): number {
    return this.table.bytes + this.fingerprints.bytes + this.flagBytes.bytes;
  }

  /**
   * The v2 snapshot, one gzip member (~4 MiB of records) at a time: the store writes each as it comes, so 10,000,000
   * members never sit in one buffer. A commit made while it is written lands in the journal after it (the store
   * orders the journal behind the snapshot), so it is never lost.
   */
  *snapshotMembers(): Generator<Buffer> {
    const writer = new SnapshotWriter(this.scope);
    let id = 0;
    const record = { copyEmail: (out: Uint8Array, at: number) => this.table.copyBytes(id, out, at), fingerprint: 0, flags: 0 };
    for (; id < this.table.idLimit; id++) {
      if (!this.table.isLive(id)) continue;
      record.fingerprint = this.fingerprints.get(id);
      record.flags = this.flagBytes.get(id);
      const member = writer.add(record);
      if (member) yield member;
    }
    // Refusal days ride as records of their own kind: the day in the fingerprint's place, flag REFUSAL_DAY_RECORD.
    for (const [email, day] of this.refusals.entries()) {
      const bytes = Buffer.from(email, "utf8");
      const member = writer.add({ copyEmail: (out, at) => bytes.copy(out, at), fingerprint: day, flags: REFUSAL_DAY_RECORD });
      if (member) yield member;
    }
    const last = writer.finish();
    if (last) yield last;
  }

  /** The snapshot as a stream for StateStore.writeSnapshot. */
  snapshotStream(): ChunkStream {
    const state = this;
    return async function* () {
      yield* state.snapshotMembers();
    };
  }

  /** The whole v2 snapshot in one buffer (tests, tools; a run streams it: snapshotStream). */
  encodeSnapshot(): Buffer {
    return Buffer.concat([...this.snapshotMembers()]);
  }

  /** A journal entry recording confirmed upserts and removals; replaying it twice changes nothing. */
  static journalEntry(scope: StateScope, upserts: Array<[string, number, number]>, removals: string[] = [], refusedOn: Array<[string, number]> = []): Buffer {
    const lines = [scopeLine(1, scope)];
    for (const [email, fp, flags] of upserts) lines.push(`+${email}\t${fp * 4 + flags}`);
    for (const email of removals) lines.push(`-${email}`);
    for (const [email, day] of refusedOn) lines.push(RefusalDays.line(email, day));
    return Buffer.from(lines.join("\n") + "\n");
  }

  /**
   * Rebuild the state for `scope` from a snapshot (v2, or v1 as written before) and the journal. A snapshot or journal
   * entry of another hostname or list does not apply (the export was pointed elsewhere): it is ignored and reported.
   */
  static load(scope: StateScope, snapshot: Buffer | null, journal: Buffer[], options: SyncStateOptions = {}): { state: SyncState; ignored: string[] } {
    const state = new SyncState(scope, options);
    const ignored: string[] = [];
    if (snapshot) {
      const key = state.newKey();
      const head = isSnapshotV2(snapshot)
        ? readSnapshotV2(
            snapshot,
            (line) => line === scopeLine(2, scope),
            (bytes, start, length, fp, flags) =>
              flags === REFUSAL_DAY_RECORD ? state.refusals.set(bytes.toString("utf8", start, start + length), fp) : state.setKey(key.loadBytes(bytes, start, length), fp, flags),
          )
        : readSnapshotV1(
            snapshot,
            (line) => line === scopeLine(1, scope),
            (email, fp, flags) => state.set(email, fp, flags),
            (line) => state.refusals.readLine(line),
          );
      if (head !== scopeLine(2, scope) && head !== scopeLine(1, scope)) ignored.push(`snapshot for ${head.replace(/^@ac-export-state v\d+ /, "")}`);
    }
    const expect = scopeLine(1, scope);
    for (const entry of journal) {
      const lines = entry.toString("utf8").split("\n");
      if (lines[0] !== expect) {
        ignored.push(`journal entry for ${lines[0]?.replace(/^@ac-export-state v\d+ /, "")}`);
        continue;
      }
      for (const line of lines.slice(1)) {
        if (line.startsWith("+")) {
          const tab = line.indexOf("\t");
          const v = Number(line.slice(tab + 1));
          state.set(line.slice(1, tab), Math.floor(v / 4), v % 4);
        } else if (line.startsWith("-")) state.delete(line.slice(1));
        else state.refusals.readLine(line);
      }
    }
    return { state, ignored };
  }

  private setKey(key: EmailKey, fingerprint: number, flags: number): void {
    checkUint48(fingerprint);
    if (!Number.isInteger(flags) || flags < 0 || flags > 255) throw new RangeError(`state flags must be an integer in [0, 255]; got ${flags}`);
    const id = this.table.insert(key);
    this.fingerprints.set(id, fingerprint);
    this.flagBytes.set(id, flags);
  }
}
