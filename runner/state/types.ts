// The state-store contract: where an export keeps its sync state, its lock and its run reports.
// Implementations: local directory (file:) and Azure Blob (lease as lock, ETag-conditional writes).
import { AcExportError } from "../errors.js";
import type { ConnectionRegistry } from "./connection-registry.js";

/** Held while a run works on an export; a second run of the same export fails to take it (exit 4). */
export interface StateLock {
  /** Release the lock; safe to call twice. */
  release(): Promise<void>;
  /** Rejects if the lock was lost (e.g. a lease could not be renewed): the run must stop writing. */
  readonly lost: Promise<never>;
}

export interface LoadedState {
  /** The last snapshot written, or null on the first run. */
  snapshot: Buffer | null;
  /** Journal entries appended after that snapshot, oldest first, each exactly as appended. */
  journal: Buffer[];
}

/** Data made chunk by chunk (a snapshot, changes.csv); each call starts it anew (it may be written to more than one place). */
export type ChunkStream = () => AsyncIterable<Buffer>;

export interface StateStore {
  /** Human-readable location, e.g. "/srv/state/vip-newsletter" or "https://acct.blob.core.windows.net/state/vip-newsletter/". */
  readonly location: string;
  /** Take the export's exclusive lock, or throw LockedError. A lock left by a killed process is taken over once stale. */
  lock(): Promise<StateLock>;
  load(): Promise<LoadedState>;
  /**
   * Append one journal entry durably (fsync / committed append block) before resolving. Entries must be idempotent.
   * Every write (journal, snapshot, artifact) throws LockLostError once the lock this store took is lost or released.
   */
  appendJournal(entry: Buffer): Promise<void>;
  /**
   * Atomically replace the snapshot, then empty the journal. A crash in between leaves snapshot + old journal, which
   * replays idempotently. A ChunkStream is written as it is made (a snapshot of 10,000,000 members is never held whole).
   */
  writeSnapshot(data: Buffer | ChunkStream): Promise<void>;
  /**
   * Write a run artifact (report.json, report.md, rejected.csv, …) next to the state; returns where it landed. A
   * ChunkStream is written chunk by chunk (changes.csv of millions of contacts is never held whole).
   */
  writeArtifact(name: string, data: string | Buffer | ChunkStream): Promise<string>;
  /**
   * A small object kept beside the state, outside the snapshot and journal (e.g. "consent-cache": what the list's
   * inactive members were at the last read). Stored gzipped under aux/<name>. `loadAux` needs no lock and returns
   * null when the object is missing or unreadable (a cache, never a reason to fail); `writeAux` replaces it
   * atomically and, like every write, only while this run holds the lock (LockLostError otherwise).
   */
  loadAux(name: string): Promise<Buffer | null>;
  writeAux(name: string, data: Buffer): Promise<void>;
  /**
   * Where the exports of one connection (by hostname) that keep their state in the same place coordinate their use
   * of the account's rate budget (connection-budget.ts): next to the exports' states. (Issue #12.)
   */
  connectionRegistry?(hostname: string): ConnectionRegistry;
}

export class LockedError extends AcExportError {
  constructor(readonly holder: string) {
    super("LOCKED", `another run of this export holds the lock (${holder})`);
  }
}

/** The run no longer holds (or never held) the export's lock: the store refuses to write, so a later run's state is safe. */
export class LockLostError extends AcExportError {
  constructor(message: string) {
    super("LOCK_LOST", message);
  }
}
