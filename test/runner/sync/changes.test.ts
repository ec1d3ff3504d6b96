// listChanges on its own: what a run that stopped half-way did (judged from the state it committed), what a plan
// would do, and a segment that cannot be read again. In process, with an in-memory segment.
import { ConsentCache } from "../../../runner/sync/consent-cache.js";
import { describe, expect, it } from "vitest";
import { parseExportConfig } from "../../../runner/config.js";
import { SegmentError, type OpenedSegment, type SegmentRow } from "../../../runner/segment/types.js";
import { listChanges, type Change } from "../../../runner/sync/changes.js";
import type { SyncOutcome } from "../../../runner/sync/outcome.js";
import { planSync } from "../../../runner/sync/plan.js";
import { SyncState, UNSUBSCRIBED_BY_SYNC } from "../../../runner/sync/state.js";
import type { Prepared } from "../../../runner/sync/types.js";

const config = parseExportConfig({
  name: "t",
  connection: { name: "c", hostname: "contoso.api-us1.com" },
  listId: 12,
  segment: { source: "file:x.csv" },
  mappings: { email: "Email", firstName: "First" },
  onLeave: "unsubscribe",
  limits: { maxRemovalsPerRun: "100%" },
});
const rows: SegmentRow[] = ["a", "b", "c", "d"].map((n, i) => ({ rowNumber: i + 2, values: { Email: `${n}@x.io`, First: n.toUpperCase() } }));
const segment = (broken = false): OpenedSegment => ({
  resolved: "mem",
  columns: ["Email", "First"],
  async *batches() {
    if (broken) throw new SegmentError("segment mem is gone");
    yield rows;
  },
  close: async () => undefined,
});
const collect = async (outcome: SyncOutcome, mode: "run" | "plan", broken = false) => {
  const out: Change[] = [];
  for await (const c of listChanges({ config, segmentLocation: { kind: "file", path: "x.csv" }, openSegment: async () => segment(broken) }, outcome, mode)) out.push(c);
  return out;
};

async function prepare(): Promise<Prepared> {
  const state = new SyncState({ hostname: "contoso.api-us1.com", listId: 12 });
  state.set("a@x.io", 1); // changed: a is updated
  state.set("gone@x.io", 2); // a leaver
  const plan = await planSync(config, segment(), state, new Map());
  return { plan, state, ignoredState: [], listName: "l", fieldIds: new Map(), values: { fields: [], onInvalid: "omit-field" }, tagIds: new Map(), consent: new ConsentCache("contoso.api-us1.com", 12), segmentResolved: "mem" };
}

describe("listChanges", () => {
  it("a plan lists what a run would do, in row order, then the leavers", async () => {
    const prepared = await prepare();
    expect(await collect({ kind: "completed", prepared }, "plan")).toEqual([
      { row: 2, email: "a@x.io", action: "updated", reason: "name, phone, custom field or tag values changed since the last sync" },
      { row: 3, email: "b@x.io", action: "added", reason: "new in the segment" },
      { row: 4, email: "c@x.io", action: "added", reason: "new in the segment" },
      { row: 5, email: "d@x.io", action: "added", reason: "new in the segment" },
      { email: "gone@x.io", action: "unsubscribed", reason: "left the segment (onLeave: unsubscribe); unsubscribed from this list only" },
    ]);
  });

  it("a run that failed half-way lists as done only what the state committed", async () => {
    const prepared = await prepare();
    const fp = (row: number) => prepared.plan.send.get(row)!;
    prepared.state.set("b@x.io", fp(3)); // confirmed before the failure
    prepared.state.set("gone@x.io", 2, UNSUBSCRIBED_BY_SYNC);
    const failed: SyncOutcome = { kind: "failed", error: { code: "AC_REQUEST_FAILED", message: "x" }, cause: new Error("x"), prepared };
    const notConfirmed = "not confirmed by ActiveCampaign before the run stopped; the next run sends it again";
    expect((await collect(failed, "run")).map((c) => [c.row, c.email, c.action, c.reason])).toEqual([
      [2, "a@x.io", "not-confirmed", notConfirmed],
      [3, "b@x.io", "added", "new in the segment"],
      [4, "c@x.io", "not-confirmed", notConfirmed],
      [5, "d@x.io", "not-confirmed", notConfirmed],
      [undefined, "gone@x.io", "unsubscribed", "left the segment (onLeave: unsubscribe); unsubscribed from this list only"],
    ]);
  });

  it("a blocked run lists the planned changes as not done; a segment gone since the plan ends the rows with one 'incomplete' line", async () => {
    const prepared = await prepare();
    const blocked: SyncOutcome = { kind: "blocked", error: { code: "REMOVAL_CAP", message: "x" }, prepared };
    const listed = await collect(blocked, "run");
    expect(listed.at(-1)).toEqual({ email: "gone@x.io", action: "unsubscribed", reason: "not done, the run was blocked (REMOVAL_CAP): left the segment (onLeave: unsubscribe); unsubscribed from this list only" });
    expect(await collect({ kind: "completed", prepared }, "plan", true)).toEqual([
      { email: "", action: "incomplete", reason: "the rows sent could not all be listed: segment mem is gone" },
      { email: "gone@x.io", action: "unsubscribed", reason: "left the segment (onLeave: unsubscribe); unsubscribed from this list only" },
    ]);
  });
});
