// State in a local directory:
//   <dir>/<export>/snapshot   the last snapshot (replaced atomically: temp file, fsync, rename, fsync of the folder)
//   <dir>/<export>/journal    entries appended since, framed with checksums (journal.ts) and fsynced one by one
//   <dir>/<export>/lock       the holder of the lock (pid, host, process identity, token); its mtime is the heartbeat
//   <dir>/<export>/aux/<name> small gzipped objects beside the state (consent-cache), written atomically
//   <dir>/<export>/<artifact> report.json, report.md, rejected.csv, ... (written atomically too)
//
// The lock is taken by creating the lock file exclusively. A lock left behind is taken over only when its holder is
// certainly gone:
//   - on this host: its process is dead, or its pid now names another process (start time, boot id). A live holder
//     keeps its lock however old its heartbeat (a paused run is not dead);
//   - from another host (a shared file system): its heartbeat is older than `staleAfterMs` by this clock, or lies in
//     the future, AND it does not move while watched for 1.5 heartbeats. Watching needs no agreement between the two
//     clocks, so a skewed clock neither steals a live lock nor locks an export out forever.
// Every write checks first that the lock file still carries this run's token: a run that lost its lock (taken over
// after a long pause, or removed) writes nothing more and gets LockLostError. Writing without the lock is refused too.
// A torn last journal entry (killed mid-append) is ignored on load and cut off before the next append. The store
// reads only regular files: a named pipe, a folder or a device in place of one of its files is refused (STATE_CORRUPT).
import { closeSync, fsyncSync, openSync } from "node:fs";
import { link, mkdir, open, readFile, rename, stat, truncate, unlink, utimes } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { LockedError, LockLostError, type ChunkStream, type LoadedState, type StateLock, type StateStore } from "./types.js";
import {
  checkArtifactName,
  checkAuxName,
  checkExportName,
  describeHolder,
  holderGoneOnThisHost,
  holderOnThisHost,
  gunzipOrNull,
  gzipAux,
  lostSignal,
  newHolder,
  type Holder,
} from "./common.js";
import { decodeJournal, encodeFrame, JournalCorruptError } from "./journal.js";
import { connectionFolder, FileConnectionRegistry, type ConnectionRegistry } from "./connection-registry.js";

