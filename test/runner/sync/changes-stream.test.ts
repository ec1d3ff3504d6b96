// changes.csv is streamed to the store (a 10,000,000-contact run makes ~550 MB of it): a small one is made once and
// kept for its second copy, a big one is made again, never held whole.
import { describe, expect, it } from "vitest";
import { keptWhileSmall } from "../../../runner/commands/sync-artifacts.js";

async function collect(stream: () => AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream()) parts.push(chunk);
  return Buffer.concat(parts).toString("utf8");
}

function counted(chunks: string[]) {
  const made = { times: 0 };
  const make = async function* () {
    made.times++;
    for (const c of chunks) yield Buffer.from(c);
  };
  return { made, make };
}

describe("changes.csv stream", () => {
  it("keeps a small artifact's chunks for the second copy: made once, both copies equal", async () => {
    const { made, make } = counted(["a,b\n", "1,2\n"]);
    const stream = keptWhileSmall(make, 100);
    expect(await collect(stream)).toBe("a,b\n1,2\n");
    expect(await collect(stream)).toBe("a,b\n1,2\n");
    expect(made.times).toBe(1);
  });

  it("makes a big artifact again for the second copy instead of holding it", async () => {
    const { made, make } = counted(["x".repeat(60), "y".repeat(60)]);
    const stream = keptWhileSmall(make, 100);
    expect(await collect(stream)).toBe(`${"x".repeat(60)}${"y".repeat(60)}`);
    expect(await collect(stream)).toBe(`${"x".repeat(60)}${"y".repeat(60)}`);
    expect(made.times).toBe(2);
  });
});
