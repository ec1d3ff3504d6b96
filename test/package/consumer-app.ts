// Helpers for the packaging test: pack the current tree the way a fresh checkout would be packed, and make a fresh
// app in the shape `cdktf init --template=typescript` gives (read from cdktf-cli's own template), CommonJS or ESM,
// that installs the tarball with npm and no network.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export type ConsumerKind = "commonjs" | "esm";

/** PACK_TEST_NODE_DIR: a folder holding another `node` binary (the engines floor, say) to run the apps with. */
export const NODE_DIR = process.env.PACK_TEST_NODE_DIR;

/** npm's offline mode: no network request; what is not in the local npm cache fails with ENOTCACHED. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: NODE_DIR ? `${NODE_DIR}:${process.env.PATH ?? ""}` : process.env.PATH,
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...extra,
  };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (asynchronously, so the two apps can be set up side by side), killed after `timeoutMs`. */
export function run(cmd: string, args: string[], cwd: string, opts: { env?: NodeJS.ProcessEnv; shell?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: opts.env ?? offlineEnv(), shell: opts.shell ?? false, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 180_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
  });
}

async function ok(pending: Promise<RunResult>, what: string): Promise<string> {
  const r = await pending;
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Copies the current tree (tracked and new files, as git sees them, without dist/) to `dest`, gives it the
 * project's installed node_modules, and runs `npm pack` there: npm runs `prepare`, as `npm ci` does, so the
 * tarball holds exactly what a fresh checkout builds. Packing a copy leaves this tree's dist/ alone for other tests.
 */
export async function packCurrentTree(root: string, dest: string, outDir: string): Promise<{ tarball: string; files: string[] }> {
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" });
  for (const file of listed.split("\0")) {
    if (!file || file === "node_modules" || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(join(root, file), join(dest, file));
  }
  symlinkSync(join(root, "node_modules"), join(dest, "node_modules"), "dir");
  const out = await ok(run("npm", ["pack", "--json", "--pack-destination", outDir], dest), "npm pack");
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no result: ${out}`);
  return { tarball: join(outDir, info.filename), files: info.files.map((f) => f.path).sort() };
}

/** The README's `main.ts`: the first ```ts block after the "pack-test: main.ts" marker, verbatim. */
export function readmeMainTs(root: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf("<!-- pack-test: main.ts");
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !block?.[1]) throw new Error('README.md has no ```ts block after "<!-- pack-test: main.ts"');
  return block[1];
}

/** Where the project's own install has `name` (peers and tools are linked from there, not downloaded). */
function installedDir(root: string, name: string): string {
  const paths = createRequire(join(root, "package.json")).resolve.paths(name) ?? [];
  const dir = paths.map((p) => join(p, name)).find((d) => existsSync(join(d, "package.json")));
  if (!dir) throw new Error(`${name} is not installed in ${root}: run npm ci`);
  return dir;
}

/**
 * A fresh app from cdktf-cli's TypeScript template (package.json, tsconfig.json, cdktf.json as `cdktf init` writes
 * them; ESM: "type": "module", NodeNext and tsx instead of ts-node) with the README's main.ts. Its existing
 * dependencies (cdktf, constructs, the provider bindings, the tools) are the project's installed copies, linked with
 * `file:`; then `npm install --offline <tarball>` adds the package as the README says, and npm checks the peer
 * ranges against those copies. The tarball is all npm unpacks: zod, its one dependency, is bundled inside it.
 */
export async function makeConsumerApp(root: string, dir: string, kind: ConsumerKind, tarball: string, mainTs: string): Promise<void> {
  const template = join(installedDir(root, "cdktf-cli"), "bundle/templates/typescript");
  const fill = (text: string) =>
    text.replaceAll("{{ $base }}", "marketing-exports").replaceAll("{{projectId}}", "00000000-0000-4000-8000-000000000000")
      .replaceAll("{{sendCrashReports}}", "false").replaceAll("{{futureFlags}}", "");
  mkdirSync(dir, { recursive: true });

  const pkg = JSON.parse(fill(readFileSync(join(template, "package.json"), "utf8"))) as Record<string, unknown>;
  const link = (name: string) => `file:${installedDir(root, name)}`;
  const tools = kind === "commonjs" ? ["ts-node", "typescript", "@types/node"] : ["tsx", "typescript", "@types/node"];
  Object.assign(pkg, kind === "esm" ? { type: "module" } : {}, {
    dependencies: { cdktf: link("cdktf"), constructs: link("constructs"), "@cdktf/provider-azurerm": link("@cdktf/provider-azurerm") },
    devDependencies: Object.fromEntries(tools.map((t) => [t, link(t)])),
  });
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2));

  const tsconfig = JSON.parse(readFileSync(join(template, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  if (kind === "esm") Object.assign(tsconfig.compilerOptions, { module: "NodeNext", moduleResolution: "NodeNext" });
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));

  const cdktf = JSON.parse(fill(readFileSync(join(template, "cdktf.json"), "utf8"))) as Record<string, unknown>;
  if (kind === "esm") cdktf.app = "node --import tsx main.ts";
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify(cdktf, null, 2));
  writeFileSync(join(dir, "main.ts"), mainTs);

  // --ignore-scripts: npm runs the `prepare` script of a file: link (ts-node has one) inside the project's own
  // node_modules. The package itself has no install script (npm does not run `prepare` for a tarball).
  const npmInstall = (...args: string[]) => run("npm", ["install", "--offline", "--ignore-scripts", ...args], dir);
  await ok(npmInstall(), `npm install (${kind} app before the package)`);
  // Two steps, as a team adds the package to an existing app (in one step, npm 11.19 fails placing peers next to
  // file: links: "Cannot read properties of null (reading 'matches')").
  await ok(npmInstall(tarball), `npm install ${tarball} (${kind})`);
}

/** Runs cdktf.json's app command as the cdktf CLI does (a shell command, CDKTF_OUTDIR set), offline. */
export function synth(dir: string, outdir: string): Promise<RunResult> {
  const { app } = JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")) as { app: string };
  return run(app, [], dir, { shell: true, env: offlineEnv({ CDKTF_OUTDIR: outdir }) });
}
