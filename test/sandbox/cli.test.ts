// `ac-export sandbox` as a process (the built bundle, dist/ac-export.mjs, rebuilt by vitest's globalSetup).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { CHOICE_FLAGS, NUMBER_FLAGS } from "../../runner/commands/sandbox-flags.js";
import { CLI, runCli } from "../helpers/cli.js";

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Spawns `ac-export sandbox …` and resolves once it prints its "listening on" line. */
function startCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ["--regexp-interpret-all", CLI, "sandbox", ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ["pipe", "pipe", "pipe"],
  });
  started.push(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("close", (code, signal) => r({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 15 s; stdout: ${out}; stderr: ${err}`)), 15_000);
    const check = () => {
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err, exit });
      }
    };
    child.stdout.on("data", check);
    exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code} before listening; stderr: ${err}`));
    });
  });
}

async function get(url: string, key?: string) {
  const r = await request(url, { headers: key === undefined ? {} : { "Api-Token": key } });
  return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
}

describe("ac-export sandbox (process)", () => {
  it("prints the URL, answers /api/3/users/me with the given key, and stops cleanly on SIGTERM", async () => {
    const s = await startCli(["--port", "0", "--api-key", "cli-test-key", "--time-scale", "5"]);
    expect(s.stdout()).toContain("api key: the one given with --api-key");
    expect(s.stdout()).not.toContain("cli-test-key");
    expect(s.stdout()).toContain("time scale 5x");
    const me = await get(`${s.url}/api/3/users/me`, "cli-test-key");
    expect(me.status).toBe(200);
    expect(me.json.user).toMatchObject({ id: "1" });
    expect((await get(`${s.url}/api/3/users/me`, "wrong")).status).toBe(403);
    s.child.kill("SIGTERM");
    const { code } = await s.exit;
    expect(code).toBe(0);
    expect(s.stderr()).toContain("sandbox stopped");
  });

  it("generates and prints a key when none is given, and persists --data on SIGINT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ac-sandbox-cli-"));
    try {
      const file = join(dir, "account.json");
      const s = await startCli(["--data", file, "--faults", "503:0.01", "--seed", "7"]);
      const key = /^api key: ([0-9a-f]{72})$/m.exec(s.stdout())?.[1];
      expect(key).toBeDefined();
      expect(s.stdout()).toMatch(/faults: 503:0.01 \(seed 7\)/);
      expect((await get(`${s.url}/api/3/users/me`)).status).toBe(403);
      const seeded = await request(`${s.url}/__sandbox/seed`, { method: "POST", body: JSON.stringify({ lists: ["Saved"], contacts: [{ email: "saved@example.com", lists: { 1: 1 } }] }) });
      expect(seeded.statusCode).toBe(200);
      await seeded.body.dump();
      s.child.kill("SIGINT");
      expect((await s.exit).code).toBe(0);
      const data = JSON.parse(readFileSync(file, "utf8"));
      expect(data.contacts).toEqual([["saved@example.com", "", "", "", expect.any(Number), expect.any(Number)]]);

      const again = await startCli(["--data", file, "--api-key", "k2"]);
      const found = await get(`${again.url}/api/3/contacts?listid=1&status=1`, "k2");
      expect((found.json.contacts as Array<{ email: string }>).map((c) => c.email)).toEqual(["saved@example.com"]);
      again.child.kill("SIGTERM");
      expect((await again.exit).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("documents every option in --help", async () => {
    const r = await runCli(["sandbox", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--port", "--host", "--allow-non-loopback", "--api-key", "--time-scale", "--faults", "--seed", "--data", "--requests-per-second", "--bulk-per-minute", "--bulk-single-per-minute", "--processing-ms", "--contact-limit", "--bulk-rate-limit-status", "--bulk-duplicates", "--help"]) {
      expect(r.stdout).toContain(flag);
    }
    for (const kind of ["429", "503", "500", "reset", "html504", "slow", "bulkfail"]) expect(r.stdout).toContain(kind);
    for (const [flag] of [...CHOICE_FLAGS, ...NUMBER_FLAGS]) expect(r.stdout).toContain(`--${flag}`);
    for (const flag of ["--restricted-key", "--account-time-zone", "--fail-pattern"]) expect(r.stdout).toContain(flag);
  });

  it("passes the real-account readings to the sandbox: a restricted key, the old contactLists model, overload 503", async () => {
    const s = await startCli(["--api-key", "main", "--restricted-key", "limited=2", "--contact-lists-resubscribe", "sourceid4", "--rate-limit-answer", "503", "--import-rate", "600", "--account-time-zone", "America/Chicago"]);
    try {
      const info = await get(`${s.url}/__sandbox`);
      expect(info.json.options).toMatchObject({ contactListsResubscribe: "sourceid4", rateLimitAnswer: 503, importRate: 600, accountTimeZone: "America/Chicago" });
      expect(JSON.stringify(info.json)).not.toContain("limited");
      await (await request(`${s.url}/__sandbox/seed`, { method: "POST", body: JSON.stringify({ lists: ["One", "Two"] }) })).body.dump();
      expect((await get(`${s.url}/api/3/lists/1`, "limited")).status).toBe(403);
      expect((await get(`${s.url}/api/3/lists/2`, "limited")).status).toBe(200);
    } finally {
      s.child.kill("SIGTERM");
      await s.exit;
    }
  });

  it("refuses a non-loopback host, a bad fault spec and bad numbers with exit code 2 and a clear message", async () => {
    const host = await runCli(["sandbox", "--host", "10.1.2.3"]);
    expect(host.code).toBe(2);
    expect(host.stderr).toContain('host "10.1.2.3" is not a loopback address');
    expect(host.stderr).toContain("--allow-non-loopback");
    const faults = await runCli(["sandbox", "--faults", "teapot:1"]);
    expect(faults.code).toBe(2);
    expect(faults.stderr).toContain('unknown fault kind "teapot"');
    const scale = await runCli(["sandbox", "--time-scale", "fast"]);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--time-scale must be a number ≥ 0; got "fast"');
    const reading = await runCli(["sandbox", "--bulk-subscribe-inactive", "maybe"]);
    expect(reading.code).toBe(2);
    expect(reading.stderr).toContain('--bulk-subscribe-inactive must be one of activate, keep; got "maybe"');
    const zone = await runCli(["sandbox", "--account-time-zone", "Mars/Olympus"]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('accountTimeZone must be an IANA time zone such as "America/Chicago"; got "Mars/Olympus"');
    const key = await runCli(["sandbox", "--restricted-key", "nolists"]);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("--restricted-key must look like KEY=LISTID[,LISTID…]");
    const unknown = await runCli(["sandbox", "--colour"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("ac-export sandbox --help");
  });
});
