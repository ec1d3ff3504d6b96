// The refusal day beside the members (refusal-days.ts, state.ts) and its config key: persisted in the snapshot and
// the journal as its own line kind, cleared when the refusal is, and absent from state written before it existed.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ConfigError, parseExportConfig } from "../../../runner/config.js";
import { refusalDue, refusedEarlierReason } from "../../../runner/sync/refusals.js";
import { REFUSED_BY_AC, SyncState, UNSUBSCRIBED_BY_SYNC } from "../../../runner/sync/state.js";

const scope = { hostname: "acme.api-us1.com", listId: 7 };

describe("refusal days in the state", () => {
  it("survive a snapshot and a journal replay, without touching how members are stored", () => {
    const s = new SyncState(scope);
    s.set("a@example.com", 11, 0);
    s.set("b@example.com", 22, REFUSED_BY_AC);
    s.setRefusedOn("b@example.com", 20_000);
    const journal = [
      SyncState.journalEntry(scope, [["c@example.com", 33, REFUSED_BY_AC]], [], [["c@example.com", 20_003]]),
      SyncState.journalEntry(scope, [["d@example.com", 44, UNSUBSCRIBED_BY_SYNC]]),
    ];
    expect(journal[0]!.toString()).toBe("@ac-export-state v1 host=acme.api-us1.com list=7\n+c@example.com\t134\n@c@example.com\t20003\n");
    const { state } = SyncState.load(scope, s.encodeSnapshot(), journal);
    expect([...state.entries()]).toEqual([
      ["a@example.com", { fingerprint: 11, flags: 0 }],
      ["b@example.com", { fingerprint: 22, flags: REFUSED_BY_AC }],
      ["c@example.com", { fingerprint: 33, flags: REFUSED_BY_AC }],
      ["d@example.com", { fingerprint: 44, flags: UNSUBSCRIBED_BY_SYNC }],
    ]);
    expect(state.refusedOn("b@example.com")).toBe(20_000);
    expect(state.refusedOn("c@example.com")).toBe(20_003);
    expect(state.refusedOn("a@example.com")).toBeUndefined();
  });

  it("is forgotten when the member is accepted or removed, in memory and on replay", () => {
    const s = new SyncState(scope);
    s.set("b@example.com", 22, REFUSED_BY_AC);
    s.setRefusedOn("b@example.com", 20_000);
    s.set("b@example.com", 23, 0);
    expect(s.refusedOn("b@example.com")).toBeUndefined();
    const snapshot = (() => {
      const t = new SyncState(scope);
      t.set("x@example.com", 1, REFUSED_BY_AC);
      t.setRefusedOn("x@example.com", 19_990);
      t.set("y@example.com", 2, REFUSED_BY_AC);
      t.setRefusedOn("y@example.com", 19_991);
      return t.encodeSnapshot();
    })();
    const { state } = SyncState.load(scope, snapshot, [
      SyncState.journalEntry(scope, [["x@example.com", 5, 0]]),
      SyncState.journalEntry(scope, [], ["y@example.com"]),
    ]);
    expect(state.refusedOn("x@example.com")).toBeUndefined();
    expect(state.refusedOn("y@example.com")).toBeUndefined();
    expect(state.get("y@example.com")).toBeUndefined();
    expect(state.encodeSnapshot().length).toBeGreaterThan(0);
  });

  it("a snapshot written before refusal days existed loads: its refused members have no day", () => {
    const old = gzipSync("@ac-export-state v1 host=acme.api-us1.com list=7\nb@example.com\t90\na@example.com\t44\n");
    const { state, ignored } = SyncState.load(scope, old, []);
    expect(ignored).toEqual([]);
    expect(state.get("b@example.com")).toEqual({ fingerprint: 22, flags: REFUSED_BY_AC });
    expect(state.get("a@example.com")).toEqual({ fingerprint: 11, flags: 0 });
    expect(state.refusedOn("b@example.com")).toBeUndefined();
  });
});

describe("the cool-down rule", () => {
  const never = parseExportConfig(baseConfig());
  const week = parseExportConfig(baseConfig({ retryAfterDays: 7 }));
  it.each([
    ["no cool-down configured: never due", never, 100, 1000, false],
    ["before the cool-down", week, 100, 106, false],
    ["on the day the cool-down ends", week, 100, 107, true],
    ["a refusal of unknown day is due", week, undefined, 107, true],
  ] as const)("%s", (_name, config, refusedOn, today, due) => {
    expect(refusalDue(config, refusedOn, today)).toBe(due);
  });
  it("says why a refused member is not sent", () => {
    expect(refusedEarlierReason(never, undefined)).toBe("refused by ActiveCampaign on an earlier run; not sent again until its data changes");
    expect(refusedEarlierReason(week, 20_000)).toBe("refused by ActiveCampaign on 2024-10-04; not sent again until its data changes or refusals.retryAfterDays (7) have passed");
  });
});

describe("config refusals.retryAfterDays", () => {
  it("defaults to none (re-send only on a data change)", () => {
    expect(parseExportConfig(baseConfig()).refusals).toBeUndefined();
    expect(parseExportConfig(baseConfig({})).refusals).toEqual({});
  });
  it.each([0, 1.5, -3, 3651, "7"])("refuses %j, naming the key, the value and what is allowed", (bad) => {
    let err: unknown;
    try {
      parseExportConfig(baseConfig({ retryAfterDays: bad }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([{ path: "refusals.retryAfterDays", message: expect.stringMatching(/whole number|number/) }]);
    if (typeof bad === "number") {
      expect((err as ConfigError).problems[0]!.message).toBe(
        `must be a whole number of days from 1 to 3650 (leave it out to re-send a refused contact only when its data changes); got ${bad}`,
      );
    }
  });
  it("names an unknown key in refusals", () => {
    expect(() => parseExportConfig(baseConfig({ retryAfterDay: 7 }))).toThrow(/refusals\.retryAfterDay: .*retryAfterDays/);
  });
});

function baseConfig(refusals?: Record<string, unknown>) {
  return {
    name: "refusals",
    connection: { name: "sandbox", hostname: "contoso.api-us1.com" },
    listId: 3,
    segment: { source: "file:segment.csv" },
    mappings: { email: "Email" },
    ...(refusals ? { refusals } : {}),
  };
}
