// The house rules of DESIGN.md: the runner never imports cdktf/constructs/providers; constructs import only
// the contract (runner/config.ts and runner/config/) from the runner; provider bindings only by deep path, and only in
// constructs/; the sync engine (runner/sync/) never imports the command line (runner/cli/, runner/commands/), which
// wires and drives it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
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

/** Imports from `<base>/runner/sync/` that resolve into runner/cli/, runner/commands/ or runner/cli.ts. */
function commandLineImports(base: string): string[] {
  const commandLine = ["runner/cli", "runner/commands"].map((d) => join(base, d));
  return tsFiles(join(base, "runner/sync"))
    .sort()
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith("."))
        .map((i) => resolve(dirname(f), i).replace(/\.(js|ts)$/, ""))
        .filter((target) => commandLine.some((d) => target === d || target.startsWith(`${d}/`)))
        .map((target) => `${relative(base, f)} → ${relative(base, target)}`),
    );
}

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

  it("the sync engine (runner/sync/) imports nothing from the command line (runner/cli/, runner/commands/, runner/cli.ts)", () => {
    expect(commandLineImports(root)).toEqual([]);
  });

  it("the engine check catches an import that runs back up to the command line", () => {
    const tree = mkdtempSync(join(tmpdir(), "boundaries-"));
    try {
      mkdirSync(join(tree, "runner/sync/deep"), { recursive: true });
      writeFileSync(join(tree, "runner/sync/ok.ts"), 'import { x } from "./state.js";\nimport { EXIT } from "../errors.js";\n');
      writeFileSync(join(tree, "runner/sync/bad.ts"), 'import type { Io } from "../cli/command.js";\nexport { command } from "../commands/run.js";\n');
      writeFileSync(join(tree, "runner/sync/deep/lazy.ts"), 'const m = await import("../../cli.js");\n');
      expect(commandLineImports(tree)).toEqual([
        "runner/sync/bad.ts → runner/cli/command",
        "runner/sync/bad.ts → runner/commands/run",
        "runner/sync/deep/lazy.ts → runner/cli",
      ]);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it("provider bindings are imported only in constructs/", () => {
    const files = [...tsFiles(join(root, "runner")), join(root, "main.ts"), join(root, "index.ts")];
    const offenders = files.flatMap((f) => importsOf(f).filter((i) => i.startsWith("@cdktf/provider-")).map((i) => `${relative(root, f)} → ${i}`));
    expect(offenders).toEqual([]);
  });
});
