// State in a local directory:
//   <dir>/<export>/snapshot   the last snapshot (replaced atomically: temp file, fsync, rename, fsync of the folder)
//   <dir>/<export>/journal    entries appended since, framed with a checksum (journal.ts) and fsynced one by one
//   <dir>/<export>/lock       {pid, hostname, startedAt, token} of the run holding the lock; its mtime is the heartbeat
//   <dir>/<export>/<artifact> report.json, report.md, rejected.csv, ... (written atomically too)
//
// The lock is taken by creating the lock file exclusively. A lock left behind is taken over when its holder is
// certainly gone — same host and its process is dead (e.g. after kill -9) — or, from another host (a shared file
// system), when its heartbeat is older than `staleAfterMs`. A torn last journal entry (killed mid-append) is ignored
// on load and cut off before the next append.
import { closeSync, fsyncSync, openSync } from "node:fs";
import { link, mkdir, open, readFile, rename, stat, truncate, unlink, utimes } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { LockedError, type LoadedState, type StateLock, type StateStore } from "./types.js";
import { checkArtifactName, checkExportName, describeHolder, holderGoneOnThisHost, lostSignal, newHolder, type Holder } from "./common.js";
import { decodeJournal, encodeFrame } from "./journal.js";

export interface FileStateStoreOptions {
  /** How often the lock's heartbeat (its mtime) is refreshed and checked. Default 10 s. */
  heartbeatMs?: number;
  /** A lock from another host whose heartbeat is older than this is stale. Default 60 s. */
  staleAfterMs?: number;
  /** This machine's name in the lock (tests simulate other hosts with it). Default os.hostname(). */
  hostname?: string;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems (and Windows) refuse fsync on a folder; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write a file atomically: a reader sees the old content or the new, never a mix, also after a crash. */
export async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "wx");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  fsyncDir(dirname(path));
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

export class FileStateStore implements StateStore {
  readonly location: string;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly host: string | undefined;
  /** Where the good part of the journal ends, once known; a torn tail beyond it is cut before appending. */
  private journalValid: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(root: string, exportName: string, options: FileStateStoreOptions = {}) {
    checkExportName(exportName);
    this.location = resolve(root, exportName);
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.host = options.hostname;
  }

  private path(name: string): string {
    return join(this.location, name);
  }

