// The README's list of error codes is the public contract: it names every code of runner/errors.ts with its exit code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../runner/errors.js";

describe("README error codes", () => {
  it("lists every code with the exit code it maps to, and no other", () => {
    const readme = readFileSync("README.md", "utf8");
    const list = readme.slice(readme.indexOf("Codes and their exit codes:"), readme.indexOf("(the list lives in `runner/errors.ts`)"));
    const documented: Record<string, number> = {};
    for (const group of list.split(";")) {
      const exit = /→ (\d)/.exec(group);
      if (!exit) continue;
      for (const m of group.matchAll(/`([A-Z_]+)`/g)) documented[m[1]!] = Number(exit[1]);
    }
    expect(documented).toEqual({ ...ERROR_CODES });
  });
});
