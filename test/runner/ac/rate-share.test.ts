// The rate budget's changing rates (issue #12): a share of the connection's budget, and AIMD cuts on rate signals.
import { describe, expect, it } from "vitest";
import type { RateChange } from "../../../runner/ac/adaptive-rate.js";
import { RateBudget } from "../../../runner/ac/rate-budget.js";
import { FakeClock, flush, maxInWindow } from "./fake-clock.js";

function setup(rps = 4, bpm = 100) {
  const clock = new FakeClock();
  const changes: RateChange[] = [];
  const budget = new RateBudget({ requestsPerSecond: rps, bulkRequestsPerMinute: bpm, clock, safetyMarginMs: 0, onRateChange: (c) => changes.push(c) });
  const sent: number[] = [];
  let stop = false;
  /** `n` loops that always have a general request waiting (latency 0). */
  const saturate = (n: number) => {
    for (let i = 0; i < n; i++) {
      void (async () => {
        while (!stop) {
          const lease = await budget.acquire("general").catch(() => undefined);
          if (!lease) return;
          sent.push(clock.now());
          lease.done();
        }
      })();
    }
  };
  const count = (from: number, to: number) => sent.filter((t) => t >= from && t < to).length;
  return { clock, budget, changes, sent, saturate, count, end: () => ((stop = true), budget.cancelAll(new Error("end"))) };
}

describe("RateBudget shares and rate signals", () => {
  it("uses its share of the connection's budget, and the whole configured rate again when the share grows back", async () => {
    const { clock, budget, changes, sent, saturate, count, end } = setup(4);
    saturate(10);
    await clock.advance(3000);
    expect(count(0, 3000)).toBe(12);
    budget.setShare({ requestsPerSecond: 2, bulkRequestsPerMinute: 50 });
    await clock.advance(10_000);
    // Slots already busy stay busy for their window: 2/s from the first window after the change.
    expect(count(4000, 13_000)).toBe(18);
    budget.setShare({ requestsPerSecond: 9, bulkRequestsPerMinute: 500 }); // capped by the configuration
    await clock.advance(5000);
    expect(count(14_000, 18_000)).toBe(16);
    expect(maxInWindow(sent, 1000)).toBe(4);
    expect(changes.map((c) => [c.reason, c.requestsPerSecond, c.bulkRequestsPerMinute])).toEqual([
      ["share", 2, 50],
      ["share", 4, 100],
    ]);
    end();
  });

  it("a fractional share never lets a burst through when it changes (1.5/s → 4/s → 1/s)", async () => {
    const { clock, budget, sent, saturate, end } = setup(4);
    saturate(10);
    budget.setShare({ requestsPerSecond: 1.5, bulkRequestsPerMinute: 100 });
    await clock.advance(4321);
    budget.setShare({ requestsPerSecond: 4, bulkRequestsPerMinute: 100 });
    await clock.advance(2500);
    budget.setShare({ requestsPerSecond: 1, bulkRequestsPerMinute: 100 });
    await clock.advance(3000);
    expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(4);
    expect(maxInWindow(sent.filter((t) => t >= 6821 + 1000), 1000)).toBe(1);
    end();
  });

  it("drained() resolves once no more of the run's requests can count in a window than the lower share allows", async () => {
    const { clock, budget, saturate, end } = setup(4);
    saturate(10);
    await clock.advance(500);
    const lower = { requestsPerSecond: 2, bulkRequestsPerMinute: 100 };
    budget.setShare(lower);
    let at: number | undefined;
    void budget.drained(lower).then(() => (at = clock.now()));
    await clock.advance(400);
    expect(at).toBeUndefined(); // the 4 sent at 0 still count until 1000
    await clock.advance(700);
    expect(at).toBeGreaterThanOrEqual(1000);
    expect(at).toBeLessThanOrEqual(1010);
    end();
  });

  it("a share of 0 holds every request until a share allows some", async () => {
    const { clock, budget, sent, saturate, end } = setup(4);
    budget.setShare({ requestsPerSecond: 0, bulkRequestsPerMinute: 0 });
    saturate(3);
    await clock.advance(5000);
    expect(sent).toEqual([]);
    budget.setShare({ requestsPerSecond: 1, bulkRequestsPerMinute: 25 });
    await flush();
    expect(sent).toEqual([5000]);
    end();
  });

  it("a 503 near the ceiling halves the rate at once, once per window, then recovers an eighth per 5 quiet windows", async () => {
    const { clock, budget, changes, saturate, count, end } = setup(4);
    saturate(10);
    await clock.advance(1500);
    expect(budget.signal("503")).toBe(true);
    expect(budget.signal("503")).toBe(false); // the same overloaded window: no second cut
    expect(budget.rateStats()).toMatchObject({ slowDowns: 1, lowestRequestsPerSecond: 2, requestsPerSecond: 2 });
    await clock.advance(4999);
    // 2/s for the 5 quiet windows after the cut
    expect(count(3000, 6000)).toBe(6);
    await clock.advance(30_000);
    expect(changes.map((c) => `${c.reason}:${c.requestsPerSecond}`)).toEqual(["503:2", "recovered:2.5", "recovered:3", "recovered:3.5", "recovered:4"]);
    expect(count(30_000, 36_000)).toBe(24);
    end();
  });

  it("a 503 while the run is idle is a fault, not a rate signal", async () => {
    const { clock, budget, changes } = setup(4);
    const lease = await budget.acquire("general");
    lease.done();
    await clock.advance(1500);
    expect(budget.signal("503")).toBe(false);
    expect(changes).toEqual([]);
    expect(budget.rateStats().slowDowns).toBe(0);
  });

  it("one 403 is AC's intermittent fault; three within two windows near the ceiling are a storm", async () => {
    const { clock, budget, changes, saturate, end } = setup(4);
    saturate(10);
    await clock.advance(1000);
    expect(budget.signal("403")).toBe(false);
    await clock.advance(2500);
    expect(budget.signal("403")).toBe(false); // the first is out of the storm window by now
    await clock.advance(300);
    expect(budget.signal("403")).toBe(false);
    await clock.advance(300);
    expect(budget.signal("403")).toBe(true);
    expect(changes.map((c) => `${c.reason}:${c.requestsPerSecond}`)).toEqual(["403-storm:2"]);
    end();
  });

  it("repeated signals cut down to a floor of a sixteenth of the rate", async () => {
    const { clock, budget, saturate, end } = setup(4);
    saturate(10);
    for (let i = 0; i < 8; i++) {
      await clock.advance(4100);
      budget.signal("503");
    }
    expect(budget.rateStats().lowestRequestsPerSecond).toBe(0.25);
    end();
  });
});
