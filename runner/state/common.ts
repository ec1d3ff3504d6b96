// Pieces shared by the file and Azure Blob state stores.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { gunzipSync, gzipSync } from "node:zlib";
import { excerpt, showInvisible } from "../output/visible.js";

/** Names the stores use for themselves; artifacts may not take them. */
export const RESERVED = new Set(["snapshot", "journal", "lock", "aux"]);
const EXPORT_NAME = /^[a-z0-9-]{1,48}$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

export function checkExportName(name: string): void {
  if (!EXPORT_NAME.test(name)) {
    throw new RangeError(`export name ${JSON.stringify(name)} must be 1-48 lowercase letters, digits or "-"`);
  }
}

const AUX_NAME = /^[a-z0-9-]{1,48}$/;

/** Aux object names ("consent-cache"): one plain segment, stored as aux/<name>. */
export function checkAuxName(name: string): void {
  if (!AUX_NAME.test(name)) throw new RangeError(`aux object name ${JSON.stringify(name)} must be 1-48 lowercase letters, digits or "-"`);
}

/** Aux objects are stored gzipped; a missing, torn or foreign object reads as null (the caller rebuilds it). */
export function gunzipOrNull(data: Buffer | null): Buffer | null {
  if (!data) return null;
  try {
    return gunzipSync(data);
  } catch {
    return null;
  }
}

export const gzipAux = (data: Buffer): Buffer => gzipSync(data);

/** Artifact names are relative paths of plain segments ("report.json", "runs/2024-05-01/report.md"). */
export function checkArtifactName(name: string): void {
  const parts = name.split("/");
  const ok = name.length <= 200 && parts.every((p) => SEGMENT.test(p) && p !== "." && p !== ".." && !p.startsWith("."));
  if (!ok) {
    throw new RangeError(
      `artifact name ${JSON.stringify(name)} must be a relative path of letters, digits, ".", "_" and "-" segments (e.g. "report.json")`,
    );
  }
  if (RESERVED.has(parts[0]!) || /\.tmp$/.test(name)) {
    throw new RangeError(`artifact name ${JSON.stringify(name)} is reserved for the state store itself`);
  }
}

export interface Holder {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Identifies this lock. */
  token: string;
  /** Identifies this process (a container that restarts may give the next process the same pid). */
  process: string;
  /** Linux: the kernel's boot id, so a lock from before a reboot is known to be gone. */
  bootId?: string;
  /** Linux: when the holder process started (clock ticks since boot), so a reused pid is not taken for the holder. */
  startTicks?: string;
  /** How often the holder refreshes its heartbeat (file store), so another host knows how long to watch it. */
  heartbeatMs?: number;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // not Linux, or no such process
  }
}

const BOOT_ID = readProc("/proc/sys/kernel/random/boot_id")?.trim() || undefined;

/** When the process with this pid started, in clock ticks since boot (field 22 of /proc/<pid>/stat), if known. */
export function processStartTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may itself contain spaces or ")": fields follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] || undefined;
}

const PROCESS_ID = randomBytes(8).toString("hex");

export function newHolder(host?: string): Holder {
  return {
    pid: process.pid,
    hostname: host ?? hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString("hex"),
    process: PROCESS_ID,
    ...(BOOT_ID ? { bootId: BOOT_ID } : {}),
    ...(processStartTicks(process.pid) ? { startTicks: processStartTicks(process.pid) } : {}),
  };
}

/** A field of a lock file for a message: anyone who can write the state folder wrote it, so it is shown safely. */
const shown = (v: unknown): string => (v === undefined || v === null ? "?" : excerpt(showInvisible(String(v)), 100));

export function describeHolder(h: Partial<Holder>): string {
  return `pid ${shown(h.pid)} on host ${shown(h.hostname)} since ${shown(h.startedAt)}`;
}

/** Whether a process with this pid runs on this machine (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a lock holder is on this machine, so its process can be checked directly. */
export function holderOnThisHost(h: Partial<Holder>, me: Holder): boolean {
  return h.hostname === me.hostname && typeof h.pid === "number";
}

/**
 * Whether a lock holder on this same machine is certainly gone: its process is dead, the machine rebooted since, or
 * its pid now belongs to another process (a later process in a container that reuses pids, or a pid reused over time).
 * A holder whose process lives is never gone, however old its heartbeat.
 */
export function holderGoneOnThisHost(h: Partial<Holder>, me: Holder): boolean {
  if (!holderOnThisHost(h, me)) return false;
  const pid = h.pid!;
  if (typeof h.bootId === "string" && me.bootId && h.bootId !== me.bootId) return true;
  if (pid === me.pid) return typeof h.process === "string" && h.process !== me.process;
  if (!pidAlive(pid)) return true;
  if (typeof h.startTicks !== "string") return false;
  const now = processStartTicks(pid);
  return now !== undefined && now !== h.startTicks;
}

/** A `lost` promise that never causes an unhandled rejection, and the function that rejects it. */
export function lostSignal(): { lost: Promise<never>; reject: (e: Error) => void; settled: () => boolean } {
  let done = false;
  let rejectIt!: (e: Error) => void;
  const lost = new Promise<never>((_, reject) => (rejectIt = reject));
  lost.catch(() => undefined);
  return {
    lost,
    reject: (e) => {
      if (done) return;
      done = true;
      rejectIt(e);
    },
    settled: () => done,
  };
}

export function contentType(name: string): string {
  if (name.endsWith(".json")) return "application/json";
  if (name.endsWith(".md")) return "text/markdown; charset=utf-8";
  if (name.endsWith(".csv")) return "text/csv; charset=utf-8";
  if (name.endsWith(".txt") || name.endsWith(".log")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}
