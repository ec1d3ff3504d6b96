// Code shape: no function longer than 150 lines in the contract, the constructs and the review (the developer
// guide's rule). Measured with the TypeScript parser, so nested functions and methods count on their own.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const MAX_LINES = 150;

function tsFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => (name.endsWith(".ts") || !name.includes(".") ? tsFiles(join(path, name)) : []));
}

/** "file:line name (N lines)" for every function of `file` longer than MAX_LINES. */
function longFunctions(file: string, text = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
      if (last - first + 1 > MAX_LINES) found.push(`${relative(root, file)}:${first + 1} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("function length", () => {
  it.each(["runner/config.ts", "runner/config", "constructs", "runner/review", "runner/commands/review.ts", "main.ts"])(
    `no function in %s is longer than ${MAX_LINES} lines`,
    (path) => expect(tsFiles(join(root, path)).flatMap((f) => longFunctions(f))).toEqual([]),
  );

  it("counts a function's lines from its first to its last line", () => {
    const fn = (lines: number) => `function tooLong() {\n${Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join("\n")}\n}\n`;
    const file = join(root, "example.ts");
    expect(longFunctions(file, fn(150))).toEqual([]);
    expect(longFunctions(file, fn(151))).toEqual(["example.ts:1 tooLong (151 lines)"]);
    expect(longFunctions(file, `class A {\n  method() {\n${fn(151)}  }\n}\n`)).toEqual(["example.ts:2 method (153 lines)", "example.ts:3 tooLong (151 lines)"]);
  });
});
