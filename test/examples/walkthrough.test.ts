// The README's sandbox walkthrough ("Try it without an ActiveCampaign account"), run verbatim as a new user would
// type it inside the project: the sandbox command, then every command of the block, with the documented port 4010
// replaced by the free port the sandbox picked. Runs in a temp copy of examples/ so the run's state stays out of
// the repository. Loopback only: npm is kept offline, curl lines go to the local sandbox (through node's fetch when
// curl is not installed).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const DOC_PORT = "4010";

/** The commands between the walkthrough markers: every line of its sh blocks, trailing "# …" comments removed. */
function walkthroughCommands(): string[] {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const m = /<!-- sandbox-walkthrough:start[^>]*-->([\s\S]*?)<!-- sandbox-walkthrough:end -->/.exec(readme);
  if (!m) throw new Error("README.md has no sandbox-walkthrough block");
  const lines: string[] = [];
  for (const block of m[1]!.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) {
      const command = line.replace(/\s+#\s.*$/, "").trim();
      if (command && !command.startsWith("#")) lines.push(command);
    }
  }
  return lines;
}

/** Splits a shell line into words (single and double quotes; no expansions: the walkthrough uses none). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, "$1") ?? m[3]!);
  return words;
}

/** A curl line (-s, -X, -H, -d, URL) done with fetch, for machines without curl. */
async function curlWithFetch(line: string): Promise<{ code: number; stdout: string }> {
  const args = shellWords(line).slice(1);
  let method: string | undefined;
  let body: string | undefined;
  let url = "";
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-s") continue;
    else if (a === "-X") method = args[++i];
    else if (a === "-d") body = args[++i];
    else if (a === "-H") {
      const h = args[++i]!;
      headers[h.slice(0, h.indexOf(":")).trim()] = h.slice(h.indexOf(":") + 1).trim();
    } else if (a.startsWith("-")) throw new Error(`the walkthrough test does not know curl's ${a}`);
    else url = a;
  }
  expect(new URL(url).hostname).toBe("127.0.0.1");
  if (body !== undefined) headers["Content-Type"] ??= "application/x-www-form-urlencoded";
  const res = await fetch(url, { method: method ?? (body !== undefined ? "POST" : "GET"), headers, body });
  return { code: 0, stdout: await res.text() };
}

const hasCurl = spawnSync("curl", ["--version"], { stdio: "ignore" }).status === 0;

describe("README sandbox walkthrough", () => {
  const commands = walkthroughCommands();
  const dir = mkdtempSync(join(tmpdir(), "ac-export-walkthrough-"));
  // npm offline and without its update check: nothing leaves the machine.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_offline: "true", npm_config_update_notifier: "false" };
  let sandbox: ChildProcess | undefined;
  let port = "";
  const outputs: Array<{ command: string; code: number | null; stdout: string; stderr: string }> = [];

  function sh(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn("sh", ["-c", command], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", fail);
      child.on("close", (code) => done({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    // A user's checkout: package.json (its "ac-export" script), the built bundle and examples/.
    cpSync(join(root, "examples"), join(dir, "examples"), { recursive: true, filter: (src) => !src.includes(".ac-export") });
    cpSync(join(root, "package.json"), join(dir, "package.json"));
    symlinkSync(join(root, "dist"), join(dir, "dist"));

    const start = commands.find((c) => /\bac-export -- sandbox\b/.test(c));
    if (!start) throw new Error("the walkthrough does not start the sandbox");
    expect(start).toContain(`--port ${DOC_PORT}`);
    sandbox = spawn("sh", ["-c", start.replace(`--port ${DOC_PORT}`, "--port 0")], { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let printed = "";
    port = await new Promise<string>((done, fail) => {
      sandbox!.stdout!.setEncoding("utf8").on("data", (d: string) => {
        printed += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(printed);
        if (m) done(m[1]!);
      });
      sandbox!.on("close", (code) => fail(new Error(`the sandbox exited (${code}): ${printed}`)));
    });

    for (const command of commands.filter((c) => c !== start).map((c) => c.replaceAll(`127.0.0.1:${DOC_PORT}`, `127.0.0.1:${port}`))) {
      expect(command, "every command talks to the sandbox's real port").not.toContain(DOC_PORT);
      // A person types a curl seconds after the command before it; back to back, that command's requests can still
      // fill the account's rolling second (5/s) and the curl gets a 429. Wait the window out, as a person would.
      if (command.startsWith("curl ")) await new Promise((r) => setTimeout(r, 1100));
      const out = command.startsWith("curl ") && !hasCurl ? { ...(await curlWithFetch(command)), stderr: "" } : await sh(command);
      outputs.push({ command, ...out });
    }
  }, 120_000);

  afterAll(() => {
    if (sandbox?.pid && sandbox.exitCode === null) process.kill(-sandbox.pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses only commands that run inside the project (no npx that could fetch a package)", () => {
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const c of commands) expect(c).toMatch(/^(npm run ac-export -- |curl -s |AC_API_URL=\S+ AC_API_KEY=\S+ npm run ac-export -- )/);
  });

  it("every command succeeds", () => {
    expect(outputs.map((o) => [o.command, o.code, o.code === 0 ? "" : o.stderr])).toEqual(outputs.map((o) => [o.command, 0, ""]));
  });

  it("the run syncs examples/segments/vip.csv into list 12", async () => {
    const run = outputs.find((o) => o.command.includes(" run --config examples/vip-newsletter.json"))!;
    expect(run.stdout).toContain("vip-newsletter: succeeded");
    expect(run.stdout).toMatch(/added 5 · updated 0 ·.* rejected 0 · failed 0/);

    const csv = readFileSync(join(root, "examples/segments/vip.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const members = (await (await fetch(`http://127.0.0.1:${port}/__sandbox/lists/12/members?status=1`)).json()) as Array<{
      email: string;
      firstName: string;
      lastName: string;
      phone: string;
      fields: Record<string, string>;
      tags: string[];
      status: number;
    }>;
    expect(members.map((m) => [m.email, m.firstName, m.lastName, m.phone, m.fields.LOYALTY_TIER, m.tags, m.status])).toEqual(
      csv.map(([email, first, last, phone, tier]) => [email, first, last, phone, tier, ["vip"], 1]),
    );
    // The walkthrough's own "look inside" call showed the same members.
    const look = outputs.find((o) => o.command.includes("/__sandbox/lists/12/members"))!;
    expect((JSON.parse(look.stdout) as Array<{ email: string }>).map((m) => m.email)).toEqual(csv.map((r) => r[0]));
  });

  it("the API call with the key and GET /__sandbox answer", () => {
    const me = outputs.find((o) => o.command.includes("/api/3/users/me"))!;
    expect(JSON.parse(me.stdout)).toHaveProperty("user");
    const index = outputs.find((o) => o.command.endsWith("/__sandbox"))!;
    const endpoints = (JSON.parse(index.stdout) as { endpoints: { api: string[]; inspector: string[] } }).endpoints;
    expect(endpoints.api).toContain("GET /api/3/users/me");
    expect(endpoints.inspector).toContain("GET /__sandbox/lists/{id}/members[?status=1]");
  });
});
