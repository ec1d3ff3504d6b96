import { describe, expect, it } from "vitest";
import { redacting, safeOutput } from "../../../runner/cli/redacting.js";

describe("what a command writes", () => {
  it("keeps the progress line's own prefix and drops every other control sequence", () => {
    expect(safeOutput("\r\x1b[Kreading segment · 10 rows read")).toBe("\r\x1b[Kreading segment · 10 rows read");
    expect(safeOutput('warning: list "VIP\x1b]0;owned\x07\x1b[2J" has no members\n')).toBe('warning: list "VIP" has no members\n');
    expect(safeOutput("line one\n\tline two\n")).toBe("line one\n\tline two\n");
    expect(safeOutput("a\u009b31mb")).toBe("ab");
  });

  it("never writes the key, even split across what the command printed", () => {
    const written: string[] = [];
    const out = redacting({ write: (s: string) => written.push(s), isTTY: true }, "canary-key-1234");
    out.write("error: canary-key-1234 rejected\n");
    expect(written).toEqual(["error: *** rejected\n"]);
    expect(out.isTTY).toBe(true);
  });
});
