// Tests that spawn `ac-export` run the shipped bundle, so build it once per test run (esbuild: well under a second).
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build-runner.mjs", "--quiet"], { stdio: "inherit" });
}
