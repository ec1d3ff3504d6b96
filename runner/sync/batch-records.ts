// The journal's second entry kind: bulk imports ActiveCampaign accepted and this export has not settled yet. A run
// killed while batches are queued at AC would otherwise send all of them again (their members are not confirmed in
// the state); with these records the next run polls those batches first and commits what they confirm
// (runner/sync/resume.ts). Text, one entry per event, idempotent on replay:
//   @ac-export-batch v1 host=H list=L
//   A <batchId> <acceptedAt ms>          accepted: the members follow, one "email\tfingerprint\tflags" a line
//   S <batchId>                          settled: confirmed, failed or given up (the state entry carries the result)
// The state entries (runner/sync/state.ts) never start with this header, so each kind ignores the other.
import type { StateScope } from "./state.js";
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

export function acceptedEntry(scope: StateScope, r: BatchRecord): Buffer {
  const lines = [scopeLine(scope), `A ${r.batchId} ${r.acceptedAt}`];
  for (const [email, fp, flags] of r.members) lines.push(`${email}\t${fp}\t${flags}`);
  return Buffer.from(lines.join("\n") + "\n");
}

export function settledEntry(scope: StateScope, batchId: string): Buffer {
  return Buffer.from(`${scopeLine(scope)}\nS ${batchId}\n`);
}

export function isBatchEntry(entry: Buffer): boolean {
  return entry.length >= HEADER_BYTES.length && entry.subarray(0, HEADER_BYTES.length).equals(HEADER_BYTES);
}

/**
 * Splits a loaded journal: the batches accepted and not settled (for this scope; another hostname's or list's are
 * dropped, as the state drops its entries), and the state's own entries.
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
    const [kind, batchId, at] = (lines[1] ?? "").split(" ");
    if (!batchId) continue;
    if (kind === "S") {
      open.delete(batchId);
      continue;
    }
    if (kind !== "A") continue;
    const members: Upsert[] = [];
    for (const line of lines.slice(2)) {
      if (!line) continue;
      const [email, fp, flags] = line.split("\t");
      members.push([email!, Number(fp), Number(flags)]);
    }
    open.set(batchId, { batchId, acceptedAt: Number(at), members });
  }
  return { open, stateEntries };
}
