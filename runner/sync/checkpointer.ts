// Commits what ActiveCampaign confirmed: updates the state in memory and appends one journal entry per commit,
// one after another in the order of confirmation, so a killed run resumes where it stopped. Also journals each bulk
// import AC accepted until it settles (batch-records.ts), so the next run polls it instead of sending it again. Owns
// lock loss too: once the state lock is lost (another run may hold it now), nothing more is written.
import type { StateLock, StateStore } from "../state/types.js";
import { acceptedRecord, batchEntry, confirmedRecord, settledRecord, type BatchRecord } from "./batch-records.js";
import { REFUSED_BY_AC, SyncState } from "./state.js";
import type { Upsert } from "./types.js";

/** A group of batch records stays well under the journal's 4 MiB entry limit (runner/state/journal.ts). */
const GROUP_MAX_BYTES = 1024 * 1024;

export class Checkpointer {
  private tail: Promise<void> = Promise.resolve();
  private lockLost: unknown;
  /** Batch records waiting for the append in progress to end; written together as one entry (group commit). */
  private group: { records: string[][]; bytes: number; done: Promise<void> } | undefined;

  constructor(
    private readonly state: SyncState,
    private readonly store: StateStore,
    lock: StateLock,
    /** The run's UTC day number: each refusal committed (REFUSED_BY_AC) records it, for the refusal cool-down. */
    private readonly refusalDay?: number,
    /** Accepted, not yet settled batches: loaded from the journal, kept current here (compactState re-journals them). */
    readonly openBatches: Map<string, BatchRecord> = new Map(),
  ) {
    lock.lost.catch((e: unknown) => (this.lockLost = e));
  }

  /** Applies the change to the state and queues its journal entry; resolves once that entry (and all before it) is durable. */
  commit(upserts: Upsert[], removals: string[] = []): Promise<void> {
    if (this.lockLost) return Promise.reject(this.lockLost);
    for (const [email, fp, flags] of upserts) this.state.set(email, fp, flags);
    for (const email of removals) this.state.delete(email);
    const day = this.refusalDay;
    const refusedOn: Array<[string, number]> = day === undefined ? [] : upserts.filter((u) => (u[2] & REFUSED_BY_AC) !== 0).map((u) => [u[0], day]);
    for (const [email, d] of refusedOn) this.state.setRefusedOn(email, d);
    const entry = SyncState.journalEntry(this.state.scope, upserts, removals, refusedOn);
    this.group = undefined; // records queued after this entry go after it
    this.tail = this.tail.then(() => this.store.appendJournal(entry));
    return this.tail;
  }

  /** AC accepted this batch (it has a batchId): journaled before anything else happens to it. */
  accepted(record: BatchRecord): Promise<void> {
    this.openBatches.set(record.batchId, record);
    return this.record(acceptedRecord(record));
  }

  /** AC confirmed these members of the batch: committed to the state, and the batch is settled, in one record. */
  confirmed(batchId: string, upserts: Upsert[]): Promise<void> {
    for (const [email, fp, flags] of upserts) this.state.set(email, fp, flags);
    this.openBatches.delete(batchId);
    return this.record(confirmedRecord(batchId, upserts));
  }

  /** The batch is settled without a commit (failed, or re-sent as another batch): the next run skips it. */
  settled(batchId: string): Promise<void> {
    if (!this.openBatches.delete(batchId)) return Promise.resolve();
    return this.record(settledRecord(batchId));
  }

  /** Waits until every queued journal entry is durable (rejects if one append failed). */
  flush(): Promise<void> {
    return this.tail;
  }

  /** Queues a batch record: into the group waiting for the append in progress, or a new group after it. */
  private record(lines: string[]): Promise<void> {
    if (this.lockLost) return Promise.reject(this.lockLost);
    const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
    if (this.group && this.group.bytes + bytes <= GROUP_MAX_BYTES) {
      this.group.records.push(lines);
      this.group.bytes += bytes;
      return this.group.done;
    }
    const group: { records: string[][]; bytes: number; done: Promise<void> } = { records: [lines], bytes, done: Promise.resolve() };
    group.done = this.tail.then(() => {
      if (this.group === group) this.group = undefined; // from now on, new records form the next group
      return this.store.appendJournal(batchEntry(this.state.scope, group.records));
    });
    this.group = group;
    this.tail = group.done;
    return group.done;
  }
}

/**
 * Compacts the journal into a snapshot of the state, then journals again the batches still open (a snapshot empties
 * the journal, and those batches may still confirm at AC: the next run polls them). A kill between the two loses only
 * those records, so those members are sent again: the one window where a kill costs more than the POSTs in flight.
 */
export async function compactState(store: StateStore, state: SyncState, openBatches: ReadonlyMap<string, BatchRecord> | undefined): Promise<void> {
  await store.writeSnapshot(state.snapshotStream());
  let chunk: string[][] = [];
  let bytes = 0;
  for (const record of openBatches?.values() ?? []) {
    const lines = acceptedRecord(record);
    chunk.push(lines);
    bytes += lines.reduce((n, l) => n + l.length + 1, 0);
    if (bytes < GROUP_MAX_BYTES) continue;
    await store.appendJournal(batchEntry(state.scope, chunk));
    chunk = [];
    bytes = 0;
  }
  if (chunk.length) await store.appendJournal(batchEntry(state.scope, chunk));
}
