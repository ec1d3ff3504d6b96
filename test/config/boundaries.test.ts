// The house rules of DESIGN.md: the runner never imports cdktf/constructs/providers; constructs import only
// the contract (runner/config.ts and runner/config/) from the runner; provider bindings only by deep path, and only in constructs/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );

describe("import boundaries", () => {
  it("runner/ imports no cdktf, constructs or provider code", () => {
    const offenders = tsFiles(join(root, "runner")).flatMap((f) =>
      importsOf(f)
        .filter((i) => /^(cdktf|constructs|@cdktf\/)/.test(i) || i.includes("constructs/"))
        .map((i) => `${relative(root, f)} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it("constructs/ imports only the contract (runner/config.ts, runner/config/) from the runner, and providers by deep path", () => {
    const offenders = tsFiles(join(root, "constructs")).flatMap((f) =>
      importsOf(f)
        .filter((i) => (i.includes("runner/") && !/runner\/config(\.js|\/[a-z-]+\.js)$/.test(i)) || i === "@cdktf/provider-azurerm")
        .map((i) => `${relative(root, f)} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it("the contract (runner/config/) imports nothing of the runner but itself and runner/errors.ts", () => {
    const offenders = tsFiles(join(root, "runner/config")).flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith(".") && !/^\.\/[a-z-]+\.js$/.test(i) && i !== "../errors.js")
        .map((i) => `${relative(root, f)} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it("provider bindings are imported only in constructs/", () => {
    const files = [...tsFiles(join(root, "runner")), join(root, "main.ts"), join(root, "index.ts")];
    const offenders = files.flatMap((f) => importsOf(f).filter((i) => i.startsWith("@cdktf/provider-")).map((i) => `${relative(root, f)} → ${i}`));
    expect(offenders).toEqual([]);
  });
});
