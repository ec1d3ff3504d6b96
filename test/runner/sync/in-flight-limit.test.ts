// The in-flight cap follows what the run observes (REAL-ACCOUNT.md F4): behind a queue it settles at about a minute
// of the importer's work; without a queue it grows; failures halve it.
import { describe, expect, it } from "vitest";
import { INITIAL_IN_FLIGHT, InFlightLimit, MAX_IN_FLIGHT, MIN_IN_FLIGHT } from "../../../runner/sync/in-flight-limit.js";

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("the in-flight limit", () => {
  it("behind a serial queue of 10 batches/min, settles at about a minute of work", () => {
    const c = clock();
    const limit = new InFlightLimit(1, c.now);
    // Each batch takes 6 s to process and waits behind the ones before it: latency grows with the queue.
    for (let i = 1; i <= 40; i++) {
      c.advance(6_000);
      limit.settled(false, 6_000 * Math.min(i, limit.value));
    }
    expect(limit.value).toBeGreaterThanOrEqual(9);
    expect(limit.value).toBeLessThanOrEqual(12);
  });

  it("grows while batches settle as fast as the fastest (no queue), up to the maximum", () => {
    const c = clock();
    const limit = new InFlightLimit(1, c.now);
    for (let i = 0; i < 400; i++) {
      c.advance(600);
      limit.settled(false, 2_000);
    }
    expect(limit.value).toBe(MAX_IN_FLIGHT);
  });

  it("halves on a failed import, never below the minimum", () => {
    const limit = new InFlightLimit(1, clock().now);
    expect(limit.value).toBe(INITIAL_IN_FLIGHT);
    limit.settled(true);
    expect(limit.value).toBe(INITIAL_IN_FLIGHT / 2);
    for (let i = 0; i < 5; i++) limit.settled(true);
    expect(limit.value).toBe(MIN_IN_FLIGHT);
  });
});
