// Shared by the benchmarks and the resilience suite: the sandbox as its own process (so the runner's peak RSS is its
// own), the runner spawned from the built bundle with a resource-usage preload, and the sandbox inspector over HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ListCounts, MemberView, RequestStats, SeedData } from "../../runner/sandbox/index.js";

export const ROOT = resolve(import.meta.dirname, "../..");
/** The bundle the runner and sandbox processes run: dist/ac-export.mjs, or a pinned copy (see useBundle). */
export let CLI = resolve(ROOT, "dist/ac-export.mjs");

/**
 * Run every runner and sandbox process from this file instead of dist/ac-export.mjs: the bench pins a copy, so that
 * a rebuild of dist/ by someone else in the same checkout cannot change the runner between two measured runs.
 */
export function useBundle(path: string): void {
  CLI = path;
}
export const USAGE_PRELOAD = pathToFileURL(resolve(import.meta.dirname, "usage-preload.mjs")).href;

export interface Usage {
  maxRssBytes: number;
  userCpuMs: number;
  systemCpuMs: number;
  /** Highest V8 heap used / external (ArrayBuffer) memory, sampled every second by the preload. */
  heapUsedBytes?: number;
  externalBytes?: number;
}

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  wallMs: number;
  /** The process's own resource usage (undefined when it was killed before exit). */
  usage?: Usage;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Write resource usage here at exit (via the preload) and read it back. */
  usageFile?: string;
  timeoutMs?: number;
  /** Called for every complete line on stderr (e.g. to kill the process at a chosen event). */
  onStderrLine?: (line: string, child: ChildProcess) => void;
  /** Called once the process is spawned (e.g. to kill it after a delay). */
  onSpawn?: (child: ChildProcess) => void;
  input?: string;
}

/** Runs `node <script> ...args` with the V8 workaround flag and, when asked, the usage preload. */
export function runNode(script: string, args: string[], opts: SpawnOptions = {}): Promise<ProcResult> {
  const nodeArgs = ["--regexp-interpret-all", ...(opts.usageFile ? ["--import", USAGE_PRELOAD] : []), script, ...args];
  if (opts.usageFile) rmSync(opts.usageFile, { force: true });
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, nodeArgs, {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env, ...(opts.usageFile ? { BENCH_USAGE_FILE: opts.usageFile } : {}) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (!opts.onStderrLine) return;
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        opts.onStderrLine(line, child);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30 * 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      let usage: Usage | undefined;
      if (opts.usageFile && existsSync(opts.usageFile)) usage = JSON.parse(readFileSync(opts.usageFile, "utf8")) as Usage;
      resolvePromise({ code, signal, stdout, stderr, wallMs, ...(usage ? { usage } : {}) });
    });
    child.stdin!.end(opts.input ?? "");
    opts.onSpawn?.(child);
  });
}

/** `ac-export <args>` from the built bundle. */
export const runRunner = (args: string[], opts: SpawnOptions = {}) => runNode(CLI, args, opts);

/** One JSON event line of the runner's log (stderr when not a TTY). */
export interface RunnerEvent {
  time: string;
  event: string;
  [key: string]: unknown;
}

export function parseEvents(stderr: string): RunnerEvent[] {
  const out: RunnerEvent[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const e = JSON.parse(line) as RunnerEvent;
      if (typeof e.event === "string") out.push(e);
    } catch {
      /* not an event line */
    }
  }
  return out;
}

/** The sandbox inspector over HTTP (works for an in-process sandbox too, given its URL). */
export class SandboxHttp {
  constructor(readonly url: string, readonly apiKey: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__sandbox${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    const json = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${json.error ?? ""}`);
    return json;
  }
  createList(name: string) {
    return this.call<{ id: number }>("POST", "/lists", { name });
  }
  createField(field: { title: string; perstag: string; type?: string }) {
    return this.call<{ id: number }>("POST", "/fields", field);
  }
  /** Lists, fields (with types, options and list relations), tags and contacts in one call (inspect.ts SeedData). */
  seed(data: SeedData) {
    return this.call<{ fields: number[]; created: number }>("POST", "/seed", data);
  }
  members(listId: number, status?: number) {
    return this.call<MemberView[]>("GET", `/lists/${listId}/members${status === undefined ? "" : `?status=${status}`}`);
  }
  /** Members of a list counted by status, without their rows (lists of millions). */
  counts(listId: number) {
    return this.call<ListCounts>("GET", `/lists/${listId}/counts`);
  }
  requests(withLog = false) {
    return this.call<RequestStats>("GET", `/requests${withLog ? "" : "?log=0"}`);
  }
  setFaults(faults: string | null) {
    return this.call<{ faults: string }>("PUT", "/faults", { faults });
  }
  unsubscribe(email: string, listId: number) {
    return this.call<unknown>("POST", `/contacts/${encodeURIComponent(email)}/unsubscribe`, { listId });
  }
}

export interface SandboxProcess extends SandboxHttp {
  pid: number;
  timeScale: number;
  close(): Promise<void>;
}

/** `ac-export sandbox --port 0 ...` as its own process; resolves once it prints where it listens. */
export async function startSandboxProcess(opts: { timeScale: number; apiKey: string; faults?: string; seed?: number; args?: string[]; maxOldSpaceMb?: number }): Promise<SandboxProcess> {
  const args = ["--regexp-interpret-all", ...(opts.maxOldSpaceMb ? [`--max-old-space-size=${opts.maxOldSpaceMb}`] : []), CLI, "sandbox", "--port", "0", "--time-scale", String(opts.timeScale), "--api-key", opts.apiKey];
  if (opts.faults) args.push("--faults", opts.faults);
  if (opts.seed !== undefined) args.push("--seed", String(opts.seed));
  args.push(...(opts.args ?? []));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start in 20 s: ${out}${err}`)), 20_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`sandbox exited with ${code}: ${out}${err}`)));
  });
  const http = new SandboxHttp(url, opts.apiKey) as SandboxProcess;
  http.pid = child.pid!;
  http.timeScale = opts.timeScale;
  http.close = () =>
    new Promise<void>((resolveClose) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveClose();
      child.once("exit", () => resolveClose());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
  return http;
}
