import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../runner/ac/backoff.js";
import { parseRetryAfter } from "../../../runner/ac/retry-after.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  it.each([
    ["30", 30_000],
    ["0", 0],
    [" 2 ", 2000],
    ["0.5", 500],
    ["0.0167", 17], // a time-scaled sandbox
    ["1.25", 1250],
    ["Sun, 01 Mar 2026 12:00:10 GMT", 10_000],
    ["Sun, 01 Mar 2026 11:59:00 GMT", 0], // in the past
  ])("%j → %d ms", (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it.each([[undefined], [""], ["soon"], ["-1"], ["1e3"], ["12abc"]])("%j → undefined", (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });

  it("takes the first of repeated headers", () => {
    expect(parseRetryAfter(["3", "9"], now)).toBe(3000);
  });
});

describe("backoffDelay", () => {
  it("is full jitter under a capped exponential ceiling", () => {
    const opts = { baseMs: 500, capMs: 30_000 };
    expect([0, 1, 2, 3, 6, 7, 20].map((r) => backoffDelay(r, opts, () => 0.999999))).toEqual([499, 999, 1999, 3999, 29_999, 29_999, 29_999]);
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(4000);
    }
  });
});
