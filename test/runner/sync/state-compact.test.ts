import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseExportConfig } from "../../../runner/config.js";
import type { OpenedSegment, SegmentRow } from "../../../runner/segment/types.js";
import { planSync } from "../../../runner/sync/plan.js";
import { REFUSED_BY_AC, SyncState, UNSUBSCRIBED_BY_SYNC } from "../../../runner/sync/state.js";

const scope = { hostname: "contoso.api-us1.com", listId: 12 };
/** Every email hashes alike: only comparing the bytes keeps two people apart. */
const collide = { hash: () => 1, capacity: 2 };
const sorted = (s: SyncState) => [...s.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));

/** A deterministic pseudo-random sequence (xorshift), so a failure replays. */
function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

describe("SyncState, compact", () => {
  it("matches a Map through random sets, deletes and reinserts under a colliding hash, then round-trips", () => {
    const s = new SyncState(scope, { ...collide, compactAfterBytes: 256 });
    const model = new Map<string, { fingerprint: number; flags: number }>();
    const next = rng(12345);
    for (let step = 0; step < 3000; step++) {
      const email = `p${next(150)}@x${next(3)}.io`;
      if (next(3) === 0) {
        s.delete(email);
        model.delete(email);
      } else {
        const v = { fingerprint: next(2 ** 30) * 2 ** 18 + next(2 ** 18), flags: next(4) };
        s.set(email, v.fingerprint, v.flags);
        model.set(email, v);
      }
      if (step % 500 === 0) expect(s.size).toBe(model.size);
    }
    expect(sorted(s)).toEqual([...model].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    for (const [email, v] of model) expect(s.get(email)).toEqual(v);
    expect(s.get("p150@x0.io")).toBeUndefined();
    expect(s.activeCount()).toBe([...model.values()].filter((v) => v.flags === 0).length);
    const { state } = SyncState.load(scope, s.encodeSnapshot(), [], collide);
    expect(sorted(state)).toEqual(sorted(s));
  });

  it("writes v2: gzip members any gunzip reads as one stream, each carrying its length, records in binary", async () => {
    const s = new SyncState(scope);
    for (let i = 0; i < 200_000; i++) s.set(`member${i}@example.com`, 2 ** 48 - 1 - i, i % 3 === 0 ? REFUSED_BY_AC : 0);
    const snapshot = s.encodeSnapshot();
    const whole = gunzipSync(snapshot);
    expect(whole.toString("latin1", 0, whole.indexOf(0x0a))).toBe("@ac-export-state v2 host=contoso.api-us1.com list=12");
    // Several members (~4 MiB of records each); each one's gzip extra field "AC" holds its length.
    let members = 0;
    for (let pos = 0; pos < snapshot.length; members++) {
      expect([snapshot[pos], snapshot[pos + 1], snapshot[pos + 3], snapshot[pos + 12], snapshot[pos + 13]]).toEqual([0x1f, 0x8b, 0x04, 0x41, 0x43]);
      pos += snapshot.readUInt32LE(pos + 16);
    }
    expect(members).toBeGreaterThan(1);
    // A run streams the same members one at a time (StateStore.writeSnapshot), never the whole snapshot at once.
    const streamed: Buffer[] = [];
    for await (const member of s.snapshotStream()()) streamed.push(member);
    expect(streamed.length).toBe(members);
    expect(Buffer.concat(streamed)).toEqual(snapshot);
    const { state } = SyncState.load(scope, snapshot, []);
    expect(state.size).toBe(200_000);
    expect(state.get("member199999@example.com")).toEqual({ fingerprint: 2 ** 48 - 200_000, flags: 0 });
    expect(state.get("member3@example.com")).toEqual({ fingerprint: 2 ** 48 - 4, flags: REFUSED_BY_AC });
  });

  it("reads back every member when they compress worse than the bench's emails (random emails)", () => {
    const s = new SyncState(scope);
    const next = rng(99);
    const emails: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const e = `${Array.from({ length: 4 }, () => next(2 ** 30).toString(36)).join("")}@${next(2 ** 30).toString(36)}.io`;
      emails.push(e);
      s.set(e, next(2 ** 30), 0);
    }
    const snapshot = s.encodeSnapshot();
    expect(snapshot.length).toBeGreaterThan(20_000 * 11);
    const { state } = SyncState.load(scope, snapshot, []);
    expect(state.size).toBe(s.size);
    for (const e of emails) expect(state.get(e)).toEqual(s.get(e));
  });

  it("loads a v1 snapshot (text, written before), replays the journal on it, and writes it back as v2", () => {
    const v1 = Buffer.concat([
      gzipSync("@ac-export-state v1 host=contoso.api-us1.com list=12\na@x.io\t" + (2 ** 47 * 4 + 1) + "\nb@x.io\t40\n"),
      gzipSync("c@x.io\t" + (9 * 4 + 2) + "\nd@x.io\t8\n"),
    ]);
    const journal = [SyncState.journalEntry(scope, [["e@x.io", 5, 0]], ["d@x.io"])];
    const { state, ignored } = SyncState.load(scope, v1, [...journal, ...journal], collide);
    expect(ignored).toEqual([]);
    const expected = [
      ["a@x.io", { fingerprint: 2 ** 47, flags: UNSUBSCRIBED_BY_SYNC }],
      ["b@x.io", { fingerprint: 10, flags: 0 }],
      ["c@x.io", { fingerprint: 9, flags: REFUSED_BY_AC }],
      ["e@x.io", { fingerprint: 5, flags: 0 }],
    ];
    expect(sorted(state)).toEqual(expected);
    const v2 = state.encodeSnapshot();
    expect(gunzipSync(v2).toString("latin1").startsWith("@ac-export-state v2 host=contoso.api-us1.com list=12\n")).toBe(true);
    expect(sorted(SyncState.load(scope, v2, journal).state)).toEqual(expected);
    expect(SyncState.load({ ...scope, listId: 13 }, v1, []).ignored).toEqual(["snapshot for host=contoso.api-us1.com list=12"]);
  });

  it("reads a v1 snapshot's refusal-day lines as refusal days, never as a member named \"@…\"", () => {
    const v1 = gzipSync(`@ac-export-state v1 host=contoso.api-us1.com list=12\na@x.io\t${9 * 4 + REFUSED_BY_AC}\n@a@x.io\t20400\n`);
    const { state } = SyncState.load(scope, v1, []);
    expect(sorted(state)).toEqual([["a@x.io", { fingerprint: 9, flags: REFUSED_BY_AC }]]);
    expect(state.refusedOn("a@x.io")).toBe(20400);
    // And v2 carries the day on.
    expect(SyncState.load(scope, state.encodeSnapshot(), []).state.refusedOn("a@x.io")).toBe(20400);
  });

  it("refuses a damaged v2 snapshot with STATE_CORRUPT instead of loading part of it", () => {
    const s = new SyncState(scope);
    for (let i = 0; i < 1000; i++) s.set(`m${i}@x.io`, i);
    const snapshot = s.encodeSnapshot();
    const cut = snapshot.subarray(0, snapshot.length - 9);
    expect(() => SyncState.load(scope, cut, [])).toThrow(expect.objectContaining({ code: "STATE_CORRUPT", message: expect.stringMatching(/^the state snapshot is damaged \(member at byte 0/) }));
    const flipped = Buffer.from(snapshot);
    flipped[40] = flipped[40]! ^ 0xff;
    expect(() => SyncState.load(scope, flipped, [])).toThrow(expect.objectContaining({ code: "STATE_CORRUPT" }));
  });

  it("refuses fingerprints and flags it cannot hold exactly, and changes nothing", () => {
    const s = new SyncState(scope);
    expect(() => s.set("a@x.io", 2 ** 48)).toThrow("a fingerprint must be an integer in [0, 2^48); got 281474976710656");
    expect(() => s.set("a@x.io", 1, 256)).toThrow("state flags must be an integer in [0, 255]; got 256");
    expect(s.size).toBe(0);
  });
});

describe("planSync over a compact state", () => {
  const config = parseExportConfig({
    name: "t",
    connection: { name: "c", hostname: "contoso.api-us1.com" },
    listId: 12,
    segment: { source: "file:x.csv" },
    mappings: { email: "Email" },
    onLeave: "unsubscribe",
    limits: { maxRemovalsPerRun: "100%" },
  });
  const segment = (emails: string[]): OpenedSegment => ({
    resolved: "mem",
    columns: ["Email"],
    async *batches() {
      yield emails.map((Email, i): SegmentRow => ({ rowNumber: i + 2, values: { Email } }));
    },
    close: async () => undefined,
  });

  it("with every email hashing alike, still tells duplicates, new members and leavers apart", async () => {
    const state = new SyncState(scope, collide);
    for (const e of ["kept@x.io", "gone@x.io", "back@x.io", "gone2@x.io"]) state.set(e, 1, e === "back@x.io" ? UNSUBSCRIBED_BY_SYNC : 0);
    const plan = await planSync(config, segment(["kept@x.io", "new@x.io", "KEPT@x.io", "new2@x.io", "New@X.io", "back@x.io"]), state, new Map());
    expect(plan.members).toBe(4);
    expect(plan.adds).toBe(2);
    expect(plan.updates).toBe(2); // fingerprint 1 is not what these rows hash to
    expect(plan.rejected).toEqual([
      { row: 4, email: "kept@x.io", reason: "duplicate of row 2 (same email, ignoring case)" },
      { row: 6, email: "new@x.io", reason: "duplicate of row 3 (same email, ignoring case)" },
    ]);
    expect(plan.resubscribe).toEqual(["back@x.io"]);
    expect(plan.leavers.sort()).toEqual(["gone2@x.io", "gone@x.io"]);
    expect([...plan.send.keys()]).toEqual([2, 3, 5, 7]);
    expect([plan.newRows.has(3), plan.newRows.has(5), plan.newRows.has(2)]).toEqual([true, true, false]);
  });
});
