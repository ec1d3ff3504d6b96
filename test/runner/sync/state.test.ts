import { describe, expect, it } from "vitest";
import { SyncState, UNSUBSCRIBED_BY_SYNC } from "../../../runner/sync/state.js";

const scope = { hostname: "contoso.api-us1.com", listId: 12 };

describe("SyncState", () => {
  it("round-trips a snapshot plus journal, and replaying the journal twice changes nothing", () => {
    const s = new SyncState(scope);
    s.set("a@x.io", 2 ** 47 + 5, 0);
    s.set("b@x.io", 77, UNSUBSCRIBED_BY_SYNC);
    const snapshot = s.encodeSnapshot();
    const j1 = SyncState.journalEntry(scope, [["c@x.io", 9, 0], ["a@x.io", 10, 0]]);
    const j2 = SyncState.journalEntry(scope, [], ["b@x.io"]);
    const { state, ignored } = SyncState.load(scope, snapshot, [j1, j2, j1, j2]);
    expect(ignored).toEqual([]);
    expect([...state.entries()].sort()).toEqual([
      ["a@x.io", { fingerprint: 10, flags: 0 }],
      ["c@x.io", { fingerprint: 9, flags: 0 }],
    ]);
  });

  it("ignores state written for another list or host", () => {
    const other = new SyncState({ ...scope, listId: 13 });
    other.set("a@x.io", 1);
    const { state, ignored } = SyncState.load(scope, other.encodeSnapshot(), [SyncState.journalEntry({ ...scope, hostname: "other.api-us1.com" }, [["b@x.io", 1, 0]])]);
    expect(state.size).toBe(0);
    expect(ignored).toEqual(["snapshot for host=contoso.api-us1.com list=13", "journal entry for host=other.api-us1.com list=12"]);
  });

  it("counts only members the sync keeps subscribed as active", () => {
    const s = new SyncState(scope);
    s.set("a@x.io", 1);
    s.set("b@x.io", 2, UNSUBSCRIBED_BY_SYNC);
    expect(s.activeCount()).toBe(1);
  });
});

describe("SyncState snapshots of many members", () => {
  it("round-trips 120,000 members written as several gzip members", () => {
    const s = new SyncState(scope);
    for (let i = 0; i < 120_000; i++) s.set(`m${i}@x.io`, i * 7, i % 2);
    const { state } = SyncState.load(scope, s.encodeSnapshot(), []);
    expect(state.size).toBe(120_000);
    expect(state.get("m119999@x.io")).toEqual({ fingerprint: 119_999 * 7, flags: 1 });
    expect(state.get("m50000@x.io")).toEqual({ fingerprint: 350_000, flags: 0 });
  });
});
