// The journal's second entry kind: what happened to each bulk import. A run killed while batches are queued at AC
// would otherwise send all of them again (their members are not confirmed in the state); with these records the next
// run polls those batches first and commits what they confirm (runner/sync/resume.ts). One entry holds one or more
// records (records that queue up while an append is in progress are written together: one fsync or append block for
// many batches). Text, idempotent on replay:
//   @ac-export-batch v1 host=H list=L
//   A <batchId> <acceptedAt ms>     accepted by AC; its members follow, one "email\tfingerprint\tflags" a line
//   C <batchId>                     confirmed: the members that AC confirmed follow (committed to the state as they
//                                   stand, in journal order, exactly like a state entry); the batch is settled
//   S <batchId>                     settled without a commit: failed, or replaced by a re-send
// The state's own entries (runner/sync/state.ts) never start with this header, so each kind ignores the other.
import { SyncState, type StateScope } from "./state.js";
import type { Upsert } from "./types.js";

const HEADER = "@ac-export-batch v1";
const HEADER_BYTES = Buffer.from(HEADER);
const scopeLine = (s: StateScope) => `${HEADER} host=${s.hostname} list=${s.listId}`;

export interface BatchRecord {
  batchId: string;
  /** When AC accepted the POST (ms since epoch). */
  acceptedAt: number;
  /** What committing the batch writes to the state: email, fingerprint, flags (UNSUBSCRIBED_BY_SYNC for a leaver). */
  members: Upsert[];
}

const memberLines = (members: Upsert[]) => members.map(([email, fp, flags]) => `${email}\t${fp}\t${flags}`);

/** Record texts, to be written with `batchEntry`. */
export const acceptedRecord = (r: BatchRecord): string[] => [`A ${r.batchId} ${r.acceptedAt}`, ...memberLines(r.members)];
export const confirmedRecord = (batchId: string, members: Upsert[]): string[] => [`C ${batchId}`, ...memberLines(members)];
export const settledRecord = (batchId: string): string[] => [`S ${batchId}`];

/** One journal entry holding these records, in order. */
export function batchEntry(scope: StateScope, records: string[][]): Buffer {
  return Buffer.from([scopeLine(scope), ...records.flat()].join("\n") + "\n");
}

export function isBatchEntry(entry: Buffer): boolean {
  return entry.length >= HEADER_BYTES.length && entry.subarray(0, HEADER_BYTES.length).equals(HEADER_BYTES);
}

/**
 * Splits a loaded journal: the batches accepted and not settled (for this scope; another hostname's or list's are
 * dropped, as the state drops its entries), and the entries for the state: its own, plus one per confirmed batch at
 * the place it was journaled.
 */
export function splitJournal(scope: StateScope, journal: Buffer[]): { open: Map<string, BatchRecord>; stateEntries: Buffer[] } {
  const open = new Map<string, BatchRecord>();
  const stateEntries: Buffer[] = [];
  const expect = scopeLine(scope);
  for (const entry of journal) {
    if (!isBatchEntry(entry)) {
      stateEntries.push(entry);
      continue;
    }
    const lines = entry.toString("utf8").split("\n");
    if (lines[0] !== expect) continue;
    let current: { kind: string; batchId: string; at: number; members: Upsert[] } | undefined;
    const close = () => {
      if (!current) return;
      if (current.kind === "A") open.set(current.batchId, { batchId: current.batchId, acceptedAt: current.at, members: current.members });
      else open.delete(current.batchId);
      if (current.kind === "C" && current.members.length) stateEntries.push(SyncState.journalEntry(scope, current.members));
      current = undefined;
    };
    for (const line of lines.slice(1)) {
      if (!line) continue;
      const tab = line.indexOf("\t");
      if (tab < 0) {
        close();
        const [kind, batchId, at] = line.split(" ");
        if (batchId && (kind === "A" || kind === "C" || kind === "S")) current = { kind, batchId, at: Number(at), members: [] };
        continue;
      }
      const [email, fp, flags] = line.split("\t");
      current?.members.push([email!, Number(fp), Number(flags)]);
    }
    close();
  }
  return { open, stateEntries };
}
