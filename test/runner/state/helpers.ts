// Helpers for the state-store suites: a second process that takes a lock (lock-child.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { crc32 } from "../../../runner/state/journal.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const CHILD = resolve(import.meta.dirname, "lock-child.ts");

export interface LockChild {
  child: ChildProcess;
  /** Resolves with everything printed once `text` appears (rejects if the process exits first). */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
  output(): string;
}

export function lockChild(location: string, exportName: string, opts: { hostname?: string; leaseSeconds?: number; heartbeatMs?: number } = {}): LockChild {
  const child = spawn(
    process.execPath,
    ["--regexp-interpret-all", "--import", "tsx", CHILD, location, exportName, opts.hostname ?? "", opts.leaseSeconds ? String(opts.leaseSeconds) : "", opts.heartbeatMs ? String(opts.heartbeatMs) : ""],
    { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal, stdout: stdout + stderr })),
  );
  return {
    child,
    exited,
    output: () => stdout + stderr,
    waitFor(text, timeoutMs = 20_000) {
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms; output:\n${stdout}${stderr}`)), timeoutMs);
        const check = () => {
          if (stdout.includes(text)) {
            clearTimeout(timer);
            resolvePromise(stdout);
          }
        };
        child.stdout!.on("data", check);
        void exited.then(() => {
          check();
          clearTimeout(timer);
          reject(new Error(`exited before "${text}"; output:\n${stdout}${stderr}`));
        });
        check();
      });
    },
  };
}

/** A journal frame as versions before format 2 wrote it: magic AC 4A | length | CRC-32 of the payload | payload. */
export function v1Frame(payload: Buffer): Buffer {
  const head = Buffer.alloc(10);
  head[0] = 0xac;
  head[1] = 0x4a;
  head.writeUInt32BE(payload.length, 2);
  head.writeUInt32BE(crc32(payload), 6);
  return Buffer.concat([head, payload]);
}
