import { describe, expect, it } from "vitest";
import { parseExportConfig, type ExportConfigInput } from "../../../runner/config.js";
import type { OpenedSegment, SegmentRow } from "../../../runner/segment/types.js";
import { toMember } from "../../../runner/sync/member.js";
import { planSync } from "../../../runner/sync/plan.js";
import { plainValueMapping } from "../../../runner/sync/value-mapping.js";
import { SyncState, UNSUBSCRIBED_BY_SYNC } from "../../../runner/sync/state.js";

const config = (over: Partial<ExportConfigInput> = {}) =>
  parseExportConfig({
    name: "t",
    connection: { name: "c", hostname: "contoso.api-us1.com" },
    listId: 12,
    segment: { source: "file:x.csv" },
    mappings: { email: "Email", firstName: "First", fields: { TIER: "Tier" }, tags: ["vip"] },
    ...over,
  });

const rowsOf = (...values: Array<Record<string, string | undefined>>): SegmentRow[] => values.map((v, i) => ({ rowNumber: i + 2, values: v }));
const segment = (rows: SegmentRow[]): OpenedSegment => ({
  resolved: "mem",
  columns: ["Email", "First", "Tier"],
  async *batches() {
    yield rows;
  },
  close: async () => undefined,
});
const fp = (v: Record<string, string>, c = config()) => {
  const r = toMember({ rowNumber: 0, values: v }, c, plainValueMapping(c, new Map()));
  if (!r.ok) throw new Error(r.reason);
  return r.member.fingerprint;
};

describe("planSync", () => {
  it("classifies adds, updates, unchanged, rejects, duplicates and leavers", async () => {
    const c = config({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
    const state = new SyncState({ hostname: "contoso.api-us1.com", listId: 12 });
    state.set("same@x.io", fp({ Email: "same@x.io", First: "Sam", Tier: "gold" }, c));
    state.set("changed@x.io", fp({ Email: "changed@x.io", First: "Old" }, c));
    state.set("gone@x.io", 1);
    const plan = await planSync(
      c,
      segment(rowsOf(
        { Email: "new@x.io", First: "Nia" },
        { Email: " SAME@x.io ", First: "Sam", Tier: "gold" },
        { Email: "changed@x.io", First: "New" },
        { Email: "not-an-email" },
        { Email: "NEW@x.io", First: "Dup" },
      )),
      state,
      new Map(),
    );
    expect(plan).toMatchObject({ rowsRead: 5, members: 3, adds: 1, updates: 1, unchanged: 1, leavers: ["gone@x.io"] });
    expect([...plan.send.keys()]).toEqual([2, 4]);
    expect(plan.rejected).toEqual([
      { row: 5, email: "not-an-email", reason: "email has no @" },
      { row: 6, email: "new@x.io", reason: "duplicate of row 2 (same email, ignoring case)" },
    ]);
    expect(plan.blocked).toBeUndefined();
  });

  it("never re-subscribes someone who unsubscribed themselves, but does re-subscribe whom the sync unsubscribed", async () => {
    const state = new SyncState({ hostname: "contoso.api-us1.com", listId: 12 });
    state.set("ours@x.io", 5, UNSUBSCRIBED_BY_SYNC);
    const plan = await planSync(config(), segment(rowsOf({ Email: "theirs@x.io" }, { Email: "ours@x.io" })), state, new Map([["theirs@x.io", 2], ["ours@x.io", 2]] as const));
    expect(plan.consentKept).toEqual([{ row: 2, email: "theirs@x.io", reason: "kept unsubscribed (they unsubscribed from the list themselves)" }]);
    expect(plan.resubscribe).toEqual(["ours@x.io"]);
  });

  it("blocks a run whose leavers exceed the removal cap (an empty segment must not empty the list)", async () => {
    const c = config({ onLeave: "unsubscribe" });
    const state = new SyncState({ hostname: "contoso.api-us1.com", listId: 12 });
    for (let i = 0; i < 50; i++) state.set(`m${i}@x.io`, i);
    const plan = await planSync(c, segment([]), state, new Map());
    expect(plan.leavers).toHaveLength(50);
    expect(plan.removalCap).toBe(5);
    expect(plan.blocked?.code).toBe("REMOVAL_CAP");
    expect(plan.blocked?.message).toBe(
      '50 members left the segment and onLeave is "unsubscribe", more than limits.maxRemovalsPerRun allows (10% of 50 synced members = 5); nothing was sent. If the segment is right, allow them for one run (--allow-removals 50 or AC_EXPORT_ALLOW_REMOVALS=50, see README "Allow one run past the removal cap") or raise limits.maxRemovalsPerRun.',
    );
  });

  it("an operator's override raises this run's removal cap, and only to the count given", async () => {
    const c = config({ onLeave: "unsubscribe" });
    const state = new SyncState({ hostname: "contoso.api-us1.com", listId: 12 });
    for (let i = 0; i < 50; i++) state.set(`m${i}@x.io`, i);
    const allowed = await planSync(c, segment([]), state, new Map(), undefined, 50);
    expect([allowed.blocked, allowed.removalCap, allowed.configuredRemovalCap]).toEqual([undefined, 50, 5]);
    const short = await planSync(c, segment([]), state, new Map(), undefined, 49);
    expect(short.blocked?.message).toMatch(/^50 members left the segment and onLeave is "unsubscribe", more than limits\.maxRemovalsPerRun allows \(10% of 50 synced members = 5\) and the override allows \(49\); nothing was sent\./);
    // An override below the configured cap changes nothing.
    const lower = await planSync(config({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: 60 } }), segment([]), state, new Map(), undefined, 3);
    expect([lower.blocked, lower.removalCap, lower.configuredRemovalCap]).toEqual([undefined, 60, undefined]);
  });

  it("blocks a segment over limits.maxProfiles with the count", async () => {
    const plan = await planSync(config({ limits: { maxProfiles: 2 } }), segment(rowsOf({ Email: "a@x.io" }, { Email: "b@x.io" }, { Email: "c@x.io" })), new SyncState({ hostname: "h.io", listId: 1 }), new Map());
    expect(plan.blocked?.code).toBe("MAX_PROFILES");
    expect(plan.blocked?.message).toMatch(/^the segment has 3 valid profiles, more than limits\.maxProfiles \(2\)/);
  });

  it("fingerprints change with data, tags and list, and ignore blank optional values' whitespace", () => {
    const base = fp({ Email: "a@x.io", First: "Ann" });
    expect(fp({ Email: "A@x.io", First: " Ann " })).toBe(base);
    expect(fp({ Email: "a@x.io", First: "Anne" })).not.toBe(base);
    expect(fp({ Email: "a@x.io", First: "Ann" }, config({ mappings: { email: "Email", firstName: "First", fields: { TIER: "Tier" }, tags: ["vip", "new"] } }))).not.toBe(base);
    expect(fp({ Email: "a@x.io", First: "Ann" }, config({ listId: 13 }))).not.toBe(base);
  });
});

describe("planSync consent for leavers", () => {
  it("forgets a leaver who had already unsubscribed themselves instead of unsubscribing (and later re-subscribing) them", async () => {
    const state = new SyncState({ hostname: "contoso.api-us1.com", listId: 12 });
    state.set("self@x.io", 5);
    state.set("plain@x.io", 6);
    const c = config({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
    const plan = await planSync(c, segment([]), state, new Map([["self@x.io", 2]] as const));
    expect(plan.leavers).toEqual(["plain@x.io"]);
    expect(plan.alreadyUnsubscribed).toEqual(["self@x.io"]);
  });
});
