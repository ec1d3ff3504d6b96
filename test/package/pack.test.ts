// The package as a platform team installs it: `npm pack` of the current tree (npm runs `prepare`, as `npm ci` does),
// the tarball installed with no network into fresh cdktf-template apps, one CommonJS (ts-node, the template as
// `cdktf init` makes it) and one ESM (tsx), each running the README's main.ts verbatim as cdktf.json's app command,
// then `ac-export review` on the output, and the runner bundle found in it. The apps run on this Node, or on the
// one in PACK_TEST_NODE_DIR (README "Use it from your repo" says which versions were checked).
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsumerKind, makeConsumerApp, NODE_DIR, packCurrentTree, readmeMainTs, run, type RunResult, synth } from "./consumer-app.js";

const root = resolve(import.meta.dirname, "../..");
const KINDS: ConsumerKind[] = ["commonjs", "esm"];
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

interface Consumer {
  app: string;
  out: string;
  synth: RunResult;
  /** The ESM app's type check (tsx runs main.ts without one; ts-node checks the CommonJS app as it runs). */
  typecheck?: RunResult;
  stack: Record<string, any>;
}

let work: string;
let packed: { tarball: string; files: string[] };
const consumers = {} as Record<ConsumerKind, Consumer>;

async function setUp(kind: ConsumerKind): Promise<Consumer> {
  const app = join(work, kind);
  const out = join(app, "cdktf.out");
  await makeConsumerApp(root, app, kind, packed.tarball, readmeMainTs(root));
  const [synthRun, typecheck] = await Promise.all([
    synth(app, out),
    kind === "esm" ? run(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "."], app) : undefined,
  ]);
  const file = join(out, "stacks/marketing-exports/cdk.tf.json");
  return { app, out, synth: synthRun, typecheck, stack: existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {} };
}

// One pack, then both apps side by side (2 cores: npm, ts-node and tsc wait on disk as much as on CPU).
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ac-pack-"));
  mkdirSync(join(work, "src"));
  packed = await packCurrentTree(root, join(work, "src"), work);
  const ready = await Promise.all(KINDS.map(setUp));
  KINDS.forEach((kind, i) => (consumers[kind] = ready[i]!));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm pack", () => {
  it("ships the runner bundle and the constructs API as ESM and CommonJS, with types", () => {
    expect(packed.files).toEqual(expect.arrayContaining([
      "README.md",
      "dist/ac-export.mjs",
      "dist/cjs/index.d.ts",
      "dist/cjs/index.js",
      "dist/cjs/package.json",
      "dist/lib/constructs/index.d.ts",
      "dist/lib/constructs/index.js",
      "dist/lib/index.d.ts",
      "dist/lib/index.js",
      "package.json",
    ]));
    // Besides dist/, only zod (bundled: see package.json bundleDependencies) and what npm always adds.
    const others = packed.files.filter((f) => !f.startsWith("dist/") && !f.startsWith("node_modules/zod/"));
    expect(others).toEqual(["README.md", "package.json"]);
    expect(packed.files).toContain("node_modules/zod/package.json");
  });

  it("is publishable, with the Azure SDK, hyparquet and undici bundled rather than installed", () => {
    const pkg = JSON.parse(readFileSync(join(work, "src/package.json"), "utf8"));
    expect(pkg.private).toBeUndefined();
    expect(pkg.dependencies).toEqual({ zod: expect.any(String) });
    expect(pkg.bundleDependencies).toEqual(["zod"]);
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(["@cdktf/provider-azurerm", "cdktf", "constructs"]);
    expect(pkg.exports["."]).toEqual({
      import: { types: "./dist/lib/index.d.ts", default: "./dist/lib/index.js" },
      require: { types: "./dist/cjs/index.d.ts", default: "./dist/cjs/index.js" },
    });
    expect(pkg.scripts.prepare).toContain("scripts/build-lib.mjs");
  });
});

describe.each<ConsumerKind>(KINDS)("a fresh cdktf app (%s) with the tarball installed offline", (kind) => {
  const jobEnv = () => {
    const jobs = Object.values(consumers[kind].stack.resource.azurerm_container_app_job) as any[];
    expect(jobs).toHaveLength(1);
    return Object.fromEntries(jobs[0].template.container[0].env.map((e: any) => [e.name, e.value]));
  };

  it("runs on the Node under test (this one, or PACK_TEST_NODE_DIR's)", async () => {
    const expected = NODE_DIR ? (await run(join(NODE_DIR, "node"), ["--version"], work)).stdout : `${process.version}\n`;
    expect((await run("node", ["--version"], consumers[kind].app)).stdout).toBe(expected);
  });

  it("installs no runner library (Azure SDK, hyparquet, undici): only the package, with zod inside it", () => {
    const { app } = consumers[kind];
    const modules = readdirSync(join(app, "node_modules")).filter((d) => !d.startsWith("."));
    expect(modules.sort()).toEqual(["@cdktf", "@types", "activecampaign-exports", "cdktf", "constructs", kind === "commonjs" ? "ts-node" : "tsx", "typescript"]);
    expect(readdirSync(join(app, "node_modules/activecampaign-exports/node_modules"))).toEqual(["zod"]);
  });

  it("type-checks and synthesizes the README's main.ts with cdktf.json's app command", () => {
    const { synth: r, typecheck, stack } = consumers[kind];
    if (typecheck) expect(typecheck.stdout + typecheck.stderr).toBe("");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(stack.provider).toEqual({ azurerm: [{ features: [{}], storage_use_azuread: true }] });
    expect(JSON.parse(jobEnv().AC_EXPORT_CONFIG)).toMatchObject({
      name: "vip-newsletter",
      connection: { name: "marketing-eu", hostname: "contoso.api-us1.com" },
      listId: 12,
      onLeave: "unsubscribe",
    });
  });

  it("uploads the installed package's runner bundle, pinned by its SHA-256; its path resolves as the README says", async () => {
    const { app, out } = consumers[kind];
    const bundle = join(app, "node_modules/activecampaign-exports/dist/ac-export.mjs");
    const resolved = await run("node", ["-p", 'require.resolve("activecampaign-exports/ac-export.mjs")'], app);
    expect(resolved.stdout).toBe(`${bundle}\n`);
    const assets = join(out, "stacks/marketing-exports/assets");
    const [assetDir] = readdirSync(assets);
    const [hashDir] = readdirSync(join(assets, assetDir!));
    expect(sha256(join(assets, assetDir!, hashDir!, "ac-export.mjs"))).toBe(sha256(bundle));
    expect(jobEnv().AC_EXPORT_RUNNER_SHA256).toBe(sha256(bundle));
  });

  it("reviews the output with the installed ac-export, as the README runs it", async () => {
    const r = await run("npx", ["ac-export", "review", "cdktf.out"], consumers[kind].app);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| vip-newsletter | `marketing-eu` | `contoso.api-us1.com` | 12 | `0 3 * * *` every day at 03:00 UTC | yes |");
  });
});
