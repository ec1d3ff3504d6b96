// Bundles the runner (runner/cli.ts) into one ESM file, dist/ac-export.mjs: the `ac-export` bin and the file the
// Azure job downloads and runs. No cdktf, constructs or provider code may end up in it.
import { build } from "esbuild";
import { statSync } from "node:fs";

const outfile = "dist/ac-export.mjs";
const result = await build({
  entryPoints: ["runner/cli.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: process.argv.includes("--minify"),
  sourcemap: false,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __acCreateRequire } from 'node:module'; const require = __acCreateRequire(import.meta.url);" },
});
const forbidden = Object.keys(result.metafile.inputs).filter((p) => /node_modules\/(cdktf|constructs|@cdktf)\//.test(p));
if (forbidden.length) {
  console.error(`runner bundle must not contain cdktf/constructs/provider code; found:\n${forbidden.join("\n")}`);
  process.exit(1);
}
if (!process.argv.includes("--quiet")) {
  console.log(`built ${outfile} (${(statSync(outfile).size / 1024).toFixed(0)} KiB)`);
}
