// Secrets: one canary API key goes through every path the runner has (success, rejected rows, plan, a rejected key,
// an unreachable API, faults with retries, a config that carries the key, bad input, a held lock, a killed run, debug
// output), through `ac-export validate` and `review`, and through main.ts synthesized as `cdktf synth` runs it with
// the canary in AC_API_KEY, TF_VAR_* and ARM_* variables. Every output, log line, report, state file (gunzipped) and
// synthesized file is searched for the canary, and for any 16-character piece of it.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { runRunner, type ProcResult } from "../bench/lib.js";
import { csvOf, ExportFixture, person, runIn } from "./helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CANARY = `canary${randomBytes(24).toString("hex")}`;
/** Every 16-character piece of the canary: a key cut, wrapped or partly masked is still a leak. */
const PIECES = Array.from({ length: CANARY.length - 15 }, (_, i) => CANARY.slice(i, i + 16));

function leaks(text: string): string[] {
  return PIECES.filter((p) => text.includes(p)).slice(0, 1);
}

/** All files under a folder, gunzipped when gzip. */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else {
      const body = readFileSync(path);
      let text = body.toString("latin1");
      if (body[0] === 0x1f && body[1] === 0x8b) text += gunzipSync(body).toString("latin1");
      out.push({ path, text });
    }
  }
  return out;
}

