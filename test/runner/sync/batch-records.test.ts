// The journal's batch records (runner/sync/batch-records.ts): accepted batches stay open until confirmed or settled,
// a confirmed batch commits its members at its place in the journal, replay is idempotent, another scope's records
// are dropped, and the state's own entries pass through untouched.
import { describe, expect, it } from "vitest";
import { acceptedRecord, batchEntry, confirmedRecord, isBatchEntry, settledRecord, splitJournal } from "../../../runner/sync/batch-records.js";
import { SyncState } from "../../../runner/sync/state.js";
import type { Upsert } from "../../../runner/sync/types.js";

const scope = { hostname: "acme.api-us1.com", listId: 7 };
const other = { hostname: "acme.api-us1.com", listId: 8 };
const a = { batchId: "b-1", acceptedAt: 1_700_000_000_000, members: [["a@example.com", 12, 0], ["b@example.com", 34, 1]] as Upsert[] };
const b = { batchId: "b-2", acceptedAt: 1_700_000_000_500, members: [["c@example.com", 56, 0]] as Upsert[] };
const load = (journal: Buffer[]) => {
  const { open, stateEntries } = splitJournal(scope, journal);
  return { open, members: Object.fromEntries(SyncState.load(scope, null, stateEntries).state.entries()) };
};

describe("batch records in the journal", () => {
  it("keeps accepted batches open until settled; a confirmed batch commits what it confirmed, in journal order", () => {
    const journal = [
      batchEntry(scope, [acceptedRecord(a), acceptedRecord(b)]),
      SyncState.journalEntry(scope, [["a@example.com", 1, 0]]),
      batchEntry(scope, [confirmedRecord("b-1", [a.members[0]!])]),
      SyncState.journalEntry(scope, [], ["b@example.com"]),
    ];
    const { open, members } = load(journal);
    expect([...open.values()]).toEqual([b]);
    expect(members).toEqual({ "a@example.com": { fingerprint: 12, flags: 0 } });
    expect(load([batchEntry(scope, [acceptedRecord(b), settledRecord("b-2")])]).open.size).toBe(0);
  });

  it("replays idempotently: the same entries twice give the same batches and members", () => {
    const journal = [batchEntry(scope, [acceptedRecord(a)]), batchEntry(scope, [confirmedRecord("b-1", a.members), acceptedRecord(b)])];
    expect(load([...journal, ...journal])).toEqual(load(journal));
    // A batch re-journaled after a snapshot (compactState) is the same record.
    expect(load([batchEntry(scope, [acceptedRecord(b)]), batchEntry(scope, [acceptedRecord(b)])]).open.get("b-2")).toEqual(b);
  });

  it("drops another list's records and never takes a state entry for a batch record", () => {
    expect(splitJournal(scope, [batchEntry(other, [acceptedRecord(a)])]).open.size).toBe(0);
    expect(isBatchEntry(batchEntry(scope, [acceptedRecord(a)]))).toBe(true);
    expect(isBatchEntry(SyncState.journalEntry(scope, [["a@example.com", 12, 0]]))).toBe(false);
  });
});
