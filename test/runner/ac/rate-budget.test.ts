import { describe, expect, it } from "vitest";
import { RateBudget } from "../../../runner/ac/rate-budget.js";
import { FakeClock, flush, maxInWindow } from "./fake-clock.js";


function setup(rps: number, bpm: number, extra: { timeScale?: number; safetyMarginMs?: number; spread?: boolean } = {}) {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerSecond: rps, bulkRequestsPerMinute: bpm, clock, safetyMarginMs: 0, ...extra });
  const released: Array<{ kind: string; at: number; tag: number }> = [];
  // A request whose response comes back at once (latency 0): the slot is given back immediately.
  const take = (kind: "general" | "bulk" | "bulk-single", tag = 0) =>
    budget.acquire(kind).then((lease) => {
      released.push({ kind, at: clock.now(), tag });
      lease.done();
    });
  return { clock, budget, released, take };
}

describe("RateBudget", () => {
  it("lets a burst of `requestsPerSecond` through at once, then one more per freed slot", async () => {
    const { clock, released, take } = setup(5, 100);
    for (let i = 0; i < 12; i++) void take("general", i);
    await flush();
    expect(released.map((r) => r.at)).toEqual([0, 0, 0, 0, 0]);
    await clock.advance(999);
    expect(released).toHaveLength(5);
    await clock.advance(1);
    expect(released).toHaveLength(10);
    await clock.advance(1000);
    expect(released.map((r) => r.tag)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // first come, first served
    expect(maxInWindow(released.map((r) => r.at), 1000)).toBe(5);
  });

  it("never exceeds either window with mixed concurrent traffic, and keeps bulk imports at their floor", async () => {
    const { clock, released, take } = setup(5, 100);
    // A pipeline: 3 bulk POSTs and 20 polls always waiting, for 5 simulated minutes.
    let stop = false;
    const loop = async (kind: "general" | "bulk") => {
      while (!stop) await take(kind);
    };
    for (let i = 0; i < 3; i++) void loop("bulk");
    for (let i = 0; i < 20; i++) void loop("general");
    for (let s = 0; s < 300; s++) await clock.advance(1000);
    stop = true;
    const all = released.map((r) => r.at);
    const bulk = released.filter((r) => r.kind === "bulk").map((r) => r.at);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(5);
    expect(maxInWindow(bulk, 60_000)).toBeLessThanOrEqual(100);
    // The floor: 100 bulk imports in every minute (5 minutes → 500, give or take the last window's edge).
    expect(bulk.length).toBeGreaterThanOrEqual(500);
    expect(bulk.length).toBeLessThanOrEqual(600);
    // The rest of the 5/s goes to the polls: 5 * 300 overall, less the odd general slot kept free for a bulk import.
    expect(all.length).toBeGreaterThanOrEqual(5 * 300 * 0.99);
  });

  it("gives bulk imports the next free general slot ahead of queued polls", async () => {
    const { clock, released, take } = setup(2, 100);
    for (let i = 0; i < 6; i++) void take("general", i);
    await flush();
    void take("bulk", 99);
    await clock.advance(1000);
    expect(released.slice(2).map((r) => r.tag)).toEqual([99, 2]);
  });

  it("keeps a general slot free for a bulk import whose bulk slot frees within the next general window", async () => {
    const { clock, released, take } = setup(5, 1);
    void take("bulk", 1); // takes the only bulk slot; the next frees at 60 000
    await flush();
    await clock.advance(59_500);
    void take("bulk", 2);
    for (let i = 0; i < 10; i++) void take("general", 10 + i);
    await clock.advance(1);
    // 4 polls go now; the fifth general slot is kept for bulk #2, which can go in 500 ms.
    expect(released.map((r) => r.tag)).toEqual([1, 10, 11, 12, 13]);
    await clock.advance(499);
    expect(released.map((r) => r.tag)).toEqual([1, 10, 11, 12, 13, 2]);
    expect(released.at(-1)!.at).toBe(60_000);
  });

  it("does not let a bulk import wait for its minute window hold up general requests", async () => {
    const { clock, released, take } = setup(5, 2);
    void take("bulk", 1);
    void take("bulk", 2);
    void take("bulk", 3); // waits 60 s for the bulk window
    for (let i = 0; i < 3; i++) void take("general", 10 + i);
    await clock.advance(1);
    expect(released.map((r) => r.tag)).toEqual([1, 2, 10, 11, 12]);
    await clock.advance(59_998);
    expect(released.map((r) => r.tag)).not.toContain(3);
    await clock.advance(1);
    expect(released.map((r) => r.tag)).toContain(3);
    expect(released.find((r) => r.tag === 3)!.at).toBe(60_000);
  });

  it("limits single-contact bulk imports to a fifth of the bulk limit (20/min at 100/min)", async () => {
    const { clock, released, take } = setup(1000, 100);
    for (let i = 0; i < 25; i++) void take("bulk-single", i);
    await clock.advance(59_999);
    expect(released).toHaveLength(20);
    await clock.advance(1);
    expect(released).toHaveLength(25);
  });

  it("spread: bulk imports one per window ÷ capacity (600 ms at 100/min), polls no closer than 200 ms at 4/s, no burst", async () => {
    const { clock, released, take } = setup(4, 100, { spread: true });
    let stop = false;
    const loop = async (kind: "general" | "bulk") => {
      while (!stop) await take(kind);
    };
    void loop("bulk");
    for (let i = 0; i < 3; i++) void loop("general");
    for (let s = 0; s < 120; s++) await clock.advance(1000);
    stop = true;
    const all = released.map((r) => r.at);
    const bulk = released.filter((r) => r.kind === "bulk").map((r) => r.at);
    // No burst of the window's 100 at the start: the bulk floor from the first second, never more.
    expect(bulk.slice(0, 4)).toEqual([0, 600, 1200, 1800]);
    expect(maxInWindow(bulk, 60_000)).toBeLessThanOrEqual(100);
    expect(bulk.length).toBeGreaterThanOrEqual(199);
    // Two polls never closer than 200 ms, never more than 2 requests within 200 ms (a bulk import is held only by its
    // own grid), at most 4 in any second, and the whole 4/s used.
    const polls = released.filter((r) => r.kind === "general").map((r) => r.at);
    expect(Math.min(...polls.slice(1).map((t, i) => t - polls[i]!))).toBeGreaterThanOrEqual(200);
    expect(maxInWindow(all, 200)).toBeLessThanOrEqual(2);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(4);
    expect(all.length).toBeGreaterThanOrEqual(4 * 120 * 0.97);
  });

  it("spread: bulk imports late on their grid (an event-loop stall) catch up by up to 4, then keep the grid", async () => {
    const { clock, released, take } = setup(100, 100, { spread: true });
    for (let i = 0; i < 10; i++) void take("bulk", i);
    await flush();
    expect(released.map((r) => r.at)).toEqual([0]);
    // The process stalls for 5 spacings (its timer fires at 3000, not 600): the one due and 4 owed go at once, then
    // the grid again.
    (clock as unknown as { t: number }).t = 3000;
    await clock.advance(0);
    expect(released.map((r) => r.at)).toEqual([0, 3000, 3000, 3000, 3000, 3000]);
    await clock.advance(600);
    expect(released.map((r) => r.at).slice(6)).toEqual([3600]);
  });

  it("spaces fractional limits evenly (2.5/s → one every 400 ms)", async () => {
    const { clock, released, take } = setup(2.5, 100);
    for (let i = 0; i < 6; i++) void take("general", i);
    await clock.advance(3000);
    expect(released.map((r) => r.at)).toEqual([0, 400, 800, 1200, 1600, 2000]);
    expect(maxInWindow(released.map((r) => r.at), 1000)).toBeLessThanOrEqual(3);
  });

  it("divides windows by timeScale", async () => {
    const { clock, released, take } = setup(5, 100, { timeScale: 60 });
    for (let i = 0; i < 101; i++) void take("bulk", i);
    await clock.advance(999);
    expect(released).toHaveLength(100);
    await clock.advance(1);
    expect(released).toHaveLength(101);
    expect(maxInWindow(released.map((r) => r.at), 1000 / 60)).toBeLessThanOrEqual(5);
  });

  it("adds the safety margin to each window", async () => {
    const { clock, released, take } = setup(1, 100, { safetyMarginMs: 7 });
    void take("general");
    void take("general");
    await clock.advance(1006);
    expect(released).toHaveLength(1);
    await clock.advance(1);
    expect(released.map((r) => r.at)).toEqual([0, 1007]);
  });

  it("pause('all') holds every request, including ones already waiting, and is counted as throttled time", async () => {
    const { clock, budget, released, take } = setup(5, 100);
    void take("general", 1);
    await flush();
    budget.pause(2500);
    void take("general", 2);
    void take("bulk", 3);
    await clock.advance(2499);
    expect(released).toHaveLength(1);
    await clock.advance(1);
    expect(released.map((r) => r.tag)).toEqual([1, 3, 2]);
    expect(budget.throttledMs()).toBe(2500);
  });

  it("pause('bulk') holds only bulk imports", async () => {
    const { clock, budget, released, take } = setup(5, 100);
    budget.pause(10_000, "bulk");
    void take("bulk", 1);
    void take("general", 2);
    await clock.advance(1);
    expect(released.map((r) => r.tag)).toEqual([2]);
    await clock.advance(10_000);
    expect(released.map((r) => r.tag)).toEqual([2, 1]);
  });

  it("bulkWindowWaitMs is the time until the oldest bulk slot leaves the window (a whole window when none is logged)", async () => {
    const { clock, budget, take } = setup(5, 3);
    expect(budget.bulkWindowWaitMs()).toBe(60_000);
    void take("bulk");
    await clock.advance(10_000);
    void take("bulk");
    await clock.advance(5_000);
    expect(budget.bulkWindowWaitMs()).toBe(45_000);
  });

  it("rejects a waiter whose signal aborts, without disturbing the others", async () => {
    const { clock, budget, released, take } = setup(1, 100);
    void take("general", 1);
    const ac = new AbortController();
    const aborted = budget.acquire("general", ac.signal);
    void take("general", 3);
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    await clock.advance(1000);
    expect(released.map((r) => r.tag)).toEqual([1, 3]);
  });

  it("keeps a slot busy while its request is in flight, and for one window after the response (latency-proof)", async () => {
    const { clock, budget } = setup(2, 100);
    const a = await budget.acquire("general");
    const b = await budget.acquire("general");
    let cAt = -1;
    void budget.acquire("general").then((l) => {
      cAt = clock.now();
      l.done();
    });
    await clock.advance(5000); // both still in flight: the server may not even have counted them yet
    expect(cAt).toBe(-1);
    a.done();
    b.done(); // idempotent
    b.done();
    await clock.advance(999);
    expect(cAt).toBe(-1);
    await clock.advance(1);
    expect(cAt).toBe(6000);
  });

  it("defaults to a 2 ms safety margin", async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requestsPerSecond: 1, bulkRequestsPerMinute: 100, clock });
    (await budget.acquire()).done();
    let at = -1;
    void budget.acquire().then(() => (at = clock.now()));
    await clock.advance(1001);
    expect(at).toBe(-1);
    await clock.advance(1);
    expect(at).toBe(1002);
  });

  it("learns from a refusal: the ceiling drops to what the server allowed, then grows back 1, 2, 4… per quiet window", async () => {
    const { clock, budget } = setup(1000, 100);
    const leases = [];
    for (let i = 0; i < 4; i++) leases.push(await budget.acquire("bulk"));
    for (const l of leases.slice(0, 3)) l.done(); // 3 admitted at t=0 (free at 60 000)
    await clock.advance(10);
    // The 4th is refused although our count had room (another integration uses the account's bulk budget).
    expect(leases[3]!.rateLimited("bulk")).toBe(3);
    expect(budget.ceilings().bulk).toBe(3);
    const released: number[] = [];
    for (let i = 0; i < 5; i++) void budget.acquire("bulk").then((l) => (released.push(clock.now()), l.done()));
    await clock.advance(59_989);
    expect(released).toEqual([]); // not a herd: nothing until one of ours leaves the window
    await clock.advance(1);
    expect(released).toEqual([60_000, 60_000, 60_000]); // the three slots the server showed, as they free
    expect(budget.ceilings().bulk).toBe(3);
    await clock.advance(10);
    expect(budget.ceilings().bulk).toBe(4); // a whole window since the refusal: one more
    expect(released).toEqual([60_000, 60_000, 60_000, 60_010]);
    await clock.advance(60_000);
    expect(budget.ceilings().bulk).toBe(6);
    expect(released).toHaveLength(5);
    await clock.advance(60_000);
    expect(budget.ceilings().bulk).toBe(10);
    await clock.advance(4 * 60_000);
    expect(budget.ceilings().bulk).toBe(100); // 10 → 18 → 34 → 66 → 100
    // Another refusal starts the probing over.
    const l = await budget.acquire("bulk");
    l.done();
    expect(l.rateLimited("bulk")).toBe(0);
    expect(budget.ceilings().bulk).toBe(1);
  });

  it("validates its limits", () => {
    expect(() => new RateBudget({ requestsPerSecond: 0, bulkRequestsPerMinute: 100 })).toThrow(/requestsPerSecond/);
    expect(() => new RateBudget({ requestsPerSecond: 5, bulkRequestsPerMinute: Number.NaN })).toThrow(/bulkRequestsPerMinute/);
  });
});