/** How far ahead of this clock a heartbeat may be before it counts as "from the future" (clock skew). */
const SKEW_TOLERANCE_MS = 2_000;

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
export async function atomicWrite(path: string, data: string | Buffer | ChunkStream, beforeRename?: () => Promise<void>): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "wx");
  try {
    if (typeof data === "function") for await (const chunk of data()) await fh.write(chunk);
    else await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await beforeRename?.();
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  fsyncDir(dirname(path));
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/**
 * Read one of the store's own files, refusing anything but a regular file: reading a FIFO put in its place would
 * block forever, a folder or a device is not state. Throws ENOENT as readFile does.
 */
async function readStateFile(path: string): Promise<Buffer>;
async function readStateFile(path: string, encoding: "utf8"): Promise<string>;
async function readStateFile(path: string, encoding?: "utf8"): Promise<Buffer | string> {
  const info = await stat(path);
  if (!info.isFile()) {
    const kind = info.isDirectory() ? "a folder" : info.isFIFO() ? "a named pipe" : info.isSocket() ? "a socket" : "a device or special file";
    throw new JournalCorruptError(`the state file ${path} is ${kind}, not a regular file; remove it (only ac-export writes this folder)`);
  }
  return encoding ? readFile(path, encoding) : readFile(path);
}

interface HeldLock {
  me: Holder;
  path: string;
  signal: ReturnType<typeof lostSignal>;
  /** Why the lock is gone, once it is (lost, or released by this run). */
  gone?: LockLostError;
}

function parseHolder(raw: string): Partial<Holder> {
  try {
    const h = JSON.parse(raw) as unknown;
    return h && typeof h === "object" ? (h as Partial<Holder>) : {};
  } catch {
    return {}; // being written right now, or cut short by a crash
  }
}

const seconds = (ms: number): string => `${Math.round(Math.abs(ms) / 1000)} s`;

export class FileStateStore implements StateStore {
  readonly location: string;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly host: string | undefined;
  /** Where the good part of the journal ends, once known; a torn tail beyond it is cut before appending. */
  private journalValid: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private held: HeldLock | undefined;

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
    const me: Holder = { ...newHolder(this.host), heartbeatMs: this.heartbeatMs };
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
        return this.hold(lockPath, me);
      } catch (e) {
        if (errno(e) !== "EEXIST") throw e;
      }
      // Someone holds it, or held it: judge whether they are gone.
      let raw: string;
      let mtimeMs: number;
      try {
        raw = await readStateFile(lockPath, "utf8");
        mtimeMs = (await stat(lockPath)).mtimeMs;
      } catch (e) {
        if (errno(e) === "ENOENT") continue; // released meanwhile: try again
        throw e;
      }
      if (!(await this.holderGone(lockPath, raw, mtimeMs, me))) continue; // it changed while watched: judge again
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
        throw new LockedError(`${describeHolder(parseHolder(moved))}; lock file ${lockPath}`);
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new LockedError(`the lock file ${lockPath} keeps changing hands`);
  }

  /**
   * True when the lock's holder is certainly gone; false when the lock file changed meanwhile (judge again);
   * throws LockedError, saying why, while the holder may be alive.
   */
  private async holderGone(lockPath: string, raw: string, mtimeMs: number, me: Holder): Promise<boolean> {
    const holder = parseHolder(raw);
    const held = (why = "") => new LockedError(`${describeHolder(holder)}; lock file ${lockPath}${why}`);
    const age = Date.now() - mtimeMs;
    if (holderOnThisHost(holder, me)) {
      if (holderGoneOnThisHost(holder, me)) return true;
      throw held(
        age > this.staleAfterMs
          ? `; its process is alive although its heartbeat stopped ${seconds(age)} ago (paused or hung?): stop that process, ` +
              `or delete the lock file if that pid is not an ac-export run`
          : "",
      );
    }
    const future = age < -SKEW_TOLERANCE_MS;
    if (!future && age <= this.staleAfterMs) throw held();
    // It looks stale, or comes from the future. Either may be clock skew between hosts: watch whether the heartbeat
    // still moves, which needs no agreement between the clocks.
    const beat = Number.isFinite(holder.heartbeatMs) && holder.heartbeatMs! > 0 ? holder.heartbeatMs! : this.heartbeatMs;
    await sleep(Math.min(beat * 1.5, this.staleAfterMs));
    let now: { raw: string; mtimeMs: number };
    try {
      now = { raw: await readStateFile(lockPath, "utf8"), mtimeMs: (await stat(lockPath)).mtimeMs };
    } catch (e) {
      if (errno(e) === "ENOENT") return false;
      throw e;
    }
    if (now.raw !== raw) return false;
    if (now.mtimeMs === mtimeMs) return true;
    const skew = future
      ? `its heartbeat is ${seconds(age)} ahead of this machine's clock`
      : `its heartbeat looks ${seconds(age)} old by this machine's clock`;
    throw held(
      `; ${skew} but still moves, so the clocks of host ${holder.hostname ?? "?"} and this host differ (clock skew): ` +
        `set both clocks right (NTP); the lock is not taken over`,
    );
  }

  private hold(lockPath: string, me: Holder): StateLock {
    const held: HeldLock = { me, path: lockPath, signal: lostSignal() };
    this.held = held;
    const beat = setInterval(() => {
      void (async () => {
        try {
          await this.checkHolding(held);
          const now = new Date();
          await utimes(lockPath, now, now);
        } catch (e) {
          clearInterval(beat);
          if (held.gone) return;
          const why = errno(e) === "ENOENT" ? "the lock file was removed" : e instanceof Error ? e.message : String(e);
          this.lose(held, why);
        }
      })();
    }, this.heartbeatMs);
    beat.unref();
    return {
      lost: held.signal.lost,
      release: async () => {
        if (held.gone) return;
        held.gone = new LockLostError(`the lock on ${this.location} was released by this run`);
        clearInterval(beat);
        try {
          const holder = parseHolder(await readStateFile(lockPath, "utf8"));
          if (holder.token === me.token) await unlink(lockPath);
        } catch {
          // Already gone, or no longer ours: nothing to release.
        }
      },
    };
  }

  private lose(held: HeldLock, why: string): LockLostError {
    held.gone ??= new LockLostError(`lost the lock on ${this.location}: ${why}`);
    held.signal.reject(held.gone);
    return held.gone;
  }

  /** Throws LockLostError unless the lock file still carries this run's token. */
  private async checkHolding(held: HeldLock): Promise<void> {
    if (held.gone) throw held.gone;
    let raw: string;
    try {
      raw = await readStateFile(held.path, "utf8");
    } catch (e) {
      if (errno(e) === "ENOENT") throw this.lose(held, "the lock file was removed");
      throw e;
    }
    let holder = parseHolder(raw);
    // Another run writes its lock file after creating it: an empty or half-written file is a takeover in progress.
    // Our token is gone either way; read again briefly so the message can name who took over.
    for (let i = 0; i < 5 && holder.token === undefined; i++) {
      await sleep(20);
      holder = parseHolder(await readStateFile(held.path, "utf8").catch(() => ""));
    }
    if (holder.token !== held.me.token) throw this.lose(held, `it was taken over by ${describeHolder(holder)}`);
  }

  /** Refuse a write unless this run holds the lock right now. */
  private async mayWrite(what: string): Promise<void> {
    const held = this.held;
    if (!held) throw new LockLostError(`not writing the ${what} of ${this.location}: this run does not hold the export's lock`);
    try {
      await this.checkHolding(held);
    } catch (e) {
      if (!(e instanceof LockLostError)) throw e;
      throw new LockLostError(`${e.message}; not writing the ${what} (another run may be working on this export)`);
    }
  }

  async load(): Promise<LoadedState> {
    const snapshot = await readStateFile(this.path("snapshot")).catch((e: unknown) => {
      if (errno(e) === "ENOENT") return null;
      throw e;
    });
    const raw = await readStateFile(this.path("journal")).catch((e: unknown) => {
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
      await this.mayWrite("journal");
      if (this.journalValid === undefined) {
        const raw = await readStateFile(journal).catch((e: unknown) => {
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

  writeSnapshot(data: Buffer | ChunkStream): Promise<void> {
    return this.serial(async () => {
      await this.mayWrite("snapshot");
      await atomicWrite(this.path("snapshot"), data, () => this.mayWrite("snapshot"));
      // A crash right here leaves the new snapshot with the old journal, which replays idempotently.
      await this.mayWrite("journal");
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

  /** <state root>/.connections/<hostname>/ (connection-registry.ts). */
  connectionRegistry(hostname: string): ConnectionRegistry {
    return new FileConnectionRegistry(join(dirname(this.location), ".connections", connectionFolder(hostname)));
  }

  async writeArtifact(name: string, data: string | Buffer | ChunkStream): Promise<string> {
    checkArtifactName(name);
    await this.mayWrite(name);
    const path = this.path(name);
    await mkdir(dirname(path), { recursive: true });
    await atomicWrite(path, data, () => this.mayWrite(name));
    return path;
  }

  async loadAux(name: string): Promise<Buffer | null> {
    checkAuxName(name);
    return gunzipOrNull(await readStateFile(this.path(`aux/${name}`)).catch(() => null));
  }

  async writeAux(name: string, data: Buffer): Promise<void> {
    checkAuxName(name);
    await this.mayWrite(`aux/${name}`);
    const path = this.path(`aux/${name}`);
    await mkdir(dirname(path), { recursive: true });
    await atomicWrite(path, gzipAux(data), () => this.mayWrite(`aux/${name}`));
  }
}