  /** Run state-changing operations one at a time, in call order. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async lock(): Promise<StateLock> {
    await mkdir(this.location, { recursive: true });
    const me = newHolder(this.host);
    const lockPath = this.path("lock");
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fh = await open(lockPath, "wx");
        try {
          await fh.writeFile(JSON.stringify(me));
          await fh.sync();
        } finally {
          await fh.close();
        }
        fsyncDir(this.location);
        return this.held(lockPath, me);
      } catch (e) {
        if (errno(e) !== "EEXIST") throw e;
      }
      // Someone holds it, or held it: judge whether they are gone.
      let raw: string;
      let mtimeMs: number;
      try {
        raw = await readFile(lockPath, "utf8");
        mtimeMs = (await stat(lockPath)).mtimeMs;
      } catch (e) {
        if (errno(e) === "ENOENT") continue; // released meanwhile: try again
        throw e;
      }
      let holder: Partial<Holder> = {};
      try {
        holder = JSON.parse(raw) as Partial<Holder>;
      } catch {
        // Being written right now, or cut short by a crash: judged by its age alone.
      }
      const age = Date.now() - mtimeMs;
      const stale = holderGoneOnThisHost(holder, me) || age > this.staleAfterMs;
      if (!stale) {
        throw new LockedError(`${describeHolder(holder)}; lock file ${lockPath}`);
      }
      // Take it over: move it aside, and make sure what we moved is the stale lock we judged, not a new one.
      const aside = `${lockPath}.${me.token}.stale`;
      try {
        await rename(lockPath, aside);
      } catch (e) {
        if (errno(e) === "ENOENT") continue;
        throw e;
      }
      const moved = await readFile(aside, "utf8").catch(() => "");
      if (moved !== raw) {
        // Another run took it over and locked it in between: put its lock back.
        await link(aside, lockPath).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        let other: Partial<Holder> = {};
        try {
          other = JSON.parse(moved) as Partial<Holder>;
        } catch {
          /* unreadable */
        }
        throw new LockedError(`${describeHolder(other)}; lock file ${lockPath}`);
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new LockedError(`the lock file ${lockPath} keeps changing hands`);
  }

  private held(lockPath: string, me: Holder): StateLock {
    const signal = lostSignal();
    let released = false;
    const beat = setInterval(() => {
      void (async () => {
        try {
          const raw = await readFile(lockPath, "utf8");
          const holder = JSON.parse(raw) as Partial<Holder>;
          if (holder.token !== me.token) throw new Error(`it was taken over by ${describeHolder(holder)}`);
          const now = new Date();
          await utimes(lockPath, now, now);
        } catch (e) {
          if (released) return;
          clearInterval(beat);
          const why = errno(e) === "ENOENT" ? "the lock file was removed" : e instanceof Error ? e.message : String(e);
          signal.reject(new Error(`lost the lock on ${this.location}: ${why}`));
        }
      })();
    }, this.heartbeatMs);
    beat.unref();
    return {
      lost: signal.lost,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(beat);
        try {
          const holder = JSON.parse(await readFile(lockPath, "utf8")) as Partial<Holder>;
          if (holder.token === me.token) await unlink(lockPath);
        } catch {
          // Already gone, or no longer ours: nothing to release.
        }
      },
    };
  }

  async load(): Promise<LoadedState> {
    const snapshot = await readFile(this.path("snapshot")).catch((e: unknown) => {
      if (errno(e) === "ENOENT") return null;
      throw e;
    });
    const raw = await readFile(this.path("journal")).catch((e: unknown) => {
      if (errno(e) === "ENOENT") return Buffer.alloc(0);
      throw e;
    });
    const decoded = decodeJournal(raw, this.path("journal"));
    this.journalValid = decoded.validLength;
    return { snapshot, journal: decoded.entries };
  }

  appendJournal(entry: Buffer): Promise<void> {
    let frame: Buffer;
    try {
      frame = encodeFrame(entry);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.serial(async () => {
      const journal = this.path("journal");
      if (this.journalValid === undefined) {
        await mkdir(this.location, { recursive: true });
        const raw = await readFile(journal).catch((e: unknown) => {
          if (errno(e) === "ENOENT") return null;
          throw e;
        });
        this.journalValid = raw ? decodeJournal(raw, journal).validLength : 0;
      }
      const size = await stat(journal).then(
        (s) => s.size,
        (e: unknown) => {
          if (errno(e) === "ENOENT") return -1;
          throw e;
        },
      );
      if (size > this.journalValid) {
        // A torn append from a killed run: cut it off, or the new entries would sit behind garbage.
        await truncate(journal, this.journalValid);
      }
      const fh = await open(journal, "a");
      try {
        await fh.write(frame);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (size < 0) fsyncDir(this.location); // a new file: make its name durable too
      this.journalValid += frame.length;
    });
  }

  writeSnapshot(data: Buffer): Promise<void> {
    return this.serial(async () => {
      await mkdir(this.location, { recursive: true });
      await atomicWrite(this.path("snapshot"), data);
      // A crash right here leaves the new snapshot with the old journal, which replays idempotently.
      const fh = await open(this.path("journal"), "a");
      try {
        await fh.truncate(0);
        await fh.sync();
      } finally {
        await fh.close();
      }
      this.journalValid = 0;
    });
  }

  async writeArtifact(name: string, data: string | Buffer): Promise<string> {
    checkArtifactName(name);
    const path = this.path(name);
    await mkdir(dirname(path), { recursive: true });
    await atomicWrite(path, data);
    return path;
  }
}