let sandbox: Sandbox;
const outputs: Array<{ what: string; r: ProcResult }> = [];
const dirs: string[] = [];
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, apiKey: CANARY, seed: 9 });
});
afterAll(async () => {
  await sandbox?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fixture(overrides = {}): ExportFixture {
  const f = new ExportFixture(sandbox, overrides);
  dirs.push(f.dir);
  return f;
}
async function record(what: string, p: Promise<ProcResult>, code: number | number[]): Promise<ProcResult> {
  const r = await p;
  outputs.push({ what, r });
  expect([code].flat(), `${what}: exit ${r.code}\n${r.stderr.slice(-1500)}`).toContain(r.code);
  return r;
}

describe("the API key never leaks", () => {
  it(
    "through every runner path: outputs, logs, reports, state",
    async () => {
      expect(sandbox.apiKey).toBe(CANARY);
      const f = fixture({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "50%" } });
      const people = Array.from({ length: 40 }, (_, i) => person(f, i));
      f.writeSegment(csvOf([...people, { email: "not-an-email" }]));
      await record("plan", runIn(f, "plan"), 0);
      await record("plan --json", runIn(f, "plan", ["--json"]), 0);
      await record("run with a rejected row (exit 3), --report-json", runIn(f, "run", ["--report-json", "report-copy.json"]), 3);
      f.writeSegment(csvOf(people.slice(0, 30).map((p) => ({ ...p, tier: "platinum" }))));
      await record("incremental run with leavers, --json", runIn(f, "run", ["--json"]), 0);
      await record("run with debug output on a failure (unreachable API)", runIn(f, "run", [], { extraEnv: { AC_API_URL: "http://127.0.0.1:1", AC_EXPORT_DEBUG: "1" } }), 1);
      await record("run with a rejected key (403)", runIn(f, "run", [], { extraEnv: { AC_API_KEY: `${CANARY}x` } }), 1);
      await record("plan with a rejected key (403)", runIn(f, "plan", ["--json"], { extraEnv: { AC_API_KEY: `x${CANARY}` } }), 1);

      sandbox.inspect.setFaults("429:0.1,503:0.1,reset:0.05,html504:0.05,bulkfail:0.1");
      f.writeSegment(csvOf(Array.from({ length: 600 }, (_, i) => person(f, i, "silver"))));
      f.writeConfig({ limits: { maxRemovalsPerRun: "100%" } });
      await record("run through faults and retries", runIn(f, "run"), [0, 3]);
      sandbox.inspect.setFaults(null);

      // Killed mid-run: whatever it left behind is searched too.
      f.writeSegment(csvOf(Array.from({ length: 3000 }, (_, i) => person(f, i, "bronze"))));
      await record(
        "run killed with SIGTERM",
        runIn(f, "run", [], { onStderrLine: (line, child) => line.includes("batch-confirmed") && child.kill("SIGTERM") }),
        [0, 1, 130],
      );

      // Bad input and a held lock.
      const bad = fixture();
      bad.writeSegment("First,Last\nA,B\n");
      await record("run with bad input (exit 2)", runIn(bad, "run"), 2);
      const locked = fixture();
      locked.writeSegment(csvOf([person(locked, 1)]));
      mkdirSync(join(locked.dir, "state/test-export"), { recursive: true });
      writeFileSync(join(locked.dir, "state/test-export/lock"), JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: "held", process: "test" }));
      await record("run while the lock is held (exit 4)", runIn(locked, "run"), 4);

      // The key put where it must not be: in the config (a file, and AC_EXPORT_CONFIG).
      const leaky = fixture();
      const withKey = { ...leaky.config, apiKey: CANARY, connection: { ...leaky.config.connection, token: CANARY } };
      writeFileSync(join(leaky.dir, "export.json"), JSON.stringify(withKey));
      await record("run with the key in the config file", runIn(leaky, "run"), 2);
      await record("validate with the key in the config file", runRunner(["validate", "--config", "export.json"], { cwd: leaky.dir }), 2);
      await record("plan with the key in AC_EXPORT_CONFIG", runRunner(["plan"], { cwd: leaky.dir, env: { ...leaky.env(), AC_EXPORT_CONFIG: JSON.stringify(withKey) } }), 2);
      await record("run with the key in an URL's user info", runRunner(["run", "--config", "export.json"], { cwd: leaky.dir, env: leaky.env({ AC_API_URL: `http://user:${CANARY}@127.0.0.1:1` }) }), [1, 2]);

      const problems: string[] = [];
      for (const { what, r } of outputs) {
        for (const [stream, text] of [["stdout", r.stdout], ["stderr", r.stderr]] as const) {
          if (leaks(text).length) problems.push(`${what}: ${stream}`);
        }
      }
      let searched = 0;
      for (const d of dirs) {
        for (const file of filesUnder(d)) {
          if (file.path.endsWith("export.json") && file.path.startsWith(leaky.dir)) continue; // we put it there
          searched++;
          if (leaks(file.text).length) problems.push(file.path);
        }
      }
      expect(problems).toEqual([]);
      // It looked at real things: reports, rejected rows, snapshots, journals of several runs.
      const names = dirs.flatMap((d) => filesUnder(d).map((x) => x.path.split("/").pop()));
      for (const n of ["report.json", "report.md", "rejected.csv", "changes.csv", "snapshot", "report-copy.json"]) expect(names, n).toContain(n);
      expect(searched).toBeGreaterThan(10);
      expect(outputs.length).toBe(15);
    },
    120_000,
  );

  it(
    "through main.ts synthesized as `cdktf synth` runs it, and `ac-export review` of the result",
    async () => {
      const outdir = mkdtempSync(join(tmpdir(), "ac-secrets-synth-"));
      dirs.push(outdir);
      const env = {
        ...process.env,
        CDKTF_OUTDIR: outdir,
        AC_API_KEY: CANARY,
        TF_VAR_ac_api_key: CANARY,
        TF_VAR_ac_api_key_marketing_eu: CANARY,
        TF_VAR_ac_api_key_sales_us: CANARY,
        ARM_CLIENT_SECRET: CANARY,
        AZURE_CLIENT_SECRET: CANARY,
      };
      const synth = spawnSync(process.execPath, ["--regexp-interpret-all", "--import", "tsx", "main.ts"], { cwd: ROOT, env, encoding: "utf8", timeout: 90_000 });
      expect(synth.status, synth.stderr).toBe(0);
      const files = filesUnder(outdir);
      expect(files.some((x) => x.path.endsWith("cdk.tf.json"))).toBe(true);
      const review = await runRunner(["review", outdir], { env: { AC_API_KEY: CANARY } });
      expect(review.code, review.stderr).toBe(0);
      expect(review.stdout).toContain("vip-newsletter");
      const problems = [
        ...files.filter((x) => leaks(x.text).length).map((x) => x.path),
        ...(leaks(synth.stdout + synth.stderr).length ? ["synth output"] : []),
        ...(leaks(review.stdout + review.stderr).length ? ["review output"] : []),
      ];
      expect(problems).toEqual([]);
    },
    120_000,
  );
});
