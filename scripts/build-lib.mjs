// Builds the constructs API (the package root) in both module formats, so an ESM app and a CommonJS app (the
// project `cdktf init --template=typescript` makes: module commonjs, run by ts-node) load it on every supported Node
// without require(esm):
//   dist/lib/  ESM: tsc's output, JS and declarations (the `import` condition);
//   dist/cjs/  CommonJS: one esbuild bundle of index.ts plus a copy of the declarations (the `require` condition,
//              `main` and `types`). dist/cjs/package.json says "commonjs", so Node and TypeScript read its .js and
//              .d.ts files as CommonJS inside this "type": "module" package.
// Bare imports stay imports: cdktf, constructs and @cdktf/provider-azurerm are peer dependencies (the app's one
// copy, so constructs share one tree), and zod is a dependency because ExportConfig's public types come from it.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { cpSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const ESM_DIR = "dist/lib";
const CJS_DIR = "dist/cjs";
rmSync(ESM_DIR, { recursive: true, force: true });
rmSync(CJS_DIR, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });

const result = await build({
  entryPoints: ["index.ts"],
  outfile: `${CJS_DIR}/index.js`,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "cjs",
  target: "node20",
  legalComments: "none",
  logLevel: "silent",
  // The constructs find the runner bundle from their own location (import.meta.url), which CommonJS spells
  // differently; esbuild would otherwise leave it empty.
  define: {
    "import.meta.url": "__acImportMetaUrl",
    "import.meta.dirname": "__dirname",
    "import.meta.filename": "__filename",
  },
  banner: { js: 'const __acImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});
// A warning here (an unsupported import.meta property, a top-level await, …) means the CommonJS build differs from
// the ESM one: fail rather than ship it.
if (result.warnings.length) {
  for (const w of result.warnings) console.error(`${w.location?.file ?? ""}:${w.location?.line ?? ""} ${w.text}`);
  console.error(`the CommonJS build of the constructs API has ${result.warnings.length} warning(s); fix them`);
  process.exit(1);
}
cpSync(ESM_DIR, CJS_DIR, { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith(".d.ts") });
writeFileSync(`${CJS_DIR}/package.json`, `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

if (!process.argv.includes("--quiet")) {
  console.log(`built ${ESM_DIR}/ (ESM) and ${CJS_DIR}/index.js (CommonJS, ${(statSync(`${CJS_DIR}/index.js`).size / 1024).toFixed(0)} KiB)`);
}
