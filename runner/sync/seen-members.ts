// Which members the plan has read so far, and on which row it first read each: the duplicate check and the leavers
// (state members never read). Members already in the state are marked by state id (4 bytes a member, no strings);
// new ones go into a compact email table (email-table.ts). The state must not change while this is in use.
import { EmailTable, type EmailKey } from "./email-table.js";
import { PagedArray } from "./paged-array.js";
import type { SyncState } from "./state.js";

export class SeenMembers {
  /** Distinct members seen. */
  members = 0;
  /** After see(): the row the email was first seen on (the row given, unless it is a duplicate). */
  firstRow = -1;
  private readonly key: EmailKey;
  /** State id → first row + 1 (0: not seen). */
  private readonly stateRows: Uint32Array;
  private readonly fresh: EmailTable;
  /** Id in `fresh` → first row + 1. */
  private readonly freshRows = new PagedArray(Uint32Array);

  constructor(private readonly state: SyncState) {
    this.key = state.newKey();
    this.stateRows = new Uint32Array(state.idLimit);
    this.fresh = new EmailTable({ hash: this.key.hashFn });
  }

  /** Records that `row` holds `email`; returns its state id, or -1 when the state does not have it. */
  see(email: string, row: number): number {
    const key = this.key.load(email);
    const id = this.state.idOf(key);
    if (id >= 0) {
      this.record(this.stateRows[id]!, row);
      if (this.firstRow === row) this.stateRows[id] = row + 1;
      return id;
    }
    const fresh = this.fresh.insert(key);
    this.record(this.freshRows.get(fresh), row);
    if (this.firstRow === row) this.freshRows.set(fresh, row + 1);
    return -1;
  }

  private record(first: number, row: number): void {
    if (first === 0) {
      this.members++;
      this.firstRow = row;
    } else this.firstRow = first - 1;
  }

  /** Whether the state member `id` was seen in the segment. */
  inSegment(id: number): boolean {
    return this.stateRows[id] !== 0;
  }
}
