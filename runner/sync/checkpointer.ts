// Commits what ActiveCampaign confirmed: updates the state in memory and appends one journal entry per commit,
// one after another in the order of confirmation, so a killed run resumes where it stopped. Owns lock loss too: once
// the state lock is lost (another run may hold it now), nothing more is committed.
import type { StateLock, StateStore } from "../state/types.js";
import { REFUSED_BY_AC, SyncState } from "./state.js";
import type { Upsert } from "./types.js";

export class Checkpointer {
  private tail: Promise<void> = Promise.resolve();
  private lockLost: unknown;

  constructor(
    private readonly state: SyncState,
    private readonly store: StateStore,
    lock: StateLock,
    /** The run's UTC day number: each refusal committed (REFUSED_BY_AC) records it, for the refusal cool-down. */
    private readonly refusalDay?: number,
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
    this.tail = this.tail.then(() => this.store.appendJournal(entry));
    return this.tail;
  }

  /** Waits until every queued journal entry is durable (rejects if one append failed). */
  flush(): Promise<void> {
    return this.tail;
  }
}
