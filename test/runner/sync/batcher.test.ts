import { describe, expect, it } from "vitest";
import { Batcher, MAX_BATCH_BYTES } from "../../../runner/sync/batcher.js";

describe("Batcher", () => {
  it("cuts batches at 250 contacts", () => {
    const b = new Batcher<number>();
    const batches: number[][] = [];
    for (let i = 0; i < 600; i++) {
      const full = b.add({ email: `u${i}@x.io` }, i);
      if (full) batches.push(full.map((x) => x.meta));
    }
    batches.push(b.flush()!.map((x) => x.meta));
    expect(batches.map((x) => x.length)).toEqual([250, 250, 100]);
    expect(batches.flat()).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it("cuts batches before the serialized request reaches 400,000 bytes", () => {
    const b = new Batcher<number>();
    const big = "x".repeat(3000);
    const sizes: number[] = [];
    for (let i = 0; i < 400; i++) {
      const full = b.add({ email: `u${i}@x.io`, first_name: big }, i);
      if (full) sizes.push(Buffer.byteLength(JSON.stringify({ contacts: full.map((f) => f.contact) })));
    }
    expect(sizes.length).toBeGreaterThan(1);
    for (const s of sizes) expect(s).toBeLessThan(400_000);
    expect(Math.max(...sizes)).toBeGreaterThan(MAX_BATCH_BYTES - 4000);
  });

  it("knows when one contact alone is too large", () => {
    expect(Batcher.fits({ email: "a@x.io", first_name: "x".repeat(500_000) })).toBe(false);
    expect(Batcher.fits({ email: "a@x.io" })).toBe(true);
  });
});
