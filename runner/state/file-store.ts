// State in a local directory: <dir>/<export>/{snapshot.gz, journal.log, lock, report.*}. Atomic writes (temp file,
// fsync, rename, fsync dir); the journal is length-framed and fsynced per entry, and a torn last entry (a process
// killed mid-append) is ignored on load. The lock is a file created exclusively; a lock whose process is gone
// (same host) or whose heartbeat stopped (other host) is taken over.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { LockedError, type LoadedState, type StateLock, type StateStore } from "./types.js";

const HEARTBEAT_MS = 20_000;
const STALE_MS = 120_000;
const FRAME = /^#(\d+)\n/;

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on directories; rename is still atomic */
  }
}

async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  fsyncDir(join(path, ".."));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

export class FileStateStore implements StateStore {
  readonly location: string;
  constructor(root: string, exportName: string) {
    this.location = join(root, exportName);
  }
  private path(name: string): string {
    return join(this.location, name);
  }

  async lock(): Promise<StateLock> {
    await mkdir(this.location, { recursive: true });
    const me = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString("hex") };
    const lockPath = this.path("lock");
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(lockPath, "wx");
        await fh.writeFile(JSON.stringify(me));
        await fh.sync();
        await fh.close();
        return this.heldLock(lockPath, me.token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      let holder: { pid?: number; hostname?: string; startedAt?: string } = {};
      try {
        holder = JSON.parse(await readFile(lockPath, "utf8"));
      } catch {
        /* being written right now, or garbage: judge by age */
      }
      const age = Date.now() - (await stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      const sameHost = holder.hostname === me.hostname;
      const stale = sameHost && typeof holder.pid === "number" ? !alive(holder.pid) : age > STALE_MS;
      if (!stale) {
        throw new LockedError(`pid ${holder.pid ?? "?"} on ${holder.hostname ?? "?"} since ${holder.startedAt ?? "?"}; lock file ${lockPath}`);
      }
      await unlink(lockPath).catch(() => undefined); // a killed run's lock: take it over
    }
    throw new LockedError(`could not take ${lockPath}`);
  }

  private heldLock(lockPath: string, token: string): StateLock {
    let released = false;
    let rejectLost: (e: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (rejectLost = reject));
    lost.catch(() => undefined);
    const beat = setInterval(async () => {
      try {
        const content = JSON.parse(await readFile(lockPath, "utf8"));
        if (content.token !== token) throw new Error("the lock file was taken over by another run");
        const now = new Date();
        await utimes(lockPath, now, now);
      } catch (e) {
        clearInterval(beat);
        rejectLost(new Error(`lost the lock on ${this.location}: ${(e as Error).message}`));
      }
    }, HEARTBEAT_MS);
    beat.unref();
    return {
      lost,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(beat);
        try {
          if (JSON.parse(await readFile(lockPath, "utf8")).token === token) await unlink(lockPath);
        } catch {
          /* already gone */
        }
      },
    };
  }

  async load(): Promise<LoadedState> {
    const snapshot = await readFile(this.path("snapshot.gz")).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null;
      throw e;
    });
    const raw = await readFile(this.path("journal.log")).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return Buffer.alloc(0);
      throw e;
    });
    const journal: Buffer[] = [];
    let pos = 0;
    while (pos < raw.length) {
      const head = FRAME.exec(raw.subarray(pos, pos + 24).toString("latin1"));
      if (!head) break; // torn or foreign bytes: ignore the rest
      const start = pos + head[0].length;
      const end = start + Number(head[1]);
      if (end > raw.length) break; // torn last entry
      journal.push(Buffer.from(raw.subarray(start, end)));
      pos = end;
    }
    return { snapshot, journal };
  }

  async appendJournal(entry: Buffer): Promise<void> {
    await mkdir(this.location, { recursive: true });
    const fh = await open(this.path("journal.log"), "a");
    try {
      await fh.write(Buffer.concat([Buffer.from(`#${entry.length}\n`), entry]));
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async writeSnapshot(data: Buffer): Promise<void> {
    await mkdir(this.location, { recursive: true });
    await atomicWrite(this.path("snapshot.gz"), data);
    await writeFile(this.path("journal.log"), "");
    const fh = await open(this.path("journal.log"), "r+");
    await fh.sync();
    await fh.close();
  }

  async writeArtifact(name: string, data: string | Buffer): Promise<string> {
    await mkdir(this.location, { recursive: true });
    const path = this.path(name);
    await atomicWrite(path, data);
    return path;
  }
}
